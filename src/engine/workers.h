/* workers.h — a fixed team of threads that run one function together
 *
 * The caller is member 0; n − 1 threads wait for work. Running work takes
 * a mutex and condition variables only: no allocation.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*LsWorkFunc) (gpointer data,
                            int index,
                            int n_threads);

typedef struct _LsWorkers LsWorkers;

LsWorkers *ls_workers_new (int n_threads);
void ls_workers_free (LsWorkers *workers);
int ls_workers_get_n_threads (const LsWorkers *workers);
/* Runs @func (@data, i, n) for i = 0 … n−1, i = 0 on the calling thread,
 * and returns when all have finished. */
void ls_workers_run (LsWorkers *workers,
                     LsWorkFunc func,
                     gpointer data);
/* The same for a @func that takes its work in units from a shared counter
 * until none is left, so that any of the members can do all of it: returns
 * as soon as the calling thread has finished and the members that started
 * meanwhile have; a member that had not started yet (its core busy
 * elsewhere) skips the run instead of holding the caller. */
void ls_workers_run_dynamic (LsWorkers *workers,
                             LsWorkFunc func,
                             gpointer data);
/* The part [*begin, *end) of 0 … count−1 that member @index of @n takes. */
void ls_workers_split (int count,
                       int index,
                       int n,
                       int *begin,
                       int *end);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsWorkers, ls_workers_free)

G_END_DECLS
