/* safetensors-private.h — shared by safetensors.c and safetensors-header.c
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "safetensors.h"

G_BEGIN_DECLS

#define LS_SAFETENSORS_PREFIX_SIZE 8 /* the u64 header length */
#define LS_SAFETENSORS_F32_SIZE 4

/* One tensor entry of the header, as read. */
typedef struct
{
  char *name;
  guint index; /* position in the header, to keep the order of empty tensors */
  int n_dims;
  int64_t shape[LS_SAFETENSORS_MAX_DIMS];
  guint64 n_elements; /* checked: n_elements * 4 == end - begin, no overflow */
  guint64 begin;      /* data_offsets, relative to the end of the header */
  guint64 end;
} LsTensorInfo;

void ls_tensor_info_free (LsTensorInfo *t);

/* Reads the header @text (@len bytes, valid UTF-8, not NUL-terminated) into
 * @metadata (char* → char*) and @tensors (LsTensorInfo*, header order),
 * with every check that needs only the header. */
gboolean ls_safetensors_read_header (const char *text,
                                     gsize len,
                                     GHashTable *metadata,
                                     GPtrArray *tensors,
                                     GError **error);

/* @s for a one-line message: control characters escaped, long text cut. */
char *ls_safetensors_printable (const char *s);
char *ls_safetensors_shape_to_string (const int64_t *shape,
                                      int n_dims);
/* Sets "tensor 'NAME': MESSAGE"; returns FALSE. */
gboolean ls_safetensors_tensor_error (GError **error,
                                      LsSafetensorsError code,
                                      const char *name,
                                      const char *format,
                                      ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
