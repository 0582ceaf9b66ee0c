/* workspace-compare.c — two models on the same part of the split: their
 * metrics side by side and the images whose predicted class flips (the
 * CLI's `eval --compare` and the app's parent/child comparison)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pipeline/workspace.h"

void
ls_workspace_comparison_free (LsWorkspaceComparison *comparison)
{
  if (comparison == NULL)
    return;
  g_free (comparison->id_a);
  g_free (comparison->id_b);
  ls_evaluation_free (comparison->a);
  ls_evaluation_free (comparison->b);
  g_free (comparison->flips);
  g_strfreev (comparison->flip_sha256);
  g_free (comparison);
}

/* Progress of one of the two halves. */
typedef struct
{
  LsProgressFunc progress;
  gpointer user_data;
  double offset;
} Half;

static void
half_progress (double fraction,
               const char *message,
               gpointer data)
{
  Half *h = data;

  if (h->progress != NULL)
    h->progress (h->offset + fraction / 2, message, h->user_data);
}

int *
ls_evaluation_predictions (const LsEvaluation *evaluation)
{
  int *pred = g_new (int, MAX (evaluation->n, 1));

  for (int r = 0; r < evaluation->n; r++)
    pred[r] = ls_metrics_argmax (evaluation->probs + (gsize) r * evaluation->n_classes,
                                 evaluation->n_classes);
  return pred;
}

LsWorkspaceComparison *
ls_workspace_compare (LsStore *store,
                      const char *model_a,
                      const char *model_b,
                      LsSplitPart which,
                      int threads,
                      LsProgressFunc progress,
                      gpointer user_data,
                      GCancellable *cancellable,
                      GError **error)
{
  g_autoptr (LsWorkspaceComparison) c = g_new0 (LsWorkspaceComparison, 1);
  g_autoptr (LsWorkspacePart) part = NULL;
  g_autoptr (LsModel) a = NULL;
  g_autoptr (LsModel) b = NULL;
  g_autofree int *pa = NULL, *pb = NULL;
  LsEvaluateOptions o;
  Half half = { progress, user_data, 0 };

  g_return_val_if_fail (store != NULL && model_b != NULL, NULL);

  c->part = which;
  a = ls_workspace_load_model (store, model_a, &c->id_a, error);
  if (a == NULL)
    return NULL;
  b = ls_workspace_load_model (store, model_b, &c->id_b, error);
  if (b == NULL)
    return NULL;
  part = ls_workspace_load_part (store, which, error);
  if (part == NULL)
    return NULL;
  if (part->n_items == 0)
    {
      g_set_error (error, LS_WORKSPACE_ERROR, LS_WORKSPACE_ERROR_NO_DATA,
                   "%s has no labelled %s images: import labelled images and run "
                   "'lungscope-cli split'",
                   ls_store_get_path (store), ls_split_part_to_string (which));
      return NULL;
    }
  ls_evaluate_options_init (&o);
  o.threads = threads;
  c->a = ls_pipeline_evaluate (a, part->items, part->n_items, &o, half_progress, &half, cancellable,
                               error);
  if (c->a == NULL)
    return NULL;
  half.offset = 0.5;
  c->b = ls_pipeline_evaluate (b, part->items, part->n_items, &o, half_progress, &half, cancellable,
                               error);
  if (c->b == NULL)
    return NULL;
  /* Both ran over the same items in the same order; rows can only differ
   * when an image became unreadable in between. */
  if (c->a->n != c->b->n || memcmp (c->a->rows, c->b->rows, sizeof (guint) * c->a->n) != 0)
    {
      g_set_error (error, LS_WORKSPACE_ERROR, LS_WORKSPACE_ERROR_NO_DATA,
                   "%s: the two evaluations read different images; compare again",
                   ls_store_get_path (store));
      return NULL;
    }
  pa = ls_evaluation_predictions (c->a);
  pb = ls_evaluation_predictions (c->b);
  c->flips = ls_metrics_flips (c->a->n, pa, pb, c->a->labels, &c->n_flips);
  c->flip_sha256 = g_new0 (char *, c->n_flips + 1);
  for (int i = 0; i < c->n_flips; i++)
    c->flip_sha256[i] = g_strdup (part->sha256[c->a->rows[c->flips[i].index]]);
  return g_steal_pointer (&c);
}
