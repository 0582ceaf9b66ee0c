/* ls-tasks.c — worker progress to the main loop
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ls-tasks.h"

struct _LsProgressRelay
{
  gatomicrefcount ref; /* the owner's and a pending idle's */
  GMutex lock;
  GMainContext *context;
  LsProgressShowFunc show; /* NULL once freed */
  gpointer user_data;
  double fraction;
  char *message;
  gboolean pending;
};

static void
relay_unref (LsProgressRelay *relay)
{
  if (!g_atomic_ref_count_dec (&relay->ref))
    return;
  g_mutex_clear (&relay->lock);
  g_main_context_unref (relay->context);
  g_free (relay->message);
  g_free (relay);
}

LsProgressRelay *
ls_progress_relay_new (LsProgressShowFunc show,
                       gpointer user_data)
{
  LsProgressRelay *relay = g_new0 (LsProgressRelay, 1);

  g_atomic_ref_count_init (&relay->ref);
  g_mutex_init (&relay->lock);
  relay->context = g_main_context_ref_thread_default ();
  relay->show = show;
  relay->user_data = user_data;
  return relay;
}

void
ls_progress_relay_free (LsProgressRelay *relay)
{
  if (relay == NULL)
    return;
  g_mutex_lock (&relay->lock);
  relay->show = NULL;
  g_mutex_unlock (&relay->lock);
  relay_unref (relay);
}

static gboolean
relay_idle_cb (gpointer data)
{
  LsProgressRelay *relay = data;
  LsProgressShowFunc show;
  g_autofree char *message = NULL;
  double fraction;

  g_mutex_lock (&relay->lock);
  relay->pending = FALSE;
  show = relay->show;
  fraction = relay->fraction;
  message = g_steal_pointer (&relay->message);
  g_mutex_unlock (&relay->lock);
  /* show is only ever set to NULL, on the main thread: safe to call. */
  if (show != NULL)
    show (fraction, message, relay->user_data);
  return G_SOURCE_REMOVE;
}

void
ls_progress_relay_func (double fraction,
                        const char *message,
                        gpointer user_data)
{
  LsProgressRelay *relay = user_data;
  gboolean schedule;

  g_mutex_lock (&relay->lock);
  relay->fraction = fraction;
  if (message != NULL)
    {
      g_free (relay->message);
      relay->message = g_strdup (message);
    }
  schedule = !relay->pending && relay->show != NULL;
  relay->pending = TRUE;
  g_mutex_unlock (&relay->lock);
  if (schedule)
    {
      GSource *source = g_idle_source_new ();

      g_atomic_ref_count_inc (&relay->ref);
      g_source_set_priority (source, G_PRIORITY_LOW);
      g_source_set_callback (source, relay_idle_cb, relay, (GDestroyNotify) relay_unref);
      g_source_set_static_name (source, "[lungscope] progress");
      g_source_attach (source, relay->context);
      g_source_unref (source);
    }
}
