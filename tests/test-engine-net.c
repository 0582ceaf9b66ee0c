/* test-engine-net.c — the spec, whole networks, training, determinism,
 * saliency and the no-allocation rule
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdatomic.h>
#include <glib/gstdio.h>
#include <string.h>

#include "engine/blas.h"
#include "engine/model.h"
#include "engine/net.h"
#include "engine/saliency.h"
#include "ls-test.h"

/* ---- counting allocations ---------------------------------------------
 * The test executable defines malloc and friends, forwarding to glibc's
 * __libc_* entry points, so every allocation in the process (GLib,
 * OpenBLAS, the engine) goes through a counter. Sanitizers interpose
 * malloc themselves, so there the test skips. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define COUNT_ALLOCATIONS 0
#else
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCATIONS 0
#endif
#endif
#endif
#ifndef COUNT_ALLOCATIONS
#define COUNT_ALLOCATIONS 1
#endif

#if COUNT_ALLOCATIONS
extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *p, size_t size);
extern void *__libc_memalign (size_t align, size_t size);
extern void __libc_free (void *p);

static atomic_long n_allocations;

void *memalign (size_t align, size_t size);

void *
malloc (size_t size)
{
  atomic_fetch_add (&n_allocations, 1);
  return __libc_malloc (size);
}

void *
calloc (size_t n,
        size_t size)
{
  atomic_fetch_add (&n_allocations, 1);
  return __libc_calloc (n, size);
}

void *
realloc (void *p,
         size_t size)
{
  atomic_fetch_add (&n_allocations, 1);
  return __libc_realloc (p, size);
}

void
free (void *p)
{
  __libc_free (p);
}

void *
memalign (size_t align,
          size_t size)
{
  atomic_fetch_add (&n_allocations, 1);
  return __libc_memalign (align, size);
}

void *
aligned_alloc (size_t align,
               size_t size)
{
  atomic_fetch_add (&n_allocations, 1);
  return __libc_memalign (align, size);
}

int
posix_memalign (void **out,
                size_t align,
                size_t size)
{
  void *p;

  atomic_fetch_add (&n_allocations, 1);
  p = __libc_memalign (align, size);
  if (p == NULL)
    return 12; /* ENOMEM */
  *out = p;
  return 0;
}
#endif

/* A small net with every layer kind. */
static const char small_spec[] = "# small\n"
                                 "input channels=2 size=12\n"
                                 "conv name=c1 out=4 k=3 stride=1 pad=1\n"
                                 "bn name=b1\n"
                                 "relu\n"
                                 "maxpool k=2\n"
                                 "conv name=c2 out=6 k=3 stride=2 pad=1 bias=no\n"
                                 "bn name=b2\n"
                                 "relu cam=yes\n"
                                 "conv name=c3 out=5 k=1\n"
                                 "gap\n"
                                 "dropout p=0.25\n"
                                 "linear name=fc out=3\n";

/* ---- spec -------------------------------------------------------------- */

static void
test_default_arch (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsNet) net = ls_net_new (ls_engine_default_arch (), &error);
  const LsNetTensor *t;

  g_assert_no_error (error);
  g_assert_cmpuint (ls_net_get_n_params (net), ==, 986315);
  g_assert_cmpfloat_with_epsilon (ls_net_get_macs (net) / 1e6, 291.7, 0.05);
  g_assert_cmpint (ls_net_get_n_classes (net), ==, 3);
  g_assert_cmpint (ls_net_get_input_size (net), ==, 224);
  g_assert_cmpint (ls_net_get_cam_layer (net), ==, 21);
  g_assert_cmpuint (ls_net_get_n_tensors (net), ==, 6 + 6 * 4 + 2);
  g_assert_cmpstr (ls_net_get_tensor (net, 0)->name, ==, "conv1.weight");
  g_assert_cmpstr (ls_net_get_tensor (net, 3)->name, ==, "bn1.running_mean");
  t = ls_net_find_tensor (net, "conv6.weight");
  g_assert_nonnull (t);
  g_assert_cmpint (t->n_dims, ==, 4);
  g_assert_cmpint (t->shape[0], ==, 256);
  g_assert_cmpint (t->shape[1], ==, 256);
  g_assert_cmpint (t->shape[2], ==, 3);
  t = ls_net_find_tensor (net, "fc.weight");
  g_assert_cmpint (t->shape[0], ==, 3);
  g_assert_cmpint (t->shape[1], ==, 256);
  g_assert_null (ls_net_find_tensor (net, "conv1.bias"));
  g_assert_true ((GPOINTER_TO_SIZE (ls_net_get_params (net)) & 63) == 0);
  g_assert_true (ls_net_plan (net, 2, &error));
  g_assert_true ((GPOINTER_TO_SIZE (ls_net_get_grads (net)) & 63) == 0);
  g_assert_false (ls_net_plan (net, 0, &error));
  g_assert_error (error, LS_NET_ERROR, LS_NET_ERROR_PLAN);
}

/* ls_net_spec_text_resize (issue 19: was arch_with_size in the CLI). */
static void
test_spec_resize (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *sized = ls_net_spec_text_resize (small_spec, 16, 0, &error);
  g_autofree char *both = NULL, *untouched = NULL, *default_sized = NULL, *tabs = NULL;
  g_autoptr (LsNetSpec) a = NULL;
  g_autoptr (LsNetSpec) b = NULL;
  g_autoptr (LsNetSpec) d = NULL;
  g_autoptr (LsNetSpec) t = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (strstr (sized, "\ninput channels=2 size=16\n"));
  g_assert_true (g_str_has_prefix (sized, "# small\n"));
  g_assert_nonnull (strstr (sized, "\nlinear name=fc out=3\n"));
  a = ls_net_spec_parse (sized, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->size, ==, 16);
  g_assert_cmpint (a->channels, ==, 2);
  g_assert_cmpint (a->layers[a->n_layers - 1].out, ==, 3);

  /* the head's outputs, with the size */
  both = ls_net_spec_text_resize (small_spec, 24, 7, &error);
  g_assert_no_error (error);
  b = ls_net_spec_parse (both, &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->size, ==, 24);
  g_assert_cmpint (b->n_layers, ==, a->n_layers);
  g_assert_cmpint (b->layers[b->n_layers - 1].out, ==, 7);

  /* 0 and 0: the same text */
  untouched = ls_net_spec_text_resize (small_spec, 0, 0, &error);
  g_assert_cmpstr (untouched, ==, small_spec);

  /* lungnet-s: its comments and layout kept but for the changed lines */
  default_sized = ls_net_spec_text_resize (ls_engine_default_arch (), 320, 2, &error);
  g_assert_no_error (error);
  d = ls_net_spec_parse (default_sized, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->size, ==, 320);
  g_assert_cmpint (d->layers[d->n_layers - 1].out, ==, 2);
  g_assert_true (g_str_has_prefix (default_sized, "# lungnet-s"));

  /* tabs and comments on the changed lines */
  tabs = ls_net_spec_text_resize ("input\tchannels=1\tsize=8  # in\ngap\nlinear out=2 name=f # head\n", 10, 4,
                                  &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tabs, ==, "input channels=1 size=10 # in\ngap\nlinear out=4 name=f # head\n");
  t = ls_net_spec_parse (tabs, &error);
  g_assert_nonnull (t);

  /* a size too small for the layers, and a text that does not parse */
  g_assert_null (ls_net_spec_text_resize (small_spec, 1, 0, &error));
  g_assert_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_null (ls_net_spec_text_resize ("conv name=a out=2 k=3\n", 16, 0, &error));
  g_assert_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX);
}

static void
test_spec_errors (void)
{
  const struct
  {
    const char *text;
    const char *message;
  } cases[] = {
    { "input channels=1 size=8\nconvv name=a out=2 k=3\n", "line 2: unknown layer kind" },
    { "input channels=1 size=8\nconv name=a out=2 k=3 dilation=2\n", "line 2: unknown key" },
    { "input channels=1 size=8\nconv name=a out=-2 k=3\n", "line 2: bad" },
    { "input channels=1 size=8\nconv name=a out=2x k=3\n", "line 2: bad" },
    { "input channels=1 size=8\n\n# c\nconv out=2 k=3\n", "line 4: conv needs name=" },
    { "input channels=1 size=8\nconv name=a out=2 k=3\nbn name=a\n", "line 3: the name" },
    { "conv name=a out=2 k=3\n", "line 1: the spec must start with an input line" },
    { "input channels=1 size=8\ninput channels=1 size=8\n", "line 2: a second input" },
    { "input channels=1 size=8\nconv name=a out=2 k=3\n", "last layer must be linear" },
    { "input channels=1 size=8\nlinear name=fc out=2\n", "line 2: linear needs a flat input" },
    { "input channels=1 size=8\ngap\nconv name=a out=2 k=3\nlinear name=f out=2\n",
      "line 3: conv needs a spatial input" },
    { "input channels=1 size=8\nmaxpool k=3\ngap\nlinear name=f out=2\n",
      "line 2: only maxpool k=2" },
    { "input channels=1 size=8\ndropout p=1.5\ngap\nlinear name=f out=2\n", "line 2: bad" },
    { "input channels=1 size=8\nrelu cam=maybe\n", "line 2: bad" },
    { "input channels=1 size=8\nconv name=a out=2 k=9\ngap\nlinear name=f out=2\n",
      "line 2: conv makes the feature map empty" },
    { "input channels=1\n", "line 1: input needs" },
    { "input channels=1 size=8\nconv name=a out=2 k=3 stride\n", "line 2: expected key=value" },
    { "# nothing\n", "no input line" },
    { "input channels=64 size=8192\nconv name=a out=4096 k=3 pad=1\ngap\nlinear name=f out=2\n",
      "line 2: the network is too large" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LsNetSpec) spec = ls_net_spec_parse (cases[i].text, &error);

      g_assert_null (spec);
      g_assert_error (error, LS_SPEC_ERROR, error->code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: “%s” does not contain “%s”", i, error->message, cases[i].message);
    }
}

/* ---- whole-network gradient check --------------------------------------- */

static double
readout (LsNet *net,
         const float *x,
         int n,
         const float *r)
{
  const float *logits;
  double l = 0.0;

  ls_net_set_dropout_seed (net, 99);
  logits = ls_net_forward (net, x, n);
  for (int i = 0; i < n * ls_net_get_n_classes (net); i++)
    l += (double) r[i] * logits[i];
  return l;
}

/* Central differences of L = Σ r·logits; entries where a ReLU or
 * max-pool kink lies within ±h (one-sided differences disagree) are
 * skipped, and must be few. */
static void
check_net_gradient (LsNet *net,
                    const char *what,
                    float *v,
                    gsize n_v,
                    const float *analytic,
                    const float *x,
                    int n,
                    const float *r,
                    gsize stride)
{
  const float h = 1e-3f;
  double scale = 1e-3, worst = 0.0;
  int checked = 0, skipped = 0;
  double l0 = readout (net, x, n, r);

  for (gsize i = 0; i < n_v; i++)
    scale = MAX (scale, fabs (analytic[i]));
  for (gsize i = 0; i < n_v; i += stride)
    {
      float saved = v[i];
      double lp, lm, fwd, bwd, fd;

      v[i] = saved + h;
      lp = readout (net, x, n, r);
      v[i] = saved - h;
      lm = readout (net, x, n, r);
      v[i] = saved;
      fwd = (lp - l0) / h;
      bwd = (l0 - lm) / h;
      if (fabs (fwd - bwd) > MAX (0.003 * scale, 1e-3))
        {
          skipped++;
          continue;
        }
      fd = (lp - lm) / (2.0 * h);
      worst = MAX (worst, fabs (fd - analytic[i]) / scale);
      checked++;
    }
  g_test_message ("%s: %d checked, %d near a kink, worst error %.2e of %.3g", what, checked,
                  skipped, worst, scale);
  g_assert_cmpint (skipped, <=, checked / 3);
  g_assert_cmpfloat (worst, <, 1e-2);
}

static void
run_net_gradcheck (LsNetMode mode,
                   int threads)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsNet) net = ls_net_new (small_spec, &error);
  int n = 4, in = 2 * 12 * 12;
  g_autofree float *x = g_new (float, n *in);
  g_autofree float *r = g_new (float, n * 3);
  g_autofree float *grads = NULL;
  g_autofree float *dx = g_new (float, n *in);
  const float *act, *grad;
  int c, h, w;
  LsXoshiro rng;

  g_assert_no_error (error);
  ls_net_set_threads (net, threads);
  g_assert_true (ls_net_plan (net, n, &error));
  ls_net_init_params (net, 5);
  ls_net_set_mode (net, mode);
  ls_xoshiro_init (&rng, 8);
  for (int i = 0; i < n * in; i++)
    x[i] = (float) ls_xoshiro_normal (&rng);
  for (int i = 0; i < n * 3; i++)
    r[i] = (float) ls_xoshiro_normal (&rng);
  /* non-trivial running statistics and affine parameters */
  for (guint t = 0; t < ls_net_get_n_tensors (net); t++)
    {
      const LsNetTensor *ten = ls_net_get_tensor (net, t);

      if (g_str_has_suffix (ten->name, "running_var") || g_str_has_prefix (ten->name, "b"))
        for (gsize i = 0; i < ten->n_elements; i++)
          ten->data[i] += 0.3f * (float) fabs (ls_xoshiro_normal (&rng));
    }

  readout (net, x, n, r);
  ls_net_zero_grads (net);
  ls_net_backward (net, r, TRUE);
  grads = g_memdup2 (ls_net_get_grads (net), sizeof (float) * ls_net_get_n_params (net));
  check_net_gradient (net, mode == LS_NET_MODE_TRAIN ? "params (train)" : "params (frozen bn)",
                      ls_net_get_params (net), ls_net_get_n_params (net), grads, x, n, r, 1);

  readout (net, x, n, r);
  ls_net_backward_to (net, r, -1, &act, &grad, &c, &h, &w);
  g_assert_cmpint (c * h * w, ==, in);
  memcpy (dx, grad, sizeof (float) * n * in);
  check_net_gradient (net, "input", x, n * in, dx, x, n, r, 3);
}

static void
test_net_gradcheck (void)
{
  int blas_threads = ls_engine_blas_get_threads ();

  run_net_gradcheck (LS_NET_MODE_TRAIN, 1);
  run_net_gradcheck (LS_NET_MODE_FINETUNE, 1);
  run_net_gradcheck (LS_NET_MODE_TRAIN, 2);
  ls_engine_blas_set_threads (blas_threads);
}

/* ---- training ----------------------------------------------------------- */

static void
make_data (float *x,
           int *labels,
           int n,
           int in,
           guint64 seed)
{
  LsXoshiro rng;

  ls_xoshiro_init (&rng, seed);
  for (int i = 0; i < n * in; i++)
    x[i] = (float) ls_xoshiro_normal (&rng);
  for (int i = 0; i < n; i++)
    labels[i] = i % 3;
}

static void
test_memorise (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsNet) net = ls_net_new (small_spec, &error);
  g_autoptr (LsOptimizer) opt = NULL;
  LsOptimConfig cfg;
  LsStepResult res = { 0 };
  int n = 16, in = 2 * 12 * 12, correct = 0;
  float x[16 * 2 * 12 * 12];
  float probs[16 * 3];
  int labels[16];

  g_assert_no_error (error);
  g_assert_true (ls_net_plan (net, n, &error));
  ls_net_init_params (net, 1);
  make_data (x, labels, n, in, 7);
  ls_optim_config_init (&cfg, LS_OPTIM_ADAMW);
  cfg.clip_norm = 5.0f;
  opt = ls_optimizer_new (&cfg, ls_net_get_n_params (net));
  ls_net_set_mode (net, LS_NET_MODE_TRAIN);
  for (int step = 0; step < 300; step++)
    ls_net_train_step (net, opt, x, labels, n, NULL, ls_engine_cosine_lr (0.02f, 0.0f, step, 10, 300),
                       &res);
  g_test_message ("last step: loss %.4f, accuracy %.3f", res.loss, res.accuracy);
  /* in batches of 5 on a net planned for 5: the same answers */
  {
    float p5[16 * 3];

    ls_net_set_mode (net, LS_NET_MODE_EVAL);
    ls_net_forward (net, x, n);
    ls_net_get_probabilities (net, probs);
    g_assert_true (ls_net_plan (net, 5, &error));
    ls_net_set_mode (net, LS_NET_MODE_TRAIN);
    ls_net_predict (net, x, n, p5);
    g_assert_cmpint (ls_net_get_mode (net), ==, LS_NET_MODE_TRAIN);
    for (int i = 0; i < n * 3; i++)
      g_assert_cmpfloat_with_epsilon (p5[i], probs[i], 1e-6);
  }
  for (int i = 0; i < n; i++)
    {
      int best = 0;

      for (int j = 1; j < 3; j++)
        if (probs[i * 3 + j] > probs[i * 3 + best])
          best = j;
      correct += best == labels[i];
    }
  g_assert_cmpint (correct, ==, n);
  g_assert_cmpfloat (res.loss, <, 0.1f);
}

static void
train_some (float *params_out,
            gsize n_params,
            int threads)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsNet) net = ls_net_new (small_spec, &error);
  g_autoptr (LsOptimizer) opt = NULL;
  LsOptimConfig cfg;
  LsStepResult res;
  float x[8 * 2 * 12 * 12];
  int labels[8];

  ls_net_set_threads (net, threads);
  g_assert_true (ls_net_plan (net, 8, &error));
  ls_net_init_params (net, 1234);
  make_data (x, labels, 8, 2 * 12 * 12, 3);
  ls_optim_config_init (&cfg, LS_OPTIM_SGD);
  cfg.nesterov = TRUE;
  cfg.weight_decay = 1e-4f;
  opt = ls_optimizer_new (&cfg, ls_net_get_n_params (net));
  ls_net_set_mode (net, LS_NET_MODE_TRAIN);
  for (int step = 0; step < 10; step++)
    ls_net_train_step (net, opt, x, labels, 8, NULL, 0.05f, &res);
  g_assert_cmpuint (n_params, ==, ls_net_get_n_params (net));
  memcpy (params_out, ls_net_get_params (net), sizeof (float) * n_params);
}

static void
test_determinism (void)
{
  g_autoptr (LsNet) probe = ls_net_new (small_spec, NULL);
  gsize n = ls_net_get_n_params (probe);
  g_autofree float *a = g_new (float, n);
  g_autofree float *b = g_new (float, n);
  g_autofree float *c = g_new (float, n);
  g_autofree float *d = g_new (float, n);
  int threads = ls_engine_blas_get_threads ();
  double diff = 0.0;

  ls_engine_blas_set_threads (1);
  train_some (a, n, 1);
  train_some (b, n, 1);
  g_assert_true (memcmp (a, b, sizeof (float) * n) == 0);
  /* the net's own two threads split the work the same way every time */
  train_some (c, n, 2);
  train_some (d, n, 2);
  ls_engine_blas_set_threads (threads);
  g_assert_true (memcmp (c, d, sizeof (float) * n) == 0);
  /* and agree with one thread up to rounding */
  for (gsize i = 0; i < n; i++)
    diff = MAX (diff, fabs ((double) a[i] - c[i]));
  g_test_message ("1 vs 2 threads: max parameter difference %.2e", diff);
  g_assert_cmpfloat (diff, <, 1e-4);
}

static void
test_no_allocation (void)
{
#if COUNT_ALLOCATIONS
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = NULL;
  g_autoptr (LsNet) net = NULL;
  g_autoptr (LsOptimizer) opt = NULL;
  LsOptimConfig cfg;
  LsStepResult res;
  int n = 2, in = 96 * 96;
  g_autofree float *x = g_new (float, n *in);
  int labels[2] = { 0, 2 };
  float weights[3] = { 1.0f, 2.0f, 1.5f };
  LsLossConfig loss = { weights, 0.1f };
  long before, after;
  int threads = ls_engine_blas_get_threads ();
  g_auto (GStrv) parts = g_strsplit (ls_engine_default_arch (), "size=224", 2);
  g_autoptr (GCancellable) live = NULL;
  g_autofree float *map = g_new (float, 96 * 96);

  /* valgrind replaces malloc in the executable too: then nothing counts */
  before = atomic_load (&n_allocations);
  g_free (g_malloc (16));
  if (atomic_load (&n_allocations) == before)
    {
      g_test_skip ("malloc is not ours to count here (valgrind?)");
      return;
    }
  /* lungnet-s at 96² (the same layers, less work under slow runners) */
  spec = g_strjoinv ("size=96", parts);
  net = ls_net_new (spec, &error);
  g_assert_no_error (error);

  /* The net runs on two threads of its own, each BLAS call on one
   * (OpenBLAS 0.3.21 mallocs its job array in every multi-threaded GEMM,
   * level3_thread.c, one reason the net splits the work itself). */
  ls_net_set_threads (net, 2);
  g_assert_true (ls_net_plan (net, n, &error));
  ls_net_init_params (net, 3);
  make_data (x, labels, n, in, 1);
  ls_optim_config_init (&cfg, LS_OPTIM_ADAMW);
  cfg.clip_norm = 1.0f;
  opt = ls_optimizer_new (&cfg, ls_net_get_n_params (net));
  ls_net_set_mode (net, LS_NET_MODE_TRAIN);
  ls_net_train_step (net, opt, x, labels, n, &loss, 1e-3f, &res); /* warm-up (BLAS buffers) */
  live = g_cancellable_new ();
  before = atomic_load (&n_allocations);
  ls_net_train_step (net, opt, x, labels, n, &loss, 1e-3f, &res);
  g_assert_true (ls_net_train_step_cancellable (net, opt, x, labels, n, &loss, 1e-3f, live, &res,
                                                NULL));
  ls_net_set_mode (net, LS_NET_MODE_FINETUNE);
  ls_net_train_step (net, opt, x, labels, n, &loss, 1e-3f, &res);
  ls_net_set_mode (net, LS_NET_MODE_EVAL);
  ls_net_forward (net, x, 1);
  ls_net_infer (net, x); /* the single-image path: weights folded and packed */
  ls_engine_gradcam_last (net, 0, map);
  ls_net_infer (net, x); /* and reused */
  ls_engine_gradcam_last (net, 2, map);
  after = atomic_load (&n_allocations);
  ls_engine_blas_set_threads (threads);
  g_assert_cmpint (after - before, ==, 0);
  /* the counter does count */
  g_free (g_malloc (16));
  g_assert_cmpint (atomic_load (&n_allocations), >, after);
#else
  g_test_skip ("allocation counting replaces malloc, which the sanitizers own");
#endif
}

/* ---- cancellation inside a step ----------------------------------------- */

/* Every state-dict tensor (parameters and running statistics) in order. */
static gsize
copy_state (const LsNet *net,
            float *out)
{
  gsize at = 0;

  for (guint i = 0; i < ls_net_get_n_tensors (net); i++)
    {
      const LsNetTensor *t = ls_net_get_tensor (net, i);

      if (out != NULL)
        memcpy (out + at, t->data, sizeof (float) * t->n_elements);
      at += t->n_elements;
    }
  return at;
}

typedef struct
{
  GCancellable *cancellable;
  gulong delay_us;
} CancelLater;

static gpointer
cancel_later (gpointer data)
{
  CancelLater *c = data;

  g_usleep (c->delay_us);
  g_cancellable_cancel (c->cancellable);
  return NULL;
}

/* A step cancelled before its optimizer step leaves the net as it was
 * (parameters, running statistics, optimizer, dropout stream): the next
 * step is the one a run that never saw it takes. */
static void
test_cancel (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsNet) a = ls_net_new (small_spec, NULL);
  g_autoptr (LsNet) b = ls_net_new (small_spec, NULL);
  g_autoptr (LsOptimizer) opt_a = NULL, opt_b = NULL;
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_autofree float *before = NULL, *after = NULL, *other = NULL;
  float x[8 * 2 * 12 * 12];
  int labels[8];
  LsOptimConfig cfg;
  LsStepResult res;
  gsize size;
  gint64 steps;

  make_data (x, labels, 8, 2 * 12 * 12, 9);
  ls_optim_config_init (&cfg, LS_OPTIM_ADAMW);
  opt_a = ls_optimizer_new (&cfg, ls_net_get_n_params (a));
  opt_b = ls_optimizer_new (&cfg, ls_net_get_n_params (b));
  g_assert_true (ls_net_plan (a, 8, NULL));
  g_assert_true (ls_net_plan (b, 8, NULL));
  ls_net_init_params (a, 5);
  ls_net_init_params (b, 5);
  ls_net_set_mode (a, LS_NET_MODE_TRAIN);
  ls_net_set_mode (b, LS_NET_MODE_TRAIN);
  ls_net_train_step (a, opt_a, x, labels, 8, NULL, 1e-2f, &res);
  ls_net_train_step (b, opt_b, x, labels, 8, NULL, 1e-2f, &res);
  size = copy_state (a, NULL);
  before = g_new (float, size);
  after = g_new (float, size);
  other = g_new (float, size);

  copy_state (a, before);
  steps = ls_optimizer_get_step (opt_a);
  g_cancellable_cancel (cancelled);
  g_assert_false (ls_net_train_step_cancellable (a, opt_a, x, labels, 8, NULL, 1e-2f, cancelled,
                                                 &res, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  copy_state (a, after);
  g_assert_true (memcmp (before, after, sizeof (float) * size) == 0);
  g_assert_cmpint (ls_optimizer_get_step (opt_a), ==, steps);

  /* not cancelled: the same step as the other run's */
  {
    g_autoptr (GCancellable) live = g_cancellable_new ();

    g_assert_true (ls_net_train_step_cancellable (a, opt_a, x, labels, 8, NULL, 1e-2f, live, &res,
                                                  &error));
    g_assert_no_error (error);
  }
  ls_net_train_step (b, opt_b, x, labels, 8, NULL, 1e-2f, &res);
  copy_state (a, after);
  copy_state (b, other);
  g_assert_true (memcmp (after, other, sizeof (float) * size) == 0);
  g_assert_cmpint (ls_optimizer_get_step (opt_a), ==, steps + 1);
}

/* Cancelled from another thread while a step of lungnet-s (at 96²) runs on
 * two threads: the step stops between layers and leaves the net as it was. */
static void
test_cancel_running (void)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) parts = g_strsplit (ls_engine_default_arch (), "size=224", 2);
  g_autofree char *spec = g_strjoinv ("size=96", parts);
  g_autoptr (LsNet) net = ls_net_new (spec, &error);
  g_autoptr (LsOptimizer) opt = NULL;
  g_autofree float *before = NULL, *after = NULL;
  int n = 2, in = 96 * 96, labels[2];
  g_autofree float *x = g_new (float, n *in);
  LsOptimConfig cfg;
  LsStepResult res;
  gint64 t0, step_us;
  gsize size;
  gulong delay;
  int threads = ls_engine_blas_get_threads ();
  gboolean stopped = FALSE;

  g_assert_no_error (error);
  ls_net_set_threads (net, 2);
  g_assert_true (ls_net_plan (net, n, &error));
  ls_net_init_params (net, 4);
  make_data (x, labels, n, in, 3);
  ls_optim_config_init (&cfg, LS_OPTIM_ADAMW);
  opt = ls_optimizer_new (&cfg, ls_net_get_n_params (net));
  ls_net_set_mode (net, LS_NET_MODE_TRAIN);
  ls_net_train_step (net, opt, x, labels, n, NULL, 1e-3f, &res);
  t0 = g_get_monotonic_time ();
  ls_net_train_step (net, opt, x, labels, n, NULL, 1e-3f, &res);
  step_us = g_get_monotonic_time () - t0;
  size = copy_state (net, NULL);
  before = g_new (float, size);
  after = g_new (float, size);

  /* cancel a quarter into the step (sooner if the step outran it) */
  for (delay = (gulong) (step_us / 4); !stopped && delay > 0; delay /= 4)
    {
      g_autoptr (GCancellable) cancellable = g_cancellable_new ();
      CancelLater later = { cancellable, delay };
      GThread *thread;
      gint64 steps = ls_optimizer_get_step (opt);

      copy_state (net, before);
      thread = g_thread_new ("cancel", cancel_later, &later);
      t0 = g_get_monotonic_time ();
      stopped = !ls_net_train_step_cancellable (net, opt, x, labels, n, NULL, 1e-3f, cancellable,
                                                &res, &error);
      g_test_message ("step %.1f ms; cancelled after %.1f ms: %s in %.1f ms", step_us / 1e3,
                      delay / 1e3, stopped ? "stopped" : "completed",
                      (g_get_monotonic_time () - t0) / 1e3);
      g_thread_join (thread);
      if (stopped)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          copy_state (net, after);
          g_assert_true (memcmp (before, after, sizeof (float) * size) == 0);
          g_assert_cmpint (ls_optimizer_get_step (opt), ==, steps);
        }
    }
  ls_engine_blas_set_threads (threads);
  g_assert_true (stopped);
}

/* One image on two threads (im2col and GEMM split) equals one thread. */
static void
test_single_image_threads (void)
{
  g_autoptr (LsNet) one = ls_net_new (small_spec, NULL);
  g_autoptr (LsNet) two = ls_net_new (small_spec, NULL);
  float x[2 * 2 * 12 * 12], l1[6], l2[6];
  int labels[2];
  int threads = ls_engine_blas_get_threads ();

  make_data (x, labels, 2, 2 * 12 * 12, 5);
  ls_net_set_threads (two, 2);
  g_assert_true (ls_net_plan (one, 2, NULL));
  g_assert_true (ls_net_plan (two, 2, NULL));
  ls_net_init_params (one, 77);
  ls_net_init_params (two, 77);
  for (int n = 1; n <= 2; n++)
    {
      memcpy (l1, ls_net_forward (one, x, n), sizeof (float) * 3 * n);
      memcpy (l2, ls_net_forward (two, x, n), sizeof (float) * 3 * n);
      for (int i = 0; i < 3 * n; i++)
        g_assert_cmpfloat_with_epsilon (l1[i], l2[i], 1e-5);
    }
  /* the input gradient of one image (channels split between threads) */
  {
    float r[3] = { 0.5f, -1.0f, 2.0f }, g1[2 * 12 * 12];
    const float *act, *grad;
    int c, h, w;

    ls_net_forward (one, x, 1);
    ls_net_backward_to (one, r, -1, &act, &grad, &c, &h, &w);
    memcpy (g1, grad, sizeof g1);
    ls_net_forward (two, x, 1);
    ls_net_backward_to (two, r, -1, &act, &grad, &c, &h, &w);
    for (int i = 0; i < 2 * 12 * 12; i++)
      g_assert_cmpfloat_with_epsilon (g1[i], grad[i], 1e-5);
  }
  ls_engine_blas_set_threads (threads);
}

/* ---- the single-image inference path ------------------------------------ */

static char *
lungnet_at (int size)
{
  g_auto (GStrv) parts = g_strsplit (ls_engine_default_arch (), "size=224", 2);
  g_autofree char *to = g_strdup_printf ("size=%d", size);

  return g_strjoinv (to, parts);
}

/* Batch norms that are not the identity: γ, β, running mean and variance
 * drawn at random. */
static void
perturb_bn (LsNet *net,
            guint64 seed)
{
  LsXoshiro rng;

  ls_xoshiro_init (&rng, seed);
  for (guint t = 0; t < ls_net_get_n_tensors (net); t++)
    {
      const LsNetTensor *ten = ls_net_get_tensor (net, t);

      for (gsize i = 0; ten->n_dims == 1 && i < ten->n_elements; i++)
        if (g_str_has_suffix (ten->name, "running_var"))
          ten->data[i] = 0.5f + (float) fabs (ls_xoshiro_normal (&rng));
        else
          ten->data[i] += 0.3f * (float) ls_xoshiro_normal (&rng);
    }
  ls_net_params_changed (net);
}

static double
rel_diff (const float *a,
          const float *b,
          gsize n)
{
  double d = 0.0, m = 1e-12;

  for (gsize i = 0; i < n; i++)
    {
      d = MAX (d, fabs ((double) a[i] - b[i]));
      m = MAX (m, fabs ((double) b[i]));
    }
  return d / m;
}

/* ls_net_infer (batch norm folded, ReLU and pooling in the convolutions'
 * epilogue) against the layer-by-layer eval forward: the logits, the kept
 * Grad-CAM layer and the Grad-CAM map from each. */
static void
check_infer (const char *spec,
             int threads)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsNet) net = ls_net_new (spec, &error);
  int in, plane, k, cam, c, h, w;
  g_autofree float *x = NULL, *cam_ref = NULL, *map_ref = NULL, *map = NULL;
  float logits_ref[8], features_ref[512];
  const float *logits, *act;
  int gap, dim;
  LsXoshiro rng;

  g_assert_no_error (error);
  plane = ls_net_get_input_size (net) * ls_net_get_input_size (net);
  in = ls_net_get_input_channels (net) * plane;
  k = ls_net_get_n_classes (net);
  cam = ls_net_get_cam_layer (net);
  gap = ls_net_find_layer (net, LS_LAYER_GAP);
  ls_net_set_threads (net, threads);
  g_assert_true (ls_net_plan (net, 2, &error));
  ls_net_init_params (net, 11);
  perturb_bn (net, 12);
  x = g_new (float, in);
  ls_xoshiro_init (&rng, 13);
  for (int i = 0; i < in; i++)
    x[i] = (float) ls_xoshiro_normal (&rng);

  ls_net_set_mode (net, LS_NET_MODE_EVAL);
  memcpy (logits_ref, ls_net_forward (net, x, 1), sizeof (float) * k);
  act = ls_net_get_layer_output (net, cam, &c, &h, &w);
  cam_ref = g_memdup2 (act, sizeof (float) * c * h * w);
  act = ls_net_get_layer_output (net, gap, &dim, NULL, NULL);
  memcpy (features_ref, act, sizeof (float) * dim);
  map_ref = g_new (float, plane);
  map = g_new (float, plane);
  ls_engine_gradcam_last (net, 1, map_ref);

  /* from another mode too: inference is always eval */
  ls_net_set_mode (net, LS_NET_MODE_TRAIN);
  logits = ls_net_infer (net, x);
  g_assert_cmpint (ls_net_get_mode (net), ==, LS_NET_MODE_TRAIN);
  ls_net_set_mode (net, LS_NET_MODE_EVAL);
  g_test_message ("%d thread(s): logits %.2e, Grad-CAM layer %.2e, features %.2e relative", threads,
                  rel_diff (logits, logits_ref, k),
                  rel_diff (ls_net_get_layer_output (net, cam, NULL, NULL, NULL), cam_ref, c * h * w),
                  rel_diff (ls_net_get_layer_output (net, gap, NULL, NULL, NULL), features_ref, dim));
  g_assert_cmpfloat (rel_diff (logits, logits_ref, k), <, 1e-5);
  g_assert_cmpfloat (rel_diff (ls_net_get_layer_output (net, cam, NULL, NULL, NULL), cam_ref, c * h * w), <, 1e-5);
  g_assert_cmpfloat (rel_diff (ls_net_get_layer_output (net, gap, NULL, NULL, NULL), features_ref, dim), <, 1e-5);
  g_assert_true (ls_net_infer_can_backward_to (net, cam));
  g_assert_false (ls_net_infer_can_backward_to (net, -1));
  ls_engine_gradcam_last (net, 1, map);
  g_assert_cmpfloat (rel_diff (map, map_ref, (gsize) plane), <, 1e-4);
  /* the same again (packed weights reused) */
  g_assert_cmpfloat (rel_diff (ls_net_infer (net, x), logits_ref, k), <, 1e-5);
}

static void
test_infer (void)
{
  g_autofree char *s96 = lungnet_at (96);
  g_autofree char *s224 = lungnet_at (224);

  for (int threads = 1; threads <= 2; threads++)
    {
      check_infer (small_spec, threads);
      check_infer (s96, threads);
    }
  /* the real shapes: tiles along the rows, pooled bands of two rows */
  check_infer (s224, 2);
}

/* The folded, packed weights follow the parameters: an optimizer step and
 * a load of other weights each change what ls_net_infer answers. */
static void
test_infer_cache (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = lungnet_at (96);
  g_autoptr (LsNet) a = ls_net_new (spec, &error);
  g_autoptr (LsNet) b = ls_net_new (spec, &error);
  g_autoptr (LsNet) c = NULL;
  g_autoptr (LsSafetensors) st = NULL;
  g_autoptr (LsOptimizer) opt = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ls-infer-XXXXXX", &error);
  g_autofree char *path = NULL;
  int in = 96 * 96, labels[2];
  g_autofree float *x = g_new (float, 2 * in);
  float before[3], after_ref[3], after[3], b_ref[3];
  LsOptimConfig cfg;
  LsStepResult res;
  guint64 version;

  g_assert_no_error (error);
  g_assert_true (ls_net_plan (a, 2, &error));
  g_assert_true (ls_net_plan (b, 1, &error));
  ls_net_init_params (a, 1);
  ls_net_init_params (b, 2);
  perturb_bn (a, 3);
  perturb_bn (b, 4);
  make_data (x, labels, 2, in, 5);
  memcpy (before, ls_net_infer (a, x), sizeof before);

  /* one optimizer step (its forward also moves the running statistics) */
  ls_optim_config_init (&cfg, LS_OPTIM_ADAMW);
  opt = ls_optimizer_new (&cfg, ls_net_get_n_params (a));
  version = ls_net_get_params_version (a);
  ls_net_set_mode (a, LS_NET_MODE_TRAIN);
  ls_net_train_step (a, opt, x, labels, 2, NULL, 1e-2f, &res);
  g_assert_cmpuint (ls_net_get_params_version (a), >, version);
  ls_net_set_mode (a, LS_NET_MODE_EVAL);
  memcpy (after_ref, ls_net_forward (a, x, 1), sizeof after_ref);
  memcpy (after, ls_net_infer (a, x), sizeof after);
  g_test_message ("after a step: infer vs forward %.2e, before vs after %.2e",
                  rel_diff (after, after_ref, 3), rel_diff (before, after_ref, 3));
  g_assert_cmpfloat (rel_diff (before, after_ref, 3), >, 1e-3);
  g_assert_cmpfloat (rel_diff (after, after_ref, 3), <, 1e-5);

  /* other weights loaded from a file */
  path = g_build_filename (dir, "b.safetensors", NULL);
  g_assert_true (ls_net_save (b, path, NULL, NULL, 0, &error));
  g_assert_no_error (error);
  c = ls_net_load (path, &st, &error);
  g_assert_no_error (error);
  memcpy (b_ref, ls_net_forward (b, x, 1), sizeof b_ref);
  version = ls_net_get_params_version (a);
  g_assert_true (ls_net_load_tensors (a, st, &error));
  g_assert_cmpuint (ls_net_get_params_version (a), >, version);
  memcpy (after, ls_net_infer (a, x), sizeof after);
  g_assert_cmpfloat (rel_diff (after_ref, b_ref, 3), >, 1e-3);
  g_assert_cmpfloat (rel_diff (after, b_ref, 3), <, 1e-5);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* A net with threads of its own leaves the process's OpenBLAS thread count
 * as it found it (it used to set it to one for good at its plan). */
static void
test_blas_threads (void)
{
  int saved = ls_engine_blas_get_threads ();
  g_autoptr (LsNet) net = ls_net_new (small_spec, NULL);
  g_autoptr (LsOptimizer) opt = NULL;
  float x[2 * 2 * 12 * 12], map[144];
  int labels[2];
  LsOptimConfig cfg;
  LsStepResult res;

  ls_engine_blas_set_threads (2);
  if (ls_engine_blas_get_threads () != 2)
    {
      ls_engine_blas_set_threads (saved);
      g_test_skip ("OpenBLAS runs on one thread here");
      return;
    }
  make_data (x, labels, 2, 2 * 12 * 12, 6);
  ls_net_set_threads (net, 2);
  g_assert_true (ls_net_plan (net, 2, NULL));
  g_assert_cmpint (ls_engine_blas_get_threads (), ==, 2);
  ls_net_init_params (net, 7);
  ls_optim_config_init (&cfg, LS_OPTIM_SGD);
  opt = ls_optimizer_new (&cfg, ls_net_get_n_params (net));
  ls_net_set_mode (net, LS_NET_MODE_TRAIN);
  ls_net_train_step (net, opt, x, labels, 2, NULL, 1e-2f, &res);
  g_assert_cmpint (ls_engine_blas_get_threads (), ==, 2);
  ls_net_set_mode (net, LS_NET_MODE_EVAL);
  ls_net_forward (net, x, 2);
  ls_net_infer (net, x);
  ls_engine_gradcam_last (net, 0, map);
  g_assert_cmpint (ls_engine_blas_get_threads (), ==, 2);
  ls_engine_blas_set_threads (saved);
}

/* ---- saliency ----------------------------------------------------------- */

static void
test_saliency (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsNet) net = ls_net_new (small_spec, &error);
  float x[2 * 12 * 12], map[144], map2[144], probs[3];
  LsSaliencyConfig cfg;
  int labels[1];

  g_assert_true (ls_net_plan (net, 4, &error));
  ls_net_init_params (net, 2);
  make_data (x, labels, 1, 2 * 12 * 12, 4);
  for (int m = LS_SALIENCY_GRADCAM; m <= LS_SALIENCY_SMOOTHGRAD; m++)
    {
      float lo = 1, hi = 0;
      int cls;

      ls_saliency_config_init (&cfg, (LsSaliencyMethod) m);
      cfg.n_samples = 6; /* two batches of the planned 4 */
      cfg.seed = 9;
      ls_net_set_mode (net, LS_NET_MODE_TRAIN);
      cls = ls_engine_saliency (net, x, &cfg, map, probs);
      g_assert_cmpint (ls_net_get_mode (net), ==, LS_NET_MODE_TRAIN);
      g_assert_cmpint (cls, >=, 0);
      g_assert_cmpint (cls, <, 3);
      g_assert_cmpfloat_with_epsilon (probs[0] + probs[1] + probs[2], 1.0f, 1e-5);
      for (int i = 0; i < 144; i++)
        {
          lo = MIN (lo, map[i]);
          hi = MAX (hi, map[i]);
        }
      g_assert_cmpfloat (lo, ==, 0.0f);
      g_assert_cmpfloat (hi, ==, 1.0f);
      cfg.target_class = (cls + 1) % 3;
      ls_engine_saliency (net, x, &cfg, map2, NULL);
      g_assert_true (memcmp (map, map2, sizeof map) != 0);
      cfg.target_class = cls;
      ls_engine_saliency (net, x, &cfg, map2, NULL);
      g_assert_true (memcmp (map, map2, sizeof map) == 0);
    }
}

/* The GAP layer's output is the mean over space of the layer before it,
 * and the linear layer's output is the logits. */
static void
test_layer_output (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsNet) net = ls_net_new (small_spec, &error);
  float x[3 * 2 * 12 * 12];
  int labels[3];
  const float *logits, *feat, *before, *fc;
  int gap, c, h, w, bc, bh, bw;

  g_assert_true (ls_net_plan (net, 4, &error));
  ls_net_init_params (net, 5);
  ls_net_set_mode (net, LS_NET_MODE_EVAL);
  make_data (x, labels, 3, 2 * 12 * 12, 6);
  logits = ls_net_forward (net, x, 3);
  gap = ls_net_find_layer (net, LS_LAYER_GAP);
  g_assert_cmpint (gap, ==, 8);
  g_assert_cmpint (ls_net_find_layer (net, LS_LAYER_LINEAR), ==, 10);
  feat = ls_net_get_layer_output (net, gap, &c, &h, &w);
  g_assert_cmpint (c, ==, 5);
  g_assert_cmpint (h * w, ==, 1);
  before = ls_net_get_layer_output (net, gap - 1, &bc, &bh, &bw);
  g_assert_cmpint (bc, ==, 5);
  for (int n = 0; n < 3; n++)
    for (int ch = 0; ch < c; ch++)
      {
        double sum = 0;

        for (int i = 0; i < bh * bw; i++)
          sum += before[(n * bc + ch) * bh * bw + i];
        g_assert_cmpfloat_with_epsilon (feat[n * c + ch], sum / (bh * bw), 1e-5);
      }
  fc = ls_net_get_layer_output (net, 10, &c, NULL, NULL);
  g_assert_cmpint (c, ==, 3);
  g_assert_true (memcmp (fc, logits, sizeof (float) * 9) == 0);
}

static void
test_resize_bilinear (void)
{
  /* F.interpolate([[0,1],[2,3]], size=4, mode='bilinear', align_corners=False) */
  const float src[4] = { 0, 1, 2, 3 };
  const float want[16] = { 0.0f, 0.25f, 0.75f, 1.0f, 0.5f, 0.75f, 1.25f, 1.5f,
                           1.5f, 1.75f, 2.25f, 2.5f, 2.0f, 2.25f, 2.75f, 3.0f };
  float dst[16];

  ls_engine_resize_bilinear (src, 2, 2, dst, 4, 4);
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat_with_epsilon (dst[i], want[i], 1e-6);
}

int
main (int argc,
      char *argv[])
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/engine/spec/default", test_default_arch);
  g_test_add_func ("/lungscope/engine/spec/errors", test_spec_errors);
  g_test_add_func ("/lungscope/engine/spec/resize", test_spec_resize);
  g_test_add_func ("/lungscope/engine/net/gradcheck", test_net_gradcheck);
  g_test_add_func ("/lungscope/engine/net/memorise", test_memorise);
  g_test_add_func ("/lungscope/engine/net/determinism", test_determinism);
  g_test_add_func ("/lungscope/engine/net/no-allocation", test_no_allocation);
  g_test_add_func ("/lungscope/engine/net/infer", test_infer);
  g_test_add_func ("/lungscope/engine/net/infer-cache", test_infer_cache);
  g_test_add_func ("/lungscope/engine/net/blas-threads", test_blas_threads);
  g_test_add_func ("/lungscope/engine/net/single-image-threads", test_single_image_threads);
  g_test_add_func ("/lungscope/engine/net/cancel", test_cancel);
  g_test_add_func ("/lungscope/engine/net/cancel-running", test_cancel_running);
  g_test_add_func ("/lungscope/engine/saliency/maps", test_saliency);
  g_test_add_func ("/lungscope/engine/saliency/resize", test_resize_bilinear);
  g_test_add_func ("/lungscope/engine/net/layer-output", test_layer_output);
  return g_test_run ();
}
