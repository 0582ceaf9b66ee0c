/* net.h — a network built from a spec, planned for a batch shape, trained
 * and run
 *
 * Memory is planned: ls_net_new() allocates the parameter block and the
 * running-statistics block (one 64-byte-aligned allocation each);
 * ls_net_plan() allocates, for a batch size, one block each for the
 * gradients, the activations (with saved statistics, masks and arg-max
 * indices) and the im2col scratch. Forward, backward and the training step
 * allocate nothing.
 *
 * Tensor names follow the PyTorch reference module's state_dict:
 * conv1.weight [out,in,k,k], conv1.bias, bn1.weight, bn1.bias,
 * bn1.running_mean, bn1.running_var, fc.weight [out,in], fc.bias. Batch
 * norm's num_batches_tracked counter is not kept (momentum is fixed, so
 * PyTorch never reads it); the parity script loads with strict=False and
 * checks that it is the only key missing.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <glib.h>
#include <stdint.h>

#include "optim.h"
#include "base/xoshiro.h"
#include "spec.h"

G_BEGIN_DECLS

#define LS_NET_ERROR (ls_net_error_quark ())

typedef enum
{
  LS_NET_ERROR_SPEC,   /* the spec does not parse */
  LS_NET_ERROR_PLAN,   /* a batch size that cannot be planned */
  LS_NET_ERROR_TENSOR, /* a tensor missing, unknown or of the wrong shape */
  LS_NET_ERROR_FORMAT, /* a model file format version this code does not read */
} LsNetError;

typedef enum
{
  LS_NET_MODE_TRAIN,    /* batch statistics, dropout on */
  LS_NET_MODE_EVAL,     /* running statistics, dropout off */
  LS_NET_MODE_FINETUNE, /* batch norm frozen (running statistics, only its
                         * affine parameters learn), dropout on */
} LsNetMode;

typedef struct
{
  char name[64];
  int n_dims;
  int64_t shape[4];
  gsize n_elements;
  float *data; /* inside the parameter or statistics block */
  float *grad; /* inside the gradient block (after planning); NULL for statistics */
  gboolean is_param;
} LsNetTensor;

typedef struct
{
  float loss;
  float accuracy;  /* fraction of the batch whose arg-max is the label */
  float grad_norm; /* before clipping */
  float lr;
} LsStepResult;

typedef struct _LsNet LsNet;

GQuark ls_net_error_quark (void);

/* Builds the net of @spec_text; parameters are zero until
 * ls_net_init_params() or a load. */
LsNet *ls_net_new (const char *spec_text,
                   GError **error);
void ls_net_free (LsNet *net);

const LsNetSpec *ls_net_get_spec (const LsNet *net);
int ls_net_get_input_channels (const LsNet *net);
int ls_net_get_input_size (const LsNet *net);
int ls_net_get_n_classes (const LsNet *net);
/* Trainable parameters (running statistics excluded). */
gsize ls_net_get_n_params (const LsNet *net);
/* The caller may write through the pointer: taking it counts as a change
 * of the parameters (ls_net_params_changed). */
float *ls_net_get_params (LsNet *net);
/* The parameters' version: bumped by every change the net makes (an
 * optimizer step, a training-mode forward that moves the running
 * statistics, ls_net_init_params) and by ls_net_params_changed(), which
 * whoever writes a tensor's data (a load, a copy of weights) must call.
 * The inference path's folded, packed weights are remade when it moved. */
void ls_net_params_changed (LsNet *net);
guint64 ls_net_get_params_version (const LsNet *net);
float *ls_net_get_grads (LsNet *net);
/* Multiply-adds of one forward pass of one image. */
double ls_net_get_macs (const LsNet *net);

/* State-dict tensors in order (parameters and running statistics). */
guint ls_net_get_n_tensors (const LsNet *net);
const LsNetTensor *ls_net_get_tensor (const LsNet *net,
                                      guint index);
const LsNetTensor *ls_net_find_tensor (const LsNet *net,
                                       const char *name);

/* Kaiming-normal (fan-out, ReLU) convolutions with zero bias, PyTorch's
 * default for linear, batch norm weight 1, bias 0, running mean 0, running
 * variance 1. Also seeds the dropout stream. Deterministic in @seed. */
void ls_net_init_params (LsNet *net,
                         guint64 seed);
void ls_net_set_dropout_seed (LsNet *net,
                              guint64 seed);

/* Threads the net runs on (default 1); takes effect at the next plan.
 * With more than one, the net splits the work itself, and for the time of
 * each call (forward, backward, step, inference) sets OpenBLAS to one
 * thread (each GEMM runs on the thread that calls it); the process's
 * OpenBLAS thread count is put back when the call returns. */
void ls_net_set_threads (LsNet *net,
                         int n_threads);
int ls_net_get_threads (const LsNet *net);

/* Allocates everything a batch of up to @batch images needs. Can be
 * called again with another size (frees the old plan). */
gboolean ls_net_plan (LsNet *net,
                      int batch,
                      GError **error);
int ls_net_get_batch (const LsNet *net);
/* The planned input (batch, C, S, S): a caller may fill it and pass it to
 * ls_net_forward() to save a copy. */
float *ls_net_get_input_buffer (LsNet *net);
/* Bytes the plan holds (params, grads, activations, scratch). */
gsize ls_net_get_planned_bytes (const LsNet *net);

void ls_net_set_mode (LsNet *net,
                      LsNetMode mode);
LsNetMode ls_net_get_mode (const LsNet *net);

/* Runs @n ≤ batch images (N,C,S,S) through the net; returns the logits
 * (n, classes), valid until the next forward. */
const float *ls_net_forward (LsNet *net,
                             const float *input,
                             int n);
/* Softmax of the last forward's logits into @probs (n, classes). */
void ls_net_get_probabilities (LsNet *net,
                               float *probs);

/* Inference: class probabilities (n, classes) of @n images (any number,
 * run in batches of the planned size) in eval mode; the mode is restored. */
void ls_net_predict (LsNet *net,
                     const float *input,
                     int n,
                     float *probs);

/* The single-image inference path: the logits (classes) of one image
 * (C, S, S) in eval mode, whatever the net's mode. Batch norm is folded
 * into the convolutions, ReLU and max-pool run in their epilogue, the
 * weights are folded and packed once per parameter version, and nothing
 * is allocated. Only the outputs of the layers from the last whole one
 * (the Grad-CAM layer's, and the head's) are kept: see
 * ls_net_infer_can_backward_to(). Equal to ls_net_forward() in eval mode up
 * to rounding; falls back to it for a spec whose layers fit no stage.
 * Needs a plan. */
const float *ls_net_infer (LsNet *net,
                           const float *input);
/* Whether ls_net_backward_to (net, …, @stop, …) may follow ls_net_infer():
 * the outputs of @stop and of every layer above it are kept, and no batch
 * norm lies above it. */
gboolean ls_net_infer_can_backward_to (const LsNet *net,
                                       int stop);

/* Gradient of the last forward given dL/dlogits (n, classes). Parameter
 * gradients accumulate into the gradient block when @param_grads. */
void ls_net_backward (LsNet *net,
                      const float *dlogits,
                      gboolean param_grads);
void ls_net_zero_grads (LsNet *net);

/* Index of the cam=yes layer, or −1. */
int ls_net_get_cam_layer (const LsNet *net);
/* Index of the first layer of @kind, or −1. */
int ls_net_find_layer (const LsNet *net,
                       LsLayerKind kind);
/* The output of layer @index from the last forward, (n, C, H, W) for the n
 * images of that forward (a GAP layer's is (n, C) with H = W = 1); valid
 * until the next forward. Needs a plan. */
const float *ls_net_get_layer_output (const LsNet *net,
                                      int index,
                                      int *c,
                                      int *h,
                                      int *w);
/* Backward from @dlogits down to the output of layer @stop (its gradient
 * is then in *grad, its activation in *act, both (n, C, H, W)); stop = −1
 * goes down to the input. No parameter gradients. */
void ls_net_backward_to (LsNet *net,
                         const float *dlogits,
                         int stop,
                         const float **act,
                         const float **grad,
                         int *c,
                         int *h,
                         int *w);

typedef struct
{
  const float *class_weights; /* (classes) or NULL */
  float label_smoothing;
} LsLossConfig;

/* One training step on @n images: forward (in the current mode, which
 * must be TRAIN or FINETUNE), loss, backward, clipping, optimizer step at
 * learning rate @lr. Allocates nothing. */
void ls_net_train_step (LsNet *net,
                        LsOptimizer *opt,
                        const float *input,
                        const int *labels,
                        int n,
                        const LsLossConfig *loss,
                        float lr,
                        LsStepResult *result);

/* The same, checking @cancellable (may be NULL) between layers of the
 * forward and the backward (each layer of lungnet-s at 224², batch 32,
 * two threads, takes well under 100 ms). When it is cancelled before the
 * optimizer step, returns FALSE with G_IO_ERROR_CANCELLED and leaves the
 * net as it was: parameters, running statistics, optimizer state and the
 * dropout stream untouched (gradients and activations are scratch). Once
 * past the last check the step completes. Allocates nothing. */
gboolean ls_net_train_step_cancellable (LsNet *net,
                                        LsOptimizer *opt,
                                        const float *input,
                                        const int *labels,
                                        int n,
                                        const LsLossConfig *loss,
                                        float lr,
                                        GCancellable *cancellable,
                                        LsStepResult *result,
                                        GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsNet, ls_net_free)

G_END_DECLS
