/* engine-parity-helper.c — the engine's half of tests/parity/engine_parity.py
 *
 *   engine-parity-helper SPEC_FILE IN.bin OUT.bin THREADS
 *
 * Reads the weights, input, labels and hyper-parameters PyTorch made, runs
 * one training step (forward, loss, backward, AdamW) and a Grad-CAM, and
 * writes every result for the script to compare. The tensor file is a
 * small format both sides write: "LSTB", u32 count, then per tensor u32
 * name length, name, u32 rank, u32 dims[rank], float32 data.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "engine/blas.h"
#include "engine/layers.h"
#include "engine/net.h"
#include "engine/saliency.h"

typedef struct
{
  char *name;
  guint32 rank;
  guint32 dims[4];
  gsize count;
  float *data;
} Tensor;

static void
tensor_free (gpointer p)
{
  Tensor *t = p;

  g_free (t->name);
  g_free (t->data);
  g_free (t);
}

static gboolean
read_u32 (const guint8 **p,
          const guint8 *end,
          guint32 *out)
{
  if (end - *p < 4)
    return FALSE;
  memcpy (out, *p, 4);
  *p += 4;
  return TRUE;
}

static GHashTable *
read_tensors (const char *path,
              GError **error)
{
  g_autofree char *bytes = NULL;
  gsize len;
  const guint8 *p, *end;
  guint32 count;
  g_autoptr (GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, tensor_free);

  if (!g_file_get_contents (path, &bytes, &len, error))
    return NULL;
  p = (const guint8 *) bytes;
  end = p + len;
  if (len < 8 || memcmp (p, "LSTB", 4) != 0)
    goto bad;
  p += 4;
  if (!read_u32 (&p, end, &count))
    goto bad;
  for (guint32 i = 0; i < count; i++)
    {
      Tensor *t = g_new0 (Tensor, 1);
      guint32 name_len;

      if (!read_u32 (&p, end, &name_len) || (gsize) (end - p) < name_len)
        {
          tensor_free (t);
          goto bad;
        }
      t->name = g_strndup ((const char *) p, name_len);
      p += name_len;
      if (!read_u32 (&p, end, &t->rank) || t->rank > 4)
        {
          tensor_free (t);
          goto bad;
        }
      t->count = 1;
      for (guint32 d = 0; d < t->rank; d++)
        {
          if (!read_u32 (&p, end, &t->dims[d]))
            {
              tensor_free (t);
              goto bad;
            }
          t->count *= t->dims[d];
        }
      if ((gsize) (end - p) < t->count * 4)
        {
          tensor_free (t);
          goto bad;
        }
      t->data = g_new (float, MAX (t->count, 1));
      memcpy (t->data, p, t->count * 4);
      p += t->count * 4;
      g_hash_table_insert (table, t->name, t);
    }
  return g_steal_pointer (&table);
bad:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: malformed tensor file", path);
  return NULL;
}

static void
put (GString *out,
     guint32 *count,
     const char *name,
     const float *data,
     guint32 rank,
     const guint32 *dims)
{
  guint32 len = strlen (name);
  gsize n = 1;

  g_string_append_len (out, (const char *) &len, 4);
  g_string_append_len (out, name, len);
  g_string_append_len (out, (const char *) &rank, 4);
  for (guint32 d = 0; d < rank; d++)
    {
      g_string_append_len (out, (const char *) &dims[d], 4);
      n *= dims[d];
    }
  g_string_append_len (out, (const char *) data, n * 4);
  (*count)++;
}

static const Tensor *
need (GHashTable *t,
      const char *name)
{
  const Tensor *x = g_hash_table_lookup (t, name);

  if (x == NULL)
    {
      g_printerr ("engine-parity-helper: the input has no tensor “%s”\n", name);
      exit (1);
    }
  return x;
}

int
main (int argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = NULL;
  g_autoptr (GHashTable) in = NULL;
  g_autoptr (LsNet) net = NULL;
  g_autoptr (LsOptimizer) opt = NULL;
  g_autoptr (GString) out = g_string_new_len ("LSTB\0\0\0\0", 8);
  const Tensor *input, *labels_t, *weights, *hp;
  g_autofree int *labels = NULL;
  g_autofree float *probs = NULL, *dlogits = NULL, *map = NULL;
  LsOptimConfig cfg;
  LsSaliencyConfig scfg;
  const float *logits;
  guint32 count = 0, dims[4];
  float loss;
  int n, k, s;

  ls_engine_blas_init (argv);
  if (argc != 5)
    {
      g_printerr ("usage: engine-parity-helper SPEC IN OUT THREADS\n");
      return 2;
    }
  if (!g_file_get_contents (argv[1], &spec, NULL, &error) || (in = read_tensors (argv[2], &error)) == NULL || (net = ls_net_new (spec, &error)) == NULL)
    {
      g_printerr ("engine-parity-helper: %s\n", error->message);
      return 1;
    }
  input = need (in, "input");
  labels_t = need (in, "labels");
  weights = need (in, "class_weights");
  hp = need (in, "hparams"); /* lr, weight decay, label smoothing, beta1, beta2, eps */
  n = input->dims[0];
  k = ls_net_get_n_classes (net);
  s = ls_net_get_input_size (net);
  ls_net_set_threads (net, atoi (argv[4]));
  if (!ls_net_plan (net, n, &error))
    {
      g_printerr ("engine-parity-helper: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < ls_net_get_n_tensors (net); i++)
    {
      const LsNetTensor *t = ls_net_get_tensor (net, i);
      const Tensor *src = need (in, t->name);

      g_assert_cmpuint (src->count, ==, t->n_elements);
      memcpy (t->data, src->data, sizeof (float) * t->n_elements);
    }
  labels = g_new (int, n);
  for (int i = 0; i < n; i++)
    labels[i] = (int) labels_t->data[i];
  probs = g_new (float, n *k);
  dlogits = g_new (float, n *k);

  ls_net_set_mode (net, LS_NET_MODE_TRAIN);
  logits = ls_net_forward (net, input->data, n);
  dims[0] = n;
  dims[1] = k;
  put (out, &count, "logits", logits, 2, dims);
  loss = ls_engine_cross_entropy (logits, labels, weights->data, hp->data[2], probs, dlogits, n, k);
  dims[0] = 1;
  put (out, &count, "loss", &loss, 1, dims);
  ls_net_zero_grads (net);
  ls_net_backward (net, dlogits, TRUE);
  for (guint i = 0; i < ls_net_get_n_tensors (net); i++)
    {
      const LsNetTensor *t = ls_net_get_tensor (net, i);
      g_autofree char *name = g_strconcat ("grad.", t->name, NULL);

      if (!t->is_param)
        continue;
      for (int d = 0; d < t->n_dims; d++)
        dims[d] = t->shape[d];
      put (out, &count, name, t->grad, t->n_dims, dims);
    }
  ls_optim_config_init (&cfg, LS_OPTIM_ADAMW);
  cfg.weight_decay = hp->data[1];
  cfg.beta1 = hp->data[3];
  cfg.beta2 = hp->data[4];
  cfg.eps = hp->data[5];
  opt = ls_optimizer_new (&cfg, ls_net_get_n_params (net));
  ls_optimizer_step (opt, ls_net_get_params (net), ls_net_get_grads (net), hp->data[0]);
  for (guint i = 0; i < ls_net_get_n_tensors (net); i++)
    {
      const LsNetTensor *t = ls_net_get_tensor (net, i);
      g_autofree char *name = g_strconcat ("param.", t->name, NULL);

      for (int d = 0; d < t->n_dims; d++)
        dims[d] = t->shape[d];
      put (out, &count, name, t->data, t->n_dims, dims);
    }

  /* Grad-CAM of image 0 for its label, in eval mode, with the new weights */
  map = g_new (float, s *s);
  ls_saliency_config_init (&scfg, LS_SALIENCY_GRADCAM);
  scfg.target_class = labels[0];
  ls_engine_saliency (net, input->data, &scfg, map, probs);
  dims[0] = dims[1] = s;
  put (out, &count, "gradcam", map, 2, dims);
  dims[0] = k;
  put (out, &count, "probs_eval", probs, 1, dims);

  memcpy (out->str + 4, &count, 4);
  if (!g_file_set_contents (argv[3], out->str, out->len, &error))
    {
      g_printerr ("engine-parity-helper: %s\n", error->message);
      return 1;
    }
  return 0;
}
