/* import.h — bringing images into a workspace
 *
 * Three forms: a folder with one subfolder per class (nested folders are
 * fine; the nearest folder whose name is a class or a synonym decides), a
 * CSV of path,label[,patient], or a folder of unlabelled images. Importing
 * is idempotent: the same bytes are one image (SHA-256), and importing
 * again adds nothing. Unreadable files are listed with the reason and the
 * import goes on; the same image under two labels is a reported conflict,
 * never silently resolved (the image stays unlabelled, or keeps the label
 * it already had). In folders, hidden files and lesion masks beside their
 * images (NAME_mask.png, as the phantom generator writes them) are skipped.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "dataset/store.h"

G_BEGIN_DECLS

typedef enum
{
  LS_IMPORT_CLASS_FOLDERS,
  LS_IMPORT_CSV,
  LS_IMPORT_UNLABELLED,
} LsImportMode;

typedef struct
{
  gboolean reference;           /* keep external paths instead of copying */
  const char *const *class_map; /* "NAME=CLASS" entries (case-insensitive NAME), or NULL */
  const char *author;           /* recorded on the label events, or NULL */
} LsImportOptions;

typedef struct
{
  char *path;
  char *reason;
} LsImportProblem;

typedef struct
{
  char *sha256;
  char *path; /* the file that carried @label */
  char *label;
  char *other_path; /* the file that carried @other_label; NULL: the workspace's label */
  char *other_label;
} LsImportConflict;

typedef struct
{
  guint files;           /* image candidates seen */
  guint added;           /* new images */
  guint labelled;        /* label events written */
  guint unchanged;       /* already in the workspace with the same label */
  GPtrArray *failures;   /* (element-type LsImportProblem) unreadable files, with reasons */
  GPtrArray *skipped;    /* (element-type LsImportProblem) not image files by name */
  GPtrArray *duplicates; /* (element-type LsImportProblem) same bytes as another file */
  GPtrArray *conflicts;  /* (element-type LsImportConflict) */
  GPtrArray *warnings;   /* (element-type LsImportProblem) imported, but not a frontal
                          * radiograph by its DICOM header (CT, MR, a lateral view) */
} LsImportReport;

void ls_import_report_free (LsImportReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsImportReport, ls_import_report_free)

/* Imports the images under the folder @path (in LS_IMPORT_UNLABELLED mode
 * @path may also be one image file). */
LsImportReport *ls_store_import (LsStore *store,
                                 LsImportMode mode,
                                 const char *path,
                                 const LsImportOptions *options,
                                 LsProgressFunc progress,
                                 gpointer user_data,
                                 GCancellable *cancellable,
                                 GError **error);

/* The class a folder or CSV label names, or NULL: @class_map first, then a
 * class name, then the synonyms of DESIGN.md §3 (for the classes the
 * workspace has), all case-insensitive. */
const char *ls_dataset_class_for_name (const char *const *classes,
                                       const char *const *class_map,
                                       const char *name);

/* Parses CSV text (RFC 4180: quoted fields, "" escapes, CRLF); returns an
 * array of rows (GStrv), or NULL with the line of the error. */
GPtrArray *ls_dataset_parse_csv (const char *text,
                                 gsize length,
                                 const char *name,
                                 GError **error);

G_END_DECLS
