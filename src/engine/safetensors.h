/* safetensors.h — reading and writing safetensors files, strictly
 *
 * The container only: an 8-byte little-endian header length, a UTF-8 JSON
 * header with "__metadata__" (string → string) and one entry per tensor,
 * then the raw little-endian tensor data. What the tensors mean (names,
 * shapes against a network) is checked by the network loader above this.
 * See CHECKLIST items 1–4.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <stdint.h>

G_BEGIN_DECLS

#define LS_SAFETENSORS_ERROR (ls_safetensors_error_quark ())

typedef enum
{
  LS_SAFETENSORS_ERROR_IO,        /* cannot read or write the file */
  LS_SAFETENSORS_ERROR_TRUNCATED, /* shorter than its header says */
  LS_SAFETENSORS_ERROR_HEADER,    /* bad header length, JSON or structure */
  LS_SAFETENSORS_ERROR_DTYPE,     /* a dtype other than F32 */
  LS_SAFETENSORS_ERROR_OFFSETS,   /* offsets out of range, overlapping, gaps */
  LS_SAFETENSORS_ERROR_SHAPE,     /* shape does not match the byte size */
} LsSafetensorsError;

/* Largest header accepted, in bytes. */
#define LS_SAFETENSORS_MAX_HEADER (100u * 1024 * 1024)
#define LS_SAFETENSORS_MAX_DIMS 8

typedef struct
{
  char *name;
  int n_dims;
  int64_t shape[LS_SAFETENSORS_MAX_DIMS];
  gsize n_elements;
  float *data; /* a 64-byte-aligned copy, native floats (the host is little-endian);
                * NULL when n_elements is 0 */
} LsTensorEntry;

typedef struct
{
  GHashTable *metadata;   /* char* → char*, owned; empty when the file has none */
  LsTensorEntry *tensors; /* in file order (ascending data offsets) */
  guint n_tensors;
} LsSafetensors;

GQuark ls_safetensors_error_quark (void);

/* Parses a whole file held in memory. Every check of CHECKLIST item 1; the
 * GError (one line) names the tensor or the byte offset at fault ("byte N"
 * counts from the start of the file). Never reads outside
 * [bytes, bytes + size). */
LsSafetensors *ls_safetensors_parse (const guint8 *bytes,
                                     gsize size,
                                     GError **error);
/* Reads and parses @path; errors name the file. */
LsSafetensors *ls_safetensors_read (const char *path,
                                    GError **error);
/* Reads only @path's header and returns its metadata (char* → char*), with
 * the checks that need only the header (the tensors' data is not read: a
 * list of models shows their names without loading their weights). Errors
 * name the file. */
GHashTable *ls_safetensors_read_metadata (const char *path,
                                          GError **error);
const LsTensorEntry *ls_safetensors_find (const LsSafetensors *st,
                                          const char *name);
void ls_safetensors_free (LsSafetensors *st);

/* Writes @n_tensors tensors (each with name, n_dims, shape, data; n_elements
 * must equal the product of shape) and @metadata (string → string, may be
 * NULL) to @path atomically and durably: temp file in the same folder
 * (".<basename>.XXXXXX", removed on failure), write, fsync, rename, fsync of
 * the folder. Tensors are written in the order given; metadata keys in
 * sorted order (none written when empty), JSON as compact as serde_json
 * writes it, the header padded with spaces to a multiple of 8 bytes; so the
 * same input gives the same bytes. Errors name the file. */
gboolean ls_safetensors_write (const char *path,
                               GHashTable *metadata,
                               const LsTensorEntry *tensors,
                               guint n_tensors,
                               GError **error);

/* The bytes ls_safetensors_write() writes, without touching the disk (used by
 * the writer and the fuzz target's round trip). Same checks on the input. */
GBytes *ls_safetensors_serialize (GHashTable *metadata,
                                  const LsTensorEntry *tensors,
                                  guint n_tensors,
                                  GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSafetensors, ls_safetensors_free)

G_END_DECLS
