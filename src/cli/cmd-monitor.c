/* cmd-monitor.c — lungscope-cli monitor: the logged predictions over time
 * and the drift verdict (pipeline/monitor.h)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ls-cli.h"
#include "pipeline/monitor.h"
#include "pipeline/registry.h"

/* YYYY-MM-DD (midnight UTC) or an ISO 8601 time (UTC unless it names a
 * zone); 0 when it is neither. */
static gint64
parse_since (const char *text)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) t = NULL;
  int y, m, d;
  char end;

  if (sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &end) == 3 && strlen (text) == 10)
    t = g_date_time_new_utc (y, m, d, 0, 0, 0);
  else
    t = g_date_time_new_from_iso8601 (text, utc);
  return t != NULL ? g_date_time_to_unix (t) * G_USEC_PER_SEC : 0;
}

static gint64
parse_bin (const char *text)
{
  if (text == NULL || g_str_equal (text, "auto"))
    return LS_MONITOR_BIN_AUTO;
  if (g_str_equal (text, "hour"))
    return LS_MONITOR_BIN_HOUR;
  if (g_str_equal (text, "day"))
    return LS_MONITOR_BIN_DAY;
  if (g_str_equal (text, "week"))
    return LS_MONITOR_BIN_WEEK;
  return -1;
}

static char *
percent (double fraction)
{
  return isfinite (fraction) ? g_strdup_printf ("%.0f %%", 100 * fraction) : g_strdup ("-");
}

static char *
format_time (gint64 usec,
             gint64 bin_seconds)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  if (t == NULL)
    return g_strdup ("?");
  return g_date_time_format (t, bin_seconds < LS_MONITOR_BIN_DAY ? "%Y-%m-%d %H:%M" : "%Y-%m-%d");
}

static char *
class_shares (const LsMonitorReport *r,
              const double *mix)
{
  GString *s = g_string_new (NULL);

  for (int c = 0; c < r->n_classes; c++)
    {
      g_autofree char *p = percent (mix[c]);

      g_string_append_printf (s, "%s%s %s", c > 0 ? ", " : "", r->classes[c], p);
    }
  return g_string_free (s, FALSE);
}

static const char *
drift_word (LsMonitorDriftState state)
{
  switch (state)
    {
    case LS_MONITOR_DRIFT_TOO_FEW:
      return "no verdict";
    case LS_MONITOR_DRIFT_NONE:
      return "none";
    case LS_MONITOR_DRIFT_DETECTED:
      return "DRIFT";
    default:
      g_assert_not_reached ();
    }
}

static void
print_text (const LsMonitorReport *r,
            LsStore *store)
{
  const LsMonitorBin *t = &r->total;
  g_autofree char *training = class_shares (r, r->training_mix);
  g_autofree char *predicted = class_shares (r, r->predicted_mix);
  g_autofree char *agreement = percent (t->agreement);
  g_autofree char *low = percent (t->low_confidence_rate);
  g_autofree char *ood = percent (t->ood_rate);

  g_autofree char *skipped = r->n_skipped > 0 ? g_strdup_printf (" (%u unreadable rows skipped)", r->n_skipped)
                                              : g_strdup ("");
  g_autofree char *width = r->bin_seconds == LS_MONITOR_BIN_HOUR  ? g_strdup ("an hour")
                           : r->bin_seconds == LS_MONITOR_BIN_DAY ? g_strdup ("a day")
                           : r->bin_seconds == LS_MONITOR_BIN_WEEK
                               ? g_strdup ("a week")
                               : g_strdup_printf ("%" G_GINT64_FORMAT " s", r->bin_seconds);
  g_autofree char *distance = isfinite (r->class_mix_distance) ? g_strdup_printf ("%.2f", r->class_mix_distance)
                                                               : g_strdup ("-");
  g_autofree char *kappa = isfinite (t->kappa) ? g_strdup_printf ("%.2f", t->kappa) : g_strdup ("-");

  printf ("workspace   %s\n", ls_store_get_path (store));
  if (r->n_bins > 0)
    {
      g_autofree char *first = format_time (r->bins[0].start, r->bin_seconds);
      g_autofree char *last = format_time (r->bins[r->n_bins - 1].start, r->bin_seconds);

      printf ("predictions %u, %s to %s, in bins of %s%s\n", t->n_predictions, first, last, width, skipped);
    }
  else
    printf ("predictions 0%s\n", skipped);
  if (r->active_model_id != NULL && r->active_metrics != NULL)
    printf ("active      %s: accuracy %.3f, ECE %.3f (test metrics on its card)\n", r->active_model_id,
            r->active_metrics->accuracy, r->active_metrics->ece);
  else
    printf ("active      %s\n", r->active_model_id != NULL ? r->active_model_id : "none");
  printf ("drift       %s: %s\n", drift_word (r->drift.state), r->drift.message);
  printf ("class mix   training (%s, %u images): %s\n", r->training_from_split ? "train split" : "all labelled",
          r->n_training, training);
  printf ("            predicted: %s; total variation %s\n", predicted, distance);
  printf ("agreement   %s of %u labelled, Cohen's kappa %s\n", agreement, t->n_labelled, kappa);
  printf ("low conf.   %s (top probability < %.2f)\n", low, r->low_confidence);
  printf ("OOD         %s (%u of %u made with a detector)\n", ood, t->n_ood, t->n_ood_checked);
  if (r->n_bins == 0)
    return;
  printf ("\n%-16s %6s %6s %6s %8s %6s\n", "bin (UTC)", "preds", "agree", "kappa", "low-conf", "OOD");
  for (guint i = 0; i < r->n_bins; i++)
    {
      const LsMonitorBin *b = &r->bins[i];
      g_autofree char *when = format_time (b->start, r->bin_seconds);
      g_autofree char *a = percent (b->agreement);
      g_autofree char *l = percent (b->low_confidence_rate);
      g_autofree char *o = percent (b->ood_rate);
      g_autofree char *k = isfinite (b->kappa) ? g_strdup_printf ("%.2f", b->kappa) : g_strdup ("-");

      if (b->n_predictions == 0 && r->n_bins > 60)
        continue; /* long empty stretches would drown the table */
      printf ("%-16s %6u %6s %6s %8s %6s\n", when, b->n_predictions, a, k, l, o);
    }
}

int
ls_cli_cmd_monitor (const LsCliCommand *command,
                    LsCliGlobal *global,
                    int argc,
                    char **argv)
{
  gboolean json = FALSE;
  g_autofree char *since = NULL, *plots = NULL, *bin = NULL;
  double low = NAN, ood_bound = NAN, mix_bound = NAN;
  int window = 0, min = -1;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since, "Only predictions from DATE on (YYYY-MM-DD or ISO 8601, UTC)",
      "DATE" },
    { "plots", 0, 0, G_OPTION_ARG_FILENAME, &plots, "Write the charts as PNG files into DIR", "DIR" },
    { "bin", 0, 0, G_OPTION_ARG_STRING, &bin, "Bin width: auto (default), hour, day or week", "WIDTH" },
    { "low-confidence", 0, 0, G_OPTION_ARG_DOUBLE, &low, "Low confidence: top probability below P (default 0.6)",
      "P" },
    { "window", 0, 0, G_OPTION_ARG_INT, &window, "Drift: the last N predictions (default 200)", "N" },
    { "min", 0, 0, G_OPTION_ARG_INT, &min, "Drift: no verdict on fewer than N predictions (default 30)", "N" },
    { "ood-bound", 0, 0, G_OPTION_ARG_DOUBLE, &ood_bound, "Drift: OOD rate above R (default 0.1)", "R" },
    { "mix-bound", 0, 0, G_OPTION_ARG_DOUBLE, &mix_bound,
      "Drift: class-mix total variation above D (default 0.25)", "D" },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsMonitorReport) report = NULL;
  g_autofree char *model = NULL;
  LsMonitorOptions o;
  int code;

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &code))
    return code;
  if (argc > 1)
    return ls_cli_usage_error (command, "unexpected argument “%s”", argv[1]);
  ls_monitor_options_init (&o);
  if (since != NULL && (o.since = parse_since (since)) == 0)
    return ls_cli_usage_error (command, "--since “%s” is not a date (YYYY-MM-DD or ISO 8601)", since);
  if ((o.bin_seconds = parse_bin (bin)) < 0)
    return ls_cli_usage_error (command, "--bin “%s”: give auto, hour, day or week", bin);
  if (!isnan (low))
    o.low_confidence = low;
  if (!isnan (ood_bound))
    o.ood_rate_bound = ood_bound;
  if (!isnan (mix_bound))
    o.class_mix_bound = mix_bound;
  if (window < 0)
    return ls_cli_usage_error (command, "--window %d: give a positive count", window);
  if (window > 0)
    o.drift_window = (guint) window;
  if (min >= 0)
    o.drift_min = (guint) min;
  if (!(o.low_confidence >= 0 && o.low_confidence <= 1) || !(o.ood_rate_bound >= 0 && o.ood_rate_bound <= 1) ||
      !(o.class_mix_bound >= 0 && o.class_mix_bound <= 1))
    return ls_cli_usage_error (command, "--low-confidence, --ood-bound and --mix-bound take values in [0, 1]");

  store = ls_cli_open_workspace (command, global, LS_STORE_OPEN_DEFAULT, &code);
  if (store == NULL)
    return code;
  if (global->model != NULL)
    {
      model = ls_registry_resolve (store, global->model, &error);
      if (model == NULL)
        return ls_cli_failure ("%s", error->message);
      o.model_id = model;
    }
  report = ls_monitor_compute (store, &o, &error);
  if (report == NULL)
    return ls_cli_failure ("%s", error->message);
  if (plots != NULL && !ls_monitor_write_plots (report, plots, &error))
    return ls_cli_failure ("cannot write the charts: %s", error->message);
  if (json)
    {
      g_autofree char *text = ls_monitor_report_to_json (report);

      puts (text);
    }
  else
    print_text (report, store);
  return LS_EXIT_OK;
}
