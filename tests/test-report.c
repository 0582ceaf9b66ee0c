/* test-report.c — charts and the PDF diagnosis report
 *
 * Renders go to $LS_BUILD_ROOT/test-renders/ so a person can look at them.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cairo.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ls-test.h"
#include "report/report-private.h"
#include "report/report.h"

static const char *const names3[] = { "Normal", "Pneumonia", "COVID-19" };
static const char *const names5[] = { "Normal", "Pneumonia", "COVID-19", "Tuberculosis", "Effusion" };

static char *
render_path (const char *name)
{
  g_autofree char *dir = ls_test_build_path ("test-renders", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return g_build_filename (dir, name, NULL);
}

static cairo_surface_t *
load_png (const char *path,
          int width,
          int height)
{
  cairo_surface_t *s = cairo_image_surface_create_from_png (path);

  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  if (width > 0)
    {
      g_assert_cmpint (cairo_image_surface_get_width (s), ==, width);
      g_assert_cmpint (cairo_image_surface_get_height (s), ==, height);
    }
  return s;
}

static guint32
pixel (cairo_surface_t *s,
       double x,
       double y)
{
  int ix = (int) floor (x), iy = (int) floor (y);
  const guint8 *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);

  g_assert_cmpint (ix, >=, 0);
  g_assert_cmpint (iy, >=, 0);
  g_assert_cmpint (ix, <, cairo_image_surface_get_width (s));
  g_assert_cmpint (iy, <, cairo_image_surface_get_height (s));
  return *(const guint32 *) (gconstpointer) (data + (gsize) iy * stride + (gsize) ix * 4) & 0xffffff;
}

static double
color_distance (guint32 a,
                guint32 b)
{
  double d = 0;

  for (int shift = 0; shift <= 16; shift += 8)
    {
      double c = (double) ((a >> shift) & 0xff) - (double) ((b >> shift) & 0xff);
      d += c * c;
    }
  return sqrt (d);
}

/* Is a colour within @tol of @want somewhere in the (2r+1)² window? */
static gboolean
near_color (cairo_surface_t *s,
            double x,
            double y,
            int r,
            guint32 want,
            double tol)
{
  for (int dy = -r; dy <= r; dy++)
    for (int dx = -r; dx <= r; dx++)
      if (color_distance (pixel (s, x + dx, y + dy), want) <= tol)
        return TRUE;
  return FALSE;
}

static gboolean
is_grayish_dark (guint32 c)
{
  int r = (c >> 16) & 0xff, g = (c >> 8) & 0xff, b = c & 0xff;

  return MAX (r, MAX (g, b)) - MIN (r, MIN (g, b)) < 30 && r < 170;
}

/* How many distinct colours (quantised to 4 bits a channel) the image has. */
static int
count_colors (cairo_surface_t *s)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  int w = cairo_image_surface_get_width (s), h = cairo_image_surface_get_height (s);

  for (int y = 0; y < h; y += 2)
    for (int x = 0; x < w; x += 2)
      {
        guint32 c = pixel (s, x, y) & 0xf0f0f0;

        g_hash_table_add (seen, GUINT_TO_POINTER (c + 1));
      }
  return g_hash_table_size (seen);
}

/* ---- Curves ----------------------------------------------------------- */

typedef struct
{
  double train_loss[60], val_loss[60], train_acc[60], val_acc[60], lr[60];
} CurveData;

static void
make_curves (CurveData *d,
             int n,
             LsReportCurves *c)
{
  memset (c, 0, sizeof *c);
  for (int i = 0; i < n; i++)
    {
      double t = i / (double) MAX (n - 1, 1);

      d->train_loss[i] = 1.05 * exp (-3.2 * t) + 0.06 + 0.02 * sin (i * 1.7);
      d->val_loss[i] = 1.1 * exp (-2.6 * t) + 0.17 + 0.25 * t * t + 0.03 * cos (i * 1.3);
      d->train_acc[i] = 0.985 - 0.62 * exp (-4.0 * t) + 0.008 * sin (i * 2.1);
      d->val_acc[i] = 0.94 - 0.58 * exp (-3.6 * t) - 0.05 * t * t + 0.012 * cos (i * 1.9);
      d->lr[i] = 3e-3 * 0.5 * (1 + cos (G_PI * t));
    }
  c->n_epochs = n;
  c->train_loss = d->train_loss;
  c->val_loss = d->val_loss;
  c->train_acc = d->train_acc;
  c->val_acc = d->val_acc;
  c->lr = d->lr;
  c->best_epoch = -1;
  for (int i = 0; i < n; i++)
    if (c->best_epoch < 0 || d->val_loss[i] < d->val_loss[c->best_epoch])
      c->best_epoch = i;
}

static void
test_curves_png (void)
{
  CurveData d;
  LsReportCurves c;
  LsReportCurvesLayout lay;
  g_autofree char *path = render_path ("curves.png");
  g_autoptr (GError) error = NULL;
  cairo_surface_t *s;
  double x, y, bx;
  int blue_hits = 0, orange_hits = 0, dash_hits = 0;

  make_curves (&d, 30, &c);
  g_assert_true (ls_report_curves_save_png (&c, 960, 640, path, &error));
  g_assert_no_error (error);
  s = load_png (path, 960, 640);
  g_assert_true (ls_report_curves_get_layout (&c, 960, 640, &lay));
  g_assert_true (lay.has_loss && lay.has_accuracy && lay.has_lr);
  /* Panels stacked, sharing x, inside the image. */
  g_assert_cmpfloat (lay.loss.area.y + lay.loss.area.height, <, lay.accuracy.area.y);
  g_assert_cmpfloat (lay.accuracy.area.y + lay.accuracy.area.height, <, lay.lr.area.y);
  g_assert_cmpfloat (lay.lr.area.y + lay.lr.area.height, <, 640);
  g_assert_cmpfloat (lay.loss.area.x, ==, lay.lr.area.x);

  /* The series run where the data says, in their colours. */
  for (int i = 1; i < 29; i += 3)
    {
      ls_report_axes_map (&lay.loss, i + 1, d.train_loss[i], &x, &y);
      blue_hits += near_color (s, x, y, 2, 0x1c71d8, 60);
      ls_report_axes_map (&lay.accuracy, i + 1, d.val_acc[i], &x, &y);
      orange_hits += near_color (s, x, y, 2, 0xc64600, 60);
    }
  g_assert_cmpint (blue_hits, >=, 9);
  g_assert_cmpint (orange_hits, >=, 9);
  /* The learning-rate line. */
  ls_report_axes_map (&lay.lr, 5, d.lr[4], &x, &y);
  g_assert_true (near_color (s, x, y, 2, 0x613583, 70));
  /* Nothing of a series where no data is: the top right of the loss panel. */
  ls_report_axes_map (&lay.loss, 29, lay.loss.y_max, &x, &y);
  g_assert_false (near_color (s, x, y + 4, 2, 0x1c71d8, 60));

  /* The best epoch's dashed line through the accuracy panel. */
  ls_report_axes_map (&lay.accuracy, c.best_epoch + 1, 0, &bx, NULL);
  for (double yy = lay.accuracy.area.y + 4; yy < lay.accuracy.area.y + lay.accuracy.area.height - 4; yy += 3)
    dash_hits += is_grayish_dark (pixel (s, bx, yy));
  g_assert_cmpint (dash_hits, >, 10);
  g_assert_cmpint (count_colors (s), >, 20);
  cairo_surface_destroy (s);
}

/* Few epochs, gaps, no learning rate, no accuracy; and none at all. */
static void
test_curves_partial (void)
{
  CurveData d;
  LsReportCurves c;
  LsReportCurvesLayout lay;
  g_autofree char *p1 = render_path ("curves-partial.png");
  g_autofree char *p2 = render_path ("curves-one-epoch.png");
  g_autofree char *p3 = render_path ("curves-empty.png");
  g_autofree char *p4 = render_path ("curves-finetune.png");
  g_autoptr (GError) error = NULL;
  cairo_surface_t *s;

  make_curves (&d, 8, &c);
  d.val_loss[3] = NAN;
  c.train_acc = c.val_acc = NULL;
  c.lr = NULL;
  c.best_epoch = 5;
  g_assert_true (ls_report_curves_save_png (&c, 640, 400, p1, &error));
  g_assert_no_error (error);
  g_assert_true (ls_report_curves_get_layout (&c, 640, 400, &lay));
  g_assert_true (lay.has_loss);
  g_assert_false (lay.has_accuracy);
  g_assert_false (lay.has_lr);
  s = load_png (p1, 640, 400);
  cairo_surface_destroy (s);

  /* A fine-tuning run: few epochs, a small constant-then-step learning rate. */
  make_curves (&d, 6, &c);
  for (int i = 0; i < 6; i++)
    d.lr[i] = i < 4 ? 1e-4 : 2e-5;
  g_assert_true (ls_report_curves_save_png (&c, 640, 400, p4, &error));
  g_assert_no_error (error);

  make_curves (&d, 1, &c);
  g_assert_true (ls_report_curves_save_png (&c, 640, 400, p2, &error));
  g_assert_no_error (error);

  memset (&c, 0, sizeof c);
  c.best_epoch = -1;
  g_assert_true (ls_report_curves_save_png (&c, 480, 300, p3, &error));
  g_assert_no_error (error);
  g_assert_false (ls_report_curves_get_layout (&c, 480, 300, &lay));
  s = load_png (p3, 480, 300);
  g_assert_cmpint (count_colors (s), >, 2); /* title and message */
  cairo_surface_destroy (s);

  /* A best epoch past the end is refused with the file named. */
  make_curves (&d, 8, &c);
  c.best_epoch = 8;
  g_assert_false (ls_report_curves_save_png (&c, 640, 400, p1, &error));
  g_assert_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, p1));
}

/* ---- Confusion matrix ------------------------------------------------- */

static void
check_confusion (int k,
                 const char *const *names,
                 const int *counts,
                 int width,
                 int height,
                 const char *file)
{
  LsReportConfusion c = { k, names, counts, NULL };
  g_autofree char *path = render_path (file);
  g_autoptr (GError) error = NULL;
  cairo_surface_t *s;
  LsReportRect cell, next;

  g_assert_true (ls_report_confusion_save_png (&c, width, height, path, &error));
  g_assert_no_error (error);
  s = load_png (path, width, height);

  g_assert_true (ls_report_confusion_get_cell (&c, width, height, 0, 0, &cell));
  g_assert_true (ls_report_confusion_get_cell (&c, width, height, 0, 1, &next));
  g_assert_cmpfloat (fabs (next.x - (cell.x + cell.width)), <, 1e-6);
  g_assert_false (ls_report_confusion_get_cell (&c, width, height, k, 0, &cell));

  for (int i = 0; i < k; i++)
    {
      int total = 0;

      for (int j = 0; j < k; j++)
        total += counts[i * k + j];
      for (int j = 0; j < k; j++)
        {
          double share = total > 0 ? (double) counts[i * k + j] / total : 0;
          guint32 corner;
          double lum;

          g_assert_true (ls_report_confusion_get_cell (&c, width, height, i, j, &cell));
          g_assert_cmpfloat (cell.x + cell.width, <=, width);
          g_assert_cmpfloat (cell.y + cell.height, <=, height);
          /* The cell's shading, read near its corner (away from the text). */
          corner = pixel (s, cell.x + cell.width * 0.14, cell.y + cell.height * 0.14);
          lum = (((corner >> 16) & 0xff) + ((corner >> 8) & 0xff) + (corner & 0xff)) / 765.0;
          if (share > 0.7)
            g_assert_cmpfloat (lum, <, 0.5);
          else if (share < 0.05)
            g_assert_cmpfloat (lum, >, 0.85);
        }
    }
  /* Diagonal cells shaded by row share: a strong diagonal is darker than
   * the off-diagonal next to it. */
  g_assert_cmpint (count_colors (s), >, 10);
  cairo_surface_destroy (s);
}

static void
test_confusion_png (void)
{
  const int c3[] = { 287, 9, 4, 14, 271, 15, 2, 11, 302 };
  const int c2[] = { 480, 20, 35, 465 };
  int c5[25];

  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 5; j++)
      c5[i * 5 + j] = i == j ? 180 + 13 * i : (i + 2 * j) % 4 == 0 ? 0
                                                                   : 3 + (i * 7 + j * 3) % 9;
  check_confusion (3, names3, c3, 720, 600, "confusion-3.png");
  check_confusion (2, names3, c2, 520, 440, "confusion-2.png");
  check_confusion (5, names5, c5, 820, 680, "confusion-5.png");
}

static void
test_confusion_empty_row (void)
{
  const int counts[] = { 40, 2, 0, 0, 0, 0, 3, 1, 37 };
  const int bad[] = { 1, 2, -1, 4 };
  LsReportConfusion c = { 2, names3, bad, NULL };
  g_autofree char *path = render_path ("confusion-empty-row.png");
  g_autoptr (GError) error = NULL;

  check_confusion (3, names3, counts, 600, 500, "confusion-empty-row.png");
  g_assert_false (ls_report_confusion_save_png (&c, 600, 500, path, &error));
  g_assert_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, path));
}

/* ---- Reliability diagram ---------------------------------------------- */

static void
test_reliability_png (void)
{
  enum
  {
    N = 15
  };
  int count[N];
  double conf[N], acc[N], ece = 0;
  int total = 0;
  LsReportReliability r;
  LsReportReliabilityLayout lay;
  g_autofree char *path = render_path ("reliability.png");
  g_autoptr (GError) error = NULL;
  cairo_surface_t *s;
  double x, y, y0;
  int diag_hits = 0, diag_tries = 0;

  /* An over-confident model: no images under 33 % confidence (3 classes). */
  for (int i = 0; i < N; i++)
    {
      double mid = (i + 0.5) / N;

      count[i] = mid < 0.33 ? 0 : (int) (8 + 300 * pow (mid, 6));
      conf[i] = mid + 0.01;
      acc[i] = CLAMP (mid - 0.09 * sin (G_PI * mid), 0, 1);
      total += count[i];
    }
  for (int i = 0; i < N; i++)
    ece += (double) count[i] / total * fabs (acc[i] - conf[i]);
  r = (LsReportReliability){ N, count, conf, acc, ece, NULL };
  g_assert_true (ls_report_reliability_save_png (&r, 760, 760, path, &error));
  g_assert_no_error (error);
  s = load_png (path, 760, 760);
  g_assert_true (ls_report_reliability_get_layout (&r, 760, 760, &lay));
  g_assert_cmpfloat (lay.plot.area.y + lay.plot.area.height, <, lay.histogram.area.y);

  for (int i = 0; i < N; i++)
    {
      double mid = (i + 0.5) / N;

      ls_report_axes_map (&lay.plot, mid, 0, &x, &y0);
      if (count[i] > 0)
        {
          /* A blue bar up to the bin's accuracy, nothing above the gap. */
          ls_report_axes_map (&lay.plot, mid, acc[i] / 2, NULL, &y);
          g_assert_true (near_color (s, x, y, 1, 0x1c71d8, 70));
          ls_report_axes_map (&lay.plot, mid, MAX (acc[i], conf[i]) + 0.06, NULL, &y);
          if (MAX (acc[i], conf[i]) + 0.06 < 0.97 && fabs (mid + 0.06 - MAX (acc[i], conf[i]) - 0.06) > 0.04)
            g_assert_cmpfloat (color_distance (pixel (s, x + 0.5, y), 0x1c71d8), >, 120);
          /* The histogram strip has a bar too. */
          ls_report_axes_map (&lay.histogram, mid, count[i] / 2.0, NULL, &y);
          g_assert_true (near_color (s, x, y, 1, 0x8f8d94, 20));
        }
      else
        {
          /* Empty bin: no bar; the diagonal crosses it. */
          ls_report_axes_map (&lay.plot, mid, 0.02, NULL, &y);
          g_assert_cmpfloat (color_distance (pixel (s, x + 0.5, y - 3), 0x1c71d8), >, 120);
        }
    }
  /* The diagonal is there along its whole length (dashed: count hits). */
  for (double t = 0.05; t < 0.96; t += 0.01)
    {
      ls_report_axes_map (&lay.plot, t, t, &x, &y);
      diag_tries++;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
          if (is_grayish_dark (pixel (s, x + dx, y + dy)))
            {
              diag_hits++;
              dx = dy = 2;
            }
    }
  g_assert_cmpint (diag_hits, >, diag_tries / 2);
  /* The calibration gap is shaded red somewhere in an over-confident bin. */
  ls_report_axes_map (&lay.plot, (11 + 0.5) / N, (acc[11] + conf[11]) / 2, &x, &y);
  g_assert_true (near_color (s, x, y, 3, 0xc01c28, 130));
  cairo_surface_destroy (s);
}

static void
test_reliability_invalid (void)
{
  int count[2] = { 3, 4 };
  double conf[2] = { 0.3, 0.8 }, acc[2] = { 0.2, 1.5 };
  LsReportReliability r = { 2, count, conf, acc, 0.1, NULL };
  g_autofree char *path = render_path ("reliability-invalid.png");
  g_autoptr (GError) error = NULL;

  g_assert_false (ls_report_reliability_save_png (&r, 400, 400, path, &error));
  g_assert_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID);
  g_clear_error (&error);
  acc[1] = 0.9;
  g_assert_false (ls_report_reliability_save_png (&r, 20, 400, path, &error));
  g_assert_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_assert_true (ls_report_reliability_save_png (&r, 400, 400, path, &error));
  g_assert_no_error (error);
}

/* An under-confident model: bars rise above the diagonal, the gap shows
 * inside them. */
static void
test_reliability_underconfident (void)
{
  int count[8];
  double conf[8], acc[8];
  LsReportReliability r = { 8, count, conf, acc, 0.08, "Reliability, temperature 2.0" };
  LsReportReliabilityLayout lay;
  g_autofree char *path = render_path ("reliability-underconfident.png");
  g_autoptr (GError) error = NULL;
  cairo_surface_t *s;
  double x, y;

  for (int i = 0; i < 8; i++)
    {
      count[i] = i < 2 ? 0 : 20 + 10 * i;
      conf[i] = (i + 0.5) / 8;
      acc[i] = MIN (1, conf[i] + 0.15);
    }
  g_assert_true (ls_report_reliability_save_png (&r, 640, 560, path, &error));
  g_assert_no_error (error);
  s = load_png (path, 640, 560);
  g_assert_true (ls_report_reliability_get_layout (&r, 640, 560, &lay));
  /* Bin 4: the bar reaches its accuracy, above the diagonal. */
  ls_report_axes_map (&lay.plot, conf[4], acc[4] - 0.02, &x, &y);
  g_assert_false (near_color (s, x, y, 0, 0xffffff, 10));
  ls_report_axes_map (&lay.plot, conf[4], acc[4] + 0.04, &x, &y);
  g_assert_true (near_color (s, x, y, 0, 0xffffff, 30) || near_color (s, x, y, 0, 0xe8e7ea, 30));
  cairo_surface_destroy (s);
}

/* A chart drawn onto a caller's cairo_t (as a GtkDrawingArea does), scaled. */
static void
test_draw_on_context (void)
{
  CurveData d;
  LsReportCurves c;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 800, 500);
  cairo_t *cr = cairo_create (s);

  make_curves (&d, 12, &c);
  cairo_scale (cr, 2, 2);
  ls_report_curves_draw (&c, cr, 400, 250);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  g_assert_cmpint (count_colors (s), >, 10);
  cairo_surface_destroy (s);
}

/* The dark style, as the app draws under libadwaita's dark scheme. */
static void
test_dark_theme (void)
{
  const int counts[] = { 287, 9, 4, 14, 271, 15, 2, 11, 302 };
  LsReportConfusion m = { 3, names3, counts, NULL };
  int bin_count[10];
  double conf[10], acc[10];
  LsReportReliability r = { 10, bin_count, conf, acc, 0.031, NULL };
  LsReportCurvesLayout lay;
  LsReportRect cell;
  CurveData d;
  LsReportCurves c;
  const char *files[] = { "curves-dark.png", "confusion-dark.png", "reliability-dark.png" };

  for (int i = 0; i < 10; i++)
    {
      bin_count[i] = i < 3 ? 0 : 10 * i;
      conf[i] = (i + 0.5) / 10;
      acc[i] = CLAMP (conf[i] - 0.06, 0, 1);
    }
  make_curves (&d, 20, &c);
  for (int k = 0; k < 3; k++)
    {
      g_autofree char *path = render_path (files[k]);
      cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 720, 480);
      cairo_t *cr = cairo_create (s);
      double x, y;

      ls_report_set_theme (cr, LS_REPORT_THEME_DARK);
      if (k == 0)
        ls_report_curves_draw (&c, cr, 720, 480);
      else if (k == 1)
        ls_report_confusion_draw (&m, cr, 720, 480);
      else
        ls_report_reliability_draw (&r, cr, 720, 480);
      g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
      cairo_destroy (cr);
      cairo_surface_flush (s);
      g_assert_cmpint (cairo_surface_write_to_png (s, path), ==, CAIRO_STATUS_SUCCESS);
      /* Dark paper, light ink somewhere, the dark style's blue for the series. */
      g_assert_cmpfloat (color_distance (pixel (s, 2, 2), 0x1e1e1e), <, 4);
      if (k == 0)
        {
          g_assert_true (ls_report_curves_get_layout (&c, 720, 480, &lay));
          ls_report_axes_map (&lay.loss, 6, d.train_loss[5], &x, &y);
          g_assert_true (near_color (s, x, y, 2, 0x62a0ea, 60));
        }
      if (k == 1)
        {
          g_assert_true (ls_report_confusion_get_cell (&m, 720, 480, 0, 2, &cell));
          g_assert_cmpfloat (color_distance (pixel (s, cell.x + cell.width * 0.14, cell.y + cell.height * 0.14), 0x2c2c30),
                             <, 12);
        }
      cairo_surface_destroy (s);
    }
}

/* A drawing area can be any size while a window is resized, even empty. */
static void
test_draw_degenerate_sizes (void)
{
  const double sizes[][2] = { { 0, 0 }, { 1, 1 }, { 24, 18 }, { 3000, 40 }, { 40, 3000 } };
  const int counts[] = { 5, 1, 2, 6 };
  int bin_count[3] = { 0, 4, 9 };
  double conf[3] = { NAN, 0.5, 0.9 }, acc[3] = { 0, 0.5, 0.8 };
  LsReportConfusion m = { 2, names3, counts, NULL };
  LsReportReliability r = { 3, bin_count, conf, acc, 0.05, NULL };
  CurveData d;
  LsReportCurves c;

  make_curves (&d, 9, &c);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 64, 64);
      cairo_t *cr = cairo_create (s);

      ls_report_curves_draw (&c, cr, sizes[i][0], sizes[i][1]);
      ls_report_confusion_draw (&m, cr, sizes[i][0], sizes[i][1]);
      ls_report_reliability_draw (&r, cr, sizes[i][0], sizes[i][1]);
      g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
      cairo_destroy (cr);
      cairo_surface_destroy (s);
    }
}

static void
assert_inside (const LsReportAxes *ax,
               int width,
               int height)
{
  g_assert_cmpfloat (ax->area.x, >, 0);
  g_assert_cmpfloat (ax->area.y, >, 0);
  g_assert_cmpfloat (ax->area.width, >, 20);
  g_assert_cmpfloat (ax->area.height, >, 10);
  g_assert_cmpfloat (ax->area.x + ax->area.width, <, width);
  g_assert_cmpfloat (ax->area.y + ax->area.height, <, height);
}

/* Small (a sidebar) and large (a slide): every plot area stays inside. */
static void
test_sizes (void)
{
  const int sizes[][2] = { { 360, 260 }, { 1600, 1000 } };
  const int counts[] = { 287, 9, 4, 14, 271, 15, 2, 11, 302 };
  int bin_count[10];
  double conf[10], acc[10];
  CurveData d;
  LsReportCurves c;
  LsReportConfusion m = { 3, names3, counts, NULL };
  LsReportReliability r = { 10, bin_count, conf, acc, 0.031, NULL };

  for (int i = 0; i < 10; i++)
    {
      bin_count[i] = i < 3 ? 0 : 10 * i;
      conf[i] = (i + 0.5) / 10;
      acc[i] = CLAMP (conf[i] - 0.04, 0, 1);
    }
  make_curves (&d, 20, &c);
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int w = sizes[s][0], h = sizes[s][1];
      g_autofree char *n1 = g_strdup_printf ("curves-%dx%d.png", w, h);
      g_autofree char *n2 = g_strdup_printf ("confusion-%dx%d.png", w, h);
      g_autofree char *n3 = g_strdup_printf ("reliability-%dx%d.png", w, h);
      g_autofree char *p1 = render_path (n1), *p2 = render_path (n2), *p3 = render_path (n3);
      g_autoptr (GError) error = NULL;
      LsReportCurvesLayout cl;
      LsReportReliabilityLayout rl;
      LsReportRect cell;

      g_assert_true (ls_report_curves_save_png (&c, w, h, p1, &error));
      g_assert_true (ls_report_confusion_save_png (&m, w, h, p2, &error));
      g_assert_true (ls_report_reliability_save_png (&r, w, h, p3, &error));
      g_assert_no_error (error);
      g_assert_true (ls_report_curves_get_layout (&c, w, h, &cl));
      assert_inside (&cl.loss, w, h);
      assert_inside (&cl.accuracy, w, h);
      assert_inside (&cl.lr, w, h);
      g_assert_true (ls_report_reliability_get_layout (&r, w, h, &rl));
      assert_inside (&rl.plot, w, h);
      assert_inside (&rl.histogram, w, h);
      g_assert_true (ls_report_confusion_get_cell (&m, w, h, 2, 2, &cell));
      g_assert_cmpfloat (cell.x + cell.width, <, w);
      g_assert_cmpfloat (cell.y + cell.height, <, h);
      cairo_surface_destroy (load_png (p1, w, h));
      cairo_surface_destroy (load_png (p2, w, h));
      cairo_surface_destroy (load_png (p3, w, h));
    }
}

/* ---- Files ------------------------------------------------------------ */

static void
test_write_errors (void)
{
  const int counts[] = { 5, 1, 2, 6 };
  LsReportConfusion c = { 2, names3, counts, NULL };
  g_autofree char *dir = ls_test_build_path ("test-renders", "no-such-folder", NULL);
  g_autofree char *path = g_build_filename (dir, "confusion.png", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_false (ls_report_confusion_save_png (&c, 300, 300, path, &error));
  g_assert_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, path));
  g_test_message ("%s", error->message);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* Writing over an existing file replaces it whole, leaving no temp file. */
static void
test_replace_atomically (void)
{
  const int counts[] = { 5, 1, 2, 6 };
  LsReportConfusion c = { 2, names3, counts, NULL };
  g_autofree char *dir = ls_test_build_path ("test-renders", "replace", NULL);
  g_autofree char *path = g_build_filename (dir, "chart.png", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) listing = NULL;
  const char *name;
  int entries = 0;
  cairo_surface_t *s;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, "old", -1, &error));
  g_assert_true (ls_report_confusion_save_png (&c, 300, 260, path, &error));
  g_assert_no_error (error);
  s = load_png (path, 300, 260);
  cairo_surface_destroy (s);
  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_assert_cmpstr (name, ==, "chart.png");
      entries++;
    }
  g_assert_cmpint (entries, ==, 1);
}

/* ---- Diagnosis PDF ---------------------------------------------------- */

typedef struct
{
  float *image;
  guint8 *overlay;
  int w, h, ow, oh;
} Picture;

/* A chest-like picture: dark lungs in a bright body, ribs, a spine; and a
 * saliency blob in the right lung as premultiplied ARGB32. */
static void
picture_init (Picture *p,
              int w,
              int h,
              int ow,
              int oh)
{
  p->w = w, p->h = h, p->ow = ow, p->oh = oh;
  p->image = g_new (float, (gsize) w *h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double u = (x + 0.5) / w * 2 - 1, v = (y + 0.5) / h * 2 - 1;
        double body = exp (-pow (fabs (u) / 0.85, 6)) * exp (-pow (fabs (v + 0.05) / 0.95, 8));
        double lung_l = exp (-(pow ((u + 0.38) / 0.26, 2) + pow ((v + 0.05) / 0.55, 2)));
        double lung_r = exp (-(pow ((u - 0.38) / 0.26, 2) + pow ((v + 0.05) / 0.55, 2)));
        double ribs = 0.06 * pow (sin (v * 18 + fabs (u) * 4), 8);
        double spine = 0.35 * exp (-pow (u / 0.07, 2));
        double val = 0.08 + 0.7 * body - 0.5 * (lung_l + lung_r) * body + ribs + spine * body;

        p->image[(gsize) y * w + x] = (float) CLAMP (val, 0, 1);
      }
  p->overlay = g_new0 (guint8, (gsize) ow * oh * 4);
  for (int y = 0; y < oh; y++)
    for (int x = 0; x < ow; x++)
      {
        double u = (x + 0.5) / ow * 2 - 1, v = (y + 0.5) / oh * 2 - 1;
        double a = 0.75 * exp (-(pow ((u - 0.35) / 0.2, 2) + pow ((v - 0.15) / 0.25, 2)));
        double r = 1.0, g = CLAMP (1.6 * a, 0, 1) * 0.8, b = 0.1;
        guint32 px = ((guint32) lround (a * 255) << 24) | ((guint32) lround (r * a * 255) << 16) |
                     ((guint32) lround (g * a * 255) << 8) | (guint32) lround (b * a * 255);

        memcpy (p->overlay + ((gsize) y * ow + x) * 4, &px, 4);
      }
}

static void
picture_clear (Picture *p)
{
  g_free (p->image);
  g_free (p->overlay);
}

/* Converts the PDF to a PNG with pdftoppm; NULL (and a message) without it. */
static cairo_surface_t *
pdf_to_png (const char *pdf,
            const char *png_base)
{
  g_autofree char *tool = g_find_program_in_path ("pdftoppm");
  g_autofree char *out = NULL, *err = NULL, *png = NULL;
  int status = -1;

  if (tool == NULL)
    {
      g_test_message ("pdftoppm is missing (poppler-utils): the PDF is not rasterised");
      return NULL;
    }
  {
    const char *argv[] = { tool, "-r", "100", "-png", "-singlefile", pdf, png_base, NULL };

    g_assert_true (ls_test_run (argv, &out, &err, &status));
  }
  if (status != 0)
    g_test_message ("pdftoppm: %s", err);
  g_assert_cmpint (status, ==, 0);
  png = g_strconcat (png_base, ".png", NULL);
  return load_png (png, 0, 0);
}

/* The longest horizontal run of pixels near @color, anywhere on the page. */
static int
longest_run (cairo_surface_t *s,
             guint32 color)
{
  int w = cairo_image_surface_get_width (s), h = cairo_image_surface_get_height (s), best = 0;

  for (int y = 0; y < h; y++)
    {
      int run = 0;

      for (int x = 0; x < w; x++)
        {
          run = color_distance (pixel (s, x, y), color) < 16 ? run + 1 : 0;
          best = MAX (best, run);
        }
    }
  return best;
}

/* Probability bars: each class' bar is as long as its probability says,
 * relative to the predicted class' bar (classes in gray-like colours are
 * skipped: the radiograph has those too). */
static void
check_bars (cairo_surface_t *s,
            const LsReportDiagnosis *dx)
{
  int pred = dx->predicted;
  int pred_run = longest_run (s, ls_report_class_color (dx->class_names[pred], pred));

  g_assert_cmpint (pred_run, >, 50);
  for (int i = 0; i < dx->n_classes; i++)
    {
      guint32 c = ls_report_class_color (dx->class_names[i], i);
      int r = (c >> 16) & 0xff, g = (c >> 8) & 0xff, b = c & 0xff;
      double want;
      int run;

      if (i == pred || dx->probabilities[i] < 0.05 || MAX (r, MAX (g, b)) - MIN (r, MIN (g, b)) < 40)
        continue;
      run = longest_run (s, c);
      want = pred_run * dx->probabilities[i] / dx->probabilities[pred];
      g_test_message ("%s: bar %d px, expected %.1f", dx->class_names[i], run, want);
      g_assert_cmpfloat (fabs (run - want), <=, 4 + 0.03 * pred_run);
    }
}

/* The PDF's words, through pdftotext; NULL (and a message) without it. */
static char *
pdf_text (const char *pdf)
{
  g_autofree char *tool = g_find_program_in_path ("pdftotext");
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = -1;

  if (tool == NULL)
    {
      g_test_message ("pdftotext is missing (poppler-utils): the PDF's text is not checked");
      return NULL;
    }
  {
    const char *argv[] = { tool, "-raw", pdf, "-", NULL };

    g_assert_true (ls_test_run (argv, &out, &err, &status));
  }
  g_assert_cmpint (status, ==, 0);
  return out;
}

/* Everything the page must say, and nothing it must not. */
static void
check_pdf_words (const LsReportDiagnosis *dx,
                 const char *pdf)
{
  g_autofree char *text = pdf_text (pdf);
  char pct[32];

  if (text == NULL)
    return;
  g_assert_nonnull (strstr (text, "Lungscope — chest radiograph reading"));
  g_assert_nonnull (strstr (text, "Not a medical device. This is not a diagnosis."));
  if (dx->synthetic_training)
    g_assert_nonnull (strstr (text, "The model was trained on synthetic images only."));
  else
    g_assert_null (strstr (text, "synthetic"));
  if (dx->ood_flagged)
    g_assert_nonnull (strstr (text, "This image looks unlike the images the model was trained on."));
  else
    g_assert_null (strstr (text, "looks unlike"));
  for (int i = 0; i < dx->n_classes; i++)
    {
      g_assert_nonnull (strstr (text, dx->class_names[i]));
      g_snprintf (pct, sizeof pct, "%.1f%%", dx->probabilities[i] * 100);
      g_assert_nonnull (strstr (text, pct));
    }
  if (dx->model_id != NULL)
    g_assert_nonnull (strstr (text, dx->model_id));
  if (dx->dataset_version != NULL)
    g_assert_nonnull (strstr (text, dx->dataset_version));
  if (dx->image_sha256 != NULL)
    {
      g_autofree char *prefix = g_strndup (dx->image_sha256, 16);

      g_assert_nonnull (strstr (text, prefix));
    }
  if (dx->date != NULL)
    g_assert_nonnull (strstr (text, dx->date));
  for (int i = 0; dx->card_lines != NULL && dx->card_lines[i] != NULL; i++)
    {
      /* Lines may wrap: check their first word. */
      g_autofree char *first = g_strndup (dx->card_lines[i], strcspn (dx->card_lines[i], " "));

      g_assert_nonnull (strstr (text, first));
    }
}

static void
check_pdf (const LsReportDiagnosis *dx,
           const char *name)
{
  g_autofree char *file = g_strconcat (name, ".pdf", NULL);
  g_autofree char *path = render_path (file);
  g_autofree char *png_base = render_path (name);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  cairo_surface_t *s;
  gboolean found = FALSE;
  guint32 predicted_color = ls_report_class_color (dx->class_names[dx->predicted], dx->predicted);

  g_assert_true (ls_report_diagnosis_save_pdf (dx, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_cmpuint (len, >, 1000);
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));
  g_assert_nonnull (g_strstr_len (contents + len - 16, 16, "%%EOF"));
  check_pdf_words (dx, path);

  s = pdf_to_png (path, png_base);
  if (s == NULL)
    return;
  /* A4 at 100 dpi. */
  g_assert_cmpint (abs (cairo_image_surface_get_width (s) - 827), <=, 1);
  g_assert_cmpint (abs (cairo_image_surface_get_height (s) - 1169), <=, 1);
  /* The predicted class' bar is drawn in its colour. */
  for (int y = 0; y < 1169 && !found; y += 2)
    for (int x = 0; x < 827 && !found; x += 2)
      found = color_distance (pixel (s, x, y), predicted_color) < 12;
  g_assert_true (found);
  check_bars (s, dx);
  g_assert_cmpint (count_colors (s), >, 30);
  cairo_surface_destroy (s);
}

static void
test_diagnosis_pdf (void)
{
  const double p3[] = { 0.071, 0.184, 0.745 };
  const char *const card[] = { "Test accuracy 97.8% on 900 phantoms", "ECE 0.021 after temperature scaling (T = 1.37)",
                               "Trained 2026-11-26 on dataset version 3f9a0c1b77e2d410", NULL };
  Picture pic;
  LsReportDiagnosis dx = { 0 };

  picture_init (&pic, 1024, 1100, 224, 224);
  dx.image = pic.image;
  dx.width = pic.w;
  dx.height = pic.h;
  dx.overlay = pic.overlay;
  dx.overlay_width = pic.ow;
  dx.overlay_height = pic.oh;
  dx.overlay_caption = "Grad-CAM for COVID-19";
  dx.n_classes = 3;
  dx.class_names = names3;
  dx.probabilities = p3;
  dx.predicted = 2;
  dx.ood_score = 14.2;
  dx.ood_threshold = 9.5;
  dx.ood_flagged = TRUE;
  dx.model_id = "01JDX6V4Q8Z3K2N7M5P0R9T1WB";
  dx.model_name = "lungnet-s phantoms 2026-11-26";
  dx.dataset_version = "3f9a0c1b77e2d410";
  dx.card_lines = card;
  dx.synthetic_training = TRUE;
  dx.image_name = "patient-0042-pa-chest.png";
  dx.image_sha256 = "9b7e2f0c4d1a8e6b3c5d7f9a0b2c4e6d8f0a1b3c5d7e9f0a2b4c6d8e0f1a3b5c";
  dx.date = "2026-11-26 12:40 UTC";
  check_pdf (&dx, "diagnosis-3");
  picture_clear (&pic);
}

static void
test_diagnosis_pdf_classes (void)
{
  const double p2[] = { 0.62, 0.38 };
  const double p5[] = { 0.05, 0.11, 0.02, 0.79, 0.03 };
  Picture pic;
  LsReportDiagnosis dx = { 0 };

  picture_init (&pic, 640, 520, 32, 32);
  dx.image = pic.image;
  dx.width = pic.w;
  dx.height = pic.h;
  dx.n_classes = 2;
  dx.class_names = names3;
  dx.probabilities = p2;
  dx.predicted = 0;
  dx.ood_score = 2.1;
  dx.ood_threshold = NAN;
  dx.model_name = "two-class test";
  dx.image_name = "chest.jpg";
  check_pdf (&dx, "diagnosis-2");

  dx.n_classes = 5;
  dx.class_names = names5;
  dx.probabilities = p5;
  dx.predicted = 3;
  dx.overlay = pic.overlay;
  dx.overlay_width = pic.ow;
  dx.overlay_height = pic.oh;
  dx.ood_threshold = 9.5;
  dx.image_name = "covid-19-radiography-database_COVID-1234_2020-04-17_posteroanterior-erect-chest-view-export.png";
  check_pdf (&dx, "diagnosis-5");
  picture_clear (&pic);
}

/* Sixteen classes fit on the page; seventeen are refused. */
static void
test_diagnosis_many_classes (void)
{
  const char *names[17];
  double p[17];
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *path = render_path ("diagnosis-16.pdf");
  g_autofree char *png_base = render_path ("diagnosis-16");
  g_autoptr (GError) error = NULL;
  LsReportDiagnosis dx = { 0 };
  cairo_surface_t *s;
  Picture pic;

  for (int i = 0; i < 17; i++)
    {
      char *n = g_strdup_printf ("Finding %d", i + 1);

      g_ptr_array_add (owned, n);
      names[i] = n;
      p[i] = (i == 6 ? 0.52 : 0.03);
    }
  picture_init (&pic, 300, 360, 16, 16);
  dx.image = pic.image;
  dx.width = pic.w;
  dx.height = pic.h;
  dx.overlay = pic.overlay;
  dx.overlay_width = pic.ow;
  dx.overlay_height = pic.oh;
  dx.n_classes = 16;
  dx.class_names = names;
  dx.probabilities = p;
  dx.predicted = 6;
  dx.ood_score = 1;
  dx.ood_threshold = 2;
  dx.synthetic_training = TRUE;
  g_assert_true (ls_report_diagnosis_save_pdf (&dx, path, &error));
  g_assert_no_error (error);
  check_pdf_words (&dx, path);
  s = pdf_to_png (path, png_base);
  if (s != NULL)
    cairo_surface_destroy (s);

  dx.n_classes = 17;
  g_assert_false (ls_report_diagnosis_save_pdf (&dx, path, &error));
  g_assert_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID);
  picture_clear (&pic);
}

static void
test_diagnosis_errors (void)
{
  const double p[] = { 0.5, 0.5 };
  float image[16] = { 0 };
  LsReportDiagnosis dx = { 0 };
  g_autofree char *bad = ls_test_build_path ("test-renders", "no-such-folder", "report.pdf", NULL);
  g_autofree char *ok = render_path ("diagnosis-invalid.pdf");
  g_autoptr (GError) error = NULL;

  dx.image = image;
  dx.width = 4;
  dx.height = 4;
  dx.n_classes = 2;
  dx.class_names = names3;
  dx.probabilities = p;
  dx.predicted = 0;
  g_assert_false (ls_report_diagnosis_save_pdf (&dx, bad, &error));
  g_assert_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, bad));
  g_clear_error (&error);

  dx.predicted = 2;
  g_assert_false (ls_report_diagnosis_save_pdf (&dx, ok, &error));
  g_assert_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, ok));
}

/* ---- Helpers ---------------------------------------------------------- */

static void
test_scales (void)
{
  LsNiceScale sc;
  char buf[64];

  ls_report_nice_scale (0, 0.93, 5, FALSE, &sc);
  g_assert_cmpfloat_with_epsilon (sc.step, 0.2, 1e-12);
  g_assert_cmpfloat_with_epsilon (sc.max, 1.0, 1e-12);
  g_assert_cmpint (sc.n, ==, 6);
  ls_report_nice_scale (1, 30, 7, TRUE, &sc);
  g_assert_cmpfloat (sc.step, ==, 5);
  g_assert_cmpfloat (sc.min, ==, 0);
  g_assert_cmpfloat (sc.max, ==, 30);
  ls_report_nice_scale (0, 3e-4, 3, FALSE, &sc);
  g_assert_cmpfloat_with_epsilon (sc.step, 2e-4, 1e-15);
  ls_report_nice_scale (5, 5, 5, FALSE, &sc); /* a flat series still gets a range */
  g_assert_cmpfloat (sc.min, <, 5);
  g_assert_cmpfloat (sc.max, >, 5);
  ls_report_nice_scale (-2.5, 7.1, 6, FALSE, &sc);
  g_assert_cmpfloat (sc.step, ==, 2);
  g_assert_cmpfloat (ls_report_nice_tick (&sc, 0), ==, -4);

  ls_report_format_tick (0.4, 0.2, LS_TICK_PLAIN, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "0.4");
  ls_report_format_tick (-4, 2, LS_TICK_PLAIN, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "−4");
  ls_report_format_tick (0.8, 0.2, LS_TICK_PERCENT, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "80%");
  ls_report_format_tick (0.925, 0.025, LS_TICK_PERCENT, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "92.5%");
  ls_report_format_tick (4e-4, 2e-4, LS_TICK_PLAIN, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "4e−4");
  ls_report_format_tick (1.5e-4, 5e-5, LS_TICK_PLAIN, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "1.5e−4");

  ls_report_format_percent (0.943, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "94.3%");
  ls_report_format_percent (0.03, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "3.0%");
  ls_report_format_percent (0.99999, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "> 99.9%");
  ls_report_format_percent (0.00001, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "< 0.1%");
  ls_report_format_percent (1, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "100%");
  ls_report_format_percent (0, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "0%");
}

static void
test_classes (void)
{
  guint32 n = ls_report_class_color ("normal", 0);
  guint32 p = ls_report_class_color ("Pneumonia", 1);
  guint32 c = ls_report_class_color ("covid", 2);

  g_assert_cmpstr (ls_report_class_display_name ("covid"), ==, "COVID-19");
  g_assert_cmpstr (ls_report_class_display_name ("normal"), ==, "Normal");
  g_assert_cmpstr (ls_report_class_display_name ("effusion"), ==, "effusion");
  g_assert_cmpuint (ls_report_class_color ("COVID-19", 0), ==, c);
  g_assert_cmpfloat (color_distance (n, p), >, 100);
  g_assert_cmpfloat (color_distance (n, c), >, 100);
  g_assert_cmpfloat (color_distance (p, c), >, 100);
  /* Other classes get colours unlike the three. */
  for (int i = 0; i < 5; i++)
    {
      guint32 o = ls_report_class_color ("other", i);

      g_assert_cmpfloat (color_distance (o, n), >, 60);
      g_assert_cmpfloat (color_distance (o, p), >, 60);
      g_assert_cmpfloat (color_distance (o, c), >, 60);
    }
}

/* Predictions per day as bars, rates as lines, a dashed bound; a gap bin
 * leaves the line broken; bad input is refused. */
static void
test_timeseries_png (void)
{
  enum
  {
    N = 12
  };
  gint64 start[N];
  double count[N], ood[N], agree[N];
  LsReportSeries counts_series[1] = { { "Predictions", 0x1c71d8, count } };
  LsReportSeries rate_series[2] = { { "OOD rate", 0xc64600, ood }, { "Agreement", 0x613583, agree } };
  LsReportTimeSeries t = { 0 };
  LsReportAxes plot;
  g_autofree char *p1 = render_path ("timeseries-counts.png");
  g_autofree char *p2 = render_path ("timeseries-rates.png");
  g_autofree char *p3 = render_path ("timeseries-empty.png");
  g_autoptr (GError) error = NULL;
  cairo_surface_t *s;
  double x, y;
  int dash_hits = 0;

  for (int i = 0; i < N; i++)
    {
      start[i] = (G_GINT64_CONSTANT (1772323200) + (gint64) i * 86400) * G_USEC_PER_SEC;
      count[i] = i == 5 ? 0 : 10 + 3 * i;
      ood[i] = i == 5 ? NAN : 0.02 * i;
      agree[i] = i == 5 ? NAN : 0.9 - 0.01 * i;
    }
  t.n_points = N;
  t.start = start;
  t.bin_usec = G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC;
  t.n_series = 1;
  t.series = counts_series;
  t.bars = TRUE;
  t.bound = NAN;
  t.y_title = "Predictions";
  t.title = "Predictions per day";
  g_assert_true (ls_report_timeseries_save_png (&t, 960, 480, p1, &error));
  g_assert_no_error (error);
  s = load_png (p1, 960, 480);
  g_assert_true (ls_report_timeseries_get_layout (&t, 960, 480, &plot));
  g_assert_cmpfloat (plot.y_max, >=, 10 + 3 * (N - 1));
  g_assert_cmpfloat (plot.x_max, ==, N);
  /* The last bar is blue half-way up; the empty bin is paper. */
  ls_report_axes_map (&plot, N - 0.5, count[N - 1] / 2, &x, &y);
  g_assert_true (near_color (s, x, y, 1, 0x1c71d8, 40));
  ls_report_axes_map (&plot, 5.5, 5, &x, &y);
  g_assert_false (near_color (s, x, y, 1, 0x1c71d8, 60));
  cairo_surface_destroy (s);

  t.series = rate_series;
  t.n_series = 2;
  t.bars = FALSE;
  t.fraction = TRUE;
  t.bound = 0.3;
  t.bound_label = "OOD bound";
  t.y_title = "Share";
  t.title = "Rates per day";
  g_assert_true (ls_report_timeseries_save_png (&t, 960, 480, p2, &error));
  g_assert_no_error (error);
  s = load_png (p2, 960, 480);
  g_assert_true (ls_report_timeseries_get_layout (&t, 960, 480, &plot));
  g_assert_cmpfloat (plot.y_max, <=, 1);
  g_assert_cmpfloat (plot.y_min, ==, 0);
  ls_report_axes_map (&plot, 8.5, ood[8], &x, &y);
  g_assert_true (near_color (s, x, y, 2, 0xc64600, 60));
  ls_report_axes_map (&plot, 2.5, agree[2], &x, &y);
  g_assert_true (near_color (s, x, y, 2, 0x613583, 60));
  /* The gap: no orange line in the middle of bin 5. */
  ls_report_axes_map (&plot, 5.5, (ood[4] + ood[6]) / 2, &x, &y);
  g_assert_false (near_color (s, x, y, 1, 0xc64600, 60));
  /* The dashed bound, red, across the plot. */
  for (double xx = plot.area.x + 4; xx < plot.area.x + plot.area.width - 4; xx += 5)
    {
      ls_report_axes_map (&plot, 0, 0.3, NULL, &y);
      dash_hits += near_color (s, xx, y, 1, 0xc01c28, 60);
    }
  g_assert_cmpint (dash_hits, >, 40);
  cairo_surface_destroy (s);

  /* Negative kappa stretches the axis below 0. */
  agree[3] = -0.4;
  g_assert_true (ls_report_timeseries_get_layout (&t, 960, 480, &plot));
  g_assert_cmpfloat (plot.y_min, <=, -0.4);
  /* Refused: a rate outside [−1, 1], bins out of order. */
  agree[3] = 1.5;
  g_assert_false (ls_report_timeseries_save_png (&t, 960, 480, p2, &error));
  g_assert_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "Agreement"));
  g_clear_error (&error);
  agree[3] = 0.5;
  start[4] = start[3];
  g_assert_false (ls_report_timeseries_save_png (&t, 960, 480, p2, &error));
  g_assert_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID);
  g_clear_error (&error);
  /* No bins: a message, no layout. */
  t.n_points = 0;
  g_assert_true (ls_report_timeseries_save_png (&t, 480, 300, p3, &error));
  g_assert_no_error (error);
  g_assert_false (ls_report_timeseries_get_layout (&t, 480, 300, &plot));
}

int
main (int argc,
      char *argv[])
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/report/classes/colors", test_classes);
  g_test_add_func ("/lungscope/report/scales/ticks", test_scales);
  g_test_add_func ("/lungscope/report/curves/png", test_curves_png);
  g_test_add_func ("/lungscope/report/curves/partial", test_curves_partial);
  g_test_add_func ("/lungscope/report/curves/draw-on-context", test_draw_on_context);
  g_test_add_func ("/lungscope/report/charts/degenerate-sizes", test_draw_degenerate_sizes);
  g_test_add_func ("/lungscope/report/charts/dark", test_dark_theme);
  g_test_add_func ("/lungscope/report/confusion/png", test_confusion_png);
  g_test_add_func ("/lungscope/report/confusion/empty-row", test_confusion_empty_row);
  g_test_add_func ("/lungscope/report/reliability/png", test_reliability_png);
  g_test_add_func ("/lungscope/report/reliability/invalid", test_reliability_invalid);
  g_test_add_func ("/lungscope/report/reliability/underconfident", test_reliability_underconfident);
  g_test_add_func ("/lungscope/report/charts/sizes", test_sizes);
  g_test_add_func ("/lungscope/report/files/write-error", test_write_errors);
  g_test_add_func ("/lungscope/report/files/replace", test_replace_atomically);
  g_test_add_func ("/lungscope/report/diagnosis/pdf", test_diagnosis_pdf);
  g_test_add_func ("/lungscope/report/diagnosis/classes", test_diagnosis_pdf_classes);
  g_test_add_func ("/lungscope/report/diagnosis/many-classes", test_diagnosis_many_classes);
  g_test_add_func ("/lungscope/report/diagnosis/errors", test_diagnosis_errors);
  g_test_add_func ("/lungscope/report/timeseries/png", test_timeseries_png);
  return g_test_run ();
}
