/* test-queues.c — K-fold cross-validation and the review queues
 *
 * The queues' rules on hand-made probabilities (a registered model and
 * logged predictions, no training); then a workspace of 180 small phantoms
 * (64², the shared small network) with 10 % of the labels flipped on
 * purpose: a cancelled cross-validation stores nothing, a finished one
 * stores every image's out-of-fold probabilities, and the label-error
 * queue finds most of the flipped labels; lastly the CLI.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "dataset/import.h"
#include "dataset/phantom.h"
#include "dataset/split.h"
#include "dataset/store.h"
#include "ls-test.h"
#include "pipeline/crossval.h"
#include "pipeline/queues.h"
#include "store-test-util.h"

#define PER_CLASS 60
#define PX 64

static const char *const classes3[] = { "normal", "pneumonia", "covid", NULL };

/* ---- pure parts ---- */

static void
test_thresholds (void)
{
  /* t_j = mean p_j over the rows labelled j. */
  const float probs[] = {
    0.8f, 0.1f, 0.1f, /* normal */
    0.6f, 0.3f, 0.1f, /* normal */
    0.2f, 0.7f, 0.1f, /* pneumonia */
    0.3f, 0.3f, 0.4f, /* unlabelled: ignored */
  };
  const int labels[] = { 0, 0, 1, -1 };
  double t[3];

  ls_queue_class_thresholds (probs, labels, 4, 3, t);
  g_assert_cmpfloat_with_epsilon (t[0], 0.7, 1e-6);
  g_assert_cmpfloat_with_epsilon (t[1], 0.7, 1e-6);
  g_assert_true (isnan (t[2]));
}

static void
test_folds (void)
{
  /* 40 groups of 1 to 3 images, two classes: a group in one fold, each
   * fold about a quarter of each class. */
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) labels = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree int *fold_of = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint per_fold[4][2] = { { 0 } };

  for (int g = 0; g < 40; g++)
    for (int m = 0; m <= g % 3; m++)
      {
        int label = g % 2;

        g_ptr_array_add (groups, g_strdup_printf ("patient-%d", g));
        g_array_append_val (labels, label);
      }
  fold_of = g_new (int, groups->len);
  ls_crossval_assign_folds ((const char *const *) groups->pdata, (int *) labels->data, groups->len, 4, 9, fold_of);
  for (guint i = 0; i < groups->len; i++)
    {
      gpointer before;

      g_assert_cmpint (fold_of[i], >=, 0);
      g_assert_cmpint (fold_of[i], <, 4);
      if (g_hash_table_lookup_extended (seen, groups->pdata[i], NULL, &before))
        g_assert_cmpint (GPOINTER_TO_INT (before), ==, fold_of[i]);
      g_hash_table_insert (seen, groups->pdata[i], GINT_TO_POINTER (fold_of[i]));
    }
  /* Groups of one class dealt round-robin: 5 per fold and class. */
  {
    g_autoptr (GHashTable) counted = g_hash_table_new (g_str_hash, g_str_equal);

    for (guint i = 0; i < groups->len; i++)
      if (g_hash_table_add (counted, groups->pdata[i]))
        per_fold[fold_of[i]][g_array_index (labels, int, i)]++;
  }
  for (int f = 0; f < 4; f++)
    for (int c = 0; c < 2; c++)
      g_assert_cmpuint (per_fold[f][c], ==, 5);
}

/* ---- the queues' rules on hand-made probabilities ---- */

static LsStore *
small_workspace (const char *tmp,
                 guint n_per_class)
{
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
  g_autofree char *ws = g_build_filename (tmp, "hand.lungscope", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsImportReport) report = NULL;
  LsImportOptions import;
  LsStore *store;

  for (int c = 0; classes3[c] != NULL; c++)
    for (guint i = 0; i < n_per_class; i++)
      {
        g_autofree char *name = g_strdup_printf ("%s/%s/%u.png", src, classes3[c], i);

        write_test_png (name, 100 * c + i + 1, 8);
      }
  store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  memset (&import, 0, sizeof import);
  import.author = "test";
  report = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, src, &import, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->added, ==, 3 * n_per_class);
  return store;
}

static void
add_prediction (LsStore *store,
                const char *sha256,
                const char *model_id,
                double normal,
                double pneumonia,
                double covid)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = g_strdup_printf ("{\"normal\":%g,\"pneumonia\":%g,\"covid\":%g}", normal, pneumonia,
                                           covid);

  g_assert_true (ls_store_add_prediction (store, sha256, model_id, json, NAN, NULL, NAN, &error));
  g_assert_no_error (error);
}

static void
test_rules (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (LsStore) store = small_workspace (tmp, 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
  g_autoptr (LsQueue) q = NULL;
  g_autofree char *models = g_build_filename (ls_store_get_path (store), "models", NULL);
  g_autofree char *file = g_build_filename (models, "m1.safetensors", NULL);
  const char *sha[6];
  LsQueueOptions o;
  LsQueueCounts counts;

  /* images: normal 0 1, pneumonia 2 3, covid 4 5 — as imported, class by
   * class (the import walks folders in name order: covid, normal,
   * pneumonia), so look the labels up. */
  {
    int next[3] = { 0, 2, 4 };

    for (guint i = 0; i < images->len; i++)
      {
        const LsStoreImage *image = images->pdata[i];
        int c = g_strv_contains (classes3, image->label) ? (strcmp (image->label, "normal") == 0      ? 0
                                                            : strcmp (image->label, "pneumonia") == 0 ? 1
                                                                                                      : 2)
                                                         : -1;

        g_assert_cmpint (c, >=, 0);
        sha[next[c]++] = image->sha256;
      }
  }
  /* Nothing to rank from yet. */
  ls_queue_options_init (&o);
  q = ls_workspace_queue (store, LS_QUEUE_LABEL_ERRORS, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (q->source, ==, LS_QUEUE_SOURCE_NONE);
  g_assert_cmpuint (q->n_total, ==, 0);
  g_assert_cmpuint (q->n_unranked, ==, 6);
  g_clear_pointer (&q, ls_queue_free);

  /* A registered, active model (the store checks only that its file is
   * there) and its predictions. */
  g_assert_cmpint (g_mkdir_with_parents (models, 0755), ==, 0);
  g_assert_true (g_file_set_contents (file, "x", 1, &error));
  g_assert_true (ls_store_add_model (store, "m1", NULL, "v", NULL, TRUE, &error));
  g_assert_no_error (error);
  add_prediction (store, sha[0], "m1", 0.9, 0.05, 0.05);  /* normal, sure */
  add_prediction (store, sha[1], "m1", 0.2, 0.7, 0.1);    /* normal, says pneumonia */
  add_prediction (store, sha[2], "m1", 0.1, 0.8, 0.1);    /* pneumonia, sure */
  add_prediction (store, sha[3], "m1", 0.34, 0.33, 0.33); /* pneumonia, says normal, unsure */
  add_prediction (store, sha[4], "m1", 0.05, 0.15, 0.8);  /* covid, sure */
  /* sha[5]: no prediction */
  g_assert_cmpint (ls_store_set_label (store, sha[4], NULL, LS_LABEL_SOURCE_USER, "t", NULL, &error), >, 0);

  q = ls_workspace_queue (store, LS_QUEUE_UNLABELLED, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (q->n_total, ==, 1);
  g_assert_cmpstr (q->entries[0].sha256, ==, sha[4]);
  g_assert_cmpint (q->entries[0].predicted, ==, 2);
  g_clear_pointer (&q, ls_queue_free);

  /* disagree: 3 (p_label 0.33) before 1 (0.2)? no: lowest p_label first. */
  q = ls_workspace_queue (store, LS_QUEUE_DISAGREE, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (q->n_total, ==, 2);
  g_assert_cmpuint (q->n_unranked, ==, 1);
  g_assert_cmpstr (q->entries[0].sha256, ==, sha[1]);
  g_assert_cmpfloat_with_epsilon (q->entries[0].score, 0.2, 1e-6);
  g_assert_cmpint (q->entries[0].label, ==, 0);
  g_assert_cmpint (q->entries[0].predicted, ==, 1);
  g_assert_cmpstr (q->entries[1].sha256, ==, sha[3]);
  g_clear_pointer (&q, ls_queue_free);

  /* uncertain: the near-uniform one first, by entropy and by margin. */
  q = ls_workspace_queue (store, LS_QUEUE_UNCERTAIN, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (q->ranking, ==, LS_QUEUE_RANK_ENTROPY);
  g_assert_cmpuint (q->n_total, ==, 5);
  g_assert_cmpstr (q->entries[0].sha256, ==, sha[3]);
  g_assert_cmpfloat_with_epsilon (q->entries[0].score,
                                  -(0.34 * log (0.34) + 2 * 0.33 * log (0.33)), 1e-5);
  g_assert_cmpstr (q->entries[4].sha256, ==, sha[0]);
  g_clear_pointer (&q, ls_queue_free);
  o.ranking = LS_QUEUE_RANK_MARGIN;
  o.limit = 2;
  q = ls_workspace_queue (store, LS_QUEUE_UNCERTAIN, &o, &error);
  g_assert_cmpuint (q->n_total, ==, 5);
  g_assert_cmpuint (q->n_entries, ==, 2);
  g_assert_cmpstr (q->entries[0].sha256, ==, sha[3]);
  g_assert_cmpfloat_with_epsilon (q->entries[0].score, 0.01, 1e-5);
  g_clear_pointer (&q, ls_queue_free);
  o.unlabelled_only = TRUE;
  o.limit = 0;
  q = ls_workspace_queue (store, LS_QUEUE_UNCERTAIN, &o, &error);
  g_assert_cmpuint (q->n_total, ==, 1);
  g_clear_pointer (&q, ls_queue_free);

  /* label errors, in-sample: t_normal = (0.9 + 0.2) / 2 = 0.55,
   * t_pneumonia = (0.8 + 0.33) / 2 = 0.565, covid: no labelled image.
   * Image 1 (normal, p_pneumonia 0.7 ≥ 0.565) is a candidate; image 3
   * (pneumonia, p_normal 0.34 < 0.55) is not. */
  ls_queue_options_init (&o);
  q = ls_workspace_queue (store, LS_QUEUE_LABEL_ERRORS, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (q->source, ==, LS_QUEUE_SOURCE_ACTIVE_MODEL);
  g_assert_true (q->in_sample);
  g_assert_cmpstr (q->source_id, ==, "m1");
  g_assert_cmpfloat_with_epsilon (q->thresholds[0], 0.55, 1e-6);
  g_assert_cmpfloat_with_epsilon (q->thresholds[1], 0.565, 1e-6);
  g_assert_true (isnan (q->thresholds[2]));
  g_assert_cmpuint (q->n_total, ==, 1);
  g_assert_cmpstr (q->entries[0].sha256, ==, sha[1]);
  g_assert_cmpint (q->entries[0].suggested, ==, 1);
  g_assert_cmpfloat_with_epsilon (q->entries[0].score, 0.2, 1e-6);
  g_clear_pointer (&q, ls_queue_free);
  o.ranking = LS_QUEUE_RANK_NORMALIZED_MARGIN;
  q = ls_workspace_queue (store, LS_QUEUE_LABEL_ERRORS, &o, &error);
  g_assert_cmpfloat_with_epsilon (q->entries[0].score, 0.2 - 0.7, 1e-6);
  g_clear_pointer (&q, ls_queue_free);

  g_assert_true (ls_workspace_queue_counts (store, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.counts[LS_QUEUE_UNLABELLED], ==, 1);
  g_assert_cmpuint (counts.counts[LS_QUEUE_DISAGREE], ==, 2);
  g_assert_cmpuint (counts.counts[LS_QUEUE_UNCERTAIN], ==, 5);
  g_assert_cmpuint (counts.counts[LS_QUEUE_LABEL_ERRORS], ==, 1);
  g_assert_true (counts.label_errors_in_sample);

  /* Out-of-fold rows take over, and the queue is no longer in-sample:
   * t_normal = 0.85, t_pneumonia = 0.08; image 3 (pneumonia, p_normal
   * 0.9) is a candidate, image 0 (normal, p_pneumonia 0.05) is not. */
  {
    LsStoreOutOfFold row = { (char *) sha[3], 0, 0, (char *) "pneumonia",
                             (char *) "{\"normal\":0.9,\"pneumonia\":0.08,\"covid\":0.02}" };
    LsStoreOutOfFold row2 = { (char *) sha[0], 0, 1, (char *) "normal",
                              (char *) "{\"normal\":0.85,\"pneumonia\":0.05,\"covid\":0.1}" };
    LsStoreOutOfFold rows[] = { row, row2 };

    g_assert_true (ls_store_run_begin (store, "cv", NULL, "{}", &error));
    g_assert_true (ls_store_finish_crossval (store, "cv", rows, 2, &error));
    g_assert_no_error (error);
  }
  q = ls_workspace_queue (store, LS_QUEUE_LABEL_ERRORS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (q->source, ==, LS_QUEUE_SOURCE_CROSSVAL);
  g_assert_false (q->in_sample);
  g_assert_cmpstr (q->source_id, ==, "cv");
  g_assert_cmpuint (q->n_total, ==, 1);
  g_assert_cmpstr (q->entries[0].sha256, ==, sha[3]);
  g_assert_cmpint (q->entries[0].suggested, ==, 0);
  g_assert_cmpuint (q->n_unranked, ==, 3);
  g_clear_pointer (&q, ls_queue_free);
  g_clear_pointer (&store, ls_store_close);
  ls_test_remove_tree (tmp);
}

/* ---- cross-validation on phantoms with flipped labels ---- */

static struct
{
  char *tmp;
  char *ws;
  GHashTable *flipped; /* hashes */
} fx;

static void
make_flipped_workspace (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsImportReport) report = NULL;
  g_autoptr (LsSplitReport) split = NULL;
  g_autoptr (GPtrArray) images = NULL;
  g_autofree char *phantoms = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  LsImportOptions import;
  guint n_flip;

  if (fx.ws != NULL)
    return;
  fx.tmp = make_temp_dir ();
  phantoms = g_build_filename (fx.tmp, "phantoms", NULL);
  fx.ws = g_build_filename (fx.tmp, "flipped.lungscope", NULL);
  g_assert_true (ls_phantom_write_dataset (phantoms, PER_CLASS, 11, PX, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  store = ls_store_open (fx.ws, LS_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  memset (&import, 0, sizeof import);
  import.author = "test";
  report = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, phantoms, &import, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  split = ls_store_split (store, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* The easy set: 10 % of the labels, picked at random among the normal
   * and covid images, which the small network at 64² tells apart well
   * (normal and pneumonia it confuses at times), flipped: normal to
   * covid, covid to normal. */
  images = ls_store_list_images (store, &error);
  n_flip = images->len / 10;
  fx.flipped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  while (g_hash_table_size (fx.flipped) < n_flip)
    {
      const LsStoreImage *image = images->pdata[g_rand_int_range (rand, 0, (gint32) images->len)];
      int c = 0;

      if (g_hash_table_contains (fx.flipped, image->sha256) || strcmp (image->label, "pneumonia") == 0)
        continue;
      while (strcmp (classes3[c], image->label) != 0)
        c++;
      g_assert_cmpint (ls_store_set_label (store, image->sha256, classes3[2 - c], LS_LABEL_SOURCE_USER,
                                           "test", "flipped on purpose", &error),
                       >, 0);
      g_hash_table_add (fx.flipped, g_strdup (image->sha256));
    }
}

static void
crossval_options (LsCrossvalOptions *o)
{
  ls_crossval_options_init (o);
  o->folds = 3;
  o->train.arch = ls_test_small_arch;
  o->train.epochs = 30;
  o->train.batch_size = 16;
  o->train.lr = 1e-2f;
  o->train.augment = NULL; /* the default: against memorising the flipped labels */
  o->train.patience = 0;
  o->train.seed = 3;
  o->train.threads = 1;
  o->train.loader_workers = 1;
}

static char *
run_status (const char *run_id)
{
  g_autofree char *db_path = g_build_filename (fx.ws, "lungscope.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *status = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT status FROM runs WHERE id = ?1", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  sqlite3_bind_text (stmt, 1, run_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    status = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return status;
}

typedef struct
{
  GCancellable *cancel_at_half;
  double last;
  guint n_epochs;
  int last_epoch;
} Watch;

static void
watch_progress (double fraction,
                const char *message,
                gpointer user_data)
{
  Watch *w = user_data;

  g_assert_cmpfloat (fraction, >=, 0.0);
  g_assert_cmpfloat (fraction, <=, 1.0);
  g_assert_cmpfloat (fraction, >=, w->last - 1e-9);
  w->last = fraction;
  if (w->cancel_at_half != NULL && fraction > 0.5)
    g_cancellable_cancel (w->cancel_at_half);
}

static void
watch_epoch (const LsTrainEpoch *epoch,
             gpointer user_data)
{
  Watch *w = user_data;

  g_assert_cmpint (epoch->epoch, >, w->last_epoch);
  g_assert_cmpint (epoch->epochs, ==, 90);
  w->last_epoch = epoch->epoch;
  w->n_epochs++;
}

/* Threads 0 (train.h's "the default") through to the folds' evaluation,
 * which takes a count. */
static void
test_default_threads (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsCrossval) cv = NULL;
  LsCrossvalOptions o;

  make_flipped_workspace ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  crossval_options (&o);
  o.folds = 2;
  o.train.epochs = 1;
  o.train.threads = 0;
  cv = ls_workspace_crossval (store, &o, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cv);
}

static void
test_cancel (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsCrossval) cv = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GPtrArray) oof = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *runs = NULL;
  Watch w = { cancellable, 0, 0, 0 };
  LsCrossvalOptions o;

  make_flipped_workspace ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  crossval_options (&o);
  cv = ls_workspace_crossval (store, &o, watch_progress, &w, watch_epoch, &w, cancellable, &error);
  g_assert_null (cv);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (w.n_epochs, >, 0);
  g_assert_cmpuint (w.n_epochs, <, 90);
  oof = ls_store_latest_out_of_fold (store, &run_id, NULL);
  g_assert_cmpuint (oof->len, ==, 0);
  g_assert_null (run_id);
  /* The run is recorded, as cancelled. */
  {
    g_autoptr (GDir) dir = NULL;
    const char *name;
    guint n = 0;

    runs = g_build_filename (fx.ws, "runs", NULL);
    dir = g_dir_open (runs, 0, &error);
    g_assert_no_error (error);
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *id = g_strndup (name, strlen (name) - strlen (".jsonl"));
        g_autofree char *status = run_status (id);

        g_assert_cmpstr (status, ==, "cancelled");
        n++;
      }
    g_assert_cmpuint (n, ==, 1);
  }
  /* Bad input: one fold. */
  o.folds = 1;
  g_assert_null (ls_workspace_crossval (store, &o, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
}

static void
test_label_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsCrossval) cv = NULL;
  g_autoptr (LsQueue) q = NULL;
  g_autoptr (GPtrArray) oof = NULL;
  g_autoptr (GPtrArray) epochs = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *status = NULL;
  Watch w = { NULL, 0, 0, 0 };
  LsCrossvalOptions o;
  guint n_flipped, found = 0, top = 0;

  make_flipped_workspace ();
  n_flipped = g_hash_table_size (fx.flipped);
  store = ls_store_open (fx.ws, LS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  crossval_options (&o);
  cv = ls_workspace_crossval (store, &o, watch_progress, &w, watch_epoch, &w, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cv);
  g_assert_cmpfloat (w.last, ==, 1.0);
  g_assert_cmpuint (w.n_epochs, ==, 90);
  g_assert_cmpuint (cv->n_images, ==, 3 * PER_CLASS);
  g_assert_cmpuint (cv->fold_images[0] + cv->fold_images[1] + cv->fold_images[2], ==, 3 * PER_CLASS);
  for (int f = 0; f < 3; f++)
    g_assert_cmpuint (cv->fold_images[f], >=, (3 * PER_CLASS) / 3 - 10);
  g_test_message ("out-of-fold accuracy against the flipped labels %.3f", cv->metrics->accuracy);
  status = run_status (cv->run_id);
  g_assert_cmpstr (status, ==, "done");
  epochs = ls_store_run_epochs (store, cv->run_id, &error);
  g_assert_cmpuint (epochs->len, ==, 90);
  oof = ls_store_latest_out_of_fold (store, &run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (run_id, ==, cv->run_id);
  g_assert_cmpuint (oof->len, ==, 3 * PER_CLASS);

  q = ls_workspace_queue (store, LS_QUEUE_LABEL_ERRORS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (q->source, ==, LS_QUEUE_SOURCE_CROSSVAL);
  g_assert_false (q->in_sample);
  for (guint r = 0; r < q->n_entries; r++)
    {
      gboolean flipped = g_hash_table_contains (fx.flipped, q->entries[r].sha256);

      found += flipped;
      if (r < n_flipped)
        top += flipped;
      if (r > 0)
        g_assert_cmpfloat (q->entries[r].score, >=, q->entries[r - 1].score);
    }
  g_test_message ("label-error queue: %u candidates; of %u flipped labels %u found (recall %.2f), "
                  "%u in the top %u (precision %.2f)",
                  q->n_total, n_flipped, found, (double) found / n_flipped, top, n_flipped,
                  (double) top / n_flipped);
  /* An easy set: most flipped labels are found and lead the queue. */
  g_assert_cmpuint (found, >=, n_flipped * 2 / 3);
  g_assert_cmpuint (top, >=, n_flipped / 2);
}

/* ---- the CLI ---- */

static void
test_cli (void)
{
  const char *cli = g_getenv ("LS_CLI");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;
  int status = -1;

  make_flipped_workspace ();
  {
    const char *argv[] = { cli, "-w", fx.ws, "queue", "label-errors", "--limit", "5", "--json", NULL };

    g_assert_true (ls_test_run (argv, &out, &err, &status));
    g_assert_cmpint (status, ==, 0);
  }
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "queue"), ==, "label-errors");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "images")), <=, 5);
  g_assert_true (json_object_has_member (o, "thresholds"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *argv[] = { cli, "-w", fx.ws, "queue", "unlabelled", NULL };

    g_assert_true (ls_test_run (argv, &out, &err, &status));
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (err, "unlabelled: 0 images"));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *argv[] = { cli, "-w", fx.ws, "queue", "nonsense", NULL };

    g_assert_true (ls_test_run (argv, &out, &err, &status));
    g_assert_cmpint (status, ==, 2);
    g_assert_nonnull (strstr (err, "nonsense"));
  }
  /* A short cross-validation through the CLI: the new run is the one the
   * queue reads. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    g_autofree char *arch = g_build_filename (fx.tmp, "small.arch", NULL);
    const char *argv[] = { cli, "-w", fx.ws, "crossval", "--folds", "2", "--epochs", "2", "--arch",
                           arch, "--threads", "1", "--batch", "16", "--json", NULL };
    g_autoptr (JsonParser) p = json_parser_new ();
    g_autoptr (LsStore) store = NULL;
    g_autoptr (LsQueue) q = NULL;
    JsonObject *r;

    g_assert_true (g_file_set_contents (arch, ls_test_small_arch, -1, &error));
    g_assert_true (ls_test_run (argv, &out, &err, &status));
    g_assert_cmpint (status, ==, 0);
    g_assert_true (json_parser_load_from_data (p, out, -1, &error));
    g_assert_no_error (error);
    r = json_node_get_object (json_parser_get_root (p));
    g_assert_cmpint (json_object_get_int_member (r, "folds"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (r, "images"), ==, 3 * PER_CLASS);
    store = ls_store_open (fx.ws, LS_STORE_OPEN_DEFAULT, &error);
    g_assert_no_error (error);
    q = ls_workspace_queue (store, LS_QUEUE_LABEL_ERRORS, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (q->source_id, ==, json_object_get_string_member (r, "run_id"));
    g_assert_cmpint (json_object_get_int_member (r, "label_error_candidates"), ==, q->n_total);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *argv[] = { cli, "-w", fx.ws, "crossval", "--folds", "1", NULL };

    g_assert_true (ls_test_run (argv, &out, &err, &status));
    g_assert_cmpint (status, ==, 2);
    g_assert_nonnull (strstr (err, "--folds"));
  }
}

/* `queue --read-unread`: the images the active model has not read are read
 * and logged first (the default model registered and made active, as
 * predict does), so the queue ranks them all; a second time there is
 * nothing left to read. */
static void
test_cli_read_unread (void)
{
  const char *cli = g_getenv ("LS_CLI");
  const char *argv[] = { cli, "-w", NULL, "queue", "uncertain", "--read-unread", "--json", NULL };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *want = NULL;

  make_flipped_workspace ();
  argv[2] = fx.ws;
  for (int round = 0; round < 2; round++)
    {
      g_autofree char *out = NULL, *err = NULL;
      JsonObject *o;
      int status = -1;

      g_assert_true (ls_test_run (argv, &out, &err, &status));
      g_test_message ("round %d: %s", round, err);
      g_assert_cmpint (status, ==, 0);
      want = g_strdup_printf ("read %d of the %d images without a prediction", round == 0 ? 3 * PER_CLASS : 0,
                              round == 0 ? 3 * PER_CLASS : 0);
      g_assert_nonnull (strstr (err, want));
      g_clear_pointer (&want, g_free);
      g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
      g_assert_no_error (error);
      o = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpint (json_object_get_int_member (o, "unranked"), ==, 0);
      g_assert_cmpint (json_object_get_int_member (o, "total"), ==, 3 * PER_CLASS);
    }
}

int
main (int argc,
      char **argv)
{
  int result;

  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/pipeline/queues/thresholds", test_thresholds);
  g_test_add_func ("/lungscope/pipeline/queues/folds", test_folds);
  g_test_add_func ("/lungscope/pipeline/queues/rules", test_rules);
  g_test_add_func ("/lungscope/pipeline/crossval/cancel", test_cancel);
  g_test_add_func ("/lungscope/pipeline/crossval/default-threads", test_default_threads);
  g_test_add_func ("/lungscope/pipeline/crossval/label-errors", test_label_errors);
  g_test_add_func ("/lungscope/pipeline/crossval/cli", test_cli);
  g_test_add_func ("/lungscope/pipeline/queues/cli-read-unread", test_cli_read_unread);
  result = g_test_run ();
  if (fx.tmp != NULL)
    ls_test_remove_tree (fx.tmp);
  g_free (fx.tmp);
  g_free (fx.ws);
  if (fx.flipped != NULL)
    g_hash_table_unref (fx.flipped);
  return result;
}
