/* finetune-replay.c — the replay sample of a fine-tune: which of the
 * parent's training items train again beside the corrected ones
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pipeline/finetune-private.h"

#include <math.h>
#include <stdlib.h>

#include "imaging/rng.h"

#define REPLAY_STREAM G_GUINT64_CONSTANT (0x7265706c6179) /* "replay" */

static gboolean
same_item (const LsLoaderItem *a,
           const LsLoaderItem *b)
{
  if (a->path != NULL && b->path != NULL)
    return g_str_equal (a->path, b->path);
  if (a->bytes != NULL && b->bytes != NULL)
    return a->bytes == b->bytes || g_bytes_equal (a->bytes, b->bytes);
  return FALSE;
}

static guint
item_hash (const LsLoaderItem *item)
{
  return item->path != NULL ? g_str_hash (item->path) : g_bytes_hash (item->bytes);
}

/* Pool items that are not corrected items: their indices, by class. */
static GArray **
eligible_by_class (const LsLoaderItem *corrected,
                   guint n_corrected,
                   const LsLoaderItem *pool,
                   guint n_pool,
                   int k,
                   guint *n_eligible)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL); /* the corrected items' hashes */
  GArray **by_class = g_new (GArray *, k);

  for (int c = 0; c < k; c++)
    by_class[c] = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < n_corrected; i++)
    g_hash_table_add (seen, GUINT_TO_POINTER (item_hash (&corrected[i])));
  *n_eligible = 0;
  for (guint i = 0; i < n_pool; i++)
    {
      gboolean excluded = FALSE;

      if (g_hash_table_contains (seen, GUINT_TO_POINTER (item_hash (&pool[i]))))
        for (guint j = 0; j < n_corrected && !excluded; j++)
          excluded = same_item (&pool[i], &corrected[j]);
      if (!excluded)
        {
          g_array_append_val (by_class[pool[i].label], i);
          (*n_eligible)++;
        }
    }
  return by_class;
}

static int
compare_guint (gconstpointer a,
               gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

guint *
ls_finetune_pick_replay (const LsLoaderItem *corrected,
                         guint n_corrected,
                         const LsLoaderItem *pool,
                         guint n_pool,
                         int k,
                         guint want,
                         guint64 seed,
                         guint *n_eligible,
                         guint *n_out)
{
  GArray **by_class = eligible_by_class (corrected, n_corrected, pool, n_pool, k, n_eligible);
  g_autofree guint *quota = g_new0 (guint, k);
  g_autofree double *rest = g_new0 (double, k);
  guint *out, n = 0, given = 0, present = 0;
  LsRng rng;

  want = MIN (want, *n_eligible);
  for (int c = 0; c < k; c++)
    present += by_class[c]->len > 0;
  for (int c = 0; c < k; c++)
    if (by_class[c]->len > 0)
      {
        double exact;

        if (want >= present)
          {
            quota[c] = 1;
            exact = (double) (want - present) * (by_class[c]->len - 1) / MAX (*n_eligible - present, 1);
          }
        else
          exact = (double) want * by_class[c]->len / *n_eligible;
        quota[c] += (guint) floor (exact);
        quota[c] = MIN (quota[c], by_class[c]->len);
        rest[c] = exact - floor (exact);
        given += quota[c];
      }
  while (given < want) /* the largest remainders first, then any room left */
    {
      int best = -1;

      for (int c = 0; c < k; c++)
        if (quota[c] < by_class[c]->len && (best < 0 || rest[c] > rest[best]))
          best = c;
      g_assert (best >= 0);
      quota[best]++;
      rest[best] = -1.0;
      given++;
    }
  out = g_new (guint, MAX (want, 1));
  ls_rng_init (&rng, seed, REPLAY_STREAM);
  for (int c = 0; c < k; c++)
    {
      guint *idx = (guint *) (void *) by_class[c]->data, len = by_class[c]->len;

      for (guint i = 0; i < quota[c]; i++) /* a partial Fisher–Yates */
        {
          guint j = i + (guint) (ls_rng_uniform (&rng) * (len - i));
          guint t = idx[i];

          idx[i] = idx[MIN (j, len - 1)];
          idx[MIN (j, len - 1)] = t;
          out[n++] = idx[i];
        }
      g_array_unref (by_class[c]);
    }
  g_free (by_class);
  qsort (out, n, sizeof (guint), compare_guint);
  *n_out = n;
  return out;
}

guint
ls_finetune_replay_size (const LsFinetuneConfig *cfg,
                         guint n_corrected)
{
  double want = ceil ((double) cfg->replay_ratio * n_corrected);

  want = MAX (want, (double) cfg->replay_min);
  if (cfg->replay_max > 0)
    want = MIN (want, (double) cfg->replay_max);
  return (guint) MIN (want, (double) G_MAXINT);
}
