/* test-monitor.c — monitoring from the logged predictions, and the model
 * history
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cairo.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "dataset/import.h"
#include "dataset/store.h"
#include "ls-test.h"
#include "pipeline/monitor.h"
#include "store-test-util.h"

/* 2026-03-01T10:00:00Z and 2026-03-02T15:00:00Z, in µs. */
#define DAY1 (G_GINT64_CONSTANT (1772359200) * G_USEC_PER_SEC)
#define DAY2 (G_GINT64_CONSTANT (1772463600) * G_USEC_PER_SEC)
#define MIDNIGHT2 (G_GINT64_CONSTANT (1772409600) * G_USEC_PER_SEC)

static void
db_exec (const char *db_path,
         const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* A workspace of 12 images labelled normal, pneumonia, covid in turn. */
static LsStore *
make_workspace (const char *tmp,
                GPtrArray **images)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *ws = g_build_filename (tmp, "mon.lungscope", NULL);
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
  g_autoptr (LsImportReport) report = NULL;
  const char *classes[] = { "normal", "pneumonia", "covid" };
  LsStore *store;

  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *name = g_strdup_printf ("img%03u.png", i);
      g_autofree char *path = g_build_filename (src, classes[i % 3], name, NULL);

      write_test_png (path, 500 + i, 8);
    }
  store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  report = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, src, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->added, ==, 12);
  *images = ls_store_list_images (store, &error);
  g_assert_no_error (error);
  return store;
}

static void
add_model (LsStore *store,
           const char *id,
           const char *metrics,
           gboolean active)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_strconcat (id, ".safetensors", NULL);
  g_autofree char *file = g_build_filename (ls_store_get_path (store), "models", name, NULL);

  g_assert_true (g_file_set_contents (file, id, -1, NULL));
  g_assert_true (ls_store_add_model (store, id, NULL, "v", metrics, active, &error));
  g_assert_no_error (error);
}

static void
log_one (LsStore *store,
         const char *sha256,
         const char *model,
         const char *probs,
         const char *predicted,
         double ood_score,
         gboolean ood_flag)
{
  g_autoptr (GError) error = NULL;
  LsStorePrediction p = { 0 };

  p.sha256 = (char *) sha256;
  p.name = (char *) "x.png";
  p.model_id = (char *) model;
  p.probabilities_json = (char *) probs;
  p.predicted = (char *) predicted;
  p.ood_score = ood_score;
  p.ood_flag = ood_flag;
  p.latency_ms = NAN;
  g_assert_cmpint (ls_store_log_prediction (store, &p, &error), >, 0);
  g_assert_no_error (error);
}

static const char *
label_of (const LsStoreImage *image)
{
  return image->label;
}

/* Day 1: six predictions by m0, all right and confident, none OOD. Day 2:
 * six by m1, all "normal" at 0.5, three flagged OOD; one of a file outside
 * the workspace (array probabilities, no OOD detector); one unreadable.
 * m0 is deleted afterwards: its predictions still count. */
static LsStore *
fill (const char *tmp,
      char **metrics_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) images = NULL;
  LsStore *store = make_workspace (tmp, &images);
  g_autofree char *db = g_build_filename (ls_store_get_path (store), "lungscope.db", NULL);
  g_autoptr (LsMetrics) metrics = NULL;
  const char *names[] = { "normal", "pneumonia", "covid", NULL };
  float probs[4 * 3] = { 0.9f, 0.05f, 0.05f, 0.2f, 0.7f, 0.1f, 0.1f, 0.1f, 0.8f, 0.6f, 0.3f, 0.1f };
  int labels[4] = { 0, 1, 2, 1 };
  char other[65];
  g_autofree char *sql = NULL;

  metrics = ls_metrics_compute (4, 3, probs, labels, NULL, names, 5, &error);
  g_assert_no_error (error);
  *metrics_out = ls_metrics_to_json (metrics);
  add_model (store, "m0", NULL, TRUE);
  add_model (store, "m1", *metrics_out, TRUE);
  /* Two images of each class a day, whatever the import order. */
  for (guint i = 0; i < images->len; i++)
    for (guint j = i + 1; j < images->len; j++)
      if (g_strcmp0 (label_of (images->pdata[j]), label_of (images->pdata[i])) < 0)
        {
          gpointer t = images->pdata[i];

          images->pdata[i] = images->pdata[j];
          images->pdata[j] = t;
        }
  for (guint k = 0; k < 6; k++)
    {
      const LsStoreImage *im = images->pdata[(k / 2) * 4 + k % 2];
      g_autofree char *p = g_strdup_printf ("{\"normal\":%s,\"pneumonia\":%s,\"covid\":%s}",
                                            g_str_equal (label_of (im), "normal") ? "0.9" : "0.05",
                                            g_str_equal (label_of (im), "pneumonia") ? "0.9" : "0.05",
                                            g_str_equal (label_of (im), "covid") ? "0.9" : "0.05");

      log_one (store, im->sha256, "m0", p, label_of (im), 0.5, FALSE);
    }
  for (guint k = 0; k < 6; k++)
    {
      const LsStoreImage *im = images->pdata[(k / 2) * 4 + 2 + k % 2];

      log_one (store, im->sha256, "m1", "{\"normal\":0.5,\"pneumonia\":0.3,\"covid\":0.2}", "normal",
               k % 2 == 0 ? 3.0 : 0.5, k % 2 == 0);
    }
  memset (other, 'e', 64);
  other[64] = '\0';
  log_one (store, other, "m1", "[0.1, 0.1, 0.8]", NULL, NAN, FALSE);
  log_one (store, other, "m1", "not json", NULL, NAN, FALSE);
  sql = g_strdup_printf ("UPDATE predictions SET time = %" G_GINT64_FORMAT " WHERE model_id = 'm0';"
                         "UPDATE predictions SET time = %" G_GINT64_FORMAT " WHERE model_id = 'm1';",
                         DAY1, DAY2);
  db_exec (db, sql);
  g_assert_true (ls_store_delete_model (store, "m0", &error));
  g_assert_no_error (error);
  return store;
}

static void
test_bins_and_agreement (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *metrics = NULL;
  g_autoptr (LsStore) store = fill (tmp, &metrics);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsMonitorReport) r = NULL;
  const LsMonitorBin *b;
  LsMonitorOptions o;

  ls_monitor_options_init (&o);
  o.bin_seconds = LS_MONITOR_BIN_DAY;
  o.drift_min = 5;
  o.drift_window = 7;
  r = ls_monitor_compute (store, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->n_classes, ==, 3);
  g_assert_cmpuint (r->n_skipped, ==, 1);
  g_assert_cmpint (r->bin_seconds, ==, 86400);
  g_assert_cmpuint (r->n_bins, ==, 2);

  b = &r->bins[0];
  g_assert_cmpint (b->start, ==, MIDNIGHT2 - G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC);
  g_assert_cmpint (b->end, ==, MIDNIGHT2);
  g_assert_cmpuint (b->n_predictions, ==, 6);
  g_assert_cmpuint (b->predicted[0], ==, 2);
  g_assert_cmpuint (b->n_labelled, ==, 6);
  g_assert_cmpfloat (b->agreement, ==, 1.0);
  g_assert_cmpfloat_with_epsilon (b->kappa, 1.0, 1e-12);
  g_assert_cmpfloat (b->low_confidence_rate, ==, 0.0);
  g_assert_cmpuint (b->n_ood_checked, ==, 6);
  g_assert_cmpfloat (b->ood_rate, ==, 0.0);

  /* Day 2: always "normal", so agreement 2/6 = p_e and kappa 0; per class
   * normal 1, pneumonia 0, covid 0; all below 0.6; 3 of 6 checked are OOD. */
  b = &r->bins[1];
  g_assert_cmpint (b->start, ==, MIDNIGHT2);
  g_assert_cmpuint (b->n_predictions, ==, 7);
  g_assert_cmpuint (b->predicted[0], ==, 6);
  g_assert_cmpuint (b->predicted[2], ==, 1);
  g_assert_cmpuint (b->n_labelled, ==, 6);
  g_assert_cmpfloat_with_epsilon (b->agreement, 2.0 / 6, 1e-12);
  g_assert_cmpfloat_with_epsilon (b->kappa, 0.0, 1e-12);
  g_assert_cmpfloat (b->class_agreement[0], ==, 1.0);
  g_assert_cmpfloat (b->class_agreement[1], ==, 0.0);
  g_assert_cmpfloat (b->class_agreement[2], ==, 0.0);
  g_assert_cmpuint (b->n_low_confidence, ==, 6);
  g_assert_cmpfloat_with_epsilon (b->low_confidence_rate, 6.0 / 7, 1e-12);
  g_assert_cmpuint (b->n_ood_checked, ==, 6);
  g_assert_cmpuint (b->n_ood, ==, 3);
  g_assert_cmpfloat (b->ood_rate, ==, 0.5);

  /* Totals: 8 normal, 2 pneumonia, 3 covid against a 4/4/4 training mix
   * (no split: all labelled images). */
  g_assert_cmpuint (r->total.n_predictions, ==, 13);
  g_assert_cmpfloat_with_epsilon (r->total.agreement, 8.0 / 12, 1e-12);
  g_assert_false (r->training_from_split);
  g_assert_cmpuint (r->n_training, ==, 12);
  g_assert_cmpfloat_with_epsilon (r->training_mix[1], 1.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (r->predicted_mix[0], 8.0 / 13, 1e-12);
  g_assert_cmpfloat_with_epsilon (r->class_mix_distance,
                                  0.5 * (8.0 / 13 - 1.0 / 3 + 1.0 / 3 - 2.0 / 13 + 1.0 / 3 - 3.0 / 13),
                                  1e-12);

  /* The active model's reliability, from its card. */
  g_assert_cmpstr (r->active_model_id, ==, "m1");
  g_assert_nonnull (r->active_metrics);
  g_assert_cmpint (r->active_metrics->n_bins, ==, 5);
  g_assert_cmpfloat_with_epsilon (r->active_metrics->accuracy, 0.75, 1e-9);

  /* Drift over the last 7 (day 2): OOD 50 % > 10 %, and 6 normal + 1
   * covid is far from an even mix. */
  g_assert_cmpint (r->drift.state, ==, LS_MONITOR_DRIFT_DETECTED);
  g_assert_cmpuint (r->drift.n, ==, 7);
  g_assert_cmpfloat (r->drift.ood_rate, ==, 0.5);
  g_assert_true (r->drift.ood_exceeded);
  g_assert_cmpfloat_with_epsilon (r->drift.class_mix_distance,
                                  0.5 * (6.0 / 7 - 1.0 / 3 + 1.0 / 3 + 1.0 / 3 - 1.0 / 7), 1e-12);
  g_assert_true (r->drift.class_mix_exceeded);
  g_assert_nonnull (strstr (r->drift.message, "50 %"));
  g_assert_nonnull (strstr (r->drift.message, "bound 10 %"));
  g_clear_pointer (&r, ls_monitor_report_free);

  /* Looser bounds: no drift, and the message states them. */
  o.ood_rate_bound = 0.6;
  o.class_mix_bound = 0.6;
  r = ls_monitor_compute (store, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->drift.state, ==, LS_MONITOR_DRIFT_NONE);
  g_assert_nonnull (strstr (r->drift.message, "bound 60 %"));
  g_clear_pointer (&r, ls_monitor_report_free);

  /* Too few predictions for a verdict. */
  o.drift_min = 100;
  r = ls_monitor_compute (store, &o, &error);
  g_assert_cmpint (r->drift.state, ==, LS_MONITOR_DRIFT_TOO_FEW);
  g_clear_pointer (&r, ls_monitor_report_free);

  /* Since day 2, automatic bins: one hour, one bin. One model only. */
  ls_monitor_options_init (&o);
  o.since = MIDNIGHT2;
  r = ls_monitor_compute (store, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->bin_seconds, ==, 3600);
  g_assert_cmpuint (r->n_bins, ==, 1);
  g_assert_cmpuint (r->total.n_predictions, ==, 7);
  g_clear_pointer (&r, ls_monitor_report_free);
  /* Automatic bins over both days: 10:00 to 15:00 the next day in hours,
   * empty hours included. */
  ls_monitor_options_init (&o);
  r = ls_monitor_compute (store, &o, &error);
  g_assert_cmpint (r->bin_seconds, ==, 3600);
  g_assert_cmpuint (r->n_bins, ==, 30);
  g_assert_cmpuint (r->bins[1].n_predictions, ==, 0);
  g_assert_true (isnan (r->bins[1].agreement));
  g_assert_cmpuint (r->bins[29].n_predictions, ==, 7);
  g_clear_pointer (&r, ls_monitor_report_free);
  o.model_id = "m0";
  r = ls_monitor_compute (store, &o, &error);
  g_assert_cmpuint (r->total.n_predictions, ==, 6);
  g_clear_pointer (&r, ls_monitor_report_free);

  /* Bad options are refused with a message. */
  ls_monitor_options_init (&o);
  o.ood_rate_bound = 1.5;
  g_assert_null (ls_monitor_compute (store, &o, &error));
  g_assert_error (error, LS_MONITOR_ERROR, LS_MONITOR_ERROR_INVALID);
  g_clear_error (&error);
  ls_monitor_options_init (&o);
  o.bin_seconds = 1;
  g_assert_null (ls_monitor_compute (store, &o, &error));
  g_assert_error (error, LS_MONITOR_ERROR, LS_MONITOR_ERROR_INVALID);
  g_clear_error (&error);

  /* A label a model set is not a human label: that image stops counting
   * for agreement until a person labels it again. */
  {
    g_autoptr (GPtrArray) day2 = ls_store_list_predictions (store, "m1", NULL, &error);
    const char *sha = ((LsStorePrediction *) day2->pdata[0])->sha256; /* a covid image */

    g_assert_cmpint (ls_store_set_label (store, sha, "normal", LS_LABEL_SOURCE_MODEL, "m1", NULL, &error), >, 0);
    g_assert_no_error (error);
    ls_monitor_options_init (&o);
    o.bin_seconds = LS_MONITOR_BIN_DAY;
    r = ls_monitor_compute (store, &o, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (r->total.n_labelled, ==, 11);
    g_assert_cmpuint (r->bins[1].n_labelled, ==, 5);
    g_clear_pointer (&r, ls_monitor_report_free);
    g_assert_cmpint (ls_store_set_label (store, sha, "pneumonia", LS_LABEL_SOURCE_USER, "reader", NULL, &error),
                     >, 0);
    r = ls_monitor_compute (store, &o, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (r->total.n_labelled, ==, 12);
    g_clear_pointer (&r, ls_monitor_report_free);
  }
  g_clear_pointer (&store, ls_store_close);
  remove_tree (tmp);
}

static void
test_empty_and_json (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *metrics = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsMonitorReport) r = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autofree char *ws = g_build_filename (tmp, "empty.lungscope", NULL);
  JsonObject *o, *drift;

  /* No predictions, no models: no bins, no verdict, no active model. */
  store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  r = ls_monitor_compute (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_bins, ==, 0);
  g_assert_cmpuint (r->total.n_predictions, ==, 0);
  g_assert_true (isnan (r->class_mix_distance));
  g_assert_null (r->active_model_id);
  g_assert_cmpint (r->drift.state, ==, LS_MONITOR_DRIFT_TOO_FEW);
  g_clear_pointer (&r, ls_monitor_report_free);
  g_clear_pointer (&store, ls_store_close);

  store = fill (tmp, &metrics);
  r = ls_monitor_compute (store, NULL, &error);
  g_assert_no_error (error);
  json = ls_monitor_report_to_json (r);
  root = json_from_string (json, &error);
  g_assert_no_error (error);
  o = json_node_get_object (root);
  g_assert_cmpint (json_object_get_int_member (o, "bin_seconds"), ==, 3600);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "bins")), ==, 30);
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (json_object_get_array_member (o, "bins"), 0), "start"),
                   ==, "2026-03-01T10:00:00Z");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "total"), "predictions"), ==, 13);
  drift = json_object_get_object_member (o, "drift");
  /* Default window 200, minimum 30: 13 predictions are too few. */
  g_assert_cmpstr (json_object_get_string_member (drift, "state"), ==, "too-few");
  g_assert_cmpfloat (json_object_get_double_member (drift, "ood_rate_bound"), ==, 0.1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "active_model"), "id"), ==,
                   "m1");
  g_clear_pointer (&store, ls_store_close);
  remove_tree (tmp);
}

static int
cli (char **out,
     char **err,
     const char *first,
     ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  va_list args;
  int status = -1;

  g_clear_pointer (out, g_free);
  g_clear_pointer (err, g_free);
  g_ptr_array_add (argv, (gpointer) g_getenv ("LS_CLI"));
  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (ls_test_run ((const char *const *) argv->pdata, out, err, &status));
  g_test_message ("%s%s", *out, *err);
  return status;
}

static void
test_cli (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *metrics = NULL;
  g_autoptr (LsStore) store = fill (tmp, &metrics);
  g_autofree char *ws = g_strdup (ls_store_get_path (store));
  g_autofree char *plots = ls_test_build_path ("test-renders", "monitor", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  const char *files[] = { "predictions.png", "agreement.png", "rates.png", "class-mix.png", "reliability.png" };
  JsonObject *o;

  g_clear_pointer (&store, ls_store_close);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "monitor", "--bin", "day", "--window", "7", "--min", "5", "--plots", plots,
                        NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "predictions 13, 2026-03-01 to 2026-03-02, in bins of a day (1 unreadable"));
  g_assert_nonnull (strstr (out, "agreement   67 % of 12 labelled"));
  g_assert_nonnull (strstr (out, "active      m1: accuracy 0.750"));
  g_assert_nonnull (strstr (out, "drift       DRIFT: Recent inputs drift"));
  g_assert_nonnull (strstr (out, "2026-03-02            7"));
  g_assert_cmpint (cli (&out, &err, "-w", ws, "monitor", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "drift       no verdict: Not enough predictions"));
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (plots, files[i], NULL);
      cairo_surface_t *s = cairo_image_surface_create_from_png (path);

      g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
      g_assert_cmpint (cairo_image_surface_get_width (s), ==, 960);
      cairo_surface_destroy (s);
    }

  g_assert_cmpint (cli (&out, &err, "-w", ws, "--model", "m0", "monitor", "--json", "--since", "2026-03-01", NULL),
                   ==, 0);
  root = json_from_string (out, &error);
  g_assert_no_error (error);
  o = json_node_get_object (root);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "total"), "predictions"), ==, 6);
  g_clear_pointer (&root, json_node_unref);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "monitor", "--json", "--since", "2026-03-02T12:00:00Z", NULL), ==, 0);
  root = json_from_string (out, &error);
  g_assert_no_error (error);
  o = json_node_get_object (root);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "total"), "predictions"), ==, 7);

  /* Usage errors exit 2 with one line; no workspace too. */
  g_assert_cmpint (cli (&out, &err, "-w", ws, "monitor", "--since", "yesterday", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "yesterday"));
  g_assert_cmpint (cli (&out, &err, "-w", ws, "monitor", "--bin", "fortnight", NULL), ==, 2);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "monitor", "--ood-bound", "2", NULL), ==, 2);
  g_assert_cmpint (cli (&out, &err, "monitor", NULL), ==, 2);
  /* An unknown model: one line naming it. */
  g_assert_cmpint (cli (&out, &err, "-w", ws, "--model", "nope", "monitor", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "nope"));
  remove_tree (tmp);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/pipeline/monitor/bins-and-agreement", test_bins_and_agreement);
  g_test_add_func ("/lungscope/pipeline/monitor/empty-and-json", test_empty_and_json);
  g_test_add_func ("/lungscope/pipeline/monitor/cli", test_cli);
  return g_test_run ();
}
