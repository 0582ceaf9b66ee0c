/* image-files.h — which files are radiograph images, by name and, without
 * an extension, by their first bytes
 *
 * One rule for every walk over folders (`lungscope-cli predict` and
 * import, the app's dropped folders): a file is an image candidate when
 * its extension is one of the image extensions below, or when it has no
 * extension and its first bytes are a format the decoders know (DICOM
 * files often have no extension). Lesion masks beside phantoms
 * (NAME_mask.png) are not radiographs. Candidates with an extension the
 * decoders do not read (TIFF, BMP, GIF) are still candidates, so a walk
 * reports them as unreadable instead of passing over them in silence.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The extensions of image files, without the dot, NULL-terminated. */
const char *const *ls_image_file_extensions (void);

/* NAME_mask.EXT */
gboolean ls_image_file_name_is_mask (const char *name);

/* @name (a base name) has an image extension (any case). */
gboolean ls_image_file_name_has_image_extension (const char *name);

/* @path (whose base name is @name, or NULL to take it from @path) is an
 * image candidate: an image extension, or no extension and the first bytes
 * of a known format. Masks are candidates here: callers say why they skip
 * them. */
gboolean ls_image_file_is_candidate (const char *path,
                                     const char *name);

typedef struct
{
  char *path;  /* an image candidate, or a folder that could not be read */
  char *error; /* NULL, or why the folder could not be read */
} LsImageFileEntry;

void ls_image_file_entry_free (LsImageFileEntry *entry);

/* The image candidates under @dir, recursively, sorted by name at each
 * level; hidden files and folders, links to folders and masks left out.
 * A folder that cannot be read (@dir included) becomes an entry with its
 * error, in its place. *@n_skipped (may be NULL) is increased by the files
 * left out for not being images or for being masks.
 * Returns: (element-type LsImageFileEntry) */
GPtrArray *ls_image_files_in_folder (const char *dir,
                                     guint *n_skipped);

G_END_DECLS
