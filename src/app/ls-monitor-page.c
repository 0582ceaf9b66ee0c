/* ls-monitor-page.c — the monitoring report as charts and in words
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ls-application.h"
#include "ls-monitor-page.h"

#include "report/report.h"

/* The charts: the monitor's time series, then the active model's
 * reliability. */
#define N_AREAS (LS_MONITOR_N_CHARTS + 1)
#define RELIABILITY LS_MONITOR_N_CHARTS

struct _LsMonitorPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkStack *stack;
  AdwComboRow *period_row;
  AdwComboRow *bin_row;
  GtkListBox *summary_list;
  GtkBox *charts_box;

  /* Owned */
  GtkDrawingArea *areas[N_AREAS];
  LsSession *session;
  GCancellable *cancellable;
  LsSessionMonitor *monitor;
  guint n_in_flight;
  guint serial;
};

G_DEFINE_FINAL_TYPE (LsMonitorPage, ls_monitor_page, GTK_TYPE_WIDGET)

/* ---- words ---- */

static char *
percent (double fraction)
{
  return isfinite (fraction) ? g_strdup_printf ("%.0f %%", 100 * fraction) : g_strdup ("–");
}

/* Landis and Koch's words for a kappa. */
static const char *
kappa_words (double kappa)
{
  if (!isfinite (kappa))
    return _ ("not defined");
  if (kappa < 0)
    return _ ("poor: less than chance");
  if (kappa <= 0.2)
    return _ ("slight agreement");
  if (kappa <= 0.4)
    return _ ("fair agreement");
  if (kappa <= 0.6)
    return _ ("moderate agreement");
  if (kappa <= 0.8)
    return _ ("substantial agreement");
  return _ ("almost perfect agreement");
}

static char *
class_shares (const LsMonitorReport *r,
              const double *mix)
{
  GString *s = g_string_new (NULL);

  for (int c = 0; c < r->n_classes; c++)
    {
      g_autofree char *p = percent (mix[c]);

      g_string_append_printf (s, "%s%s %s", c > 0 ? ", " : "", ls_application_class_name (r->classes[c]), p);
    }
  return g_string_free (s, FALSE);
}

char *
ls_monitor_drift_text (const LsMonitorDrift *d)
{
  g_autofree char *ood = percent (d->ood_rate);
  g_autofree char *ood_bound = percent (d->ood_rate_bound);

  LsMonitorOptions defaults;

  ls_monitor_options_init (&defaults);
  switch (d->state)
    {
    case LS_MONITOR_DRIFT_TOO_FEW:
      /* The app judges drift with the default options. */
      return g_strdup_printf (ngettext ("No verdict yet: %u prediction of the %u needed.",
                                        "No verdict yet: %u predictions of the %u needed.", d->n),
                              d->n, defaults.drift_min);
    case LS_MONITOR_DRIFT_NONE:
      {
        g_autofree char *mix = isfinite (d->class_mix_distance) ? g_strdup_printf ("%.2f", d->class_mix_distance)
                                                                : g_strdup (_ ("not measured"));

        return g_strdup_printf (_ ("No drift in the last %u predictions: out-of-distribution rate %s (bound %s), "
                                   "class-mix distance %s (bound %.2f)."),
                                d->n, isfinite (d->ood_rate) ? ood : _ ("not measured"), ood_bound, mix,
                                d->class_mix_bound);
      }
    case LS_MONITOR_DRIFT_DETECTED:
      if (d->ood_exceeded && d->class_mix_exceeded)
        return g_strdup_printf (_ ("Recent inputs drift from the training data: %s of the last %u predictions were "
                                   "out of distribution (bound %s), and their class mix is %.2f from the training "
                                   "data's (bound %.2f)."),
                                ood, d->n, ood_bound, d->class_mix_distance, d->class_mix_bound);
      if (d->ood_exceeded)
        return g_strdup_printf (_ ("Recent inputs drift from the training data: %s of the last %u predictions were "
                                   "out of distribution (bound %s)."),
                                ood, d->n, ood_bound);
      return g_strdup_printf (_ ("Recent inputs drift from the training data: the class mix of the last %u "
                                 "predictions is %.2f from the training data's (total variation; bound %.2f)."),
                              d->n, d->class_mix_distance, d->class_mix_bound);
    default:
      g_assert_not_reached ();
    }
}

static void
add_row (LsMonitorPage *self,
         const char *title,
         const char *value,
         const char *css)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  gtk_widget_add_css_class (row, "property");
  if (css != NULL)
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

      gtk_widget_add_css_class (icon, css);
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Warning"), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);
    }
  gtk_list_box_append (self->summary_list, row);
}

static char *
format_time (gint64 usec,
             gint64 bin_seconds)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;

  if (local == NULL)
    return g_strdup ("?");
  return g_date_time_format (local, bin_seconds < LS_MONITOR_BIN_DAY ? "%Y-%m-%d %H:%M" : "%Y-%m-%d");
}

static void
fill_summary (LsMonitorPage *self,
              const char *error)
{
  const LsMonitorReport *r = self->monitor != NULL ? self->monitor->report : NULL;
  const LsMonitorBin *t;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->summary_list))) != NULL)
    gtk_list_box_remove (self->summary_list, child);
  if (r == NULL)
    {
      add_row (self, _ ("Monitoring could not be computed"), error != NULL ? error : "–", "warning");
      return;
    }
  t = &r->total;
  {
    g_autofree char *drift = ls_monitor_drift_text (&r->drift);

    add_row (self, _ ("Drift"), drift, r->drift.state == LS_MONITOR_DRIFT_DETECTED ? "warning" : NULL);
  }
  {
    g_autofree char *text = NULL;
    g_autofree char *first = r->n_bins > 0 ? format_time (r->bins[0].start, r->bin_seconds) : NULL;
    g_autofree char *last = r->n_bins > 0 ? format_time (r->bins[r->n_bins - 1].end, r->bin_seconds) : NULL;

    if (r->n_bins > 0)
      text = g_strdup_printf (ngettext ("%u prediction between %s and %s", "%u predictions between %s and %s",
                                        t->n_predictions),
                              t->n_predictions, first, last);
    else
      text = g_strdup (_ ("None in this period"));
    if (r->n_skipped > 0)
      {
        g_autofree char *more = g_strdup_printf (ngettext ("%s (%u unreadable row skipped)",
                                                           "%s (%u unreadable rows skipped)", r->n_skipped),
                                                 text, r->n_skipped);

        g_free (text);
        text = g_steal_pointer (&more);
      }
    add_row (self, _ ("Predictions"), text, NULL);
  }
  {
    g_autofree char *text = NULL;
    g_autofree char *agree = percent (t->agreement);
    GString *per_class = g_string_new (NULL);

    for (int c = 0; c < r->n_classes; c++)
      if (t->labelled[c] > 0)
        {
          g_autofree char *p = percent (t->class_agreement[c]);

          g_string_append_printf (per_class, "%s%s %s", per_class->len ? ", " : "",
                                  ls_application_class_name (r->classes[c]), p);
        }
    if (t->n_labelled > 0)
      text = g_strdup_printf (ngettext ("%s of %u prediction of a labelled image agrees with its final label (%s)",
                                        "%s of %u predictions of labelled images agree with their final label (%s)",
                                        t->n_labelled),
                              agree, t->n_labelled, per_class->str);
    else
      text = g_strdup (_ ("No prediction of an image with a human label yet"));
    g_string_free (per_class, TRUE);
    add_row (self, _ ("Agreement with the final labels"), text, NULL);
  }
  {
    g_autofree char *text = isfinite (t->kappa) ? g_strdup_printf ("%.2f — %s", t->kappa, kappa_words (t->kappa))
                                                : g_strdup (_ ("Not defined yet: too few labelled predictions, or all of one class"));

    add_row (self, _ ("Cohen's kappa, model against final label"), text, NULL);
  }
  {
    g_autofree char *rate = percent (t->ood_rate);
    g_autofree char *text = t->n_ood_checked > 0
                                ? g_strdup_printf (ngettext ("%s: %u of %u checked input was unlike the training data",
                                                             "%s: %u of %u checked inputs were unlike the training data",
                                                             t->n_ood_checked),
                                                   rate, t->n_ood, t->n_ood_checked)
                                : g_strdup (_ ("Not measured: the models used have no out-of-distribution check"));

    add_row (self, _ ("Out-of-distribution rate"), text, r->drift.ood_exceeded ? "warning" : NULL);
  }
  {
    g_autofree char *rate = percent (t->low_confidence_rate);
    g_autofree char *threshold = percent (r->low_confidence);
    g_autofree char *text = g_strdup_printf (_ ("%s of the predictions had a top probability below %s"), rate,
                                             threshold);

    add_row (self, _ ("Low-confidence rate"), text, NULL);
  }
  {
    g_autofree char *predicted = class_shares (r, r->predicted_mix);
    g_autofree char *training = class_shares (r, r->training_mix);
    g_autofree char *distance = isfinite (r->class_mix_distance) ? g_strdup_printf ("%.2f", r->class_mix_distance)
                                                                 : g_strdup ("–");
    g_autofree char *text = g_strdup_printf (_ ("Predicted: %s\nTraining data (%s, %u images): %s\nDistance: %s "
                                                "(total variation, 0 = the same mix, 1 = nothing in common)"),
                                             predicted,
                                             r->training_from_split ? _ ("training part") : _ ("all labelled"),
                                             r->n_training, training, distance);

    add_row (self, _ ("Class mix"), text, r->drift.class_mix_exceeded ? "warning" : NULL);
  }
  {
    g_autofree char *text = NULL;

    if (r->active_model_id == NULL)
      text = g_strdup (_ ("None"));
    else if (r->active_metrics != NULL)
      text = g_strdup_printf (_ ("%s: test accuracy %.1f %%, calibration error (ECE) %.3f"), r->active_model_id,
                              100 * r->active_metrics->accuracy, r->active_metrics->ece);
    else
      text = g_strdup_printf (_ ("%s: no test metrics on its card"), r->active_model_id);
    add_row (self, _ ("Active model"), text, NULL);
  }
}

/* ---- charts ---- */

static void
chart_draw (GtkDrawingArea *area,
            cairo_t *cr,
            int width,
            int height,
            gpointer data)
{
  LsMonitorPage *self = g_object_get_data (G_OBJECT (area), "ls-page");
  int which = GPOINTER_TO_INT (data);

  if (self == NULL || self->monitor == NULL)
    return;
  ls_application_set_chart_theme (cr);
  if (which == RELIABILITY)
    {
      if (self->monitor->reliability != NULL)
        {
          self->monitor->reliability->reliability.title = _ ("Reliability of the active model (its test part)");
          ls_report_reliability_draw (&self->monitor->reliability->reliability, cr, width, height);
        }
    }
  else
    ls_report_timeseries_draw (&self->monitor->charts->charts[which], cr, width, height);
}

static void
redraw (LsMonitorPage *self)
{
  for (int i = 0; i < N_AREAS; i++)
    gtk_widget_queue_draw (GTK_WIDGET (self->areas[i]));
}

/* ---- computing ---- */

typedef struct
{
  LsMonitorPage *self;
  guint serial;
} Call;

static void
monitor_cb (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  Call *call = user_data;
  LsMonitorPage *self = call->self;
  g_autoptr (GError) error = NULL;
  LsSessionMonitor *m = ls_session_monitor_finish (LS_SESSION (source), result, &error);

  self->n_in_flight--;
  if (m == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    goto out;
  if (call->serial != self->serial)
    {
      ls_session_monitor_free (m);
      goto out;
    }
  g_clear_pointer (&self->monitor, ls_session_monitor_free);
  self->monitor = m;
  fill_summary (self, m == NULL ? error->message : NULL);
  /* No prediction at all (in any period): the empty state. */
  gtk_stack_set_visible_child_name (self->stack,
                                    m != NULL && m->report->total.n_predictions == 0 &&
                                            adw_combo_row_get_selected (self->period_row) == 0
                                        ? "empty"
                                        : "report");
  gtk_widget_set_visible (GTK_WIDGET (self->areas[RELIABILITY]), m != NULL && m->reliability != NULL);
  for (int i = 0; i < LS_MONITOR_N_CHARTS; i++)
    gtk_widget_set_visible (GTK_WIDGET (self->areas[i]), m != NULL);
  redraw (self);
out:
  g_object_unref (call->self);
  g_free (call);
}

void
ls_monitor_page_refresh (LsMonitorPage *self)
{
  static const gint64 periods[] = { 0, 86400, 7 * 86400, 30 * 86400 };
  static const gint64 bins[] = { LS_MONITOR_BIN_AUTO, LS_MONITOR_BIN_HOUR, LS_MONITOR_BIN_DAY,
                                 LS_MONITOR_BIN_WEEK };
  LsMonitorOptions options;
  guint period = adw_combo_row_get_selected (self->period_row);
  guint bin = adw_combo_row_get_selected (self->bin_row);
  Call *call;

  g_return_if_fail (LS_IS_MONITOR_PAGE (self));

  if (self->session == NULL)
    return;
  ls_monitor_options_init (&options);
  if (period > 0 && period < G_N_ELEMENTS (periods))
    options.since = g_get_real_time () - periods[period] * G_USEC_PER_SEC;
  if (bin < G_N_ELEMENTS (bins))
    options.bin_seconds = bins[bin];
  call = g_new0 (Call, 1);
  call->self = g_object_ref (self);
  call->serial = ++self->serial;
  self->n_in_flight++;
  ls_session_monitor_async (self->session, &options, self->cancellable, monitor_cb, call);
}

static void
choice_cb (LsMonitorPage *self)
{
  ls_monitor_page_refresh (self);
}

/* ---- the object ---- */

static void
ls_monitor_page_dispose (GObject *object)
{
  LsMonitorPage *self = LS_MONITOR_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->session);
  if (self->period_row != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->period_row, self);
      g_signal_handlers_disconnect_by_data (self->bin_row, self);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_MONITOR_PAGE);
  G_OBJECT_CLASS (ls_monitor_page_parent_class)->dispose (object);
}

static void
ls_monitor_page_finalize (GObject *object)
{
  LsMonitorPage *self = LS_MONITOR_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->monitor, ls_session_monitor_free);
  G_OBJECT_CLASS (ls_monitor_page_parent_class)->finalize (object);
}

static void
ls_monitor_page_class_init (LsMonitorPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_monitor_page_dispose;
  object_class->finalize = ls_monitor_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/ls-monitor-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LsMonitorPage, stack);
  gtk_widget_class_bind_template_child (widget_class, LsMonitorPage, period_row);
  gtk_widget_class_bind_template_child (widget_class, LsMonitorPage, bin_row);
  gtk_widget_class_bind_template_child (widget_class, LsMonitorPage, summary_list);
  gtk_widget_class_bind_template_child (widget_class, LsMonitorPage, charts_box);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "monitorpage");
}

static void
ls_monitor_page_init (LsMonitorPage *self)
{
  const char *names[N_AREAS] = {
    [LS_MONITOR_CHART_PREDICTIONS] = N_ ("Predictions over time"),
    [LS_MONITOR_CHART_AGREEMENT] = N_ ("Agreement with the final labels and Cohen's kappa over time"),
    [LS_MONITOR_CHART_RATES] = N_ ("Out-of-distribution and low-confidence rates over time"),
    [LS_MONITOR_CHART_CLASS_MIX] = N_ ("Class mix of the predictions over time"),
    [RELIABILITY] = N_ ("Reliability diagram of the active model"),
  };

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  for (int i = 0; i < N_AREAS; i++)
    {
      GtkWidget *area = gtk_drawing_area_new ();

      gtk_widget_set_size_request (area, -1, i == RELIABILITY ? 300 : 240);
      gtk_widget_set_hexpand (area, TRUE);
      gtk_widget_add_css_class (area, "card");
      gtk_accessible_update_property (GTK_ACCESSIBLE (area), GTK_ACCESSIBLE_PROPERTY_LABEL, _ (names[i]), -1);
      g_object_set_data (G_OBJECT (area), "ls-page", self);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), chart_draw, GINT_TO_POINTER (i), NULL);
      gtk_box_append (self->charts_box, area);
      self->areas[i] = GTK_DRAWING_AREA (area);
    }
  g_signal_connect_swapped (self->period_row, "notify::selected", G_CALLBACK (choice_cb), self);
  g_signal_connect_swapped (self->bin_row, "notify::selected", G_CALLBACK (choice_cb), self);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark", G_CALLBACK (redraw), self,
                           G_CONNECT_SWAPPED);
}

GtkWidget *
ls_monitor_page_new (void)
{
  return g_object_new (LS_TYPE_MONITOR_PAGE, NULL);
}

void
ls_monitor_page_set_session (LsMonitorPage *self,
                             LsSession *session)
{
  g_return_if_fail (LS_IS_MONITOR_PAGE (self));

  if (self->session != session)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
    }
  g_set_object (&self->session, session);
  g_clear_pointer (&self->monitor, ls_session_monitor_free);
  self->serial++;
  redraw (self);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  ls_monitor_page_refresh (self);
}

gboolean
ls_monitor_page_is_busy (LsMonitorPage *self)
{
  g_return_val_if_fail (LS_IS_MONITOR_PAGE (self), FALSE);
  return self->n_in_flight > 0;
}

const LsMonitorReport *
ls_monitor_page_get_report (LsMonitorPage *self)
{
  g_return_val_if_fail (LS_IS_MONITOR_PAGE (self), NULL);
  return self->monitor != NULL ? self->monitor->report : NULL;
}
