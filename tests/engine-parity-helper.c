/* engine-parity-helper.c — the engine's half of tests/parity/engine_parity.py
 *
 *   engine-parity-helper MODEL.safetensors BATCH.safetensors OUT-DIR THREADS
 *
 * Loads the model PyTorch wrote (its "arch" metadata is the network),
 * reads the batch (input, labels, class_weights, hparams), runs one
 * training step (forward, loss, backward, AdamW) and a Grad-CAM, and
 * writes OUT-DIR/results.safetensors (logits, loss, grad.*, gradcam,
 * probs_eval) and OUT-DIR/model.safetensors (the updated model, through
 * the engine's own writer) for the script to compare.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "engine/blas.h"
#include "engine/layers.h"
#include "engine/model.h"
#include "engine/saliency.h"

static const LsTensorEntry *
need (const LsSafetensors *st,
      const char *name)
{
  const LsTensorEntry *e = ls_safetensors_find (st, name);

  if (e == NULL)
    {
      g_printerr ("engine-parity-helper: the batch has no tensor “%s”\n", name);
      exit (1);
    }
  return e;
}

static void
add (GArray *out,
     const char *name,
     const float *data,
     int n_dims,
     const int64_t *shape)
{
  LsTensorEntry e = { 0 };

  e.name = g_strdup (name);
  e.n_dims = n_dims;
  e.n_elements = 1;
  for (int d = 0; d < n_dims; d++)
    {
      e.shape[d] = shape[d];
      e.n_elements *= shape[d];
    }
  e.data = g_memdup2 (data, sizeof (float) * MAX (e.n_elements, 1));
  g_array_append_val (out, e);
}

static void
clear_entry (gpointer p)
{
  LsTensorEntry *e = p;

  g_free (e->name);
  g_free (e->data);
}

int
main (int argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSafetensors) batch = NULL;
  g_autoptr (LsNet) net = NULL;
  g_autoptr (LsOptimizer) opt = NULL;
  g_autoptr (GArray) out = g_array_new (FALSE, TRUE, sizeof (LsTensorEntry));
  g_autofree char *results = NULL, *model = NULL;
  const LsTensorEntry *input, *labels_t, *weights, *hp;
  g_autofree int *labels = NULL;
  g_autofree float *probs = NULL, *dlogits = NULL, *map = NULL;
  LsOptimConfig cfg;
  LsSaliencyConfig scfg;
  const float *logits;
  int64_t shape[4];
  float loss;
  int n, k, s;

  ls_engine_blas_init (argv);
  g_array_set_clear_func (out, clear_entry);
  if (argc != 5)
    {
      g_printerr ("usage: engine-parity-helper MODEL BATCH OUT-DIR THREADS\n");
      return 2;
    }
  if ((net = ls_net_load (argv[1], NULL, &error)) == NULL || (batch = ls_safetensors_read (argv[2], &error)) == NULL)
    {
      g_printerr ("engine-parity-helper: %s\n", error->message);
      return 1;
    }
  input = need (batch, "input");
  labels_t = need (batch, "labels");
  weights = need (batch, "class_weights");
  hp = need (batch, "hparams"); /* lr, weight decay, label smoothing, beta1, beta2, eps */
  n = (int) input->shape[0];
  k = ls_net_get_n_classes (net);
  s = ls_net_get_input_size (net);
  ls_net_set_threads (net, atoi (argv[4]));
  if (!ls_net_plan (net, n, &error))
    {
      g_printerr ("engine-parity-helper: %s\n", error->message);
      return 1;
    }
  labels = g_new (int, n);
  for (int i = 0; i < n; i++)
    labels[i] = (int) labels_t->data[i];
  probs = g_new (float, n *k);
  dlogits = g_new (float, n *k);

  ls_net_set_mode (net, LS_NET_MODE_TRAIN);
  logits = ls_net_forward (net, input->data, n);
  shape[0] = n;
  shape[1] = k;
  add (out, "logits", logits, 2, shape);
  loss = ls_engine_cross_entropy (logits, labels, weights->data, hp->data[2], probs, dlogits, n, k);
  shape[0] = 1;
  add (out, "loss", &loss, 1, shape);
  ls_net_zero_grads (net);
  ls_net_backward (net, dlogits, TRUE);
  for (guint i = 0; i < ls_net_get_n_tensors (net); i++)
    {
      const LsNetTensor *t = ls_net_get_tensor (net, i);
      g_autofree char *name = g_strconcat ("grad.", t->name, NULL);

      if (t->is_param)
        add (out, name, t->grad, t->n_dims, t->shape);
    }
  ls_optim_config_init (&cfg, LS_OPTIM_ADAMW);
  cfg.weight_decay = hp->data[1];
  cfg.beta1 = hp->data[3];
  cfg.beta2 = hp->data[4];
  cfg.eps = hp->data[5];
  opt = ls_optimizer_new (&cfg, ls_net_get_n_params (net));
  ls_optimizer_step (opt, ls_net_get_params (net), ls_net_get_grads (net), hp->data[0]);

  /* Grad-CAM of image 0 for its label, in eval mode, with the new weights */
  map = g_new (float, s *s);
  ls_saliency_config_init (&scfg, LS_SALIENCY_GRADCAM);
  scfg.target_class = labels[0];
  ls_engine_saliency (net, input->data, &scfg, map, probs);
  shape[0] = shape[1] = s;
  add (out, "gradcam", map, 2, shape);
  shape[0] = k;
  add (out, "probs_eval", probs, 1, shape);

  results = g_build_filename (argv[3], "results.safetensors", NULL);
  model = g_build_filename (argv[3], "model.safetensors", NULL);
  if (!ls_safetensors_write (results, NULL, (LsTensorEntry *) (void *) out->data, out->len, &error) || !ls_net_save (net, model, NULL, NULL, 0, &error))
    {
      g_printerr ("engine-parity-helper: %s\n", error->message);
      return 1;
    }
  return 0;
}
