/* model.h — a network in a safetensors model file (DESIGN.md §4)
 *
 * The file's "arch" metadata is the network spec; the loader parses it and
 * checks every tensor against it (name, rank, shape) before copying any
 * into the net's aligned blocks (CHECKLIST 2, 4). A missing tensor or one
 * the net does not know is an error, except the "ood." tensors, which the
 * pipeline owns and the caller finds in the LsSafetensors it gets back.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "net.h"
#include "safetensors.h"

G_BEGIN_DECLS

#define LS_MODEL_FORMAT "lungscope-model"
#define LS_MODEL_FORMAT_VERSION "1"
#define LS_MODEL_FORMAT_VERSION_NUMBER 1 /* the same, as a number */
/* Tensors with this prefix are carried beside the net (OOD statistics). */
#define LS_MODEL_EXTRA_PREFIX "ood."

/* Builds the net a parsed file describes and fills its parameters and
 * running statistics. */
LsNet *ls_net_new_from_safetensors (const LsSafetensors *st,
                                    GError **error);
/* Reads @path; on success returns the net and, if @file_out is not NULL,
 * the parsed file (metadata, ood.* tensors). Errors name the file. */
LsNet *ls_net_load (const char *path,
                    LsSafetensors **file_out,
                    GError **error);
/* Copies the parameters and statistics of @st into @net (same checks). */
gboolean ls_net_load_tensors (LsNet *net,
                              const LsSafetensors *st,
                              GError **error);

/* Writes @net atomically and durably to @path with @metadata (may be NULL;
 * unknown keys are kept) plus "format", "format_version" and "arch" (the
 * net's spec, always the net's own), and @n_extra extra tensors (names
 * must start with "ood."). */
gboolean ls_net_save (LsNet *net,
                      const char *path,
                      GHashTable *metadata,
                      const LsTensorEntry *extra,
                      guint n_extra,
                      GError **error);

G_END_DECLS
