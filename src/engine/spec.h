/* spec.h — the network spec: a strict, line-oriented text (DESIGN.md §4)
 *
 *   input   channels=1 size=224
 *   conv    name=conv1 out=24 k=3 stride=2 pad=1 bias=no
 *   bn      name=bn1
 *   relu    [cam=yes]
 *   maxpool k=2
 *   gap
 *   dropout p=0.2
 *   linear  name=fc out=3 [bias=yes]
 *
 * One layer a line, `#` starts a comment. Unknown kinds or keys, missing or
 * bad values and duplicate names are errors that name the line.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LS_SPEC_ERROR (ls_spec_error_quark ())

typedef enum
{
  LS_SPEC_ERROR_SYNTAX, /* unknown kind or key, bad value */
  LS_SPEC_ERROR_SHAPE,  /* layers that do not fit together */
} LsSpecError;

typedef enum
{
  LS_LAYER_CONV,
  LS_LAYER_BN,
  LS_LAYER_RELU,
  LS_LAYER_MAXPOOL,
  LS_LAYER_GAP,
  LS_LAYER_DROPOUT,
  LS_LAYER_LINEAR,
} LsLayerKind;

#define LS_SPEC_NAME_MAX 48
/* Most values one image's layer output, or all parameters, may hold. */
#define LS_SPEC_MAX_ELEMENTS (1u << 28)

typedef struct
{
  LsLayerKind kind;
  int line;                    /* 1-based line in the spec text */
  char name[LS_SPEC_NAME_MAX]; /* conv, bn, linear: the state_dict prefix */
  int out;                     /* conv, linear: output channels / features */
  int k;                       /* conv, maxpool: kernel size */
  int stride;                  /* conv, maxpool */
  int pad;                     /* conv */
  gboolean bias;               /* conv, linear */
  float p;                     /* dropout */
  gboolean cam;                /* relu: the Grad-CAM target */
} LsLayerSpec;

typedef struct
{
  int channels; /* input channels */
  int size;     /* input height = width */
  LsLayerSpec *layers;
  int n_layers;
  char *text; /* the text parsed, kept for the model file */
} LsNetSpec;

GQuark ls_spec_error_quark (void);

/* The default architecture, lungnet-s (DESIGN.md §4). */
const char *ls_engine_default_arch (void);

/* Parses @text. Errors read "line N: …". Checks that the layers fit
 * together (shapes stay positive, gap before linear, at most one cam=yes). */
LsNetSpec *ls_net_spec_parse (const char *text,
                              GError **error);
void ls_net_spec_free (LsNetSpec *spec);
const char *ls_layer_kind_to_string (LsLayerKind kind);

/* @text with the input line's size set to @size and the last (linear)
 * layer's out set to @n_classes; 0 leaves a value as it is. The changed
 * lines are rewritten with single spaces; every other line, comments
 * included, is kept. NULL with @error when @text or the result does not
 * parse (a size too small for the layers, say). */
char *ls_net_spec_text_resize (const char *text,
                               int size,
                               int n_classes,
                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsNetSpec, ls_net_spec_free)

G_END_DECLS
