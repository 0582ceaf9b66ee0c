/* image-files.c — which files are radiograph images
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "imaging/decode.h"
#include "imaging/image-files.h"

/* What the decoders read, and what people store radiographs as that they
 * do not (reported as unreadable, not passed over). */
static const char *const extensions[] = { "png", "jpg", "jpeg", "jpe", "jfif", "webp", "dcm",
                                          "dicom", "tif", "tiff", "bmp", "gif", NULL };

/* Enough for every sniffed signature (DICOM's "DICM" sits at 128). */
#define SNIFF_BYTES 512

const char *const *
ls_image_file_extensions (void)
{
  return extensions;
}

gboolean
ls_image_file_name_is_mask (const char *name)
{
  const char *dot = strrchr (name, '.');
  gsize stem = dot != NULL ? (gsize) (dot - name) : strlen (name);

  return stem >= 5 && g_ascii_strncasecmp (name + stem - 5, "_mask", 5) == 0;
}

gboolean
ls_image_file_name_has_image_extension (const char *name)
{
  const char *dot = strrchr (name, '.');

  if (dot == NULL)
    return FALSE;
  for (guint i = 0; extensions[i] != NULL; i++)
    if (g_ascii_strcasecmp (dot + 1, extensions[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
sniffs_as_image (const char *path)
{
  guint8 head[SNIFF_BYTES];
  ssize_t n;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    return FALSE;
  do
    n = read (fd, head, sizeof head);
  while (n < 0 && errno == EINTR);
  close (fd);
  return n > 0 && ls_image_sniff_format (head, (gsize) n) != LS_IMAGE_FORMAT_UNKNOWN;
}

gboolean
ls_image_file_is_candidate (const char *path,
                            const char *name)
{
  g_autofree char *base = NULL;

  if (name == NULL)
    name = base = g_path_get_basename (path);
  if (ls_image_file_name_has_image_extension (name))
    return TRUE;
  return strchr (name, '.') == NULL && sniffs_as_image (path);
}

void
ls_image_file_entry_free (LsImageFileEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->path);
  g_free (entry->error);
  g_free (entry);
}

static void
add_entry (GPtrArray *entries,
           const char *path,
           const char *error)
{
  LsImageFileEntry *e = g_new0 (LsImageFileEntry, 1);

  e->path = g_strdup (path);
  e->error = g_strdup (error);
  g_ptr_array_add (entries, e);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
walk (GPtrArray *entries,
      const char *dir,
      guint *n_skipped)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    {
      add_entry (entries, dir, error->message);
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = names->pdata[i];
      g_autofree char *full = g_build_filename (dir, n, NULL);

      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        {
          if (!g_file_test (full, G_FILE_TEST_IS_SYMLINK))
            walk (entries, full, n_skipped);
          continue;
        }
      if (ls_image_file_is_candidate (full, n) && !ls_image_file_name_is_mask (n))
        add_entry (entries, full, NULL);
      else
        (*n_skipped)++;
    }
}

GPtrArray *
ls_image_files_in_folder (const char *dir,
                          guint *n_skipped)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_image_file_entry_free);
  guint skipped = 0;

  walk (entries, dir, &skipped);
  if (n_skipped != NULL)
    *n_skipped += skipped;
  return entries;
}
