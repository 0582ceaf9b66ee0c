/* workers.c — a fixed team of threads that run one function together
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "workers.h"

struct _LsWorkers
{
  int n;
  GThread **threads;
  GMutex lock;
  GCond start;
  GCond done;
  guint64 generation;
  guint64 closed; /* a dynamic run the caller finished: late members skip it */
  gboolean dynamic;
  int pending;
  gboolean quit;
  LsWorkFunc func;
  gpointer data;
};

typedef struct
{
  LsWorkers *w;
  int index;
} Member;

static gpointer
worker_main (gpointer user_data)
{
  Member *m = user_data;
  LsWorkers *w = m->w;
  int index = m->index;
  guint64 seen = 0;

  g_free (m);
  for (;;)
    {
      LsWorkFunc func;
      gpointer data;

      g_mutex_lock (&w->lock);
      while (!w->quit && w->generation == seen)
        g_cond_wait (&w->start, &w->lock);
      if (w->quit)
        {
          g_mutex_unlock (&w->lock);
          return NULL;
        }
      seen = w->generation;
      if (w->dynamic)
        {
          if (w->closed == seen)
            {
              g_mutex_unlock (&w->lock);
              continue;
            }
          w->pending++;
        }
      func = w->func;
      data = w->data;
      g_mutex_unlock (&w->lock);

      func (data, index, w->n);

      g_mutex_lock (&w->lock);
      if (--w->pending == 0)
        g_cond_signal (&w->done);
      g_mutex_unlock (&w->lock);
    }
}

LsWorkers *
ls_workers_new (int n_threads)
{
  LsWorkers *w = g_new0 (LsWorkers, 1);

  w->n = MAX (n_threads, 1);
  g_mutex_init (&w->lock);
  g_cond_init (&w->start);
  g_cond_init (&w->done);
  w->threads = g_new0 (GThread *, w->n);
  for (int i = 1; i < w->n; i++)
    {
      Member *m = g_new (Member, 1);

      m->w = w;
      m->index = i;
      w->threads[i] = g_thread_new ("ls-engine", worker_main, m);
    }
  return w;
}

void
ls_workers_free (LsWorkers *w)
{
  if (w == NULL)
    return;
  g_mutex_lock (&w->lock);
  w->quit = TRUE;
  g_cond_broadcast (&w->start);
  g_mutex_unlock (&w->lock);
  for (int i = 1; i < w->n; i++)
    g_thread_join (w->threads[i]);
  g_free (w->threads);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->start);
  g_cond_clear (&w->done);
  g_free (w);
}

int
ls_workers_get_n_threads (const LsWorkers *w)
{
  return w->n;
}

void
ls_workers_run (LsWorkers *w,
                LsWorkFunc func,
                gpointer data)
{
  if (w->n == 1)
    {
      func (data, 0, 1);
      return;
    }
  g_mutex_lock (&w->lock);
  w->func = func;
  w->data = data;
  w->dynamic = FALSE;
  w->pending = w->n - 1;
  w->generation++;
  g_cond_broadcast (&w->start);
  g_mutex_unlock (&w->lock);

  func (data, 0, w->n);

  g_mutex_lock (&w->lock);
  while (w->pending > 0)
    g_cond_wait (&w->done, &w->lock);
  g_mutex_unlock (&w->lock);
}

void
ls_workers_split (int count,
                  int index,
                  int n,
                  int *begin,
                  int *end)
{
  *begin = (int) ((gint64) count * index / n);
  *end = (int) ((gint64) count * (index + 1) / n);
}

void
ls_workers_run_dynamic (LsWorkers *w,
                        LsWorkFunc func,
                        gpointer data)
{
  if (w->n == 1)
    {
      func (data, 0, 1);
      return;
    }
  g_mutex_lock (&w->lock);
  w->func = func;
  w->data = data;
  w->dynamic = TRUE;
  w->pending = 0;
  w->generation++;
  g_cond_broadcast (&w->start);
  g_mutex_unlock (&w->lock);

  func (data, 0, w->n);

  /* members not started by now never start on it */
  g_mutex_lock (&w->lock);
  w->closed = w->generation;
  while (w->pending > 0)
    g_cond_wait (&w->done, &w->lock);
  g_mutex_unlock (&w->lock);
}
