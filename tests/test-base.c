/* test-base.c — src/base (durable files, the xoshiro generator) and the
 * names of every error domain
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "dataset/phantom.h"
#include "dataset/store.h"
#include "engine/net.h"
#include "engine/safetensors.h"
#include "engine/spec.h"
#include "imaging/augment.h"
#include "imaging/decode.h"
#include "imaging/png-write.h"
#include "imaging/preprocess.h"
#include "ls-test.h"
#include "pipeline/calibrate.h"
#include "pipeline/loader.h"
#include "pipeline/metrics.h"
#include "pipeline/model-source.h"
#include "pipeline/ood.h"
#include "pipeline/predict.h"
#include "pipeline/registry.h"
#include "pipeline/train.h"
#include "pipeline/workspace.h"
#include "report/report.h"

/* ---- Error domains ------------------------------------------------------- */

/* A domain's name is what g_dbus and logs show and what g_quark_from_string
 * finds; clang-format once turned them into "ls - net - error - quark". */
static void
test_error_domains (void)
{
  static const struct
  {
    GQuark (*quark) (void);
    const char *name;
  } domains[] = {
    { ls_phantom_error_quark, "ls-phantom-error-quark" },
    { ls_store_error_quark, "ls-store-error-quark" },
    { ls_net_error_quark, "ls-net-error-quark" },
    { ls_safetensors_error_quark, "ls-safetensors-error-quark" },
    { ls_spec_error_quark, "ls-spec-error-quark" },
    { ls_augment_error_quark, "ls-augment-error-quark" },
    { ls_image_error_quark, "ls-image-error-quark" },
    { ls_png_write_error_quark, "ls-png-write-error-quark" },
    { ls_preprocess_error_quark, "ls-preprocess-error-quark" },
    { ls_calibrate_error_quark, "ls-calibrate-error-quark" },
    { ls_loader_error_quark, "ls-loader-error-quark" },
    { ls_metrics_error_quark, "ls-metrics-error-quark" },
    { ls_model_source_error_quark, "ls-model-source-error-quark" },
    { ls_ood_error_quark, "ls-ood-error-quark" },
    { ls_model_error_quark, "ls-model-error-quark" },
    { ls_registry_error_quark, "ls-registry-error-quark" },
    { ls_train_error_quark, "ls-train-error-quark" },
    { ls_workspace_error_quark, "ls-workspace-error-quark" },
    { ls_report_error_quark, "ls-report-error-quark" },
  };

  g_assert_cmpstr (g_quark_to_string (LS_MODEL_ERROR), ==, "ls-model-error-quark");
  for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
    {
      g_assert_cmpstr (g_quark_to_string (domains[i].quark ()), ==, domains[i].name);
      g_assert_cmpuint (g_quark_try_string (domains[i].name), ==, domains[i].quark ());
    }
}

/* ---- Guards -------------------------------------------------------------- */

/* A NULL model is a programming error the guard reports; it is not
 * dereferenced before the guard runs. */
static void
test_predict_without_model (void)
{
  g_autoptr (LsImage) image = ls_image_new (8, 8);
  g_autoptr (GError) error = NULL;

  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*model != NULL*");
  g_assert_null (ls_pipeline_predict (NULL, image, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);

  g_test_add_func ("/lungscope/errors/domains", test_error_domains);
  g_test_add_func ("/lungscope/pipeline/predict/without-model", test_predict_without_model);

  return g_test_run ();
}
