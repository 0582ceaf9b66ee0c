/* ls-queue-bar.c — the review queues beside the gallery
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>

#include "ls-application.h"
#include "ls-queue-bar.h"

/* Label changes closer together than this are read once. */
#define REFRESH_DELAY_MS 300

struct _LsQueueBar
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkToggleButton *unlabelled_button;
  GtkToggleButton *disagree_button;
  GtkToggleButton *uncertain_button;
  GtkToggleButton *errors_button;
  GtkLabel *unlabelled_count;
  GtkLabel *disagree_count;
  GtkLabel *uncertain_count;
  GtkLabel *errors_count;
  GtkBox *note_box;
  GtkLabel *note_label;
  GtkButton *crossval_button;
  GtkButton *read_button;
  GtkButton *cancel_button;
  GtkRevealer *crossval_revealer;
  GtkLabel *crossval_label;
  GtkProgressBar *crossval_bar;
  GtkLabel *crossval_detail;

  /* Owned references */
  LsSession *session;
  LsImageList *list;
  GCancellable *cancellable;          /* the workspace's reads; cancelled when it goes */
  GCancellable *crossval_cancellable; /* the cross-validation or the reading in flight */
  LsQueue *current;                   /* the chosen queue as last read */

  int queue; /* LsQueueKind or LS_QUEUE_BAR_NONE */
  LsQueueCounts counts;
  gboolean have_counts;
  gboolean reading; /* a read in flight */
  gboolean dirty;   /* read again when it ends */
  guint refresh_source;
  gboolean updating_buttons;
  gint64 crossval_started;
  char *crossval_step;     /* "Fold 2 of 5, epoch 3 of 10" */
  gboolean reading_unread; /* the job in flight reads images, not cross-validates */
  char *job_path;          /* the workspace of the job in flight */
  gulong job_chain;        /* its cancellable's link to the workspace's */
  gboolean job_reopened;   /* stopped because its workspace was opened again */
  gboolean job_left;       /* stopped because another workspace (or none) was opened */
};

G_DEFINE_FINAL_TYPE (LsQueueBar, ls_queue_bar, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_QUEUE,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_read (LsQueueBar *self);

GtkButton *
ls_queue_bar_get_read_button (LsQueueBar *self)
{
  g_return_val_if_fail (LS_IS_QUEUE_BAR (self), NULL);
  return self->read_button;
}

GtkProgressBar *
ls_queue_bar_get_progress_bar (LsQueueBar *self)
{
  g_return_val_if_fail (LS_IS_QUEUE_BAR (self), NULL);
  return self->crossval_bar;
}

GtkToggleButton *
ls_queue_bar_get_button (LsQueueBar *self,
                         LsQueueKind kind)
{
  g_return_val_if_fail (LS_IS_QUEUE_BAR (self), NULL);

  switch (kind)
    {
    case LS_QUEUE_UNLABELLED:
      return self->unlabelled_button;
    case LS_QUEUE_DISAGREE:
      return self->disagree_button;
    case LS_QUEUE_UNCERTAIN:
      return self->uncertain_button;
    case LS_QUEUE_LABEL_ERRORS:
      return self->errors_button;
    default:
      g_return_val_if_reached (NULL);
    }
}

static GtkLabel *
count_label (LsQueueBar *self,
             LsQueueKind kind)
{
  GtkLabel *labels[] = { self->unlabelled_count, self->disagree_count, self->uncertain_count,
                         self->errors_count };

  return labels[kind];
}

static const char *
queue_title (LsQueueKind kind)
{
  switch (kind)
    {
    case LS_QUEUE_UNLABELLED:
      return _ ("Unlabelled");
    case LS_QUEUE_DISAGREE:
      return _ ("Disagrees");
    case LS_QUEUE_UNCERTAIN:
      return _ ("Uncertain");
    case LS_QUEUE_LABEL_ERRORS:
      return _ ("Label errors");
    default:
      g_return_val_if_reached (NULL);
    }
}

/* ---- what the bar shows ---- */

static void
update_buttons (LsQueueBar *self)
{
  self->updating_buttons = TRUE;
  for (guint k = 0; k < LS_QUEUE_N_KINDS; k++)
    {
      GtkToggleButton *button = ls_queue_bar_get_button (self, (LsQueueKind) k);
      g_autofree char *count = NULL, *name = NULL;

      if (self->have_counts)
        {
          count = g_strdup_printf ("%u", self->counts.counts[k]);
          /* Translators: a review queue's button: "Unlabelled queue, 60 images" */
          name = g_strdup_printf (ngettext ("%s queue, %u image", "%s queue, %u images", self->counts.counts[k]),
                                  queue_title ((LsQueueKind) k), self->counts.counts[k]);
        }
      else
        name = g_strdup_printf (_ ("%s queue"), queue_title ((LsQueueKind) k));
      gtk_label_set_label (count_label (self, (LsQueueKind) k), count != NULL ? count : "");
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      gtk_toggle_button_set_active (button, self->queue == (int) k);
      gtk_widget_set_sensitive (GTK_WIDGET (button), self->session != NULL);
    }
  self->updating_buttons = FALSE;
}

static void
append_unranked (GString *text,
                 const LsQueue *q)
{
  if (q->n_unranked == 0)
    return;
  g_string_append_c (text, ' ');
  g_string_append_printf (text,
                          ngettext ("%u image has no prediction by the active model yet.",
                                    "%u images have no prediction by the active model yet.", q->n_unranked),
                          q->n_unranked);
}

static void
update_note (LsQueueBar *self)
{
  const LsQueue *q = self->current;
  g_autoptr (GString) text = g_string_new (NULL);
  gboolean offer_crossval = FALSE;

  if (self->queue == LS_QUEUE_BAR_NONE)
    {
      gtk_label_set_label (self->note_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->note_box), FALSE);
      return;
    }
  if (q == NULL || (int) q->kind != self->queue)
    g_string_append (text, _ ("Reading the queue…"));
  else
    switch (q->kind)
      {
      case LS_QUEUE_UNLABELLED:
        g_string_append (text, _ ("Images without a label, in import order. Label with 1, 2, 3: the next "
                                  "image follows."));
        break;
      case LS_QUEUE_DISAGREE:
        if (q->source == LS_QUEUE_SOURCE_NONE)
          g_string_append (text, _ ("No model to compare the labels with."));
        else
          g_string_append (text, _ ("The active model reads these as another class; the least confident "
                                    "in the label first."));
        append_unranked (text, q);
        break;
      case LS_QUEUE_UNCERTAIN:
        if (q->source == LS_QUEUE_SOURCE_NONE)
          g_string_append (text, _ ("No model to rank the images with."));
        else
          g_string_append (text, _ ("The most uncertain first (entropy of the active model’s "
                                    "probabilities)."));
        append_unranked (text, q);
        break;
      case LS_QUEUE_LABEL_ERRORS:
        if (q->source == LS_QUEUE_SOURCE_CROSSVAL)
          g_string_append_printf (text, _ ("Ranked out of fold, by cross-validation run %.8s."), q->source_id);
        else if (q->in_sample)
          {
            g_string_append (text, _ ("Ranked by the active model (in-sample); run cross-validation for "
                                      "out-of-fold ranking."));
            offer_crossval = TRUE;
          }
        else
          {
            g_string_append (text, _ ("No probabilities to rank with yet: run cross-validation."));
            offer_crossval = TRUE;
          }
        if (q->source != LS_QUEUE_SOURCE_NONE)
          append_unranked (text, q);
        break;
      default:
        g_assert_not_reached ();
      }
  gtk_label_set_label (self->note_label, text->str);
  gtk_widget_set_visible (GTK_WIDGET (self->read_button), q != NULL && (int) q->kind == self->queue &&
                                                              q->n_unranked > 0 &&
                                                              q->source == LS_QUEUE_SOURCE_ACTIVE_MODEL);
  gtk_widget_set_visible (GTK_WIDGET (self->crossval_button), offer_crossval);
  gtk_widget_set_visible (GTK_WIDGET (self->note_box), TRUE);
}

/* ---- reading the store ---- */

typedef struct
{
  LsQueueBar *self; /* a reference */
  GCancellable *cancellable;
} ReadCall;

static void
read_cb (GObject *source,
         GAsyncResult *result,
         gpointer user_data)
{
  ReadCall *call = user_data;
  LsQueueBar *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSessionQueues) q = ls_session_queues_finish (LS_SESSION (source), result, &error);
  gboolean current = call->cancellable == self->cancellable;

  g_object_unref (call->cancellable);
  g_free (call);
  if (!current)
    {
      /* An old workspace's read. */
      g_object_unref (self);
      return;
    }
  self->reading = FALSE;
  if (q == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_signal_emit (self, signals[MESSAGE], 0, error->message);
    }
  else
    {
      self->counts = q->counts;
      self->have_counts = TRUE;
      /* A queue read before another was chosen is of no use. */
      if (q->queue != NULL && (int) q->queue->kind == self->queue)
        {
          g_autoptr (GPtrArray) hashes = g_ptr_array_new ();

          for (guint i = 0; i < q->queue->n_entries; i++)
            g_ptr_array_add (hashes, q->queue->entries[i].sha256);
          g_ptr_array_add (hashes, NULL);
          if (self->list != NULL)
            ls_image_list_set_queue (self->list, (const char *const *) hashes->pdata);
          g_clear_pointer (&self->current, ls_queue_free);
          self->current = g_steal_pointer (&q->queue);
        }
      update_buttons (self);
      update_note (self);
    }
  if (self->dirty)
    {
      self->dirty = FALSE;
      start_read (self);
    }
  g_object_unref (self);
}

static void
start_read (LsQueueBar *self)
{
  ReadCall *call;

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->session == NULL)
    return;
  if (self->reading)
    {
      self->dirty = TRUE;
      return;
    }
  self->reading = TRUE;
  call = g_new0 (ReadCall, 1);
  call->self = g_object_ref (self);
  call->cancellable = g_object_ref (self->cancellable);
  ls_session_queues_async (self->session,
                           self->queue == LS_QUEUE_BAR_NONE ? LS_SESSION_NO_QUEUE : (LsQueueKind) self->queue,
                           self->cancellable, read_cb, call);
}

static gboolean
refresh_timeout_cb (gpointer data)
{
  LsQueueBar *self = data;

  self->refresh_source = 0;
  start_read (self);
  return G_SOURCE_REMOVE;
}

void
ls_queue_bar_refresh (LsQueueBar *self)
{
  g_return_if_fail (LS_IS_QUEUE_BAR (self));

  if (self->session == NULL || self->refresh_source != 0)
    return;
  self->refresh_source = g_timeout_add (REFRESH_DELAY_MS, refresh_timeout_cb, self);
}

/* ---- choosing a queue ---- */

void
ls_queue_bar_set_queue (LsQueueBar *self,
                        int queue)
{
  g_return_if_fail (LS_IS_QUEUE_BAR (self));
  g_return_if_fail (queue == LS_QUEUE_BAR_NONE || (queue >= 0 && queue < LS_QUEUE_N_KINDS));

  if (queue == self->queue)
    return;
  self->queue = queue;
  if (queue == LS_QUEUE_BAR_NONE)
    {
      g_clear_pointer (&self->current, ls_queue_free);
      if (self->list != NULL)
        ls_image_list_set_queue (self->list, NULL);
    }
  else
    start_read (self);
  update_buttons (self);
  update_note (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUE]);
}

static void
button_toggled_cb (GtkToggleButton *button,
                   LsQueueBar *self)
{
  int kind = -1;

  if (self->updating_buttons)
    return;
  for (guint k = 0; k < LS_QUEUE_N_KINDS; k++)
    if (ls_queue_bar_get_button (self, (LsQueueKind) k) == button)
      kind = (int) k;
  g_return_if_fail (kind >= 0);
  if (gtk_toggle_button_get_active (button))
    ls_queue_bar_set_queue (self, kind);
  else if (self->queue == kind)
    ls_queue_bar_set_queue (self, LS_QUEUE_BAR_NONE);
}

/* ---- the job in flight (a cross-validation or a reading) ---- */

/* " · about N s left" when an estimate is worth showing. */
static void
append_time_left (GString *text,
                  double elapsed,
                  double fraction)
{
  g_autofree char *left = ls_application_time_left (elapsed, fraction);

  if (left != NULL)
    g_string_append_printf (text, " · %s", left);
}

/* The job's cancellable, cancelled with the workspace's reads. */
static void
job_begin (LsQueueBar *self,
           gboolean reading)
{
  self->crossval_cancellable = g_cancellable_new ();
  self->reading_unread = reading;
  self->job_reopened = FALSE;
  self->job_left = FALSE;
  g_free (self->job_path);
  self->job_path = g_strdup (ls_session_get_path (self->session));
  self->job_chain = g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                                             self->crossval_cancellable, G_CONNECT_SWAPPED);
  self->crossval_started = g_get_monotonic_time ();
}

static void
job_end (LsQueueBar *self)
{
  g_clear_object (&self->crossval_cancellable);
  self->reading_unread = FALSE;
  self->job_chain = 0;
  /* (After dispose, when the window closed meanwhile, the template's
   * widgets are gone.) */
  if (self->crossval_revealer != NULL)
    gtk_revealer_set_reveal_child (self->crossval_revealer, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* The job's workspace is still the one shown. */
static gboolean
job_is_current (LsQueueBar *self)
{
  return self->session != NULL && g_strcmp0 (ls_session_get_path (self->session), self->job_path) == 0;
}

/* ---- cross-validation ---- */

static void
crossval_progress_cb (double fraction,
                      const char *message,
                      gpointer user_data)
{
  LsQueueBar *self = user_data;
  double elapsed = (g_get_monotonic_time () - self->crossval_started) / 1e6;
  g_autoptr (GString) text = g_string_new (NULL);
  int fold, folds, epoch, epochs, used = 0;

  gtk_progress_bar_set_fraction (self->crossval_bar, CLAMP (fraction, 0, 1));
  if (message != NULL)
    {
      const char *rest = message;

      /* The pipeline's "fold 2/5: epoch 3/10, batch …", in words. */
      g_clear_pointer (&self->crossval_step, g_free);
      if (sscanf (message, "fold %d/%d: %n", &fold, &folds, &used) == 2 && used > 0)
        {
          rest = message + used;
          used = 0;
          if (sscanf (rest, "epoch %d/%d%n", &epoch, &epochs, &used) == 2 && used > 0)
            {
              self->crossval_step = g_strdup_printf (_ ("Fold %d of %d, epoch %d of %d"), fold, folds, epoch,
                                                     epochs);
              rest += used;
              while (*rest == ',' || *rest == ' ')
                rest++;
            }
          else
            self->crossval_step = g_strdup_printf (_ ("Fold %d of %d"), fold, folds);
        }
      gtk_label_set_label (self->crossval_detail, rest);
    }
  g_string_append (text, self->crossval_step != NULL ? self->crossval_step : _ ("Cross-validation"));
  append_time_left (text, elapsed, fraction);
  gtk_label_set_label (self->crossval_label, text->str);
}

static void
crossval_cb (GObject *source,
             GAsyncResult *result,
             gpointer user_data)
{
  g_autoptr (LsQueueBar) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsCrossval) cv = ls_session_crossval_finish (LS_SESSION (source), result, &error);
  g_autofree char *text = NULL;

  g_clear_pointer (&self->crossval_step, g_free);
  job_end (self);
  if (cv != NULL)
    text = g_strdup_printf (ngettext ("Cross-validation done: %d folds, %u image; label errors are now "
                                      "ranked out of fold",
                                      "Cross-validation done: %d folds, %u images; label errors are now "
                                      "ranked out of fold",
                                      cv->n_images),
                            cv->folds, cv->n_images);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    text = g_strdup (_ ("Cross-validation cancelled: nothing was stored"));
  else
    text = g_strdup_printf (_ ("Cross-validation failed: %s"), error->message);
  if (!job_is_current (self))
    return;
  g_signal_emit (self, signals[MESSAGE], 0, text);
  start_read (self);
  update_note (self);
}

void
ls_queue_bar_run_crossval (LsQueueBar *self,
                           int folds,
                           int epochs)
{
  g_return_if_fail (LS_IS_QUEUE_BAR (self));

  if (self->session == NULL || self->crossval_cancellable != NULL)
    return;
  job_begin (self, FALSE);
  gtk_progress_bar_set_fraction (self->crossval_bar, 0);
  gtk_label_set_label (self->crossval_label, _ ("Cross-validation: starting…"));
  gtk_label_set_label (self->crossval_detail, "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->cancel_button), _ ("Cancel the cross-validation"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->cancel_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Cancel the cross-validation"), -1);
  gtk_revealer_set_reveal_child (self->crossval_revealer, TRUE);
  ls_session_crossval_async (self->session, folds, epochs, crossval_progress_cb, self, self->crossval_cancellable,
                             crossval_cb, g_object_ref (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* ---- reading the images without a prediction ---- */

static void
read_progress_cb (double fraction,
                  const char *message,
                  gpointer user_data)
{
  LsQueueBar *self = user_data;
  double elapsed = (g_get_monotonic_time () - self->crossval_started) / 1e6;
  g_autoptr (GString) text = g_string_new (NULL);
  guint i = 0, n = 0;
  int used = 0;

  gtk_progress_bar_set_fraction (self->crossval_bar, CLAMP (fraction, 0, 1));
  /* The pipeline's "image 12/40: NAME", in words. */
  if (message != NULL && sscanf (message, "image %u/%u: %n", &i, &n, &used) == 2 && used > 0)
    {
      g_string_append_printf (text, ngettext ("Read %u of %u image", "Read %u of %u images", n), i, n);
      gtk_label_set_label (self->crossval_detail, message + used);
    }
  else
    g_string_append (text, _ ("Reading the images"));
  append_time_left (text, elapsed, fraction);
  gtk_label_set_label (self->crossval_label, text->str);
}

static void
read_list_updated_cb (GObject *source,
                      GAsyncResult *result,
                      gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!ls_image_list_update_finish (LS_IMAGE_LIST (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("cannot read the gallery's images again: %s", error->message);
}

static void
read_unread_cb (GObject *source,
                GAsyncResult *result,
                gpointer user_data)
{
  g_autoptr (LsQueueBar) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsPredictUnread) read = ls_session_predict_unread_finish (LS_SESSION (source), result, &error);
  gboolean cancelled = self->crossval_cancellable != NULL && g_cancellable_is_cancelled (self->crossval_cancellable);
  gboolean reopened = self->job_reopened, left = self->job_left;
  g_autoptr (GString) text = g_string_new (NULL);

  job_end (self);
  if (read == NULL)
    g_string_append_printf (text, _ ("The images were not read: %s"), error->message);
  else
    {
      if (left)
        g_string_append_printf (text,
                                ngettext ("Reading stopped after %u image: another workspace was opened",
                                          "Reading stopped after %u images: another workspace was opened",
                                          read->n_read),
                                read->n_read);
      else if (reopened)
        g_string_append_printf (text,
                                ngettext ("Reading stopped after %u image: the workspace was opened again "
                                          "(another model may be active)",
                                          "Reading stopped after %u images: the workspace was opened again "
                                          "(another model may be active)",
                                          read->n_read),
                                read->n_read);
      else if (cancelled && read->n_read == 0)
        g_string_append (text, _ ("Reading stopped before the first image"));
      else if (cancelled)
        g_string_append_printf (text,
                                ngettext ("Reading stopped after %u image; what was read is logged",
                                          "Reading stopped after %u images; what was read is logged", read->n_read),
                                read->n_read);
      else
        g_string_append_printf (text,
                                ngettext ("Read %u image with the active model", "Read %u images with the active model",
                                          read->n_read),
                                read->n_read);
      if (read->n_failed > 0)
        {
          g_string_append (text, "; ");
          g_string_append_printf (text,
                                  ngettext ("%u could not be read (%s)", "%u could not be read, the first: %s",
                                            read->n_failed),
                                  read->n_failed, read->first_failure);
        }
    }
  /* Told even when the workspace was opened again: the toast says why it
   * stopped. */
  g_signal_emit (self, signals[MESSAGE], 0, text->str);
  /* A workspace opened again reads its list and queues itself. */
  if (reopened || left || !job_is_current (self))
    return;
  /* The gallery's badges of the images read, and the queues. */
  if (read != NULL && read->sha256 != NULL && read->sha256[0] != NULL && self->list != NULL)
    ls_image_list_update_async (self->list, (const char *const *) read->sha256, self->cancellable,
                                read_list_updated_cb, NULL);
  start_read (self);
  update_note (self);
}

void
ls_queue_bar_read_unread (LsQueueBar *self)
{
  g_return_if_fail (LS_IS_QUEUE_BAR (self));

  if (self->session == NULL || self->crossval_cancellable != NULL)
    return;
  job_begin (self, TRUE);
  gtk_progress_bar_set_fraction (self->crossval_bar, 0);
  gtk_label_set_label (self->crossval_label, _ ("Reading the images: starting…"));
  gtk_label_set_label (self->crossval_detail, "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->cancel_button), _ ("Stop reading the images"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->cancel_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Stop reading the images"), -1);
  gtk_revealer_set_reveal_child (self->crossval_revealer, TRUE);
  ls_session_predict_unread_async (self->session, read_progress_cb, self, self->crossval_cancellable,
                                   read_unread_cb, g_object_ref (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

gboolean
ls_queue_bar_is_reading (LsQueueBar *self)
{
  g_return_val_if_fail (LS_IS_QUEUE_BAR (self), FALSE);
  return self->reading_unread;
}

void
ls_queue_bar_cancel_crossval (LsQueueBar *self)
{
  g_return_if_fail (LS_IS_QUEUE_BAR (self));

  if (self->crossval_cancellable != NULL)
    g_cancellable_cancel (self->crossval_cancellable);
}

gboolean
ls_queue_bar_is_busy (LsQueueBar *self)
{
  g_return_val_if_fail (LS_IS_QUEUE_BAR (self), FALSE);
  return self->crossval_cancellable != NULL;
}

/* ---- the workspace ---- */

void
ls_queue_bar_set_workspace (LsQueueBar *self,
                            LsSession *session,
                            LsImageList *list)
{
  gboolean keep_job;

  g_return_if_fail (LS_IS_QUEUE_BAR (self));

  /* A cross-validation of the same workspace opened again (as accepting a
   * model does) goes on: it trains its own fold models, whatever model is
   * active. A reading stops: it reads with the model it began with. */
  keep_job = self->crossval_cancellable != NULL && !self->reading_unread && session != NULL &&
             g_strcmp0 (ls_session_get_path (session), self->job_path) == 0;
  if (keep_job && self->job_chain != 0)
    g_signal_handler_disconnect (self->cancellable, self->job_chain);
  else if (self->crossval_cancellable != NULL && session != NULL &&
           g_strcmp0 (ls_session_get_path (session), self->job_path) == 0)
    self->job_reopened = TRUE;
  else if (self->crossval_cancellable != NULL)
    self->job_left = TRUE;
  self->job_chain = 0;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (keep_job)
    self->job_chain = g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                                               self->crossval_cancellable, G_CONNECT_SWAPPED);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_set_object (&self->session, session);
  g_set_object (&self->list, list);
  g_clear_pointer (&self->current, ls_queue_free);
  self->reading = FALSE;
  self->dirty = FALSE;
  self->have_counts = FALSE;
  if (self->queue != LS_QUEUE_BAR_NONE)
    {
      self->queue = LS_QUEUE_BAR_NONE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUE]);
    }
  update_buttons (self);
  update_note (self);
  start_read (self);
}

int
ls_queue_bar_get_queue (LsQueueBar *self)
{
  g_return_val_if_fail (LS_IS_QUEUE_BAR (self), LS_QUEUE_BAR_NONE);
  return self->queue;
}

gboolean
ls_queue_bar_get_counts (LsQueueBar *self,
                         LsQueueCounts *counts)
{
  g_return_val_if_fail (LS_IS_QUEUE_BAR (self), FALSE);

  if (self->have_counts)
    *counts = self->counts;
  return self->have_counts;
}

const LsQueue *
ls_queue_bar_get_current (LsQueueBar *self)
{
  g_return_val_if_fail (LS_IS_QUEUE_BAR (self), NULL);
  return self->current;
}

const char *
ls_queue_bar_get_note (LsQueueBar *self)
{
  g_return_val_if_fail (LS_IS_QUEUE_BAR (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->note_box)) ? gtk_label_get_label (self->note_label) : "";
}

gboolean
ls_queue_bar_is_refreshing (LsQueueBar *self)
{
  g_return_val_if_fail (LS_IS_QUEUE_BAR (self), FALSE);
  return self->reading || self->refresh_source != 0;
}

/* ---- GObject ---- */

/* Out of the window (it closes): nothing of its workspace goes on. */
static void
ls_queue_bar_unroot (GtkWidget *widget)
{
  LsQueueBar *self = LS_QUEUE_BAR (widget);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  GTK_WIDGET_CLASS (ls_queue_bar_parent_class)->unroot (widget);
}

static void
ls_queue_bar_dispose (GObject *object)
{
  LsQueueBar *self = LS_QUEUE_BAR (object);
  GtkWidget *child;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (object), LS_TYPE_QUEUE_BAR);
  /* GTK 4.8 unparents only the template's named children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->session);
  g_clear_object (&self->list);
  G_OBJECT_CLASS (ls_queue_bar_parent_class)->dispose (object);
}

static void
ls_queue_bar_finalize (GObject *object)
{
  LsQueueBar *self = LS_QUEUE_BAR (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->crossval_cancellable);
  ls_queue_free (self->current);
  g_free (self->crossval_step);
  g_free (self->job_path);
  G_OBJECT_CLASS (ls_queue_bar_parent_class)->finalize (object);
}

static void
ls_queue_bar_get_property (GObject *object,
                           guint prop_id,
                           GValue *value,
                           GParamSpec *pspec)
{
  LsQueueBar *self = LS_QUEUE_BAR (object);

  switch (prop_id)
    {
    case PROP_QUEUE:
      g_value_set_int (value, self->queue);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, ls_queue_bar_is_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_queue_bar_class_init (LsQueueBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ls_queue_bar_dispose;
  object_class->finalize = ls_queue_bar_finalize;
  object_class->get_property = ls_queue_bar_get_property;
  widget_class->unroot = ls_queue_bar_unroot;

  properties[PROP_QUEUE] = g_param_spec_int ("queue", NULL, NULL, LS_QUEUE_BAR_NONE, LS_QUEUE_N_KINDS - 1,
                                             LS_QUEUE_BAR_NONE, ro);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A one-line outcome for a toast. */
  signals[MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/ls-queue-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, unlabelled_button);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, disagree_button);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, uncertain_button);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, errors_button);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, unlabelled_count);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, disagree_count);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, uncertain_count);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, errors_count);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, note_box);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, note_label);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, crossval_button);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, read_button);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, crossval_revealer);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, crossval_label);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, crossval_bar);
  gtk_widget_class_bind_template_child (widget_class, LsQueueBar, crossval_detail);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "queuebar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
ls_queue_bar_init (LsQueueBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Review queues"), -1);
  self->queue = LS_QUEUE_BAR_NONE;
  self->cancellable = g_cancellable_new ();
  for (guint k = 0; k < LS_QUEUE_N_KINDS; k++)
    g_signal_connect (ls_queue_bar_get_button (self, (LsQueueKind) k), "toggled", G_CALLBACK (button_toggled_cb),
                      self);
  update_buttons (self);
  update_note (self);
}
