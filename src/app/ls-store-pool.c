/* ls-store-pool.c — a few LsStore connections handed to workers
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include "ls-store-pool.h"

struct _LsStorePool
{
  gatomicrefcount ref_count;
  char *path;
  LsStoreOpenFlags flags;
  guint max_open;

  GMutex mutex;
  GCond cond;
  GPtrArray *idle; /* stores opened and not lent */
  guint n_open;    /* opened (lent or idle) plus those being opened */
};

LsStorePool *
ls_store_pool_new (const char *workspace_path,
                   LsStoreOpenFlags flags,
                   guint max_open)
{
  LsStorePool *pool = g_new0 (LsStorePool, 1);

  g_return_val_if_fail (workspace_path != NULL, NULL);
  g_return_val_if_fail (max_open > 0, NULL);
  g_atomic_ref_count_init (&pool->ref_count);
  pool->path = g_strdup (workspace_path);
  pool->flags = flags & ~LS_STORE_OPEN_CREATE;
  pool->max_open = max_open;
  g_mutex_init (&pool->mutex);
  g_cond_init (&pool->cond);
  pool->idle = g_ptr_array_new ();
  return pool;
}

LsStorePool *
ls_store_pool_ref (LsStorePool *pool)
{
  g_atomic_ref_count_inc (&pool->ref_count);
  return pool;
}

void
ls_store_pool_unref (LsStorePool *pool)
{
  if (pool == NULL || !g_atomic_ref_count_dec (&pool->ref_count))
    return;
  g_warn_if_fail (pool->idle->len == pool->n_open);
  for (guint i = 0; i < pool->idle->len; i++)
    ls_store_close (pool->idle->pdata[i]);
  g_ptr_array_unref (pool->idle);
  g_mutex_clear (&pool->mutex);
  g_cond_clear (&pool->cond);
  g_free (pool->path);
  g_free (pool);
}

const char *
ls_store_pool_get_path (LsStorePool *pool)
{
  return pool->path;
}

LsStore *
ls_store_pool_acquire (LsStorePool *pool,
                       GError **error)
{
  LsStore *store = NULL;

  g_mutex_lock (&pool->mutex);
  while (pool->idle->len == 0 && pool->n_open >= pool->max_open)
    g_cond_wait (&pool->cond, &pool->mutex);
  if (pool->idle->len > 0)
    {
      store = g_ptr_array_steal_index_fast (pool->idle, pool->idle->len - 1);
      g_mutex_unlock (&pool->mutex);
      return store;
    }
  /* Open outside the lock: it takes a while, and others may borrow. */
  pool->n_open++;
  g_mutex_unlock (&pool->mutex);
  store = ls_store_open (pool->path, pool->flags, error);
  if (store == NULL)
    {
      g_mutex_lock (&pool->mutex);
      pool->n_open--;
      g_cond_signal (&pool->cond);
      g_mutex_unlock (&pool->mutex);
    }
  return store;
}

void
ls_store_pool_release (LsStorePool *pool,
                       LsStore *store)
{
  g_return_if_fail (store != NULL);
  g_mutex_lock (&pool->mutex);
  g_ptr_array_add (pool->idle, store);
  g_cond_signal (&pool->cond);
  g_mutex_unlock (&pool->mutex);
}
