/* ls-store-pool.h — a few LsStore connections to one workspace, handed to
 * worker threads one at a time
 *
 * store.h's contract: one sqlite3 connection per thread at a time. Opening a
 * store costs a schema check and a stat of every image, so the app's
 * workers do not open one per task: a pool opens up to @max_open stores
 * lazily (in the worker that first needs one), and a worker borrows one for
 * the duration of its work and gives it back. A borrower waits while all
 * are lent. Use from worker threads only (acquire may block and open).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "dataset/store.h"

G_BEGIN_DECLS

typedef struct _LsStorePool LsStorePool;

LsStorePool *ls_store_pool_new (const char *workspace_path,
                                LsStoreOpenFlags flags,
                                guint max_open);
LsStorePool *ls_store_pool_ref (LsStorePool *pool);
/* The last reference closes the stores (none may be lent then). */
void ls_store_pool_unref (LsStorePool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsStorePool, ls_store_pool_unref)

const char *ls_store_pool_get_path (LsStorePool *pool);
/* A store for this thread's exclusive use until it is released, or NULL
 * with @error set when opening one failed. Blocks while all are lent. */
LsStore *ls_store_pool_acquire (LsStorePool *pool,
                                GError **error);
void ls_store_pool_release (LsStorePool *pool,
                            LsStore *store);

G_END_DECLS
