/* ls-history-page.c — every model of the workspace, its card, charts and
 * run log; Make Active, Export, Delete
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "ls-application.h"
#include "ls-history-page.h"

#include "report/report.h"

struct _LsHistoryPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkStack *stack;
  GtkListBox *models_list;
  AdwPreferencesGroup *details_group;
  GtkListBox *details_list;
  GtkButton *delete_button;
  GtkButton *export_button;
  GtkButton *activate_button;
  AdwPreferencesGroup *charts_group;
  GtkDrawingArea *curves_area;
  GtkDrawingArea *confusion_area;
  GtkDrawingArea *reliability_area;
  GtkLabel *charts_note;
  AdwPreferencesGroup *log_group;
  GtkTextView *log_view;

  /* Owned */
  LsSession *session;
  GCancellable *cancellable;
  GPtrArray *entries; /* LsHistoryEntry, oldest first */
  char *selected_id;  /* the model selected (kept across a refresh), or NULL */
  int selected;       /* index in entries, −1 */
  LsSessionModelDetails *details;
  guint details_serial;
  guint n_in_flight;
  gboolean run_in_progress;
  gboolean filling;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (LsHistoryPage, ls_history_page, GTK_TYPE_WIDGET)

enum
{
  MODEL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void select_index (LsHistoryPage *self,
                          int index);

/* ---- helpers ---- */

static void
toast (LsHistoryPage *self,
       const char *text)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (text));
  else
    g_message ("%s", text);
}

static char *
format_time (gint64 usec)
{
  g_autoptr (GDateTime) utc = usec > 0 ? g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC) : NULL;
  g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;

  return local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M") : g_strdup ("–");
}

/* The first 12 characters of an id: enough to tell models apart. */
static char *
short_id (const char *id)
{
  if (id == NULL)
    return g_strdup ("–");
  return g_utf8_strlen (id, -1) > 14 ? g_strdup_printf ("%.12s…", id) : g_strdup (id);
}

/* A model as people tell it apart: its card's name and the start of its
 * id, or the id alone when the name is not known. */
static char *
model_label (LsHistoryPage *self,
             const char *id)
{
  for (guint i = 0; id != NULL && self->entries != NULL && i < self->entries->len; i++)
    {
      const LsHistoryEntry *p = self->entries->pdata[i];

      if (p->name != NULL && g_strcmp0 (p->model_id, id) == 0)
        return g_strdup_printf ("%s (%.8s)", p->name, id);
    }
  return short_id (id);
}

static char *
metrics_text (const LsHistoryEntry *e)
{
  GString *s = g_string_new (NULL);

  if (isfinite (e->accuracy))
    g_string_append_printf (s, _ ("Accuracy %.1f %%"), 100 * e->accuracy);
  if (isfinite (e->macro_f1))
    {
      g_string_append (s, s->len ? " · " : "");
      g_string_append_printf (s, _ ("macro F1 %.3f"), e->macro_f1);
    }
  if (isfinite (e->ece))
    {
      g_string_append (s, s->len ? " · " : "");
      g_string_append_printf (s, _ ("ECE %.3f"), e->ece);
    }
  if (s->len == 0)
    g_string_append (s, _ ("No test metrics"));
  return g_string_free (s, FALSE);
}

static const char *
status_text (LsHistoryPage *self,
             const LsHistoryEntry *e,
             const char **css)
{
  *css = "dim-label";
  switch (e->status)
    {
    case LS_HISTORY_ACTIVE:
      *css = "success";
      return _ ("Active");
    case LS_HISTORY_AVAILABLE:
      return NULL;
    case LS_HISTORY_DELETED:
      return _ ("Deleted");
    case LS_HISTORY_RUN_UNFINISHED:
      /* Still running: here, or in another process that holds its log
       * (a run whose process is gone is marked interrupted at opening). */
      *css = "accent";
      return _ ("Running");
    case LS_HISTORY_RUN_FAILED:
      *css = "error";
      return _ ("Failed");
    case LS_HISTORY_RUN_CANCELLED:
      return _ ("Cancelled");
    case LS_HISTORY_RUN_INTERRUPTED:
      *css = "warning";
      return _ ("Interrupted");
    default:
      *css = "warning";
      return ls_history_status_to_string (e->status);
    }
}

static const LsHistoryEntry *
selected_entry (LsHistoryPage *self)
{
  if (self->entries == NULL || self->selected < 0 || (guint) self->selected >= self->entries->len)
    return NULL;
  return self->entries->pdata[self->selected];
}

/* Another present model was fine-tuned from @id (the registry refuses to
 * delete a parent). */
static gboolean
has_children (LsHistoryPage *self,
              const char *id)
{
  for (guint i = 0; self->entries != NULL && i < self->entries->len; i++)
    {
      const LsHistoryEntry *e = self->entries->pdata[i];

      if (e->model_id != NULL && e->status != LS_HISTORY_DELETED && g_strcmp0 (e->parent_id, id) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
update_actions (LsHistoryPage *self)
{
  const LsHistoryEntry *e = selected_entry (self);
  gboolean writable = self->session != NULL && !ls_session_is_read_only (self->session);
  gboolean present = e != NULL && e->model_id != NULL &&
                     (e->status == LS_HISTORY_ACTIVE || e->status == LS_HISTORY_AVAILABLE);
  gboolean idle = self->n_in_flight == 0;
  gboolean children = present && has_children (self, e->model_id);
  const char *why_not = NULL;

  if (self->delete_button == NULL)
    return; /* disposed */

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "history.make-active",
                                 idle && writable && present && e->status == LS_HISTORY_AVAILABLE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "history.export", idle && present);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "history.delete",
                                 idle && writable && present && e->status == LS_HISTORY_AVAILABLE && !children);
  if (present && e->status == LS_HISTORY_ACTIVE)
    why_not = _ ("The active model cannot be deleted: make another model active first");
  else if (children)
    why_not = _ ("Models were fine-tuned from this one: delete them first");
  else if (!writable)
    why_not = _ ("This workspace is read-only");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->delete_button), why_not);
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->delete_button)), present);
}

/* A call in flight: the page, the selection it was for, the model. */
typedef struct
{
  LsHistoryPage *self;
  guint serial;
  char *model_id;
} Call;

static Call *
call_new (LsHistoryPage *self,
          const char *model_id)
{
  Call *call = g_new0 (Call, 1);

  call->self = g_object_ref (self);
  call->serial = self->details_serial;
  call->model_id = g_strdup (model_id);
  self->n_in_flight++;
  update_actions (self);
  return call;
}

static void
call_free (Call *call)
{
  call->self->n_in_flight--;
  update_actions (call->self);
  g_object_unref (call->self);
  g_free (call->model_id);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

/* ---- drawing ---- */

/* The selected model's three charts, each area by itself. */
static void
chart_draw (GtkDrawingArea *area,
            cairo_t *cr,
            int width,
            int height,
            gpointer data)
{
  LsHistoryPage *self = data;
  LsSessionModelDetails *d = self->details;

  if (d == NULL)
    return;
  ls_application_set_chart_theme (cr);
  if (area == self->curves_area && d->curves != NULL)
    {
      d->curves->curves.title = _ ("Training curves");
      ls_report_curves_draw (&d->curves->curves, cr, width, height);
    }
  else if (area == self->confusion_area && d->charts != NULL)
    {
      d->charts->confusion.title = _ ("Confusion matrix (test part)");
      ls_report_confusion_draw (&d->charts->confusion, cr, width, height);
    }
  else if (area == self->reliability_area && d->charts != NULL)
    {
      d->charts->reliability.title = _ ("Reliability (test part)");
      ls_report_reliability_draw (&d->charts->reliability, cr, width, height);
    }
}

static void
dark_cb (LsHistoryPage *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->curves_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->confusion_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->reliability_area));
}

/* ---- the details of the selection ---- */

static void
add_detail (LsHistoryPage *self,
            const char *title,
            const char *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value != NULL && *value ? value : "–");
  gtk_widget_add_css_class (row, "property");
  gtk_list_box_append (self->details_list, row);
}

static char *
lineage_text (LsHistoryPage *self,
              const LsHistoryEntry *e)
{
  GString *s = g_string_new (NULL);
  const char *parent = e->parent_id;
  guint guard = 0;

  if (parent == NULL)
    {
      const LsModelCard *card = self->details != NULL ? self->details->card : NULL;

      g_string_free (s, TRUE);
      if (card != NULL && card->card_parent_id != NULL)
        return g_strdup_printf (_ ("From %s (not in this workspace)"), card->card_parent_id);
      return g_strdup (_ ("A root model: trained from scratch or added from a file"));
    }
  {
    g_autofree char *label = model_label (self, parent);

    g_string_append_printf (s, _ ("From %s"), label);
  }
  /* The grandparents, as far as they are listed. */
  while (parent != NULL && guard++ < 64)
    {
      const char *next = NULL;

      for (guint i = 0; i < self->entries->len; i++)
        {
          const LsHistoryEntry *p = self->entries->pdata[i];

          if (g_strcmp0 (p->model_id, parent) == 0)
            next = p->parent_id;
        }
      if (next != NULL)
        {
          g_autofree char *label = model_label (self, next);

          g_string_append_printf (s, " ← %s", label);
        }
      parent = next;
    }
  return g_string_free (s, FALSE);
}

static char *
status_detail (LsHistoryPage *self,
               const LsHistoryEntry *e)
{
  g_autofree char *when = format_time (e->deleted);

  switch (e->status)
    {
    case LS_HISTORY_ACTIVE:
      return g_strdup (_ ("Active: new diagnoses use this model"));
    case LS_HISTORY_AVAILABLE:
      return g_strdup (_ ("Available: make it active to diagnose with it"));
    case LS_HISTORY_DELETED:
      return g_strdup_printf (_ ("Deleted on %s: its file is gone; its lineage and predictions are kept"), when);
    case LS_HISTORY_RUN_UNFINISHED:
      return g_strdup (self->run_in_progress ? _ ("A training run in progress")
                                             : _ ("A training run in progress in another program"));
    case LS_HISTORY_RUN_INTERRUPTED:
      return g_strdup (_ ("A training run interrupted when Lungscope or the computer stopped: it "
                          "made no model"));
    case LS_HISTORY_RUN_FAILED:
      return g_strdup (_ ("A training run that failed: it made no model"));
    case LS_HISTORY_RUN_CANCELLED:
      return g_strdup (_ ("A training run cancelled by the user: it made no model"));
    default:
      return g_strdup_printf (_ ("A training run that made no model (%s)"), ls_history_status_to_string (e->status));
    }
}

static char *
class_names (GStrv classes)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; classes != NULL && classes[i] != NULL; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", ls_application_class_name (classes[i]));
  return g_string_free (s, FALSE);
}

static double
json_number (JsonObject *o,
             const char *name)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
                 (json_node_get_value_type (n) == G_TYPE_INT64 || json_node_get_value_type (n) == G_TYPE_DOUBLE)
             ? json_node_get_double (n)
             : NAN;
}

static JsonObject *
json_child (JsonObject *o,
            const char *name)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

/* The card's training configuration in a line (the whole of it is in the
 * run's log): fine-tuning, epochs, batch, optimizer and learning rate. */
static char *
training_summary (const char *config)
{
  g_autoptr (JsonNode) root = config != NULL ? json_from_string (config, NULL) : NULL;
  JsonObject *o, *optimizer, *finetune;
  GString *s;
  double epochs, batch, lr, corrected;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup (config);
  o = json_node_get_object (root);
  optimizer = json_child (o, "optimizer");
  finetune = json_child (o, "finetune");
  s = g_string_new (NULL);
  corrected = json_number (finetune, "corrected");
  if (finetune != NULL && isfinite (corrected))
    g_string_append_printf (s, ngettext ("Fine-tuned on %.0f corrected label", "Fine-tuned on %.0f corrected labels", (gulong) corrected),
                            corrected);
  else if (finetune != NULL)
    g_string_append (s, _ ("Fine-tuned"));
  epochs = json_number (o, "epochs_run");
  if (!isfinite (epochs))
    epochs = json_number (o, "epochs");
  if (isfinite (epochs))
    {
      g_string_append (s, s->len ? ", " : "");
      g_string_append_printf (s, ngettext ("%.0f epoch", "%.0f epochs", (gulong) epochs), epochs);
    }
  batch = json_number (o, "batch");
  if (isfinite (batch))
    {
      g_string_append (s, s->len ? ", " : "");
      g_string_append_printf (s, _ ("batch %.0f"), batch);
    }
  if (optimizer != NULL && json_object_has_member (optimizer, "kind") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (optimizer, "kind")))
    g_string_append_printf (s, "%s%s", s->len ? ", " : "", json_object_get_string_member (optimizer, "kind"));
  lr = json_number (optimizer, "lr");
  if (!isfinite (lr))
    lr = json_number (o, "lr");
  if (isfinite (lr))
    {
      g_string_append (s, s->len ? ", " : "");
      g_string_append_printf (s, _ ("learning rate %.2g"), lr);
    }
  if (s->len == 0)
    {
      g_string_free (s, TRUE);
      return g_strdup (config);
    }
  return g_string_free (s, FALSE);
}

static void
fill_log (LsHistoryPage *self,
          const LsHistoryEntry *e)
{
  GString *s = g_string_new (NULL);
  g_autofree char *started = format_time (e->run_started);
  g_autofree char *finished = format_time (e->run_finished);

  gtk_widget_set_visible (GTK_WIDGET (self->log_group), e->run_id != NULL);
  if (e->run_id == NULL)
    {
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->log_view), "", -1);
      g_string_free (s, TRUE);
      return;
    }
  g_string_append_printf (s, _ ("Run %s: %s\n"), e->run_id, e->run_status != NULL ? e->run_status : "?");
  if (e->run_finished > 0)
    g_string_append_printf (s, _ ("Started %s, finished %s\n"), started, finished);
  else
    g_string_append_printf (s, _ ("Started %s, not finished\n"), started);
  if (e->run_config_json != NULL)
    g_string_append_printf (s, _ ("Configuration: %s\n"), e->run_config_json);
  if (e->n_epochs > 0)
    {
      /* The headers over the columns below, padded by characters, not
       * bytes: a translation's æ or ø must not shift the columns. */
      const char *headers[] = { _ ("epoch"), _ ("train loss"), _ ("train acc"), _ ("val loss"),
                                _ ("val acc"), _ ("lr"), _ ("s") };
      const int widths[] = { -6, 10, 9, 9, 9, 10, 7 };

      g_string_append_c (s, '\n');
      for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
        {
          long pad = MAX (0, ABS (widths[i]) - g_utf8_strlen (headers[i], -1));

          if (i > 0)
            g_string_append_c (s, ' ');
          if (widths[i] > 0)
            for (long k = 0; k < pad; k++)
              g_string_append_c (s, ' ');
          g_string_append (s, headers[i]);
          if (widths[i] < 0)
            for (long k = 0; k < pad; k++)
              g_string_append_c (s, ' ');
        }
      g_string_append_c (s, '\n');
    }
  for (int i = 0; i < e->n_epochs; i++)
    {
      const LsTrainEpoch *ep = &e->epochs[i];

      g_string_append_printf (s, "%-6d %10.4f %8.1f%% %9.4f %8.1f%% %10.2e %7.1f%s\n", ep->epoch, ep->train_loss,
                              100 * ep->train_accuracy, ep->val_loss, 100 * ep->val_accuracy, ep->lr, ep->seconds,
                              ep->best ? _ ("  best") : "");
    }
  if (e->n_epochs == 0)
    g_string_append (s, _ ("No epoch was logged."));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->log_view), s->str, -1);
  g_string_free (s, TRUE);
}

static void
fill_details (LsHistoryPage *self)
{
  const LsHistoryEntry *e = selected_entry (self);
  const LsSessionModelDetails *d = self->details;
  const LsModelCard *card = d != NULL ? d->card : NULL;
  GtkWidget *child;
  g_autofree char *title = NULL, *status = NULL, *lineage = NULL, *metrics = NULL, *when = NULL;
  g_autofree char *predictions = NULL;
  gboolean curves, charts;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->details_list))) != NULL)
    gtk_list_box_remove (self->details_list, child);
  gtk_widget_set_visible (GTK_WIDGET (self->details_group), e != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->charts_group), e != NULL);
  if (e == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->log_group), FALSE);
      update_actions (self);
      return;
    }
  if (e->model_id != NULL)
    title = g_strdup_printf (_ ("Model %s"), e->model_id);
  else
    title = g_strdup (_ ("Training Run"));
  adw_preferences_group_set_title (self->details_group, title);
  adw_preferences_group_set_description (self->details_group,
                                         card != NULL && card->name != NULL ? card->name : NULL);

  status = status_detail (self, e);
  add_detail (self, _ ("Status"), status);
  when = format_time (e->time);
  add_detail (self, e->model_id != NULL ? _ ("Registered") : _ ("Started"), when);
  if (card != NULL && card->created != NULL)
    {
      /* The card's ISO 8601 time, as the other times on the page. */
      g_autoptr (GDateTime) created = g_date_time_new_from_iso8601 (card->created, NULL);
      g_autoptr (GDateTime) local = created != NULL ? g_date_time_to_local (created) : NULL;
      g_autofree char *text = local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M") : NULL;

      add_detail (self, _ ("Created"), text != NULL ? text : card->created);
    }
  lineage = lineage_text (self, e);
  add_detail (self, _ ("Lineage"), lineage);
  if (e->model_id != NULL)
    {
      metrics = metrics_text (e);
      add_detail (self, _ ("Dataset version"), e->dataset_version);
      add_detail (self, _ ("Test metrics"), metrics);
      predictions = g_strdup_printf (ngettext ("%u prediction logged with this model",
                                               "%u predictions logged with this model", e->n_predictions),
                                     e->n_predictions);
      add_detail (self, _ ("Predictions"), predictions);
    }
  if (card != NULL)
    {
      g_autofree char *classes = class_names (card->classes);
      g_autofree char *network =
          g_strdup_printf (_ ("%d layers, %lu parameters, input %d×%d×%d"), card->n_layers,
                           (gulong) card->n_params, card->input_channels, card->input_size, card->input_size);
      g_autofree char *training = training_summary (card->train_config);

      add_detail (self, _ ("Classes"), classes);
      add_detail (self, _ ("Network"), network);
      add_detail (self, _ ("Training"), training);
      add_detail (self, _ ("File"), card->file);
    }
  else if (d != NULL && d->card_error != NULL)
    add_detail (self, _ ("Model file"), d->card_error);

  curves = d != NULL && d->curves != NULL;
  charts = d != NULL && d->charts != NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->curves_area), curves);
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->confusion_area)), charts);
  if (d == NULL)
    gtk_label_set_label (self->charts_note, _ ("Reading the model…"));
  else if (!curves && !charts)
    gtk_label_set_label (self->charts_note, _ ("No charts: this model has no test metrics and was not trained in "
                                               "this workspace."));
  else if (!curves)
    gtk_label_set_label (self->charts_note, _ ("No training curves: this model was not trained in this "
                                               "workspace."));
  else if (!charts)
    gtk_label_set_label (self->charts_note, _ ("No confusion matrix or reliability diagram: no test metrics were "
                                               "recorded."));
  gtk_widget_set_visible (GTK_WIDGET (self->charts_note), d == NULL || !curves || !charts);
  dark_cb (self);
  fill_log (self, e);
  update_actions (self);
}

static void
details_cb (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  g_autoptr (Call) call = user_data;
  LsHistoryPage *self = call->self;
  g_autoptr (GError) error = NULL;
  LsSessionModelDetails *d = ls_session_model_details_finish (LS_SESSION (source), result, &error);

  if (d == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (call->serial != self->details_serial)
    {
      /* Another row was selected meanwhile. */
      ls_session_model_details_free (d);
      return;
    }
  if (d == NULL)
    {
      d = g_new0 (LsSessionModelDetails, 1);
      d->card_error = g_strdup (error->message);
    }
  g_clear_pointer (&self->details, ls_session_model_details_free);
  self->details = d;
  fill_details (self);
}

static void
select_index (LsHistoryPage *self,
              int index)
{
  const LsHistoryEntry *e;

  self->selected = index;
  e = selected_entry (self);
  g_free (self->selected_id);
  self->selected_id = e != NULL ? g_strdup (e->model_id != NULL ? e->model_id : e->run_id) : NULL;
  g_clear_pointer (&self->details, ls_session_model_details_free);
  self->details_serial++;
  fill_details (self);
  if (e == NULL || self->session == NULL)
    return;
  ls_session_model_details_async (self->session, e, self->cancellable, details_cb, call_new (self, e->model_id));
}

static void
row_selected_cb (GtkListBox *list,
                 GtkListBoxRow *row,
                 LsHistoryPage *self)
{
  if (self->filling)
    return;
  select_index (self, row != NULL ? GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "index")) : -1);
}

/* ---- the list ---- */

static GtkWidget *
make_row (LsHistoryPage *self,
          const LsHistoryEntry *e,
          int index)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *metrics = NULL, *when = NULL, *subtitle = NULL, *title = NULL;
  GString *line = g_string_new (NULL);
  const char *css, *status = status_text (self, e, &css);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  when = format_time (e->time);
  if (e->model_id != NULL)
    {
      g_autofree char *parent = model_label (self, e->parent_id);

      title = g_strdup (e->name != NULL ? e->name : e->model_id);
      metrics = metrics_text (e);
      if (e->name != NULL)
        g_string_append_printf (line, "%.8s · ", e->model_id);
      if (e->parent_id != NULL)
        g_string_append_printf (line, _ ("from %s · "), parent);
      if (e->dataset_version != NULL && *e->dataset_version)
        g_string_append_printf (line, _ ("data %.8s · "), e->dataset_version);
      g_string_append (line, when);
      subtitle = g_strdup_printf ("%s\n%s", metrics, line->str);
    }
  else
    {
      g_autofree char *parent = model_label (self, e->parent_id);

      title = g_strdup_printf (_ ("Training run from %s"), parent);
      subtitle = g_strdup_printf (ngettext ("%s · %d epoch", "%s · %d epochs", e->n_epochs), when, e->n_epochs);
    }
  g_string_free (line, TRUE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (e->depth > 0)
    {
      GtkWidget *arrow = gtk_image_new_from_icon_name ("mail-forward-symbolic");

      gtk_widget_set_margin_start (arrow, 18 * MIN (e->depth - 1, 6));
      gtk_widget_add_css_class (arrow, "dim-label");
      gtk_accessible_update_property (GTK_ACCESSIBLE (arrow), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ ("Fine-tuned from the model above"), -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), arrow);
    }
  if (status != NULL)
    {
      GtkWidget *label = gtk_label_new (status);

      gtk_widget_add_css_class (label, "caption-heading");
      gtk_widget_add_css_class (label, css);
      gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  if (e->status == LS_HISTORY_DELETED)
    gtk_widget_add_css_class (row, "dim-label");
  g_object_set_data (G_OBJECT (row), "index", GINT_TO_POINTER (index));
  return row;
}

static void
fill_list (LsHistoryPage *self)
{
  GtkWidget *child;
  int select = -1, active = -1;

  self->filling = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->models_list))) != NULL)
    gtk_list_box_remove (self->models_list, child);
  for (guint i = 0; self->entries != NULL && i < self->entries->len; i++)
    {
      const LsHistoryEntry *e = self->entries->pdata[i];

      gtk_list_box_append (self->models_list, make_row (self, e, (int) i));
      if (e->status == LS_HISTORY_ACTIVE)
        active = (int) i;
      if (self->selected_id != NULL &&
          g_strcmp0 (self->selected_id, e->model_id != NULL ? e->model_id : e->run_id) == 0)
        select = (int) i;
    }
  if (select < 0)
    select = active;
  if (select >= 0)
    gtk_list_box_select_row (self->models_list, gtk_list_box_get_row_at_index (self->models_list, select));
  self->filling = FALSE;
  gtk_stack_set_visible_child_name (self->stack,
                                    self->entries != NULL && self->entries->len > 0 ? "list" : "empty");
  select_index (self, select);
}

static void
history_cb (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  g_autoptr (Call) call = user_data;
  LsHistoryPage *self = call->self;
  g_autoptr (GError) error = NULL;
  GPtrArray *entries = ls_session_history_finish (LS_SESSION (source), result, &error);

  if (entries == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }
  if (LS_SESSION (source) != self->session)
    {
      g_ptr_array_unref (entries);
      return;
    }
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  self->entries = entries;
  fill_list (self);
}

void
ls_history_page_refresh (LsHistoryPage *self)
{
  g_return_if_fail (LS_IS_HISTORY_PAGE (self));

  if (self->session == NULL)
    return;
  ls_session_history_async (self->session, self->cancellable, history_cb, call_new (self, NULL));
}

/* ---- actions ---- */

static void
promote_cb (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  g_autoptr (Call) call = user_data;
  LsHistoryPage *self = call->self;
  g_autoptr (GError) error = NULL;

  if (!ls_session_model_action_finish (LS_SESSION (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      ls_history_page_refresh (self);
      return;
    }
  ls_history_page_refresh (self);
  g_signal_emit (self, signals[MODEL_CHANGED], 0, call->model_id);
}

static void
delete_cb (GObject *source,
           GAsyncResult *result,
           gpointer user_data)
{
  g_autoptr (Call) call = user_data;
  LsHistoryPage *self = call->self;
  g_autoptr (GError) error = NULL;

  if (!ls_session_model_action_finish (LS_SESSION (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
    }
  else
    toast (self, _ ("Model deleted; its predictions are kept"));
  ls_history_page_refresh (self);
}

static void
export_cb (GObject *source,
           GAsyncResult *result,
           gpointer user_data)
{
  g_autoptr (Call) call = user_data;
  LsHistoryPage *self = call->self;
  g_autoptr (GError) error = NULL;

  if (!ls_session_model_action_finish (LS_SESSION (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
    }
  else
    toast (self, _ ("Model file exported"));
}

void
ls_history_page_export_to (LsHistoryPage *self,
                           const char *path)
{
  const LsHistoryEntry *e;

  g_return_if_fail (LS_IS_HISTORY_PAGE (self));

  e = selected_entry (self);
  if (e == NULL || e->model_id == NULL || self->session == NULL || path == NULL)
    return;
  ls_session_export_model_async (self->session, e->model_id, path, self->cancellable, export_cb,
                                 call_new (self, e->model_id));
}

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int response,
                     LsHistoryPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        ls_history_page_export_to (self, path);
    }
  g_clear_object (&self->chooser);
}

static void
export_dialog (LsHistoryPage *self)
{
  const LsHistoryEntry *e = selected_entry (self);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *name = NULL;
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  if (e == NULL || e->model_id == NULL)
    return;
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_ ("Export Model File"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Export"), _ ("_Cancel"));
  name = g_strdup_printf ("%s.safetensors", e->model_id);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  gtk_file_filter_set_name (filter, _ ("Lungscope model files"));
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char *response,
                    LsHistoryPage *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "ls-model-id");

  if (g_str_equal (response, "delete") && self->session != NULL && id != NULL)
    {
      ls_session_delete_model_async (self->session, id, self->cancellable, delete_cb, call_new (self, id));
    }
}

static void
delete_dialog (LsHistoryPage *self)
{
  const LsHistoryEntry *e = selected_entry (self);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (e == NULL || e->model_id == NULL)
    return;
  body = g_strdup_printf (ngettext ("The file of model %s is removed. The model stays listed as deleted, with its "
                                    "lineage and the %u prediction made with it, for monitoring. It cannot be made "
                                    "active again unless its file is added again.",
                                    "The file of model %s is removed. The model stays listed as deleted, with its "
                                    "lineage and the %u predictions made with it, for monitoring. It cannot be made "
                                    "active again unless its file is added again.",
                                    e->n_predictions),
                          e->model_id, e->n_predictions);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _ ("Delete Model?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "delete", _ ("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "ls-model-id", g_strdup (e->model_id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
action_cb (GtkWidget *widget,
           const char *name,
           GVariant *parameter)
{
  LsHistoryPage *self = LS_HISTORY_PAGE (widget);
  const LsHistoryEntry *e = selected_entry (self);

  if (e == NULL || e->model_id == NULL || self->session == NULL)
    return;
  if (g_str_equal (name, "history.make-active"))
    ls_session_promote_model_async (self->session, e->model_id, self->cancellable, promote_cb,
                                    call_new (self, e->model_id));
  else if (g_str_equal (name, "history.export"))
    export_dialog (self);
  else if (g_str_equal (name, "history.delete"))
    delete_dialog (self);
}

/* ---- the object ---- */

static void
ls_history_page_dispose (GObject *object)
{
  LsHistoryPage *self = LS_HISTORY_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  /* The list box selects nothing as its rows go. */
  if (self->models_list != NULL)
    g_signal_handlers_disconnect_by_data (self->models_list, self);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_HISTORY_PAGE);
  G_OBJECT_CLASS (ls_history_page_parent_class)->dispose (object);
}

static void
ls_history_page_finalize (GObject *object)
{
  LsHistoryPage *self = LS_HISTORY_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->details, ls_session_model_details_free);
  g_free (self->selected_id);
  G_OBJECT_CLASS (ls_history_page_parent_class)->finalize (object);
}

static void
ls_history_page_class_init (LsHistoryPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_history_page_dispose;
  object_class->finalize = ls_history_page_finalize;

  signals[MODEL_CHANGED] = g_signal_new ("model-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                         NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/ls-history-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, stack);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, models_list);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, details_group);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, details_list);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, delete_button);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, export_button);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, activate_button);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, charts_group);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, curves_area);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, confusion_area);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, reliability_area);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, charts_note);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, log_group);
  gtk_widget_class_bind_template_child (widget_class, LsHistoryPage, log_view);
  gtk_widget_class_install_action (widget_class, "history.make-active", NULL, action_cb);
  gtk_widget_class_install_action (widget_class, "history.export", NULL, action_cb);
  gtk_widget_class_install_action (widget_class, "history.delete", NULL, action_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "historypage");
}

static void
ls_history_page_init (LsHistoryPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->selected = -1;
  gtk_drawing_area_set_draw_func (self->curves_area, chart_draw, self, NULL);
  gtk_drawing_area_set_draw_func (self->confusion_area, chart_draw, self, NULL);
  gtk_drawing_area_set_draw_func (self->reliability_area, chart_draw, self, NULL);
  g_signal_connect (self->models_list, "row-selected", G_CALLBACK (row_selected_cb), self);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark", G_CALLBACK (dark_cb), self,
                           G_CONNECT_SWAPPED);
  fill_details (self);
}

GtkWidget *
ls_history_page_new (void)
{
  return g_object_new (LS_TYPE_HISTORY_PAGE, NULL);
}

void
ls_history_page_set_session (LsHistoryPage *self,
                             LsSession *session)
{
  g_return_if_fail (LS_IS_HISTORY_PAGE (self));

  if (self->session != session)
    {
      /* What was in flight was for the other workspace. */
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      g_clear_pointer (&self->selected_id, g_free);
    }
  g_set_object (&self->session, session);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  fill_list (self);
  ls_history_page_refresh (self);
}

void
ls_history_page_set_run_in_progress (LsHistoryPage *self,
                                     gboolean running)
{
  g_return_if_fail (LS_IS_HISTORY_PAGE (self));

  if (self->run_in_progress == running)
    return;
  self->run_in_progress = running;
  if (self->entries != NULL)
    fill_list (self);
}

gboolean
ls_history_page_select_model (LsHistoryPage *self,
                              const char *model_id)
{
  g_return_val_if_fail (LS_IS_HISTORY_PAGE (self), FALSE);

  for (guint i = 0; self->entries != NULL && i < self->entries->len; i++)
    {
      const LsHistoryEntry *e = self->entries->pdata[i];

      if (g_strcmp0 (e->model_id, model_id) == 0)
        {
          gtk_list_box_select_row (self->models_list, gtk_list_box_get_row_at_index (self->models_list, (int) i));
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
ls_history_page_is_busy (LsHistoryPage *self)
{
  g_return_val_if_fail (LS_IS_HISTORY_PAGE (self), FALSE);
  return self->n_in_flight > 0;
}

GPtrArray *
ls_history_page_get_entries (LsHistoryPage *self)
{
  g_return_val_if_fail (LS_IS_HISTORY_PAGE (self), NULL);
  return self->entries;
}

const LsHistoryEntry *
ls_history_page_get_selected (LsHistoryPage *self)
{
  g_return_val_if_fail (LS_IS_HISTORY_PAGE (self), NULL);
  return selected_entry (self);
}

const LsSessionModelDetails *
ls_history_page_get_details (LsHistoryPage *self)
{
  g_return_val_if_fail (LS_IS_HISTORY_PAGE (self), NULL);
  return self->details;
}
