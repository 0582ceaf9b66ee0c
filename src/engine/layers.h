/* layers.h — the engine's layers: forward/backward pairs over raw pointers
 *
 * Every tensor is float32, NCHW, contiguous. Functions return void: a bad
 * shape is a programming error. None of them allocates; scratch space is
 * passed in (its size is given by the matching *_scratch_size function).
 * Backward functions *accumulate* parameter gradients (dw, db += …) and
 * *write* input gradients (dx = …); dx may be NULL when not needed.
 * Each optimized kernel has a naive *_ref twin used by the tests.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "base/xoshiro.h"

G_BEGIN_DECLS

#define LS_BN_EPS 1e-5f
#define LS_BN_MOMENTUM 0.1f

typedef struct
{
  int n, c, h, w; /* input */
  int m, k, stride, pad;
  int ho, wo; /* output */
} LsConvShape;

void ls_conv_shape_init (LsConvShape *s,
                         int n,
                         int c,
                         int h,
                         int w,
                         int m,
                         int k,
                         int stride,
                         int pad);
/* Floats of scratch one image needs (0 for the 1×1 stride-1 pad-0 path). */
gsize ls_engine_conv2d_scratch_size (const LsConvShape *s);

/* Grouped convolution: images n0 … n1−1 (of the shape's batch), @group
 * images at a time in one GEMM over their concatenated columns (better
 * for small feature maps). Scratch: ls_engine_conv2d_scratch_size_group. */
#ifndef LS_CONV_GROUP_COLUMNS
/* Images per GEMM: enough to give it about this many columns, as long as
 * their im2col stays within LS_CONV_GROUP_FLOATS (tuned on lungnet-s). */
#define LS_CONV_GROUP_COLUMNS 2048
#endif
#ifndef LS_CONV_GROUP_FLOATS
#define LS_CONV_GROUP_FLOATS (512 * 1024)
#endif
/* Large feature maps go through im2col a band of rows at a time. */
#ifndef LS_CONV_CHUNK_FLOATS
#define LS_CONV_CHUNK_FLOATS (256 * 1024)
#endif
int ls_engine_conv2d_group (const LsConvShape *s,
                            int max_images);
gsize ls_engine_conv2d_scratch_size_group (const LsConvShape *s,
                                           int group);
void ls_engine_conv2d_forward_images (const LsConvShape *s,
                                      int n0,
                                      int n1,
                                      int group,
                                      const float *x,
                                      const float *w,
                                      const float *b,
                                      float *y,
                                      float *scratch);
/* One image @n, output rows oh0 … oh1−1 only (threads split one image). */
void ls_engine_conv2d_forward_rows (const LsConvShape *s,
                                    int n,
                                    int oh0,
                                    int oh1,
                                    const float *x,
                                    const float *w,
                                    const float *b,
                                    float *y,
                                    float *scratch);
/* dx of image @n for input channels c0 … c1−1 only (threads split one
 * image's input gradient; no weight gradient). */
void ls_engine_conv2d_backward_input_channels (const LsConvShape *s,
                                               int n,
                                               int c0,
                                               int c1,
                                               const float *w,
                                               const float *dy,
                                               float *dx,
                                               float *scratch);
void ls_engine_conv2d_backward_images (const LsConvShape *s,
                                       int n0,
                                       int n1,
                                       int group,
                                       const float *x,
                                       const float *w,
                                       const float *dy,
                                       float *dw,
                                       float *db,
                                       float *dx,
                                       float *scratch);

/* col (C·k·k, Ho·Wo) from one image x (C, H, W). */
void ls_engine_im2col (const float *x,
                       float *col,
                       int c,
                       int h,
                       int w,
                       int k,
                       int stride,
                       int pad,
                       int ho,
                       int wo);
/* The same for output rows oh0 … oh1−1 only, with a row stride @ld ≥
 * (oh1−oh0)·Wo in col; col2im_ld adds into x (no clearing). */
void ls_engine_im2col_ld (const float *x,
                          float *col,
                          gsize ld,
                          int c,
                          int h,
                          int w,
                          int k,
                          int stride,
                          int pad,
                          int wo,
                          int oh0,
                          int oh1);
void ls_engine_col2im_ld (const float *col,
                          gsize ld,
                          float *x,
                          int c,
                          int h,
                          int w,
                          int k,
                          int stride,
                          int pad,
                          int wo,
                          int oh0,
                          int oh1);
/* x (C, H, W) = the adjoint of im2col applied to col (overwrites x). */
void ls_engine_col2im (const float *col,
                       float *x,
                       int c,
                       int h,
                       int w,
                       int k,
                       int stride,
                       int pad,
                       int ho,
                       int wo);

/* x (N,C,H,W), w (M,C,k,k), b (M) or NULL → y (N,M,Ho,Wo). */
void ls_engine_conv2d_forward (const LsConvShape *s,
                               const float *x,
                               const float *w,
                               const float *b,
                               float *y,
                               float *scratch);
/* dy (N,M,Ho,Wo) → dw += , db += (if not NULL), dx = (if not NULL). */
void ls_engine_conv2d_backward (const LsConvShape *s,
                                const float *x,
                                const float *w,
                                const float *dy,
                                float *dw,
                                float *db,
                                float *dx,
                                float *scratch);
void ls_engine_conv2d_forward_ref (const LsConvShape *s,
                                   const float *x,
                                   const float *w,
                                   const float *b,
                                   float *y);
void ls_engine_conv2d_backward_ref (const LsConvShape *s,
                                    const float *x,
                                    const float *w,
                                    const float *dy,
                                    float *dw,
                                    float *db,
                                    float *dx);

/* Direct 3×3 stride-1 convolution (conv-direct.c): no im2col, a register
 * tile of LS_DIRECT_PIXELS output pixels by LS_DIRECT_CHANNELS output
 * channels over a zero-padded copy of the image. The net uses it when
 * ls_engine_conv2d_direct_fast() (an AVX-512 CPU) and the shape is
 * supported; on other CPUs it runs a portable build of the same kernels
 * (correct, slower than im2col and OpenBLAS). */
#define LS_DIRECT_PIXELS 14
#define LS_DIRECT_CHANNELS 32
#ifndef LS_DIRECT_DW_COLUMNS
/* weight gradient: output pixels per pass over the packed dy (in cache) */
#define LS_DIRECT_DW_COLUMNS 2048
#endif
gboolean ls_engine_conv2d_direct_fast (void);
/* k = 3, stride 1, pad 0 … 2. */
gboolean ls_engine_conv2d_direct_supported (const LsConvShape *s);
/* Floats of the packed weights (either direction). */
gsize ls_engine_conv2d_direct_packed_size (const LsConvShape *s);
void ls_engine_conv2d_direct_pack_forward (const LsConvShape *s,
                                           const float *w,
                                           float *packed);
void ls_engine_conv2d_direct_pack_backward (const LsConvShape *s,
                                            const float *w,
                                            float *packed);
/* Images per weight-gradient pass, and the scratch (floats) of every
 * direct function for that group. */
int ls_engine_conv2d_direct_group (const LsConvShape *s,
                                   int max_images);
gsize ls_engine_conv2d_direct_scratch_size (const LsConvShape *s,
                                            int group);
/* y rows oh0 … oh1−1 of image @n; packed by _pack_forward; b or NULL. */
void ls_engine_conv2d_direct_forward (const LsConvShape *s,
                                      int n,
                                      int oh0,
                                      int oh1,
                                      const float *x,
                                      const float *packed,
                                      const float *b,
                                      float *y,
                                      float *scratch);
/* dx rows h0 … h1−1 of image @n (written); packed by _pack_backward. */
void ls_engine_conv2d_direct_backward_data (const LsConvShape *s,
                                            int n,
                                            int h0,
                                            int h1,
                                            const float *packed,
                                            const float *dy,
                                            float *dx,
                                            float *scratch);
/* dw += , db += (if not NULL) over images n0 … n1−1, @group at a time. */
void ls_engine_conv2d_direct_backward_weights (const LsConvShape *s,
                                               int n0,
                                               int n1,
                                               int group,
                                               const float *x,
                                               const float *dy,
                                               float *dw,
                                               float *db,
                                               float *scratch);

/* Inference: a convolution's epilogue, fused into it. The bias (batch
 * norm folded in) is added, then a ReLU and a 2×2 max-pool (stride 2,
 * floor) if asked; channel j, row r, column c of the result (pooled when
 * @pool) goes to y[j·plane + r·pitch + c], so a layer can write straight
 * into the padded input of the next one. */
typedef struct
{
  const float *bias; /* (m) or NULL */
  gboolean relu;
  gboolean pool;
  float *y;
  gsize plane, pitch;
} LsConvEpilogue;

#ifndef LS_DIRECT_BAND_PIXELS
/* inference without pooling: output pixels per band kept in scratch */
#define LS_DIRECT_BAND_PIXELS 512
#endif
/* The epilogue of rows oh0 … oh1−1 (even when pooling) of channels m0 …
 * m1−1 of a convolution's output, held at src + (j − m0)·src_ld + (oh −
 * oh0)·wo. */
void ls_engine_conv2d_epilogue (const LsConvEpilogue *e,
                                const float *src,
                                gsize src_ld,
                                int m0,
                                int m1,
                                int oh0,
                                int oh1,
                                int wo);
/* The padded copy of one image (c, h+2·pad, w+2·pad, and a slack the
 * tiles may read) the direct kernels read: its floats, and making it. */
gsize ls_engine_conv2d_direct_padded_size (const LsConvShape *s);
void ls_engine_conv2d_direct_pad (const LsConvShape *s,
                                  const float *x,
                                  float *xp);
gsize ls_engine_conv2d_direct_infer_scratch_size (const LsConvShape *s,
                                                  gboolean pool);
/* One image: the direct convolution of the padded image @xp (packed by
 * _pack_forward) for output channels m0 … m1−1 (m0 a multiple of
 * LS_DIRECT_CHANNELS) and output rows oh0 … oh1−1 (even when pooling),
 * through the epilogue @e, a band of rows at a time in @scratch. */
void ls_engine_conv2d_direct_infer (const LsConvShape *s,
                                    const float *xp,
                                    const float *packed,
                                    const LsConvEpilogue *e,
                                    int m0,
                                    int m1,
                                    int oh0,
                                    int oh1,
                                    float *scratch);
/* The _ref twin of both: image 0 of x (C, H, W), unpacked w (M, C, k, k),
 * any convolution shape: the seven loops, then bias, ReLU and max-pool one
 * after the other. Allocates (tests only). */
void ls_engine_conv2d_infer_ref (const LsConvShape *s,
                                 const float *x,
                                 const float *w,
                                 const LsConvEpilogue *e);

/* Batch norm over (N, H, W) per channel, for channels c0 … c1−1 of a
 * (N, C, H, W) tensor (so threads can split the channels). Training mode:
 * batch statistics (biased variance to normalize), saves mean and
 * 1/sqrt(var+eps) in save_mean/save_invstd (C each) and updates the
 * running statistics (unbiased variance). @relu fuses a following ReLU. */
void ls_engine_batchnorm_forward_train (const float *x,
                                        float *y,
                                        const float *gamma,
                                        const float *beta,
                                        float *running_mean,
                                        float *running_var,
                                        float *save_mean,
                                        float *save_invstd,
                                        gboolean relu,
                                        int n,
                                        int c,
                                        int hw,
                                        int c0,
                                        int c1);
/* Running statistics; also fills save_mean/save_invstd for the backward. */
void ls_engine_batchnorm_forward_eval (const float *x,
                                       float *y,
                                       const float *gamma,
                                       const float *beta,
                                       const float *running_mean,
                                       const float *running_var,
                                       float *save_mean,
                                       float *save_invstd,
                                       gboolean relu,
                                       int n,
                                       int c,
                                       int hw,
                                       int c0,
                                       int c1);
/* Batch norm → ReLU → 2×2 max-pool forward in one: writes only the pooled
 * output and arg-max (N, C, H/2, W/2), not the full-size activation
 * between (the fused backward does not need it). Statistics as the
 * functions above (@train: batch statistics, running ones updated). */
void ls_engine_batchnorm_pool_forward (const float *x,
                                       float *pooled,
                                       uint8_t *argmax,
                                       const float *gamma,
                                       const float *beta,
                                       float *running_mean,
                                       float *running_var,
                                       float *save_mean,
                                       float *save_invstd,
                                       gboolean train,
                                       int n,
                                       int c,
                                       int h,
                                       int w,
                                       int c0,
                                       int c1);
/* train: the statistics depended on x (full batch-norm backward);
 * otherwise they were constants (eval / frozen fine-tuning). relu: a
 * fused ReLU followed (dy is masked where the forward's output was ≤ 0,
 * recomputed from x). dgamma and dbeta accumulate; dx written if not
 * NULL. */
void ls_engine_batchnorm_backward (const float *x,
                                   const float *dy,
                                   const float *gamma,
                                   const float *beta,
                                   const float *save_mean,
                                   const float *save_invstd,
                                   gboolean relu,
                                   gboolean train,
                                   float *dgamma,
                                   float *dbeta,
                                   float *dx,
                                   int n,
                                   int c,
                                   int hw,
                                   int c0,
                                   int c1);

/* The backward of batch norm → ReLU → 2×2 max-pool together: @pdy and
 * @argmax are the pool's output gradient and arg-max indices (N, C, H/2,
 * W/2); x (N, C, H, W) is the batch norm's input. The same results as
 * ls_engine_maxpool2_backward() then ls_engine_batchnorm_backward() with
 * relu, up to rounding, without the full-size gradient in between. */
void ls_engine_batchnorm_backward_pooled (const float *x,
                                          const float *pdy,
                                          const uint8_t *argmax,
                                          const float *gamma,
                                          const float *beta,
                                          const float *save_mean,
                                          const float *save_invstd,
                                          gboolean train,
                                          float *dgamma,
                                          float *dbeta,
                                          float *dx,
                                          int n,
                                          int c,
                                          int h,
                                          int w,
                                          int c0,
                                          int c1);

/* ReLU; may run in place (y == x). The backward uses the output y. */
void ls_engine_relu_forward (const float *x,
                             float *y,
                             gsize count);
void ls_engine_relu_backward (const float *y,
                              const float *dy,
                              float *dx,
                              gsize count);

/* 2×2 max-pool, stride 2 (floor). argmax (N,C,Ho,Wo) keeps 0..3. */
void ls_engine_maxpool2_forward (const float *x,
                                 float *y,
                                 uint8_t *argmax,
                                 int n,
                                 int c,
                                 int h,
                                 int w);
void ls_engine_maxpool2_backward (const float *dy,
                                  const uint8_t *argmax,
                                  float *dx,
                                  int n,
                                  int c,
                                  int h,
                                  int w);

/* Global average pool: x (N,C,H,W) → y (N,C). */
void ls_engine_gap_forward (const float *x,
                            float *y,
                            int n,
                            int c,
                            int hw);
void ls_engine_gap_backward (const float *dy,
                             float *dx,
                             int n,
                             int c,
                             int hw);

/* Linear: x (N,I), w (O,I), b (O) or NULL → y (N,O). */
void ls_engine_linear_forward (const float *x,
                               const float *w,
                               const float *b,
                               float *y,
                               int n,
                               int in,
                               int out);
void ls_engine_linear_backward (const float *x,
                                const float *w,
                                const float *dy,
                                float *dw,
                                float *db,
                                float *dx,
                                int n,
                                int in,
                                int out);

/* Inverted dropout: keeps with probability 1-p and scales by 1/(1-p).
 * mask holds the scale per element (0 or 1/(1-p)). */
void ls_engine_dropout_forward (const float *x,
                                float *y,
                                float *mask,
                                float p,
                                LsXoshiro *rng,
                                gsize count);
void ls_engine_dropout_backward (const float *dy,
                                 const float *mask,
                                 float *dx,
                                 gsize count);

/* Softmax cross-entropy exactly as torch.nn.CrossEntropyLoss(weight=,
 * label_smoothing=, reduction='mean'). logits (N,K); class_weights (K) or
 * NULL; probs (N,K) out; dlogits (N,K) out if not NULL. Returns the loss. */
float ls_engine_cross_entropy (const float *logits,
                               const int *labels,
                               const float *class_weights,
                               float label_smoothing,
                               float *probs,
                               float *dlogits,
                               int n,
                               int k);

/* Row-wise softmax of (N,K). */
void ls_engine_softmax (const float *logits,
                        float *probs,
                        int n,
                        int k);

G_END_DECLS
