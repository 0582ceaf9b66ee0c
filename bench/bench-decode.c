/* bench-decode.c — decode + gray + antialiased resize to 224×224, images/s,
 * side by side with PIL (bench/pil_decode_bench.py) in one run
 *
 *   bench-decode [--dir DIR] [--passes N] [--no-pil]
 *
 * Single thread. Every PNG/JPEG/WebP file under DIR (default
 * $LS_SHARED_DATA/cxr-real) is read into memory first, so the figures are
 * decoding, not disk. Ours: ls_image_load_bytes() with the fast path
 * (target_size 224) then an area (box-coverage) resize to 224×224, the
 * antialiased filter PIL calls BOX, written here because the imaging
 * resize is not in this branch yet. Also reported: the full-resolution
 * decode alone. Times are CPU time (thread for ours, process for PIL), and
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

/* Coverage weights of an area resize from n to m samples: output i covers
 * input [i·n/m, (i+1)·n/m). */
typedef struct
{
  int *first;
  int *count;
  float *w; /* count[i] weights per output, at offsets i * stride */
  int stride;
} Weights;

static void
weights_init (Weights *wt,
              int n,
              int m)
{
  double scale = (double) n / m;

  wt->stride = (int) scale + 2;
  wt->first = g_new (int, m);
  wt->count = g_new (int, m);
  wt->w = g_new0 (float, (gsize) m * wt->stride);
  for (int i = 0; i < m; i++)
    {
      double lo = i * scale, hi = (i + 1) * scale;
      int a = (int) lo, b = MIN ((int) (hi + 0.999999), n);

      wt->first[i] = a;
      wt->count[i] = b - a;
      for (int j = a; j < b; j++)
        wt->w[i * wt->stride + (j - a)] = (float) ((MIN (hi, j + 1) - MAX (lo, j)) / scale);
    }
}

static void
weights_clear (Weights *wt)
{
  g_free (wt->first);
  g_free (wt->count);
  g_free (wt->w);
}

/* Area resize to OUT × OUT (stretch): rows first, then columns. */
static void
resize_area (const LsImage *in,
             float *out,
             float *tmp)
{
  Weights wx, wy;

  weights_init (&wx, in->width, OUT);
  weights_init (&wy, in->height, OUT);
  for (int y = 0; y < in->height; y++)
    {
      const float *row = in->data + (gsize) y * in->width;

      for (int i = 0; i < OUT; i++)
        {
          const float *w = wx.w + i * wx.stride;
          const float *src = row + wx.first[i];
          float s = 0;

          for (int k = 0; k < wx.count[i]; k++)
            s += w[k] * src[k];
          tmp[(gsize) y * OUT + i] = s;
        }
    }
  for (int i = 0; i < OUT; i++)
    {
      const float *w = wy.w + i * wy.stride;
      float *dst = out + i * OUT;

      memset (dst, 0, OUT * sizeof (float));
      for (int k = 0; k < wy.count[i]; k++)
        {
          const float *src = tmp + (gsize) (wy.first[i] + k) * OUT;

          for (int x = 0; x < OUT; x++)
            dst[x] += w[k] * src[x];
        }
    }
  weights_clear (&wx);
  weights_clear (&wy);
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

static double
run_ours (GArray *blobs,
          int target,
          gboolean resize,
          double *checksum)
{
  LsDecodeOptions opts;
  g_autofree float *out = g_new (float, OUT *OUT);
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
      g_autoptr (LsImage) image = ls_image_load_bytes (data, size, b->path, &opts, &error);

      if (image == NULL)
        g_error ("%s", error->message);
      if (resize)
        {
          g_autofree float *tmp = g_new (float, (gsize) image->height *OUT);

          resize_area (image, out, tmp);
          *checksum += out[OUT * OUT / 2];
        }
      else
        *checksum += image->data[0];
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
  gboolean no_pil = FALSE;
  GOptionEntry entries[] = {
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "Image folder (default $LS_SHARED_DATA/cxr-real)", "DIR" },
    { "passes", 0, 0, G_OPTION_ARG_INT, &passes, "Timed passes, median reported (default 5)", "N" },
    { "no-pil", 0, 0, G_OPTION_ARG_NONE, &no_pil, "Skip the PIL reference", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("— decode benchmark");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) blobs = g_array_new (FALSE, FALSE, sizeof (Blob));
  g_autofree double *fast = NULL;
  g_autofree double *full = NULL;
  g_autofree double *pil = NULL;
  g_autofree double *pil_draft = NULL;
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
  run_ours (blobs, 224, TRUE, &checksum); /* warm-up */
  fast = g_new (double, passes);
  full = g_new (double, passes);
  pil = g_new (double, passes);
  pil_draft = g_new (double, passes);
  /* Ours and PIL alternate pass by pass, so load from other work on the
   * machine falls on both alike. */
  for (int p = 0; p < passes; p++)
    {
      fast[p] = blobs->len / run_ours (blobs, 224, TRUE, &checksum);
      full[p] = blobs->len / run_ours (blobs, 0, FALSE, &checksum);
      if (!no_pil && !run_pil (dir, &pil[p], &pil_draft[p]))
        {
          printf ("PIL reference did not run (/usr/bin/python3 with PIL needed); ours only\n");
          no_pil = TRUE;
        }
    }
  printf ("%-44s %7.1f images/s\n", "lungscope fast path + area resize 224x224", median (fast, passes));
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
