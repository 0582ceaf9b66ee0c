/* bench-decode.c — decode + gray + antialiased resize to 224×224, images/s,
 * side by side with PIL (bench/pil_decode_bench.py) in one run
 *
 *   bench-decode [--dir DIR] [--passes N] [--no-pil] [--fast-only]
 *
 * Single thread. Every PNG/JPEG/WebP file under DIR (default
 * $LS_SHARED_DATA/cxr-real) is read into memory first, so the figures are
 * decoding, not disk. Ours is the model input path: ls_image_load_bytes()
 * with the fast path (target_size 224), then ls_image_fit() to 224×224
 * (stretch, the antialiased bilinear resize of imaging/resize.h, as PIL's
 * resize((224, 224), BILINEAR) on the other side). Also reported: the fast
 * path's CPU time per image by format, and the full-resolution decode alone.
 * Times are CPU time (thread for ours, process for PIL), and
 * passes alternate ours / PIL (one PIL process per pass) with medians
 * reported, so other load on the shared machine skews neither side.
 * Exits 77 when the folder is absent.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imaging/decode.h"
#include "imaging/preprocess.h"

#define OUT 224

typedef struct
{
  char *path;
  GBytes *bytes;
} Blob;

static void
blob_clear (gpointer p)
{
  Blob *b = p;

  g_free (b->path);
  g_bytes_unref (b->bytes);
}

static void
collect (const char *dir,
         GArray *blobs)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) (void (*) (void)) g_strcmp0);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
      g_autofree char *lower = g_ascii_strdown (names->pdata[i], -1);
      char *contents;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        collect (path, blobs);
      else if ((g_str_has_suffix (lower, ".png") || g_str_has_suffix (lower, ".jpg") ||
                g_str_has_suffix (lower, ".jpeg") || g_str_has_suffix (lower, ".webp")) &&
               g_file_get_contents (path, &contents, &length, NULL))
        {
          Blob b = { g_steal_pointer (&path), g_bytes_new_take (contents, length) };

          g_array_append_val (blobs, b);
        }
    }
}

/* CPU time of this thread: the machine is shared, and wall time would
 * count other programs' work (the PIL script measures process CPU time too). */
static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One pass over all files; returns its CPU seconds and adds each file's
 * CPU seconds to by_format[its format] when by_format is not NULL. */
static double
run_ours (GArray *blobs,
          int target,
          gboolean resize,
          double *by_format,
          double *checksum)
{
  LsDecodeOptions opts;
  double t0 = cpu_seconds ();

  ls_decode_options_init (&opts);
  opts.target_size = target;
  *checksum = 0;
  for (guint i = 0; i < blobs->len; i++)
    {
      Blob *b = &g_array_index (blobs, Blob, i);
      gsize size;
      const guint8 *data = g_bytes_get_data (b->bytes, &size);
      g_autoptr (GError) error = NULL;
      double t1 = by_format != NULL ? cpu_seconds () : 0;
      g_autoptr (LsImage) image = ls_image_load_bytes (data, size, b->path, &opts, &error);

      if (image == NULL)
        g_error ("%s", error->message);
      if (resize)
        {
          g_autoptr (LsImage) fitted = ls_image_fit (image, OUT, LS_FIT_STRETCH);

          *checksum += fitted->data[OUT * OUT / 2];
        }
      else
        *checksum += image->data[0];
      if (by_format != NULL)
        by_format[ls_image_sniff_format (data, size)] += cpu_seconds () - t1;
    }
  return cpu_seconds () - t0;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *t,
        int n)
{
  qsort (t, n, sizeof (double), compare_double);
  return t[n / 2];
}

/* One pass of the PIL reference in its own process: images/s of "pil" and
 * "pil-draft", or FALSE if it did not run. */
static gboolean
run_pil (const char *dir,
         double *pil,
         double *pil_draft)
{
  g_autofree char *script = g_build_filename (SOURCE_DIR, "pil_decode_bench.py", NULL);
  const char *argv[] = { "/usr/bin/python3", script, dir, "1", NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  int status = 0, found = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                     &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    return FALSE;
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char name[32];
      double rate, seconds;

      if (sscanf (lines[i], "%31s %lf %lf", name, &rate, &seconds) != 3)
        continue;
      if (g_str_equal (name, "pil"))
        *pil = rate, found |= 1;
      else if (g_str_equal (name, "pil-draft"))
        *pil_draft = rate, found |= 2;
    }
  return found == 3;
}

int
main (int argc,
      char **argv)
{
  g_autofree char *dir = NULL;
  int passes = 5;
  gboolean no_pil = FALSE, fast_only = FALSE;
  GOptionEntry entries[] = {
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "Image folder (default $LS_SHARED_DATA/cxr-real)", "DIR" },
    { "passes", 0, 0, G_OPTION_ARG_INT, &passes, "Timed passes, median reported (default 5)", "N" },
    { "no-pil", 0, 0, G_OPTION_ARG_NONE, &no_pil, "Skip the PIL reference", NULL },
    { "fast-only", 0, 0, G_OPTION_ARG_NONE, &fast_only, "Time only the fast path (for profiling)", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("— decode benchmark");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) blobs = g_array_new (FALSE, FALSE, sizeof (Blob));
  g_autofree double *fast = NULL;
  g_autofree double *full = NULL;
  g_autofree double *pil = NULL;
  g_autofree double *pil_draft = NULL;
  double by_format[50][LS_IMAGE_FORMAT_GENERATED + 1] = { { 0 } };
  guint count[LS_IMAGE_FORMAT_GENERATED + 1] = { 0 };
  static const char *const format_names[] = { "other", "PNG", "JPEG", "WebP" };
  double checksum;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  passes = CLAMP (passes, 1, 50);
  if (dir == NULL)
    {
      const char *shared = g_getenv ("LS_SHARED_DATA");

      dir = g_build_filename (shared != NULL ? shared : "../shared/data", "cxr-real", NULL);
    }
  g_array_set_clear_func (blobs, blob_clear);
  collect (dir, blobs);
  if (blobs->len == 0)
    {
      printf ("SKIP: no images under %s\n", dir);
      return 77;
    }

  printf ("%u images from %s, 1 thread, median of %d interleaved passes\n", blobs->len, dir, passes);
  fflush (stdout);
  run_ours (blobs, 224, TRUE, NULL, &checksum); /* warm-up */
  fast = g_new (double, passes);
  full = g_new (double, passes);
  pil = g_new (double, passes);
  pil_draft = g_new (double, passes);
  /* Ours and PIL alternate pass by pass, so load from other work on the
   * machine falls on both alike. */
  for (int p = 0; p < passes; p++)
    {
      fast[p] = blobs->len / run_ours (blobs, 224, TRUE, by_format[p], &checksum);
      full[p] = fast_only ? 0 : blobs->len / run_ours (blobs, 0, FALSE, NULL, &checksum);
      if (!no_pil && !run_pil (dir, &pil[p], &pil_draft[p]))
        {
          printf ("PIL reference did not run (/usr/bin/python3 with PIL needed); ours only\n");
          no_pil = TRUE;
        }
    }
  for (guint i = 0; i < blobs->len; i++)
    {
      GBytes *bytes = g_array_index (blobs, Blob, i).bytes;

      count[ls_image_sniff_format (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes))]++;
    }
  printf ("%-44s %7.1f images/s\n", "lungscope fast path + fit 224x224 (bilinear)", median (fast, passes));
  for (int f = LS_IMAGE_FORMAT_PNG; f <= LS_IMAGE_FORMAT_WEBP; f++)
    {
      double t[50];
      char label[64];

      if (count[f] == 0)
        continue;
      for (int p = 0; p < passes; p++)
        t[p] = by_format[p][f];
      g_snprintf (label, sizeof label, "  of which %u %s files", count[f], format_names[f]);
      printf ("%-44s %7.2f ms/image\n", label, 1000 * median (t, passes) / count[f]);
    }
  printf ("%-44s %7.1f images/s\n", "lungscope full-resolution decode only", median (full, passes));
  if (!no_pil)
    {
      double f = median (fast, passes), a = median (pil, passes), b = median (pil_draft, passes);

      printf ("%-44s %7.1f images/s   lungscope fast path is %.2fx\n",
              "PIL convert(L) + resize + to_tensor", a, f / a);
      printf ("%-44s %7.1f images/s   lungscope fast path is %.2fx\n", "PIL with draft(L) + same", b, f / b);
    }
  return 0;
}
