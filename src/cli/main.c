/* main.c — lungscope-cli: global options and subcommand dispatch
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ls-cli-predict.h"
#include "ls-cli.h"
#include "pipeline/init.h"

static const LsCliCommand commands[] = {
  { "info", "[--json]", "Show versions, BLAS kernels and threads, and paths",
    "Prints the versions of Lungscope and its libraries, the OpenBLAS kernel core and\n"
    "thread count in use (and whether Lungscope chose the core), and the paths it uses.",
    ls_cli_cmd_info },
  { "bench", "[engine|imaging|all] [--json] [--threads N]",
    "Run the benchmarks' own half (engine: lungnet-s training, inference, Grad-CAM)",
    "Trains lungnet-s at 224x224, batch 32, on random data and prints training images/s,\n"
    "peak RSS, single-image forward and forward + Grad-CAM times and the cblas_sgemm peak.\n"
    "bench/engine-bench.sh runs it beside the same network in PyTorch.",
    ls_cli_cmd_bench },
  { "import", "[--csv FILE] [--unlabelled] [--reference] [--map NAME=CLASS] [PATH…]",
    "Import images into the workspace (class folders, a CSV, or unlabelled)",
    "Class folders may be nested; their names may be synonyms (COVID-19, NORMAL, …).\n"
    "Importing again adds nothing. Unreadable files, duplicates and conflicting\n"
    "labels are listed on stdout, one per line; a summary goes to stderr.",
    ls_cli_cmd_import },
  { "label", "IMAGE CLASS [--note TEXT]", "Set an image's label (IMAGE: a file or a hash prefix)",
    "CLASS is a class of the workspace (or a synonym), or none. The change is a new\n"
    "event in the image's history; it is printed after it was committed.",
    ls_cli_cmd_label },
  { "split", "[--test F] [--val F] [--seed S]", "Split the workspace into train, val and test",
    "Groups (one patient, or near-duplicate copies) stay in one part; adding images\n"
    "never moves an existing one. Prints the counts per part and class.",
    ls_cli_cmd_split },
  { "train", "[--epochs N] [--batch N] [--size PX] [--seed S] [--augment FILE] [--threads N] [--log FILE.jsonl] …",
    "Train a model from scratch on the workspace's split",
    "Trains on the training part with augmentation (from random weights, or from a model's\n"
    "with --init: registered, or a file), validates every epoch, keeps the best epoch, fits\n"
    "the temperature on the validation part and the out-of-distribution statistics,\n"
    "evaluates on the test part and registers the model (active when the workspace has\n"
    "none, or with --activate). Each epoch is a line on stderr, a row in the workspace and\n"
    "a line in WS/runs/<run-id>.jsonl (and in --log FILE). Ctrl-C stops cleanly: nothing is\n"
    "registered and the run is marked cancelled (exit 130). A workspace never split gets\n"
    "the default split first (printed as 'split' prints it).",
    ls_cli_cmd_train },
  { "finetune", "[--from MODEL] [--epochs N] [--replay-ratio R] [--activate] [--json] …",
    "Fine-tune a child of a model on the labels changed since it was trained",
    "Relabel and retrain: trains a child of MODEL (default: the active one) on the\n"
    "training images whose label changed since MODEL was registered, oversampled, plus a\n"
    "replay sample of the rest of the training part, with batch norm frozen; refits the\n"
    "temperature and the out-of-distribution statistics; prints the parent and the child\n"
    "side by side on the corrected images and on the test part. The child is registered,\n"
    "not active: accept it with 'models promote', discard it with 'models delete' (or\n"
    "--activate to accept at once). The parent is never changed. Ctrl-C registers nothing.",
    ls_cli_cmd_finetune },
  { "crossval", "[--folds K] [--epochs N] [--seed S] [--threads N] [--json] …",
    "K-fold cross-validation: out-of-fold probabilities for the label-error queue",
    "Trains K models from scratch, each on all labelled images but one fold's, and stores\n"
    "each image's calibrated probabilities from the model that did not see it. Folds keep\n"
    "the split's groups (a patient, near-duplicate copies) together and hold about 1/K of\n"
    "each class. No model is registered; the run is recorded like a training run, its\n"
    "epochs numbered across the folds. Prints the out-of-fold metrics and the number of\n"
    "possible label errors. Ctrl-C stores nothing and marks the run cancelled (exit 130).",
    ls_cli_cmd_crossval },
  { "queue", "unlabelled|disagree|uncertain|label-errors [--limit N] [--rank R] [--json]",
    "Print a review queue: images to look at next, ranked",
    "unlabelled: images without a label. disagree: the active model's latest prediction\n"
    "differs from the label. uncertain: most uncertain prediction first (entropy, or\n"
    "--rank margin). label-errors: confident learning on the latest cross-validation's\n"
    "out-of-fold probabilities (per-class thresholds; lowest probability of the given\n"
    "label first, or --rank normalized-margin); without one, the active model's\n"
    "predictions, and the ranking is said to be in-sample. The count goes to stderr.",
    ls_cli_cmd_queue },
  { "calibrate", "[MODEL] [--json]", "Fit a model's temperature on the validation part",
    "Temperature scaling on the validation part. Model files are never rewritten: the\n"
    "result is a new model, the child of MODEL (default: the active one) with the same\n"
    "weights and the new temperature, active when MODEL was.",
    ls_cli_cmd_calibrate },
  { "eval", "[MODEL] [--compare MODEL] [--part test|val|train] [--json]",
    "Evaluate a model on the test part (or compare two)",
    "Accuracy, per-class precision, recall and F1, the confusion matrix, one-vs-rest ROC\n"
    "AUC and the expected calibration error (15 bins) of MODEL (default: the active one)\n"
    "with calibrated probabilities; --compare puts two models side by side and counts the\n"
    "images whose predicted class differs.",
    ls_cli_cmd_eval },
  { "models", "list|history|show|promote|rollback|export|delete|add …",
    "List, inspect, promote, roll back, export, delete and add models",
    "The workspace's model registry. 'models --help' lists the subcommands; rollback\n"
    "makes the active model's parent active, promote activates any model.",
    ls_cli_cmd_models },
  { "monitor", "[--json] [--since DATE] [--plots DIR] [--bin auto|hour|day|week] …",
    "Monitor the logged predictions: volume, agreement, class mix, OOD, drift",
    "From the predictions logged in the workspace (a deleted model's included), per time\n"
    "bin: predictions, agreement with the images' current labels (per class and Cohen's\n"
    "kappa), class mix, the rate of OOD warnings and of low-confidence answers (top\n"
    "probability < --low-confidence, 0.6); the active model's reliability from its card;\n"
    "and a drift verdict over the last --window (200) predictions, given at least --min\n"
    "(30): OOD rate above --ood-bound (0.1), or total variation between their class mix\n"
    "and the training labels' above --mix-bound (0.25). --model MODEL before 'monitor'\n"
    "keeps that model's predictions only. --plots writes predictions.png, agreement.png,\n"
    "rates.png, class-mix.png and reliability.png.",
    ls_cli_cmd_monitor },
  { "phantoms", "DIR --per-class N [--seed S] [--size PX]", "Write a synthetic chest X-ray data set",
    "Writes anatomically plausible synthetic chest radiographs, N per class, as 8-bit PNG\n"
    "files in DIR/<class>/, each disease image with its lesion mask beside it\n"
    "(<name>_mask.png), and DIR/labels.csv (path,label,patient,mask) once all are written.\n"
    "The same seed gives the same files. Ctrl-C stops cleanly (exit 130): files written\n"
    "are complete, and labels.csv is not written.",
    ls_cli_cmd_phantoms },
  { "augment", "IMAGE --out DIR [-n N] [--config FILE] [--seed S]",
    "Write augmented previews of an image with the parameters each drew",
    "Fits IMAGE to the model input size, applies the augmentation pipeline N times and\n"
    "writes DIR/<name>-aug-NN.png and DIR/augment.json (the pipeline, the seed, and each\n"
    "preview's parameters). Preview i is made again by the same pipeline, seed and i.\n"
    "--dump-config prints the pipeline as a key file to start a --config from.",
    ls_cli_cmd_augment },
  { "predict", "[--json | --csv] [--saliency DIR] [--method M] [--class NAME] PATH…",
    "Predict images or folders: calibrated probabilities, class, OOD score",
    "PATH is an image file or a folder (searched recursively for PNG, JPEG and WebP\n"
    "files, in name order). The model is --model FILE, else the workspace's active model,\n"
    "else the shipped default model. With a workspace every prediction is logged with the\n"
    "model id and latency. --saliency DIR writes DIR/<name>-<method>.png overlays. A file\n"
    "that cannot be read is named on stderr and the others are still predicted; the exit\n"
    "status is then 1. Lungscope is not a medical device: this is not a diagnosis.",
    ls_cli_cmd_predict },
  { "saliency", "IMAGE --out FILE.png [--method M] [--class NAME] [--raw]",
    "Write a saliency overlay (or the raw 16-bit map) at the image's size",
    "Methods: gradcam (the last convolution block), gradient (the input gradient) and\n"
    "smoothgrad (the gradient averaged over noisy copies). The map explains the predicted\n"
    "class unless --class names another.",
    ls_cli_cmd_saliency },
  { "report", "IMAGE --out FILE.pdf [--method M] [--force]",
    "Write a one-page PDF reading of an image (not a diagnosis)",
    "The page shows the radiograph and its saliency overlay, the calibrated\n"
    "probabilities, the out-of-distribution check, the model's id and card, the date\n"
    "and the statement that Lungscope is not a medical device. An existing FILE is kept\n"
    "unless --force.",
    ls_cli_cmd_report },
};

static const char *prgname = "lungscope-cli";

static void
print_main_help (FILE *out)
{
  fprintf (out,
           "Usage: %s [-w WORKSPACE | --model FILE] COMMAND [OPTION…]\n"
           "\n"
           "Read, label and re-teach a chest X-ray classifier from the command line.\n"
           "Lungscope is not a medical device: its results are not a diagnosis.\n"
           "\n"
           "Commands:\n",
           prgname);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\n"
           "Global options:\n"
           "  -w, --workspace=PATH  Workspace folder (default: $LUNGSCOPE_WORKSPACE, else the app's last one)\n"
           "  --model=FILE          Model file to use instead of the workspace's active model\n"
           "  -h, --help            Show this help, or a command's with COMMAND --help\n"
           "  --version             Show the version\n"
           "\n"
           "Exit status: 0 success, 1 the work failed, 2 usage error, 130 cancelled.\n"
           "Run '%s COMMAND --help' for a command's options.\n",
           prgname);
}

static const LsCliCommand *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

/* Takes the value of a global option that needs one: "--opt=V", "--opt V",
 * "-wV" or "-w V". Returns FALSE on a missing value. */
static gboolean
take_value (char **argv,
            int argc,
            int *i,
            const char *arg,
            gsize name_len,
            char **out)
{
  const char *value = NULL;

  if (arg[name_len] == '=')
    value = arg + name_len + 1;
  else if (arg[name_len] != '\0' && arg[1] != '-')
    value = arg + name_len;
  else if (*i + 1 < argc)
    value = argv[++*i];

  if (value == NULL || *value == '\0')
    return FALSE;
  g_free (*out);
  *out = g_strdup (value);
  return TRUE;
}

static gboolean
option_matches (const char *arg,
                const char *name)
{
  gsize len = strlen (name);

  if (strncmp (arg, name, len) != 0)
    return FALSE;
  /* "-w" may be followed by its value directly; long options by '=' only. */
  if (name[1] != '-')
    return TRUE;
  return arg[len] == '\0' || arg[len] == '=';
}

int
main (int argc,
      char **argv)
{
  LsCliGlobal global = { 0 };
  const LsCliCommand *command;
  int i;
  int status;

  ls_pipeline_init (argv);
  setlocale (LC_ALL, "");
  /* The CLI speaks English (for scripts and logs): the report layer's
   * texts, translated for the app, stay in English here too. */
  setlocale (LC_MESSAGES, "C");
  g_set_prgname (prgname);

  for (i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (arg[0] != '-' || arg[1] == '\0')
        break;
      if (g_str_equal (arg, "--"))
        {
          i++;
          break;
        }
      if (g_str_equal (arg, "--version"))
        {
          printf ("%s %s\n", prgname, PACKAGE_VERSION);
          return LS_EXIT_OK;
        }
      if (g_str_equal (arg, "-h") || g_str_equal (arg, "--help"))
        {
          print_main_help (stdout);
          return LS_EXIT_OK;
        }
      if (option_matches (arg, "-w") || option_matches (arg, "--workspace"))
        {
          if (!take_value (argv, argc, &i, arg, arg[1] == '-' ? strlen ("--workspace") : 2,
                           &global.workspace))
            {
              fprintf (stderr, "%s: option %s needs a folder (see '%s --help')\n", prgname, arg, prgname);
              return LS_EXIT_USAGE;
            }
          global.workspace_source = LS_WORKSPACE_ORIGIN_OPTION;
          continue;
        }
      if (option_matches (arg, "--model"))
        {
          if (!take_value (argv, argc, &i, arg, strlen ("--model"), &global.model))
            {
              fprintf (stderr, "%s: option --model needs a file (see '%s --help')\n", prgname, prgname);
              return LS_EXIT_USAGE;
            }
          continue;
        }
      fprintf (stderr, "%s: unknown option %s (see '%s --help')\n", prgname, arg, prgname);
      return LS_EXIT_USAGE;
    }

  if (i >= argc)
    {
      fprintf (stderr, "%s: no command given (see '%s --help')\n", prgname, prgname);
      return LS_EXIT_USAGE;
    }

  if (g_str_equal (argv[i], "help"))
    {
      if (i + 1 >= argc)
        {
          print_main_help (stdout);
          return LS_EXIT_OK;
        }
      command = find_command (argv[i + 1]);
      if (command == NULL)
        {
          fprintf (stderr, "%s: unknown command '%s' (see '%s --help')\n", prgname, argv[i + 1], prgname);
          return LS_EXIT_USAGE;
        }
      {
        char *help_argv[] = { argv[i + 1], (char *) "--help", NULL };
        return command->func (command, &global, 2, help_argv);
      }
    }

  command = find_command (argv[i]);
  if (command == NULL)
    {
      fprintf (stderr, "%s: unknown command '%s' (see '%s --help')\n", prgname, argv[i], prgname);
      return LS_EXIT_USAGE;
    }

  if (global.workspace == NULL)
    global.workspace = ls_pipeline_resolve_workspace (NULL, &global.workspace_source);

  status = command->func (command, &global, argc - i, argv + i);

  g_free (global.workspace);
  g_free (global.model);
  return status;
}
