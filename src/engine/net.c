/* net.c — building, planning and running a network
 *
 * Activations: every layer writes its output into its own slice of the
 * activation block, except ReLU, which runs in place on its input (its
 * backward only needs the output). Gradients of activations ping-pong
 * between two buffers the size of the largest activation.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "net.h"

#include <cblas.h>
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "blas.h"
#include "layers.h"
#include "workers.h"

/* clang-format off */
G_DEFINE_QUARK (ls-net-error-quark, ls_net_error)
/* clang-format on */

#define ALIGN_FLOATS 16 /* 64 bytes */

typedef struct
{
  LsLayerSpec spec;
  int c_in, h_in, w_in;     /* per image */
  int c_out, h_out, w_out;  /* per image */
  gsize param_off, n_param; /* weight then bias (conv, linear) or γ then β (bn) */
  gsize w_count;            /* floats of the weight (or γ) */
  gsize stat_off;           /* bn: running mean then running variance */
  gboolean has_bias;
  gboolean inplace;
  gboolean fused;  /* bn: applies the next layer's ReLU; relu: done by the bn before */
  int group;       /* conv: images per GEMM */
  gboolean direct; /* conv: the direct kernels (conv-direct.c) instead of im2col */
  int dgroup;      /* conv, direct: images per weight-gradient pass */
  /* planned */
  float *out;
  float *save; /* bn: mean, invstd (2·C) */
  float *mask; /* dropout */
  uint8_t *argmax;
  float *gin, *gout;
} Layer;

/* The inference path (ls_net_infer): a stage is a convolution with what
 * folds into it (batch norm into its weights, ReLU and max-pool into its
 * epilogue), or one layer of the head run as it is. */
typedef struct
{
  int first, last; /* the layers of the stage */
  int bn;          /* the folded batch norm, or −1 */
  gboolean conv, relu, pool;
  gboolean direct;    /* conv-direct.c's kernels, else im2col + GEMM */
  gboolean prepadded; /* the stage before writes the padded input */
  gboolean parallel;  /* worth the net's threads */
  gboolean cam;       /* holds the Grad-CAM layer: its output stays whole */
  LsConvShape shape;
  gsize w_off, b_off; /* in infer_weights: packed (direct) or folded weights, folded bias */
  float *xp;          /* direct: the padded input */
  LsConvEpilogue epi;
  int m_units, r_units, rows_per_unit, rows;
} Stage;

struct _LsNet
{
  LsNetSpec *spec;
  Layer *layers;
  int n_layers;
  int n_classes;
  int cam_layer;
  LsNetMode mode;
  LsXoshiro dropout_rng;

  gsize n_params, n_stats;
  float *params, *stats;
  LsNetTensor *tensors;
  guint n_tensors;
  guint64 version; /* bumped by every change of the parameters or statistics */

  /* the plan */
  int batch, n;
  float *grads;
  float *act_block;
  float *grad_block;
  float *scratch; /* n_threads × scratch_stride */
  gsize scratch_stride;
  float *partials; /* (n_threads − 1) × partial_stride: conv weight gradients */
  float *packed;   /* a direct convolution's weights, packed before it runs */
  gsize partial_stride;
  int n_threads;
  LsWorkers *workers;
  uint8_t *argmax_block;
  float *input;
  float *probs, *dlogits;
  gsize planned_bytes;

  /* the inference path (planned with the rest) */
  Stage *stages;
  int n_stages;
  gboolean infer_ok;     /* every layer fits a stage */
  gboolean *kept;        /* per layer: its output is written by ls_net_infer() */
  gboolean last_infer;   /* the last forward was ls_net_infer() */
  guint64 infer_version; /* the version infer_weights were made from (0: none) */
  float *infer_block;    /* weights, padded inputs, GEMM output, fold space */
  float *infer_weights, *infer_fold, *infer_tmp;
  float *infer_scratch; /* n_threads × infer_scratch_stride */
  gsize infer_scratch_stride;

  /* cancellation inside a training step */
  GCancellable *cancel; /* checked between layers while a step runs */
  gboolean cancelled;   /* seen set: the step stops */
  float *stats_saved;   /* running statistics at the step's start */
  LsXoshiro rng_saved;  /* the dropout stream at the step's start */
};

/* A 64-byte-aligned block, zeroed if asked, or NULL when the memory is
 * not there (a plan too large is a recoverable error, not an abort). Free
 * with g_aligned_free (). Blocks every step writes before reading are not
 * cleared, so the pages nobody uses (the batch-norm outputs a fused
 * max-pool never needs) never become resident. */
static void *
try_alloc (gsize n,
           gsize size,
           gboolean zero)
{
  void *p = NULL;

  if (n == 0 || size == 0 || n > G_MAXSIZE / size || posix_memalign (&p, 64, n * size) != 0)
    return NULL;
  if (zero)
    memset (p, 0, n * size);
  return p;
}

static gsize
round_up (gsize n)
{
  return (n + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
}

static void
add_tensor (GArray *tensors,
            const char *prefix,
            const char *suffix,
            int n_dims,
            const int64_t *shape,
            gsize offset,
            gboolean is_param)
{
  LsNetTensor t = { 0 };

  g_snprintf (t.name, sizeof t.name, "%s.%s", prefix, suffix);
  t.n_dims = n_dims;
  t.n_elements = 1;
  for (int i = 0; i < n_dims; i++)
    {
      t.shape[i] = shape[i];
      t.n_elements *= shape[i];
    }
  t.data = GSIZE_TO_POINTER (offset); /* fixed up once the blocks exist */
  t.is_param = is_param;
  g_array_append_val (tensors, t);
}

LsNet *
ls_net_new (const char *spec_text,
            GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (LsNetSpec) spec = ls_net_spec_parse (spec_text, &local);
  g_autoptr (GArray) tensors = NULL;
  LsNet *net;
  int c, h, w;

  if (spec == NULL)
    {
      g_set_error (error, LS_NET_ERROR, LS_NET_ERROR_SPEC, "network spec: %s", local->message);
      return NULL;
    }
  net = g_new0 (LsNet, 1);
  net->spec = g_steal_pointer (&spec);
  net->n_layers = net->spec->n_layers;
  net->layers = g_new0 (Layer, net->n_layers);
  net->cam_layer = -1;
  net->mode = LS_NET_MODE_EVAL;
  net->n_threads = 1;
  net->version = 1;
  tensors = g_array_new (FALSE, TRUE, sizeof (LsNetTensor));

  c = net->spec->channels;
  h = w = net->spec->size;
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      const LsLayerSpec *s = &net->spec->layers[i];
      int64_t shape[4];

      l->spec = *s;
      l->c_in = c;
      l->h_in = h;
      l->w_in = w;
      l->param_off = net->n_params;
      switch (s->kind)
        {
        case LS_LAYER_CONV:
          c = s->out;
          h = (h + 2 * s->pad - s->k) / s->stride + 1;
          w = (w + 2 * s->pad - s->k) / s->stride + 1;
          shape[0] = s->out;
          shape[1] = l->c_in;
          shape[2] = shape[3] = s->k;
          l->w_count = (gsize) s->out * l->c_in * s->k * s->k;
          l->has_bias = s->bias;
          add_tensor (tensors, s->name, "weight", 4, shape, net->n_params, TRUE);
          net->n_params += l->w_count;
          if (s->bias)
            {
              add_tensor (tensors, s->name, "bias", 1, shape, net->n_params, TRUE);
              net->n_params += s->out;
            }
          break;
        case LS_LAYER_LINEAR:
          c = s->out;
          shape[0] = s->out;
          shape[1] = l->c_in;
          l->w_count = (gsize) s->out * l->c_in;
          l->has_bias = s->bias;
          add_tensor (tensors, s->name, "weight", 2, shape, net->n_params, TRUE);
          net->n_params += l->w_count;
          if (s->bias)
            {
              add_tensor (tensors, s->name, "bias", 1, shape, net->n_params, TRUE);
              net->n_params += s->out;
            }
          break;
        case LS_LAYER_BN:
          shape[0] = c;
          l->w_count = c;
          l->has_bias = TRUE;
          add_tensor (tensors, s->name, "weight", 1, shape, net->n_params, TRUE);
          add_tensor (tensors, s->name, "bias", 1, shape, net->n_params + c, TRUE);
          net->n_params += 2 * c;
          l->stat_off = net->n_stats;
          add_tensor (tensors, s->name, "running_mean", 1, shape, net->n_stats, FALSE);
          add_tensor (tensors, s->name, "running_var", 1, shape, net->n_stats + c, FALSE);
          net->n_stats += 2 * c;
          break;
        case LS_LAYER_MAXPOOL:
          h /= 2;
          w /= 2;
          break;
        case LS_LAYER_GAP:
          h = w = 1;
          break;
        case LS_LAYER_RELU:
          l->inplace = TRUE;
          if (s->cam)
            net->cam_layer = i;
          break;
        case LS_LAYER_DROPOUT:
        default:
          break;
        }
      l->n_param = net->n_params - l->param_off;
      l->c_out = c;
      l->h_out = h;
      l->w_out = w;
    }
  net->n_classes = c;
  for (int i = 0; i + 1 < net->n_layers; i++)
    if (net->layers[i].spec.kind == LS_LAYER_BN && net->layers[i + 1].spec.kind == LS_LAYER_RELU)
      net->layers[i].fused = net->layers[i + 1].fused = TRUE;

  net->params = g_aligned_alloc0 (MAX (net->n_params, 1), sizeof (float), 64);
  net->stats = g_aligned_alloc0 (MAX (net->n_stats, 1), sizeof (float), 64);
  net->n_tensors = tensors->len;
  net->tensors = (LsNetTensor *) g_array_free (g_steal_pointer (&tensors), FALSE);
  for (guint i = 0; i < net->n_tensors; i++)
    {
      LsNetTensor *t = &net->tensors[i];
      gsize off = GPOINTER_TO_SIZE (t->data);

      t->data = (t->is_param ? net->params : net->stats) + off;
    }
  /* running variance starts at 1 */
  for (int i = 0; i < net->n_layers; i++)
    if (net->layers[i].spec.kind == LS_LAYER_BN)
      for (int ci = 0; ci < net->layers[i].c_out; ci++)
        net->stats[net->layers[i].stat_off + net->layers[i].c_out + ci] = 1.0f;
  ls_xoshiro_init (&net->dropout_rng, 0);
  return net;
}

static void
free_plan (LsNet *net)
{
  g_clear_pointer (&net->grads, g_aligned_free);
  g_clear_pointer (&net->act_block, g_aligned_free);
  g_clear_pointer (&net->grad_block, g_aligned_free);
  g_clear_pointer (&net->scratch, g_aligned_free);
  g_clear_pointer (&net->partials, g_aligned_free);
  g_clear_pointer (&net->packed, g_aligned_free);
  g_clear_pointer (&net->stats_saved, g_aligned_free);
  g_clear_pointer (&net->workers, ls_workers_free);
  g_clear_pointer (&net->argmax_block, g_aligned_free);
  g_clear_pointer (&net->infer_block, g_aligned_free);
  g_clear_pointer (&net->infer_scratch, g_aligned_free);
  g_clear_pointer (&net->stages, g_free);
  g_clear_pointer (&net->kept, g_free);
  net->n_stages = 0;
  net->infer_ok = FALSE;
  net->infer_version = 0;
  net->last_infer = FALSE;
  net->batch = 0;
  net->planned_bytes = 0;
  for (guint i = 0; i < net->n_tensors; i++)
    net->tensors[i].grad = NULL;
}

void
ls_net_free (LsNet *net)
{
  if (net == NULL)
    return;
  free_plan (net);
  g_aligned_free (net->params);
  g_aligned_free (net->stats);
  g_free (net->tensors);
  g_free (net->layers);
  ls_net_spec_free (net->spec);
  g_free (net);
}

const LsNetSpec *
ls_net_get_spec (const LsNet *net)
{
  return net->spec;
}

int
ls_net_get_input_channels (const LsNet *net)
{
  return net->spec->channels;
}

int
ls_net_get_input_size (const LsNet *net)
{
  return net->spec->size;
}

int
ls_net_get_n_classes (const LsNet *net)
{
  return net->n_classes;
}

gsize
ls_net_get_n_params (const LsNet *net)
{
  return net->n_params;
}

float *
ls_net_get_params (LsNet *net)
{
  /* the caller may write through it */
  net->version++;
  return net->params;
}

void
ls_net_params_changed (LsNet *net)
{
  net->version++;
}

guint64
ls_net_get_params_version (const LsNet *net)
{
  return net->version;
}

float *
ls_net_get_grads (LsNet *net)
{
  return net->grads;
}

double
ls_net_get_macs (const LsNet *net)
{
  double macs = 0.0;

  for (int i = 0; i < net->n_layers; i++)
    {
      const Layer *l = &net->layers[i];

      if (l->spec.kind == LS_LAYER_CONV || l->spec.kind == LS_LAYER_LINEAR)
        macs += (double) l->w_count * l->h_out * l->w_out;
    }
  return macs;
}

guint
ls_net_get_n_tensors (const LsNet *net)
{
  return net->n_tensors;
}

const LsNetTensor *
ls_net_get_tensor (const LsNet *net,
                   guint index)
{
  g_return_val_if_fail (index < net->n_tensors, NULL);
  return &net->tensors[index];
}

const LsNetTensor *
ls_net_find_tensor (const LsNet *net,
                    const char *name)
{
  for (guint i = 0; i < net->n_tensors; i++)
    if (g_str_equal (net->tensors[i].name, name))
      return &net->tensors[i];
  return NULL;
}

int
ls_net_get_cam_layer (const LsNet *net)
{
  return net->cam_layer;
}

int
ls_net_find_layer (const LsNet *net,
                   LsLayerKind kind)
{
  for (int i = 0; i < net->n_layers; i++)
    if (net->layers[i].spec.kind == kind)
      return i;
  return -1;
}

const float *
ls_net_get_layer_output (const LsNet *net,
                         int index,
                         int *c,
                         int *h,
                         int *w)
{
  const Layer *l;

  g_assert (index >= 0 && index < net->n_layers && net->batch > 0);
  l = &net->layers[index];
  if (c != NULL)
    *c = l->c_out;
  if (h != NULL)
    *h = l->h_out;
  if (w != NULL)
    *w = l->w_out;
  return l->out;
}

void
ls_net_set_dropout_seed (LsNet *net,
                         guint64 seed)
{
  ls_xoshiro_init (&net->dropout_rng, seed ^ 0x6c756e6773636f70ull);
}

void
ls_net_init_params (LsNet *net,
                    guint64 seed)
{
  LsXoshiro rng;

  ls_xoshiro_init (&rng, seed);
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      float *w = net->params + l->param_off;

      switch (l->spec.kind)
        {
        case LS_LAYER_CONV:
          {
            /* kaiming_normal_(mode='fan_out', nonlinearity='relu') */
            double std = sqrt (2.0 / ((double) l->spec.out * l->spec.k * l->spec.k));

            for (gsize j = 0; j < l->w_count; j++)
              w[j] = (float) (std * ls_xoshiro_normal (&rng));
            if (l->has_bias)
              memset (w + l->w_count, 0, sizeof (float) * l->spec.out);
            break;
          }
        case LS_LAYER_LINEAR:
          {
            /* nn.Linear: kaiming_uniform_(a=√5) = U(±1/√fan_in); bias the same */
            double bound = 1.0 / sqrt ((double) l->c_in);

            for (gsize j = 0; j < l->n_param; j++)
              w[j] = (float) ((2.0 * ls_xoshiro_uniform_double (&rng) - 1.0) * bound);
            break;
          }
        case LS_LAYER_BN:
          for (int c = 0; c < l->c_out; c++)
            {
              w[c] = 1.0f;
              w[l->c_out + c] = 0.0f;
              net->stats[l->stat_off + c] = 0.0f;
              net->stats[l->stat_off + l->c_out + c] = 1.0f;
            }
          break;
        case LS_LAYER_RELU:
        case LS_LAYER_MAXPOOL:
        case LS_LAYER_GAP:
        case LS_LAYER_DROPOUT:
        default:
          break;
        }
    }
  ls_net_set_dropout_seed (net, seed);
  net->version++;
}

static gsize
layer_out_size (const Layer *l)
{
  return (gsize) l->c_out * l->h_out * l->w_out;
}

static gsize
conv_scratch (Layer *l,
              int images_per_thread)
{
  LsConvShape s;

  ls_conv_shape_init (&s, 1, l->c_in, l->h_in, l->w_in, l->spec.out, l->spec.k, l->spec.stride,
                      l->spec.pad);
  l->group = ls_engine_conv2d_group (&s, images_per_thread);
  l->direct = ls_engine_conv2d_direct_fast () && ls_engine_conv2d_direct_supported (&s);
  if (l->direct)
    {
      l->dgroup = ls_engine_conv2d_direct_group (&s, images_per_thread);
      return ls_engine_conv2d_direct_scratch_size (&s, l->dgroup);
    }
  return MAX (ls_engine_conv2d_scratch_size_group (&s, l->group),
              ls_engine_conv2d_scratch_size (&s));
}

void
ls_net_set_threads (LsNet *net,
                    int n_threads)
{
  g_return_if_fail (n_threads >= 1);
  net->n_threads = n_threads;
}

int
ls_net_get_threads (const LsNet *net)
{
  return net->n_threads;
}

static gboolean infer_plan (LsNet *net);

gboolean
ls_net_plan (LsNet *net,
             int batch,
             GError **error)
{
  gsize act = 0, max_act, scratch = 0, argmax = 0, in_size, partial = 0, packed = 0;
  float *p;
  uint8_t *a;

  if (batch < 1 || batch > 4096)
    {
      g_set_error (error, LS_NET_ERROR, LS_NET_ERROR_PLAN, "batch size %d is out of range (1–4096)",
                   batch);
      return FALSE;
    }
  free_plan (net);
  in_size = (gsize) net->spec->channels * net->spec->size * net->spec->size;
  max_act = in_size;

  /* sizes */
  act += round_up (batch * in_size);
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      gsize out = batch * layer_out_size (l);

      max_act = MAX (max_act, out);
      if (!l->inplace)
        act += round_up (out);
      if (l->spec.kind == LS_LAYER_BN)
        act += round_up (2 * l->c_out);
      if (l->spec.kind == LS_LAYER_DROPOUT)
        act += round_up (out);
      if (l->spec.kind == LS_LAYER_MAXPOOL)
        argmax += round_up (out);
      if (l->spec.kind == LS_LAYER_CONV)
        {
          scratch = MAX (scratch, conv_scratch (l, (batch + net->n_threads - 1) / net->n_threads));
          partial = MAX (partial, l->n_param);
          if (l->direct)
            {
              LsConvShape s;

              ls_conv_shape_init (&s, 1, l->c_in, l->h_in, l->w_in, l->spec.out, l->spec.k,
                                  l->spec.stride, l->spec.pad);
              packed = MAX (packed, ls_engine_conv2d_direct_packed_size (&s));
            }
        }
    }
  act += 2 * round_up ((gsize) batch * net->n_classes);

  net->scratch_stride = round_up (MAX (scratch, 1));
  net->partial_stride = round_up (partial);
  net->grads = try_alloc (MAX (net->n_params, 1), sizeof (float), TRUE);
  net->act_block = try_alloc (act, sizeof (float), FALSE);
  net->grad_block = try_alloc (2 * round_up (max_act), sizeof (float), FALSE);
  net->scratch = try_alloc (net->scratch_stride * net->n_threads, sizeof (float), FALSE);
  net->partials = try_alloc (MAX (net->partial_stride * (net->n_threads - 1), 1), sizeof (float),
                             FALSE);
  net->argmax_block = try_alloc (MAX (argmax, 1), 1, FALSE);
  net->packed = try_alloc (round_up (MAX (packed, 1)), sizeof (float), FALSE);
  net->stats_saved = try_alloc (MAX (net->n_stats, 1), sizeof (float), FALSE);
  if (net->grads == NULL || net->act_block == NULL || net->grad_block == NULL || net->scratch == NULL || net->partials == NULL || net->argmax_block == NULL || net->packed == NULL || net->stats_saved == NULL)
    {
      gsize mb = (sizeof (float) * (net->n_params + act + 2 * round_up (max_act) + net->scratch_stride * net->n_threads) + argmax) >> 20;

      free_plan (net);
      g_set_error (error, LS_NET_ERROR, LS_NET_ERROR_PLAN,
                   "not enough memory for a batch of %d (%" G_GSIZE_FORMAT " MB)", batch, mb);
      return FALSE;
    }
  if (net->n_threads > 1)
    /* the net's threads split the work; each BLAS call runs on one
     * (blas_enter) */
    net->workers = ls_workers_new (net->n_threads);
  net->planned_bytes = sizeof (float) * (net->n_params + act + 2 * round_up (max_act) + net->scratch_stride * net->n_threads + net->partial_stride * (net->n_threads - 1) + net->n_stats + net->n_params + round_up (MAX (packed, 1))) + argmax;

  /* carve */
  p = net->act_block;
  a = net->argmax_block;
  net->input = p;
  p += round_up (batch * in_size);
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      gsize out = batch * layer_out_size (l);

      if (l->inplace)
        l->out = i == 0 ? net->input : net->layers[i - 1].out;
      else
        {
          l->out = p;
          p += round_up (out);
        }
      if (l->spec.kind == LS_LAYER_CONV)
        conv_scratch (l, (batch + net->n_threads - 1) / net->n_threads);
      l->save = NULL;
      l->mask = NULL;
      l->argmax = NULL;
      if (l->spec.kind == LS_LAYER_BN)
        {
          l->save = p;
          p += round_up (2 * l->c_out);
        }
      if (l->spec.kind == LS_LAYER_DROPOUT)
        {
          l->mask = p;
          p += round_up (out);
        }
      if (l->spec.kind == LS_LAYER_MAXPOOL)
        {
          l->argmax = a;
          a += round_up (out);
        }
    }
  net->probs = p;
  p += round_up ((gsize) batch * net->n_classes);
  net->dlogits = p;

  /* gradient ping-pong, from the top */
  {
    float *g0 = net->grad_block, *g1 = net->grad_block + round_up (max_act);
    float *cur = g0;

    for (int i = net->n_layers - 1; i >= 0; i--)
      {
        Layer *l = &net->layers[i];

        l->gout = cur;
        if (!l->inplace)
          cur = cur == g0 ? g1 : g0;
        l->gin = cur;
      }
  }

  for (guint i = 0; i < net->n_tensors; i++)
    if (net->tensors[i].is_param)
      net->tensors[i].grad = net->grads + (net->tensors[i].data - net->params);
  net->batch = batch;
  if (!infer_plan (net))
    {
      free_plan (net);
      g_set_error (error, LS_NET_ERROR, LS_NET_ERROR_PLAN,
                   "not enough memory for the single-image path");
      return FALSE;
    }
  return TRUE;
}

float *
ls_net_get_input_buffer (LsNet *net)
{
  return net->input;
}

int
ls_net_get_batch (const LsNet *net)
{
  return net->batch;
}

gsize
ls_net_get_planned_bytes (const LsNet *net)
{
  return net->planned_bytes;
}

void
ls_net_set_mode (LsNet *net,
                 LsNetMode mode)
{
  net->mode = mode;
}

LsNetMode
ls_net_get_mode (const LsNet *net)
{
  return net->mode;
}

/* OpenBLAS's thread count is the process's: a net with threads of its own
 * runs each BLAS call on one thread for the time of a call, and puts the
 * count back after (so a training does not leave the rest of the process,
 * the app's interactive inference among it, on one thread). Returns what
 * to give blas_leave(). */
static int
blas_enter (const LsNet *net)
{
  int threads;

  if (net->workers == NULL)
    return 0;
  threads = ls_engine_blas_get_threads ();
  if (threads != 1)
    ls_engine_blas_set_threads (1);
  return threads;
}

static void
blas_leave (int threads)
{
  if (threads > 1)
    ls_engine_blas_set_threads (threads);
}

static void
layer_conv_shape (const Layer *l,
                  int n,
                  LsConvShape *s)
{
  ls_conv_shape_init (s, n, l->c_in, l->h_in, l->w_in, l->spec.out, l->spec.k, l->spec.stride,
                      l->spec.pad);
}

typedef struct
{
  LsNet *net;
  Layer *l;
  const float *x;
  float *dx;
  int n;
  gboolean param_grads;
  gboolean mask_relu; /* bn backward: apply the fused ReLU's mask */
  const Layer *pool;  /* bn backward: the max-pool above, fused in */
  gint next;          /* the next unit of work not yet taken */
} Job;

/* Hands out the units [*b, *e) of 0 … count−1, @chunk at a time, to
 * whichever thread asks first: on a shared machine a thread that lost its
 * core does less, instead of holding the others at the next barrier. Each
 * unit is computed the same way whoever takes it, so results do not depend
 * on the schedule. */
static gboolean
take (Job *job,
      int count,
      int chunk,
      int *b,
      int *e)
{
  int start = g_atomic_int_add (&job->next, chunk);

  if (start >= count)
    return FALSE;
  *b = start;
  *e = MIN (start + chunk, count);
  return TRUE;
}

static void
forward_job (gpointer data,
             int t,
             int nt)
{
  Job *job = data;
  LsNet *net = job->net;
  Layer *l = job->l;
  float *w = net->params + l->param_off;
  int n = job->n, b, e;

  switch (l->spec.kind)
    {
    case LS_LAYER_CONV:
      {
        LsConvShape s;
        float *scratch = net->scratch + t * net->scratch_stride;

        layer_conv_shape (l, n, &s);
        if (l->direct)
          {
            while (take (job, n, 1, &b, &e))
              ls_engine_conv2d_direct_forward (&s, b, 0, s.ho, job->x, net->packed,
                                               l->has_bias ? w + l->w_count : NULL, l->out,
                                               scratch);
            break;
          }
        while (take (job, n, l->group, &b, &e))
          ls_engine_conv2d_forward_images (&s, b, e, l->group, job->x, w,
                                           l->has_bias ? w + l->w_count : NULL, l->out, scratch);
        break;
      }
    case LS_LAYER_BN:
      while (take (job, l->c_out, 1, &b, &e))
        if (net->mode == LS_NET_MODE_TRAIN)
          ls_engine_batchnorm_forward_train (job->x, l->out, w, w + l->c_out,
                                             net->stats + l->stat_off,
                                             net->stats + l->stat_off + l->c_out, l->save,
                                             l->save + l->c_out, l->fused, n, l->c_out,
                                             l->h_out * l->w_out, b, e);
        else
          ls_engine_batchnorm_forward_eval (job->x, l->out, w, w + l->c_out,
                                            net->stats + l->stat_off,
                                            net->stats + l->stat_off + l->c_out, l->save,
                                            l->save + l->c_out, l->fused, n, l->c_out,
                                            l->h_out * l->w_out, b, e);
      break;
    case LS_LAYER_RELU:
      {
        gsize count = (gsize) n * layer_out_size (l);
        gsize cb = count * t / nt, ce = count * (t + 1) / nt;

        ls_engine_relu_forward (job->x + cb, l->out + cb, ce - cb);
        break;
      }
    case LS_LAYER_MAXPOOL:
      ls_workers_split (n * l->c_in, t, nt, &b, &e);
      ls_engine_maxpool2_forward (job->x + (gsize) b * l->h_in * l->w_in,
                                  l->out + (gsize) b * l->h_out * l->w_out,
                                  l->argmax + (gsize) b * l->h_out * l->w_out, 1, e - b, l->h_in,
                                  l->w_in);
      break;
    case LS_LAYER_GAP:
    case LS_LAYER_DROPOUT:
    case LS_LAYER_LINEAR:
    default:
      g_assert_not_reached ();
    }
}

/* Fewer images than threads: the threads split each image's output rows. */
typedef struct
{
  LsNet *net;
  Layer *l;
  const float *x;
  int image;
} ConvRowsJob;

static void
conv_rows_job (gpointer data,
               int t,
               int nt)
{
  ConvRowsJob *job = data;
  Layer *l = job->l;
  LsNet *net = job->net;
  const float *w = net->params + l->param_off;
  LsConvShape s;
  int b, e;

  layer_conv_shape (l, job->image + 1, &s);
  ls_workers_split (s.ho, t, nt, &b, &e);
  if (e > b && l->direct)
    ls_engine_conv2d_direct_forward (&s, job->image, b, e, job->x, net->packed,
                                     l->has_bias ? w + l->w_count : NULL, l->out,
                                     net->scratch + t * net->scratch_stride);
  else if (e > b)
    ls_engine_conv2d_forward_rows (&s, job->image, b, e, job->x, w,
                                   l->has_bias ? w + l->w_count : NULL, l->out,
                                   net->scratch + t * net->scratch_stride);
}

/* bn at @i → relu (not the Grad-CAM target) → maxpool: the forward writes
 * only the pool's output, and the backward folds the three together. */
static gboolean
pool_forward_fused (const LsNet *net,
                    int i)
{
  return i + 2 < net->n_layers && net->layers[i].spec.kind == LS_LAYER_BN && net->layers[i + 1].spec.kind == LS_LAYER_RELU && net->layers[i + 1].fused && !net->layers[i + 1].spec.cam && net->layers[i + 2].spec.kind == LS_LAYER_MAXPOOL;
}

static void
bn_pool_job (gpointer data,
             int t,
             int nt)
{
  Job *job = data;
  LsNet *net = job->net;
  Layer *l = job->l;
  const Layer *pool = job->pool;
  float *w = net->params + l->param_off;
  int b, e;

  while (take (job, l->c_out, 1, &b, &e))
    ls_engine_batchnorm_pool_forward (job->x, pool->out, pool->argmax, w, w + l->c_out,
                                      net->stats + l->stat_off,
                                      net->stats + l->stat_off + l->c_out, l->save,
                                      l->save + l->c_out, net->mode == LS_NET_MODE_TRAIN, job->n,
                                      l->c_out, l->h_out, l->w_out, b, e);
}

/* Whether the running step was cancelled (checked between layers: an
 * atomic read, when a step was given a GCancellable). */
static inline gboolean
step_cancelled (LsNet *net)
{
  if (net->cancel != NULL && !net->cancelled && g_cancellable_is_cancelled (net->cancel))
    net->cancelled = TRUE;
  return net->cancelled;
}

static const float *forward (LsNet *net,
                             const float *input,
                             int n);

const float *
ls_net_forward (LsNet *net,
                const float *input,
                int n)
{
  int blas = blas_enter (net);
  const float *y = forward (net, input, n);

  blas_leave (blas);
  return y;
}

static const float *
forward (LsNet *net,
         const float *input,
         int n)
{
  const float *x;

  g_assert (net->batch > 0 && n >= 1 && n <= net->batch);
  net->n = n;
  net->last_infer = FALSE;
  if (net->mode == LS_NET_MODE_TRAIN)
    net->version++; /* the running statistics move */
  if (input != net->input)
    memcpy (net->input, input,
            sizeof (float) * n * net->spec->channels * net->spec->size * net->spec->size);
  x = net->input;
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      float *w = net->params + l->param_off;
      gsize count = (gsize) n * layer_out_size (l);
      Job job = { net, l, x, NULL, n, FALSE, FALSE, NULL };

      if (step_cancelled (net))
        return x;
      if (pool_forward_fused (net, i))
        {
          /* bn, relu and maxpool in one; the loop goes on after the pool */
          job.pool = &net->layers[i + 2];
          if (net->workers != NULL)
            ls_workers_run (net->workers, bn_pool_job, &job);
          else
            bn_pool_job (&job, 0, 1);
          i += 2;
          x = net->layers[i].out;
          continue;
        }

      switch (l->spec.kind)
        {
        case LS_LAYER_CONV:
          if (l->direct)
            {
              LsConvShape s;

              layer_conv_shape (l, n, &s);
              ls_engine_conv2d_direct_pack_forward (&s, w, net->packed);
            }
          if (net->workers != NULL && n < net->n_threads)
            {
              ConvRowsJob rows = { net, l, x, 0 };

              for (rows.image = 0; rows.image < n; rows.image++)
                ls_workers_run (net->workers, conv_rows_job, &rows);
              break;
            }
          G_GNUC_FALLTHROUGH;
        case LS_LAYER_BN:
        case LS_LAYER_MAXPOOL:
          if (net->workers != NULL)
            ls_workers_run (net->workers, forward_job, &job);
          else
            forward_job (&job, 0, 1);
          break;
        case LS_LAYER_RELU:
          if (l->fused)
            break;
          if (net->workers != NULL)
            ls_workers_run (net->workers, forward_job, &job);
          else
            forward_job (&job, 0, 1);
          break;
        case LS_LAYER_GAP:
          ls_engine_gap_forward (x, l->out, n, l->c_in, l->h_in * l->w_in);
          break;
        case LS_LAYER_DROPOUT:
          if (net->mode != LS_NET_MODE_EVAL && l->spec.p > 0.0f)
            ls_engine_dropout_forward (x, l->out, l->mask, l->spec.p, &net->dropout_rng, count);
          else
            {
              for (gsize j = 0; j < count; j++)
                l->mask[j] = 1.0f;
              memcpy (l->out, x, sizeof (float) * count);
            }
          break;
        case LS_LAYER_LINEAR:
          ls_engine_linear_forward (x, w, l->has_bias ? w + l->w_count : NULL, l->out, n, l->c_in,
                                    l->c_out);
          break;
        default:
          g_assert_not_reached ();
        }
      x = l->out;
    }
  return x;
}

void
ls_net_get_probabilities (LsNet *net,
                          float *probs)
{
  ls_engine_softmax (net->layers[net->n_layers - 1].out, probs, net->n, net->n_classes);
}

void
ls_net_predict (LsNet *net,
                const float *input,
                int n,
                float *probs)
{
  LsNetMode mode = net->mode;
  gsize in_size = (gsize) net->spec->channels * net->spec->size * net->spec->size;

  net->mode = LS_NET_MODE_EVAL;
  for (int done = 0; done < n; done += net->batch)
    {
      int m = MIN (net->batch, n - done);

      ls_engine_softmax (ls_net_forward (net, input + done * in_size, m),
                         probs + (gsize) done * net->n_classes, m, net->n_classes);
    }
  net->mode = mode;
}

void
ls_net_zero_grads (LsNet *net)
{
  memset (net->grads, 0, sizeof (float) * net->n_params);
}

static void
backward_job (gpointer data,
              int t,
              int nt)
{
  Job *job = data;
  LsNet *net = job->net;
  Layer *l = job->l;
  float *w = net->params + l->param_off;
  float *dw = job->param_grads ? net->grads + l->param_off : NULL;
  int n = job->n, b, e;

  switch (l->spec.kind)
    {
    case LS_LAYER_CONV:
      {
        LsConvShape s;
        float *scratch = net->scratch + t * net->scratch_stride;

        if (dw != NULL && t > 0)
          {
            dw = net->partials + (t - 1) * net->partial_stride;
            memset (dw, 0, sizeof (float) * l->n_param);
          }
        layer_conv_shape (l, n, &s);
        ls_workers_split (n, t, nt, &b, &e);
        if (l->direct)
          {
            /* two runs (backward_range): the weight gradient by fixed
             * image ranges (its sums in a fixed order), then the input
             * gradient image by image to whichever thread is free */
            if (dw != NULL)
              ls_engine_conv2d_direct_backward_weights (&s, b, e, l->dgroup, job->x, l->gout, dw,
                                                        l->has_bias ? dw + l->w_count : NULL,
                                                        scratch);
            else if (job->dx != NULL)
              while (take (job, n, 1, &b, &e))
                ls_engine_conv2d_direct_backward_data (&s, b, 0, s.h, net->packed, l->gout,
                                                       job->dx, scratch);
            break;
          }
        ls_engine_conv2d_backward_images (&s, b, e, l->group, job->x, w, l->gout, dw,
                                          dw != NULL && l->has_bias ? dw + l->w_count : NULL,
                                          job->dx, scratch);
        break;
      }
    case LS_LAYER_BN:
      while (take (job, l->c_out, 1, &b, &e))
        if (job->pool != NULL)
          ls_engine_batchnorm_backward_pooled (job->x, l->gout, job->pool->argmax, w, w + l->c_out,
                                               l->save, l->save + l->c_out,
                                               net->mode == LS_NET_MODE_TRAIN, dw,
                                               dw != NULL ? dw + l->c_out : NULL, job->dx, n,
                                               l->c_out, l->h_out, l->w_out, b, e);
        else
          ls_engine_batchnorm_backward (job->x, l->gout, w, w + l->c_out, l->save,
                                        l->save + l->c_out, job->mask_relu,
                                        net->mode == LS_NET_MODE_TRAIN, dw,
                                        dw != NULL ? dw + l->c_out : NULL, job->dx, n, l->c_out,
                                        l->h_out * l->w_out, b, e);
      break;
    case LS_LAYER_RELU:
      {
        gsize count = (gsize) n * layer_out_size (l);
        gsize cb = count * t / nt, ce = count * (t + 1) / nt;

        ls_engine_relu_backward (l->out + cb, l->gout + cb, job->dx + cb, ce - cb);
        break;
      }
    case LS_LAYER_MAXPOOL:
      ls_workers_split (n * l->c_in, t, nt, &b, &e);
      ls_engine_maxpool2_backward (l->gout + (gsize) b * l->h_out * l->w_out,
                                   l->argmax + (gsize) b * l->h_out * l->w_out,
                                   job->dx + (gsize) b * l->h_in * l->w_in, 1, e - b, l->h_in,
                                   l->w_in);
      break;
    case LS_LAYER_GAP:
    case LS_LAYER_DROPOUT:
    case LS_LAYER_LINEAR:
    default:
      g_assert_not_reached ();
    }
}

/* Fewer images than threads and no weight gradient: the threads split
 * each image's input channels. */
static void
conv_dx_channels_job (gpointer data,
                      int t,
                      int nt)
{
  Job *job = data;
  LsNet *net = job->net;
  Layer *l = job->l;
  LsConvShape s;
  int b, e;

  layer_conv_shape (l, job->n, &s);
  if (l->direct)
    {
      ls_workers_split (s.h, t, nt, &b, &e);
      for (int k = 0; k < job->n; k++)
        ls_engine_conv2d_direct_backward_data (&s, k, b, e, net->packed, l->gout, job->dx,
                                               net->scratch + t * net->scratch_stride);
      return;
    }
  ls_workers_split (l->c_in, t, nt, &b, &e);
  for (int k = 0; k < job->n; k++)
    ls_engine_conv2d_backward_input_channels (&s, k, b, e, net->params + l->param_off, l->gout,
                                              job->dx, net->scratch + t * net->scratch_stride);
}

/* grads of a conv layer += the other threads' partial sums, in order */
static void
reduce_job (gpointer data,
            int t,
            int nt)
{
  Job *job = data;
  LsNet *net = job->net;
  Layer *l = job->l;
  float *dw = net->grads + l->param_off;
  int b, e;

  ls_workers_split ((int) l->n_param, t, nt, &b, &e);
  for (int k = 0; k < nt - 1; k++)
    {
      const float *part = net->partials + k * net->partial_stride;

      for (int j = b; j < e; j++)
        dw[j] += part[j];
    }
}

static void
run (LsNet *net,
     LsWorkFunc func,
     Job *job)
{
  if (net->workers != NULL)
    ls_workers_run (net->workers, func, job);
  else
    func (job, 0, 1);
}

/* Whether the max-pool at @i is folded into the backward of the batch
 * norm two layers down (bn → relu → maxpool, all run in this backward). */
static gboolean
pool_fused (const LsNet *net,
            int i,
            int stop)
{
  return i >= 2 && i - 2 > stop && net->layers[i].spec.kind == LS_LAYER_MAXPOOL && net->layers[i - 1].spec.kind == LS_LAYER_RELU && net->layers[i - 1].fused && net->layers[i - 2].spec.kind == LS_LAYER_BN;
}

/* Backward through layers top … stop+1; dx of layer 0 only if want_input. */
static void
backward_range (LsNet *net,
                const float *dlogits,
                int stop,
                gboolean param_grads,
                gboolean want_input)
{
  int n = net->n;

  memcpy (net->layers[net->n_layers - 1].gout, dlogits, sizeof (float) * n * net->n_classes);
  for (int i = net->n_layers - 1; i > stop; i--)
    {
      Layer *l = &net->layers[i];
      const float *x = i == 0 ? net->input : net->layers[i - 1].out;
      float *w = net->params + l->param_off;
      float *dw = param_grads ? net->grads + l->param_off : NULL;
      float *dx = (i > 0 || want_input) ? l->gin : NULL;
      gsize count = (gsize) n * layer_out_size (l);
      Job job = { net, l, x, dx, n, param_grads, FALSE, NULL };

      if (step_cancelled (net))
        return;
      switch (l->spec.kind)
        {
        case LS_LAYER_CONV:
          if (l->direct)
            {
              LsConvShape s;

              layer_conv_shape (l, n, &s);
              if (param_grads)
                {
                  Job weights = job;

                  weights.dx = NULL;
                  run (net, backward_job, &weights);
                  if (net->workers != NULL)
                    ls_workers_run (net->workers, reduce_job, &weights);
                  /* the longest layers in two halves, a check between */
                  if (dx != NULL && step_cancelled (net))
                    return;
                }
              if (dx != NULL)
                {
                  ls_engine_conv2d_direct_pack_backward (&s, w, net->packed);
                  job.param_grads = FALSE;
                  if (net->workers != NULL && n < net->n_threads)
                    ls_workers_run (net->workers, conv_dx_channels_job, &job);
                  else
                    run (net, backward_job, &job);
                }
              break;
            }
          if (net->workers != NULL && n < net->n_threads && !param_grads)
            {
              if (dx != NULL)
                ls_workers_run (net->workers, conv_dx_channels_job, &job);
              break;
            }
          run (net, backward_job, &job);
          if (param_grads && net->workers != NULL)
            ls_workers_run (net->workers, reduce_job, &job);
          break;
        case LS_LAYER_BN:
          /* the ReLU above was fused into this layer when it was run too,
           * and so may be a max-pool above that: its output gradient (in
           * the buffer this layer writes) moves to this layer's own */
          job.mask_relu = l->fused;
          if (pool_fused (net, i + 2, stop))
            {
              const Layer *pool = &net->layers[i + 2];

              memcpy (l->gout, pool->gout, sizeof (float) * n * layer_out_size (pool));
              job.pool = pool;
            }
          run (net, backward_job, &job);
          break;
        case LS_LAYER_RELU:
          if (dx == NULL || (l->fused && i - 1 > stop))
            break;
          run (net, backward_job, &job);
          break;
        case LS_LAYER_MAXPOOL:
          if (dx != NULL && !pool_fused (net, i, stop))
            run (net, backward_job, &job);
          break;
        case LS_LAYER_GAP:
          if (dx != NULL)
            ls_engine_gap_backward (l->gout, dx, n, l->c_in, l->h_in * l->w_in);
          break;
        case LS_LAYER_DROPOUT:
          if (dx != NULL)
            ls_engine_dropout_backward (l->gout, l->mask, dx, count);
          break;
        case LS_LAYER_LINEAR:
          ls_engine_linear_backward (x, w, l->gout, dw,
                                     dw != NULL && l->has_bias ? dw + l->w_count : NULL, dx, n,
                                     l->c_in, l->c_out);
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

void
ls_net_backward (LsNet *net,
                 const float *dlogits,
                 gboolean param_grads)
{
  int blas = blas_enter (net);

  g_assert (!net->last_infer);
  backward_range (net, dlogits, -1, param_grads, FALSE);
  blas_leave (blas);
}

void
ls_net_backward_to (LsNet *net,
                    const float *dlogits,
                    int stop,
                    const float **act,
                    const float **grad,
                    int *c,
                    int *h,
                    int *w)
{
  int blas;

  g_assert (stop >= -1 && stop < net->n_layers - 1);
  g_assert (!net->last_infer || ls_net_infer_can_backward_to (net, stop));
  blas = blas_enter (net);
  backward_range (net, dlogits, stop, FALSE, stop < 0);
  blas_leave (blas);
  if (stop < 0)
    {
      *act = net->input;
      *grad = net->layers[0].gin;
      *c = net->spec->channels;
      *h = *w = net->spec->size;
    }
  else
    {
      const Layer *l = &net->layers[stop];

      *act = l->out;
      *grad = l->gout;
      *c = l->c_out;
      *h = l->h_out;
      *w = l->w_out;
    }
}

void
ls_net_train_step (LsNet *net,
                   LsOptimizer *opt,
                   const float *input,
                   const int *labels,
                   int n,
                   const LsLossConfig *loss,
                   float lr,
                   LsStepResult *result)
{
  gboolean done = ls_net_train_step_cancellable (net, opt, input, labels, n, loss, lr, NULL,
                                                 result, NULL);

  g_assert (done);
}

static gboolean train_step (LsNet *net,
                            LsOptimizer *opt,
                            const float *input,
                            const int *labels,
                            int n,
                            const LsLossConfig *loss,
                            float lr,
                            GCancellable *cancellable,
                            LsStepResult *result,
                            GError **error);

/* Puts back what a cancelled step's forward changed: the running
 * statistics and the dropout stream (parameters and the optimizer are only
 * touched after the last check). */
static gboolean
step_abandon (LsNet *net,
              GError **error)
{
  memcpy (net->stats, net->stats_saved, sizeof (float) * net->n_stats);
  net->version++;
  net->dropout_rng = net->rng_saved;
  net->cancel = NULL;
  net->cancelled = FALSE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  return FALSE;
}

gboolean
ls_net_train_step_cancellable (LsNet *net,
                               LsOptimizer *opt,
                               const float *input,
                               const int *labels,
                               int n,
                               const LsLossConfig *loss,
                               float lr,
                               GCancellable *cancellable,
                               LsStepResult *result,
                               GError **error)
{
  int blas;
  gboolean done;

  blas = blas_enter (net);
  done = train_step (net, opt, input, labels, n, loss, lr, cancellable, result, error);
  blas_leave (blas);
  return done;
}

static gboolean
train_step (LsNet *net,
            LsOptimizer *opt,
            const float *input,
            const int *labels,
            int n,
            const LsLossConfig *loss,
            float lr,
            GCancellable *cancellable,
            LsStepResult *result,
            GError **error)
{
  const float *logits;
  int correct = 0;

  g_assert (net->mode != LS_NET_MODE_EVAL);
  g_assert (ls_optimizer_get_n_params (opt) == net->n_params);
  memcpy (net->stats_saved, net->stats, sizeof (float) * net->n_stats);
  net->rng_saved = net->dropout_rng;
  net->cancel = cancellable;
  net->cancelled = FALSE;
  logits = forward (net, input, n);
  if (net->cancelled)
    return step_abandon (net, error);
  result->loss = ls_engine_cross_entropy (logits, labels, loss ? loss->class_weights : NULL,
                                          loss ? loss->label_smoothing : 0.0f, net->probs,
                                          net->dlogits, n, net->n_classes);
  for (int i = 0; i < n; i++)
    {
      const float *p = net->probs + (gsize) i * net->n_classes;
      int best = 0;

      for (int j = 1; j < net->n_classes; j++)
        if (p[j] > p[best])
          best = j;
      correct += best == labels[i];
    }
  result->accuracy = (float) correct / (float) n;
  ls_net_zero_grads (net);
  backward_range (net, net->dlogits, -1, TRUE, FALSE);
  /* the last check: from here the step runs to its end */
  if (step_cancelled (net))
    return step_abandon (net, error);
  net->cancel = NULL;
  result->grad_norm = ls_engine_clip_grad_norm (net->grads, net->n_params,
                                                ls_optimizer_get_config (opt)->clip_norm);
  result->lr = lr;
  ls_optimizer_step (opt, net->params, net->grads, lr);
  net->version++;
  return TRUE;
}

/* ---- the single-image inference path ------------------------------------ */

#ifndef LS_NET_INFER_PARALLEL_MACS
/* a stage with fewer multiply-adds runs on the calling thread alone: waking
 * the other threads costs more than it saves */
#define LS_NET_INFER_PARALLEL_MACS 1000000.0
#endif
#ifndef LS_NET_INFER_UNITS_PER_THREAD
#define LS_NET_INFER_UNITS_PER_THREAD 4
#endif

/* The stages of the net, the outputs they keep, and the split of each
 * convolution into units of (a block of output channels, a band of rows)
 * that threads take in turn. FALSE when a layer fits no stage. */
static gboolean
infer_build (LsNet *net)
{
  g_autoptr (GArray) stages = g_array_new (FALSE, TRUE, sizeof (Stage));
  gboolean contains_cam;

  net->kept = g_new0 (gboolean, net->n_layers);
  for (int i = 0; i < net->n_layers;)
    {
      const Layer *l = &net->layers[i];
      Stage st = { 0 };

      st.first = i;
      st.bn = -1;
      contains_cam = FALSE;
      switch (l->spec.kind)
        {
        case LS_LAYER_CONV:
          {
            int j = i + 1;

            st.conv = TRUE;
            if (j < net->n_layers && net->layers[j].spec.kind == LS_LAYER_BN)
              st.bn = j++;
            if (j < net->n_layers && net->layers[j].spec.kind == LS_LAYER_RELU)
              {
                st.relu = TRUE;
                contains_cam = net->layers[j].spec.cam;
                j++;
              }
            if (j < net->n_layers && net->layers[j].spec.kind == LS_LAYER_MAXPOOL && !contains_cam)
              {
                st.pool = TRUE;
                j++;
              }
            st.last = j - 1;
            layer_conv_shape (l, 1, &st.shape);
            st.direct = l->direct;
            break;
          }
        case LS_LAYER_GAP:
        case LS_LAYER_DROPOUT:
        case LS_LAYER_LINEAR:
          st.last = i;
          break;
        case LS_LAYER_BN:
        case LS_LAYER_RELU:
        case LS_LAYER_MAXPOOL:
        default:
          return FALSE;
        }
      st.cam = contains_cam;
      g_array_append_val (stages, st);
      i = st.last + 1;
    }
  net->n_stages = stages->len;
  net->stages = (Stage *) g_array_free (g_steal_pointer (&stages), FALSE);
  for (int k = 0; k < net->n_stages; k++)
    {
      Stage *st = &net->stages[k];
      Stage *next = k + 1 < net->n_stages ? &net->stages[k + 1] : NULL;
      st->epi.relu = st->relu;
      if (st->conv && next != NULL && next->conv && next->direct && !st->cam)
        next->prepadded = TRUE;
      else
        net->kept[st->last] = TRUE;
    }
  return TRUE;
}

gboolean
ls_net_infer_can_backward_to (const LsNet *net,
                              int stop)
{
  if (!net->infer_ok || stop < 0)
    return FALSE;
  for (int i = stop; i < net->n_layers; i++)
    if (!net->kept[i] || (i > stop && net->layers[i].spec.kind == LS_LAYER_BN))
      return FALSE;
  return TRUE;
}

/* Builds the stages and carves their memory (part of the plan). */
static gboolean
infer_plan (LsNet *net)
{
  gsize weights = 0, padded = 0, fold = 0, tmp = 0, scratch = 1;
  float *p;

  net->infer_ok = infer_build (net);
  if (!net->infer_ok)
    {
      g_clear_pointer (&net->stages, g_free);
      net->n_stages = 0;
      return TRUE;
    }
  for (int k = 0; k < net->n_stages; k++)
    {
      Stage *st = &net->stages[k];
      const LsConvShape *s = &st->shape;
      const Layer *l = &net->layers[st->first];
      int m_blocks, chunks;
      double macs;

      if (!st->conv)
        continue;
      st->w_off = weights;
      weights += round_up (st->direct ? ls_engine_conv2d_direct_packed_size (s) : l->w_count);
      st->b_off = weights;
      weights += round_up (s->m);
      fold = MAX (fold, l->w_count);
      if (st->direct)
        {
          padded += round_up (ls_engine_conv2d_direct_padded_size (s));
          scratch = MAX (scratch, ls_engine_conv2d_direct_infer_scratch_size (s, st->pool));
        }
      else
        {
          tmp = MAX (tmp, (gsize) s->m * s->ho * s->wo);
          scratch = MAX (scratch, ls_engine_conv2d_scratch_size (s));
        }
      /* units: blocks of output channels by bands of rows */
      st->rows = st->pool ? s->ho / 2 * 2 : s->ho;
      m_blocks = st->direct ? (s->m + LS_DIRECT_CHANNELS - 1) / LS_DIRECT_CHANNELS : 1;
      macs = (double) l->w_count * s->ho * s->wo;
      st->parallel = net->workers != NULL && macs >= LS_NET_INFER_PARALLEL_MACS;
      chunks = st->parallel ? MAX (1, (LS_NET_INFER_UNITS_PER_THREAD * net->n_threads + m_blocks - 1) / m_blocks) : 1;
      st->rows_per_unit = MAX (1, (st->rows + chunks - 1) / chunks);
      if (st->pool)
        st->rows_per_unit += st->rows_per_unit % 2;
      st->m_units = m_blocks;
      st->r_units = MAX (1, (st->rows + st->rows_per_unit - 1) / st->rows_per_unit);
    }
  net->infer_scratch_stride = round_up (scratch);
  net->infer_block = try_alloc (MAX (weights + padded + round_up (fold) + round_up (tmp), 1),
                                sizeof (float), TRUE);
  net->infer_scratch = try_alloc (net->infer_scratch_stride * net->n_threads, sizeof (float), FALSE);
  if (net->infer_block == NULL || net->infer_scratch == NULL)
    return FALSE;
  net->planned_bytes += sizeof (float) * (weights + padded + round_up (fold) + round_up (tmp) + net->infer_scratch_stride * net->n_threads);
  p = net->infer_block;
  net->infer_weights = p;
  p += weights;
  net->infer_fold = p;
  p += round_up (fold);
  net->infer_tmp = p;
  p += round_up (tmp);
  /* the padded inputs (zero: their borders are never written) */
  for (int k = 0; k < net->n_stages; k++)
    if (net->stages[k].conv && net->stages[k].direct)
      {
        net->stages[k].xp = p;
        p += round_up (ls_engine_conv2d_direct_padded_size (&net->stages[k].shape));
      }
  /* where each convolution's epilogue writes */
  for (int k = 0; k < net->n_stages; k++)
    {
      Stage *st = &net->stages[k];
      LsConvEpilogue *e = &st->epi;

      if (!st->conv)
        continue;
      e->bias = net->infer_weights + st->b_off;
      e->pool = st->pool;
      if (k + 1 < net->n_stages && net->stages[k + 1].prepadded)
        {
          const LsConvShape *ns = &net->stages[k + 1].shape;
          gsize wp = ns->w + 2 * ns->pad;

          e->y = net->stages[k + 1].xp + ns->pad * wp + ns->pad;
          e->pitch = wp;
          e->plane = (ns->h + 2 * ns->pad) * wp;
        }
      else
        {
          const Layer *last = &net->layers[st->last];

          e->y = last->out;
          e->pitch = last->w_out;
          e->plane = (gsize) last->h_out * last->w_out;
        }
    }
  return TRUE;
}

/* Folds each batch norm into its convolution (in double: w·γ/σ, (b − μ)·γ/σ
 * + β) and packs the weights for the direct kernels. */
static void
infer_refresh (LsNet *net)
{
  for (int k = 0; k < net->n_stages; k++)
    {
      const Stage *st = &net->stages[k];
      const Layer *l = &net->layers[st->first];
      const float *w, *b;
      float *fw, *fb;
      gsize per;
      int m;

      if (!st->conv)
        continue;
      w = net->params + l->param_off;
      b = l->has_bias ? w + l->w_count : NULL;
      m = st->shape.m;
      per = l->w_count / m;
      fw = st->direct ? net->infer_fold : net->infer_weights + st->w_off;
      fb = net->infer_weights + st->b_off;
      for (int j = 0; j < m; j++)
        {
          double scale = 1.0, shift = 0.0;

          if (st->bn >= 0)
            {
              const Layer *bn = &net->layers[st->bn];
              const float *g = net->params + bn->param_off;
              const float *stats = net->stats + bn->stat_off;

              scale = g[j] / sqrt ((double) stats[m + j] + LS_BN_EPS);
              shift = g[m + j] - stats[j] * scale;
            }
          for (gsize q = 0; q < per; q++)
            fw[j * per + q] = (float) (w[j * per + q] * scale);
          fb[j] = (float) ((b != NULL ? b[j] : 0.0) * scale + shift);
        }
      if (st->direct)
        ls_engine_conv2d_direct_pack_forward (&st->shape, net->infer_fold,
                                              net->infer_weights + st->w_off);
    }
  net->infer_version = net->version;
}

typedef struct
{
  LsNet *net;
  const Stage *st;
  const float *x;
  gint next;
} InferJob;

static void
infer_job (gpointer data,
           int t,
           int nt)
{
  InferJob *job = data;
  LsNet *net = job->net;
  const Stage *st = job->st;
  const LsConvShape *s = &st->shape;
  const float *w = net->infer_weights + st->w_off;
  float *scratch = net->infer_scratch + t * net->infer_scratch_stride;
  int units = st->m_units * st->r_units;

  (void) nt;
  for (;;)
    {
      int u = g_atomic_int_add (&job->next, 1), m0, oh0, oh1;

      if (u >= units)
        break;
      m0 = u / st->r_units * LS_DIRECT_CHANNELS;
      oh0 = u % st->r_units * st->rows_per_unit;
      oh1 = MIN (oh0 + st->rows_per_unit, st->rows);
      if (st->direct)
        ls_engine_conv2d_direct_infer (s, st->xp, w, &st->epi, m0,
                                       MIN (m0 + LS_DIRECT_CHANNELS, s->m), oh0, oh1, scratch);
      else
        {
          ls_engine_conv2d_forward_rows (s, 0, oh0, oh1, job->x, w, NULL, net->infer_tmp, scratch);
          ls_engine_conv2d_epilogue (&st->epi, net->infer_tmp + (gsize) oh0 * s->wo,
                                     (gsize) s->ho * s->wo, 0, s->m, oh0, oh1, s->wo);
        }
    }
}

const float *
ls_net_infer (LsNet *net,
              const float *input)
{
  const float *x = input;
  int blas;

  g_assert (net->batch > 0);
  if (!net->infer_ok)
    {
      LsNetMode mode = net->mode;
      const float *y;

      net->mode = LS_NET_MODE_EVAL;
      y = ls_net_forward (net, input, 1);
      net->mode = mode;
      return y;
    }
  blas = blas_enter (net);
  if (net->infer_version != net->version)
    infer_refresh (net);
  net->n = 1;
  for (int k = 0; k < net->n_stages; k++)
    {
      const Stage *st = &net->stages[k];
      Layer *l = &net->layers[st->first];

      if (st->conv)
        {
          InferJob job = { net, st, x, 0 };

          if (st->direct && !st->prepadded)
            ls_engine_conv2d_direct_pad (&st->shape, x, st->xp);
          if (st->parallel)
            ls_workers_run_dynamic (net->workers, infer_job, &job);
          else
            infer_job (&job, 0, 1);
          x = net->layers[st->last].out; /* unless written padded: then unused */
          continue;
        }
      switch (l->spec.kind)
        {
        case LS_LAYER_GAP:
          ls_engine_gap_forward (x, l->out, 1, l->c_in, l->h_in * l->w_in);
          break;
        case LS_LAYER_DROPOUT:
          for (gsize j = 0; j < layer_out_size (l); j++)
            l->mask[j] = 1.0f;
          memcpy (l->out, x, sizeof (float) * layer_out_size (l));
          break;
        case LS_LAYER_LINEAR:
          {
            const float *w = net->params + l->param_off;

            ls_engine_linear_forward (x, w, l->has_bias ? w + l->w_count : NULL, l->out, 1,
                                      l->c_in, l->c_out);
            break;
          }
        case LS_LAYER_CONV:
        case LS_LAYER_BN:
        case LS_LAYER_RELU:
        case LS_LAYER_MAXPOOL:
        default:
          g_assert_not_reached ();
        }
      x = l->out;
    }
  net->last_infer = TRUE;
  blas_leave (blas);
  return net->layers[net->n_layers - 1].out;
}
