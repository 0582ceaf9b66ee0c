/* diagnosis.c — the one-page PDF reading of one radiograph
 *
 * A4 portrait: title, the statement that this is not a diagnosis, the
 * radiograph beside its saliency overlay, the calibrated probabilities, the
 * out-of-distribution check, and where the answer came from (model, card,
 * file, date). Everything below the images is measured first; the images
 * take the room that is left.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "report-private.h"

#include <cairo-pdf.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#define MARGIN 42.0
#define BODY 9.5
#define SMALL 8.0
#define MONO_FAMILY "DejaVu Sans Mono"
/* Classes one page has room for, with their bars. */
#define MAX_CLASSES 16
#define MAX_CARD_LINES 8
#define MAX_IMAGE_SIDE 65536
/* Radiographs are embedded at most this many pixels on the long side
 * (about 400 dpi at the size they are shown). */
#define EMBED_SIDE 1400

static gboolean
diagnosis_check (const LsReportDiagnosis *d,
                 GError **error)
{
  const char *why = NULL;

  if (d->image == NULL || d->width <= 0 || d->height <= 0 || d->width > MAX_IMAGE_SIDE || d->height > MAX_IMAGE_SIDE)
    why = "the radiograph is missing or its size is out of range";
  else if (d->overlay != NULL && (d->overlay_width <= 0 || d->overlay_height <= 0 ||
                                  d->overlay_width > MAX_IMAGE_SIDE || d->overlay_height > MAX_IMAGE_SIDE))
    why = "the saliency overlay's size is out of range";
  else if (d->n_classes < 1 || d->n_classes > MAX_CLASSES || d->class_names == NULL || d->probabilities == NULL)
    why = "the classes or their probabilities are missing";
  else if (d->predicted < 0 || d->predicted >= d->n_classes)
    why = "the predicted class is not one of the classes";
  if (why == NULL)
    for (int i = 0; i < d->n_classes; i++)
      if (d->class_names[i] == NULL || !(d->probabilities[i] >= 0 && d->probabilities[i] <= 1))
        {
          why = "a class has no name or a probability outside 0 … 1";
          break;
        }
  if (why != NULL)
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID, "diagnosis report: %s", why);
      return FALSE;
    }
  return TRUE;
}

/* The radiograph as an opaque gray surface, box-averaged down to at most
 * EMBED_SIDE pixels on its long side. */
static cairo_surface_t *
radiograph_surface (const LsReportDiagnosis *d)
{
  int f = (MAX (d->width, d->height) + EMBED_SIDE - 1) / EMBED_SIDE;
  int w = (d->width + f - 1) / f, h = (d->height + f - 1) / f;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  guint8 *pixels;
  int stride;

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    return surface;
  cairo_surface_flush (surface);
  pixels = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < h; y++)
    {
      guint32 *row = (guint32 *) (gpointer) (pixels + (gsize) y * stride);

      for (int x = 0; x < w; x++)
        {
          double sum = 0;
          int n = 0;
          guint32 v;

          for (int sy = y * f; sy < MIN ((y + 1) * f, d->height); sy++)
            for (int sx = x * f; sx < MIN ((x + 1) * f, d->width); sx++)
              {
                float p = d->image[(gsize) sy * d->width + sx];

                sum += isfinite (p) ? CLAMP (p, 0.0f, 1.0f) : 0.0f;
                n++;
              }
          v = (guint32) lround (sum / MAX (n, 1) * 255.0);
          row[x] = 0xff000000u | (v << 16) | (v << 8) | v;
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

static cairo_surface_t *
overlay_surface (const LsReportDiagnosis *d)
{
  cairo_surface_t *surface =
      cairo_image_surface_create (CAIRO_FORMAT_ARGB32, d->overlay_width, d->overlay_height);
  guint8 *pixels;
  int stride;

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    return surface;
  cairo_surface_flush (surface);
  pixels = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < d->overlay_height; y++)
    memcpy (pixels + (gsize) y * stride, d->overlay + (gsize) y * d->overlay_width * 4, (gsize) d->overlay_width * 4);
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* Draws @surface fitted into the box, centred, on a dark mat. */
static void
draw_picture (cairo_t *cr,
              cairo_surface_t *base,
              cairo_surface_t *over,
              int image_w,
              int image_h,
              double x,
              double y,
              double size)
{
  double scale = MIN (size / image_w, size / image_h);
  double w = image_w * scale, h = image_h * scale;
  double ix = x + (size - w) / 2, iy = y + (size - h) / 2;

  cairo_save (cr);
  ls_report_rounded_rect (cr, x, y, size, size, 6);
  ls_report_rgb (cr, 0x1e1e20);
  cairo_fill_preserve (cr);
  cairo_clip (cr);
  cairo_rectangle (cr, ix, iy, w, h);
  cairo_clip (cr);

  cairo_save (cr);
  cairo_translate (cr, ix, iy);
  cairo_scale (cr, w / cairo_image_surface_get_width (base), h / cairo_image_surface_get_height (base));
  cairo_set_source_surface (cr, base, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_restore (cr);

  if (over != NULL)
    {
      cairo_translate (cr, ix, iy);
      cairo_scale (cr, w / cairo_image_surface_get_width (over), h / cairo_image_surface_get_height (over));
      cairo_set_source_surface (cr, over, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
      cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
      cairo_paint (cr);
    }
  cairo_restore (cr);
}

static void
draw_info_icon (cairo_t *cr,
                double cx,
                double cy,
                double r,
                guint32 color)
{
  cairo_save (cr);
  cairo_arc (cr, cx, cy, r, 0, 2 * G_PI);
  ls_report_rgb (cr, color);
  cairo_fill (cr);
  ls_report_rgb (cr, LS_PAPER);
  cairo_arc (cr, cx, cy - r * 0.45, r * 0.14, 0, 2 * G_PI);
  cairo_fill (cr);
  cairo_set_line_width (cr, r * 0.26);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_move_to (cr, cx, cy - r * 0.08);
  cairo_line_to (cr, cx, cy + r * 0.5);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_warning_icon (cairo_t *cr,
                   double cx,
                   double cy,
                   double r,
                   guint32 color)
{
  cairo_save (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_width (cr, r * 0.3);
  cairo_move_to (cr, cx, cy - r);
  cairo_line_to (cr, cx + r * 1.1, cy + r * 0.85);
  cairo_line_to (cr, cx - r * 1.1, cy + r * 0.85);
  cairo_close_path (cr);
  ls_report_rgb (cr, color);
  cairo_fill_preserve (cr);
  cairo_stroke (cr);
  ls_report_rgb (cr, LS_PAPER);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_width (cr, r * 0.24);
  cairo_move_to (cr, cx, cy - r * 0.4);
  cairo_line_to (cr, cx, cy + r * 0.2);
  cairo_stroke (cr);
  cairo_arc (cr, cx, cy + r * 0.55, r * 0.13, 0, 2 * G_PI);
  cairo_fill (cr);
  cairo_restore (cr);
}

static void
mono_font (cairo_t *cr,
           double size)
{
  cairo_select_font_face (cr, MONO_FAMILY, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
}

/* A section heading with a hairline under it; returns the y below it. */
static double
draw_heading (cairo_t *cr,
              double x,
              double y,
              double width,
              const char *text)
{
  ls_report_font (cr, 10.5, TRUE);
  ls_report_rgb (cr, LS_INK);
  ls_report_text (cr, x, y + 10, 0, LS_VALIGN_BASELINE, text);
  ls_report_rgb (cr, 0xdeddda);
  cairo_set_line_width (cr, 0.6);
  cairo_move_to (cr, x, y + 15.5);
  cairo_line_to (cr, x + width, y + 15.5);
  cairo_stroke (cr);
  return y + 24;
}

typedef struct
{
  const char *key;
  char *value;
  gboolean mono;
} Field;

/* Key–value rows in a column; values wrap. Returns the height used (and
 * draws only when @draw). */
static double
draw_fields (cairo_t *cr,
             double x,
             double y,
             double width,
             const Field *fields,
             int n,
             gboolean draw)
{
  double key_w = 0, y0 = y, line = 11.5;

  ls_report_font (cr, SMALL, FALSE);
  for (int i = 0; i < n; i++)
    if (fields[i].key != NULL)
      key_w = MAX (key_w, ls_report_text_width (cr, fields[i].key));
  key_w += 10;
  for (int i = 0; i < n; i++)
    {
      g_autoptr (GPtrArray) lines = NULL;
      double vx = fields[i].key != NULL ? x + key_w : x;

      if (fields[i].value == NULL)
        continue;
      if (fields[i].key != NULL)
        {
          ls_report_font (cr, SMALL, FALSE);
          ls_report_rgb (cr, LS_INK_SOFT);
          if (draw)
            ls_report_text (cr, x, y + 9, 0, LS_VALIGN_BASELINE, fields[i].key);
        }
      if (fields[i].mono)
        mono_font (cr, SMALL);
      else
        ls_report_font (cr, BODY - 0.5, FALSE);
      lines = ls_report_text_wrap (cr, fields[i].value, x + width - vx);
      ls_report_rgb (cr, LS_INK);
      for (guint l = 0; l < lines->len; l++)
        {
          if (draw)
            ls_report_text (cr, vx, y + 9, 0, LS_VALIGN_BASELINE, g_ptr_array_index (lines, l));
          y += line;
        }
      y += 3.5;
    }
  return y - y0;
}

static char *
format_ood (const LsReportDiagnosis *d)
{
  if (!isfinite (d->ood_score) && !d->ood_flagged)
    return g_strdup (_ ("No out-of-distribution check: the model has no detector for it."));
  if (d->ood_flagged && isfinite (d->ood_threshold))
    return g_strdup_printf (_ ("Out-of-distribution score %.2f, above the threshold %.2f. "
                               "The probabilities above may not hold for this image."),
                            d->ood_score, d->ood_threshold);
  if (d->ood_flagged)
    return g_strdup_printf (_ ("Out-of-distribution score %.2f. The probabilities above may not hold for this image."),
                            d->ood_score);
  if (isfinite (d->ood_threshold))
    return g_strdup_printf (_ ("Out-of-distribution score %.2f, below the threshold %.2f: "
                               "the image resembles those the model was trained on."),
                            d->ood_score, d->ood_threshold);
  return g_strdup_printf (_ ("Out-of-distribution score %.2f (the model stores no threshold)."), d->ood_score);
}

typedef struct
{
  Field model[4 + MAX_CARD_LINES];
  int n_model;
  Field image[5];
  int n_image;
} Facts;

static void
facts_init (const LsReportDiagnosis *d,
            const char *date,
            Facts *f)
{
  int n = 0;

  memset (f, 0, sizeof *f);
  f->model[n++] = (Field){ _ ("Name"), g_strdup (d->model_name ? d->model_name : "—"), FALSE };
  f->model[n++] = (Field){ _ ("Identifier"), g_strdup (d->model_id ? d->model_id : "—"), d->model_id != NULL };
  f->model[n++] = (Field){ _ ("Dataset version"), g_strdup (d->dataset_version ? d->dataset_version : "—"), d->dataset_version != NULL };
  for (int i = 0; d->card_lines != NULL && d->card_lines[i] != NULL && i < MAX_CARD_LINES; i++)
    f->model[n++] = (Field){ i == 0 ? _ ("Model card") : "", g_strdup (d->card_lines[i]), FALSE };
  f->n_model = n;

  n = 0;
  f->image[n++] = (Field){ _ ("File"), g_strdup (d->image_name ? d->image_name : "—"), FALSE };
  if (d->image_sha256 != NULL && d->image_sha256[0] != '\0')
    f->image[n++] = (Field){ "SHA-256", strlen (d->image_sha256) > 16 ? g_strdup_printf ("%.16s…", d->image_sha256) : g_strdup (d->image_sha256), TRUE };
  f->image[n++] = (Field){ _ ("Size"), g_strdup_printf (_ ("%d × %d pixels"), d->width, d->height), FALSE };
  f->image[n++] = (Field){ _ ("Read on"), g_strdup (date), FALSE };
  f->n_image = n;
}

static void
facts_clear (Facts *f)
{
  for (int i = 0; i < f->n_model; i++)
    g_free (f->model[i].value);
  for (int i = 0; i < f->n_image; i++)
    g_free (f->image[i].value);
}

static void
draw_page (const LsReportDiagnosis *d,
           cairo_t *cr,
           cairo_surface_t *radiograph,
           cairo_surface_t *overlay)
{
  const double W = LS_REPORT_PAGE_WIDTH, H = LS_REPORT_PAGE_HEIGHT;
  const double inner = W - 2 * MARGIN;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *now_text = g_date_time_format (now, "%Y-%m-%d %H:%M UTC");
  const char *date = d->date != NULL ? d->date : now_text;
  g_autofree char *subtitle = NULL;
  g_autofree char *ood = format_ood (d);
  g_autoptr (GPtrArray) ood_lines = NULL;
  const char *ood_head = _ ("This image looks unlike the images the model was trained on.");
  double y, below, pic, facts_h, ood_h, name_w = 0, col_w, col2_w, box_h;
  double row_h = d->n_classes > 6 ? 15 : 19;
  char pct[32];
  Facts facts;

  facts_init (d, date, &facts);
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, W, H);
  ls_report_rgb (cr, LS_PAPER);
  cairo_fill (cr);

  /* Title. */
  y = MARGIN;
  ls_report_font (cr, 19, TRUE);
  ls_report_rgb (cr, LS_INK);
  ls_report_text (cr, MARGIN, y + 17, 0, LS_VALIGN_BASELINE, _ ("Lungscope — chest radiograph reading"));
  ls_report_font (cr, BODY, FALSE);
  ls_report_rgb (cr, LS_INK_SOFT);
  {
    g_autofree char *tail = g_strdup_printf (" · %s", date);
    g_autofree char *name = ls_report_text_fit_middle (cr, d->image_name ? d->image_name : _ ("unnamed image"),
                                                       inner - ls_report_text_width (cr, tail));

    subtitle = g_strconcat (name, tail, NULL);
    ls_report_text (cr, MARGIN, y + 34, 0, LS_VALIGN_BASELINE, subtitle);
  }
  y += 48;

  /* The statement: prominent, calm. */
  box_h = d->synthetic_training ? 44 : 32;
  ls_report_rounded_rect (cr, MARGIN, y, inner, box_h, 6);
  ls_report_rgb (cr, 0xeef3fb);
  cairo_fill (cr);
  ls_report_rounded_rect (cr, MARGIN, y, inner, box_h, 6);
  cairo_save (cr);
  cairo_clip (cr);
  cairo_rectangle (cr, MARGIN, y, 4, box_h);
  ls_report_rgb (cr, LS_BLUE);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_new_path (cr);
  draw_info_icon (cr, MARGIN + 20, y + box_h / 2, 7.5, LS_BLUE_DARK);
  ls_report_font (cr, 11.5, TRUE);
  ls_report_rgb (cr, LS_INK);
  ls_report_text (cr, MARGIN + 36, d->synthetic_training ? y + 19 : y + box_h / 2, 0,
                  d->synthetic_training ? LS_VALIGN_BASELINE : LS_VALIGN_MIDDLE,
                  _ ("Not a medical device. This is not a diagnosis."));
  if (d->synthetic_training)
    {
      ls_report_font (cr, BODY, FALSE);
      ls_report_rgb (cr, LS_INK_SOFT);
      ls_report_text (cr, MARGIN + 36, y + 33, 0, LS_VALIGN_BASELINE, _ ("The model was trained on synthetic images only."));
    }
  y += box_h + 18;

  /* Measure what goes under the pictures. */
  ls_report_font (cr, BODY, FALSE);
  ood_lines = ls_report_text_wrap (cr, ood, inner - 40);
  ood_h = d->ood_flagged ? 22 + 12.5 * ood_lines->len + 8 : 16;
  /* The model's card needs more room than the file's facts. */
  col_w = (inner - 24) * 0.57;
  col2_w = inner - 24 - col_w;
  facts_h = MAX (draw_fields (cr, MARGIN, 0, col_w, facts.model, facts.n_model, FALSE),
                 draw_fields (cr, MARGIN + col_w + 24, 0, col2_w, facts.image, facts.n_image, FALSE));
  below = 20 /* captions */ + 16 + 24 /* heading */ + 30 /* answer */ + row_h * d->n_classes + 10 + ood_h + 16 +
          24 /* heading */ + facts_h + 40 /* footer */;
  pic = overlay != NULL ? (inner - 16) / 2 : inner * 0.55;
  pic = MIN (pic, H - MARGIN - y - below);
  pic = MAX (pic, 80);

  /* The radiograph and its overlay. */
  {
    double x1 = overlay != NULL ? MARGIN : MARGIN + (inner - pic) / 2, x2 = MARGIN + inner - pic;
    const char *cap1 = _ ("Radiograph");
    const char *cap2 = d->overlay_caption ? d->overlay_caption : _ ("Saliency overlay");

    if (overlay != NULL)
      x1 = MARGIN + (inner - 2 * pic - 16) / 2, x2 = x1 + pic + 16;
    draw_picture (cr, radiograph, NULL, d->width, d->height, x1, y, pic);
    ls_report_font (cr, SMALL, FALSE);
    ls_report_rgb (cr, LS_INK_SOFT);
    ls_report_text (cr, x1 + pic / 2, y + pic + 13, 0.5, LS_VALIGN_BASELINE, cap1);
    if (overlay != NULL)
      {
        g_autofree char *c2 = NULL;

        draw_picture (cr, radiograph, overlay, d->width, d->height, x2, y, pic);
        c2 = ls_report_text_fit (cr, cap2, pic);
        ls_report_rgb (cr, LS_INK_SOFT);
        ls_report_text (cr, x2 + pic / 2, y + pic + 13, 0.5, LS_VALIGN_BASELINE, c2);
      }
    y += pic + 20 + 16;
  }

  /* The answer. */
  y = draw_heading (cr, MARGIN, y, inner, _ ("Reading"));
  {
    const char *name = d->class_names[d->predicted];
    double x = MARGIN;

    ls_report_font (cr, SMALL, FALSE);
    ls_report_rgb (cr, LS_INK_SOFT);
    ls_report_text (cr, x, y + 13, 0, LS_VALIGN_BASELINE, _ ("Most likely"));
    x += ls_report_text_width (cr, _ ("Most likely")) + 10;
    ls_report_rounded_rect (cr, x, y + 3, 11, 11, 2.5);
    ls_report_rgb (cr, ls_report_class_color (name, d->predicted));
    cairo_fill (cr);
    x += 17;
    ls_report_font (cr, 15, TRUE);
    ls_report_rgb (cr, LS_INK);
    ls_report_text (cr, x, y + 14, 0, LS_VALIGN_BASELINE, name);
    x += ls_report_text_width (cr, name) + 8;
    ls_report_format_percent (d->probabilities[d->predicted], pct, sizeof pct);
    ls_report_font (cr, 15, FALSE);
    ls_report_rgb (cr, LS_INK_SOFT);
    ls_report_text (cr, x, y + 14, 0, LS_VALIGN_BASELINE, pct);
    y += 30;
  }

  ls_report_font (cr, BODY, FALSE);
  for (int i = 0; i < d->n_classes; i++)
    name_w = MAX (name_w, ls_report_text_width (cr, d->class_names[i]));
  ls_report_font (cr, BODY, TRUE);
  name_w = MAX (name_w, ls_report_text_width (cr, d->class_names[d->predicted]));
  name_w = MIN (name_w, inner * 0.3) + 14;
  for (int i = 0; i < d->n_classes; i++)
    {
      double p = d->probabilities[i], bx = MARGIN + name_w, bw = inner - name_w - 52, cy = y + row_h / 2;
      guint32 color = ls_report_class_color (d->class_names[i], i);
      g_autofree char *n = NULL;

      ls_report_font (cr, BODY, i == d->predicted);
      n = ls_report_text_fit (cr, d->class_names[i], name_w - 14);
      ls_report_rgb (cr, LS_INK);
      ls_report_text (cr, MARGIN, cy, 0, LS_VALIGN_MIDDLE, n);
      ls_report_rounded_rect (cr, bx, cy - 5, bw, 10, 5);
      ls_report_rgb (cr, 0xebeaee);
      cairo_fill (cr);
      if (p > 0)
        {
          ls_report_rounded_rect (cr, bx, cy - 5, MAX (bw * p, 3), 10, 5);
          ls_report_rgb (cr, color);
          cairo_fill (cr);
        }
      ls_report_format_percent (p, pct, sizeof pct);
      ls_report_font (cr, BODY, i == d->predicted);
      ls_report_rgb (cr, LS_INK);
      ls_report_text (cr, MARGIN + inner, cy, 1, LS_VALIGN_MIDDLE, pct);
      y += row_h;
    }
  y += 10;

  /* The out-of-distribution check. */
  if (d->ood_flagged)
    {
      ls_report_rounded_rect (cr, MARGIN, y, inner, ood_h - 4, 6);
      ls_report_rgb (cr, 0xfdf2d0);
      cairo_fill_preserve (cr);
      ls_report_rgb (cr, 0xe5a50a);
      cairo_set_line_width (cr, 0.8);
      cairo_stroke (cr);
      draw_warning_icon (cr, MARGIN + 18, y + 15, 7, 0xc66a00);
      ls_report_font (cr, BODY, TRUE);
      ls_report_rgb (cr, LS_INK);
      ls_report_text (cr, MARGIN + 34, y + 18, 0, LS_VALIGN_BASELINE, ood_head);
      ls_report_font (cr, BODY, FALSE);
      ls_report_rgb (cr, LS_INK_SOFT);
      for (guint l = 0; l < ood_lines->len; l++)
        ls_report_text (cr, MARGIN + 34, y + 31 + 12.5 * l, 0, LS_VALIGN_BASELINE, g_ptr_array_index (ood_lines, l));
    }
  else
    {
      g_autofree char *line = NULL;

      ls_report_font (cr, SMALL, FALSE);
      line = ls_report_text_fit (cr, ood, inner);
      ls_report_rgb (cr, LS_INK_SOFT);
      ls_report_text (cr, MARGIN, y + 9, 0, LS_VALIGN_BASELINE, line);
    }
  y += ood_h + 16;

  /* Where the answer came from. */
  draw_heading (cr, MARGIN, y, col_w, _ ("Model"));
  y = draw_heading (cr, MARGIN + col_w + 24, y, col2_w, _ ("Image"));
  draw_fields (cr, MARGIN, y, col_w, facts.model, facts.n_model, TRUE);
  draw_fields (cr, MARGIN + col_w + 24, y, col2_w, facts.image, facts.n_image, TRUE);

  /* Footer. */
  ls_report_rgb (cr, 0xdeddda);
  cairo_set_line_width (cr, 0.6);
  cairo_move_to (cr, MARGIN, H - MARGIN + 6);
  cairo_line_to (cr, W - MARGIN, H - MARGIN + 6);
  cairo_stroke (cr);
  ls_report_font (cr, 7.5, FALSE);
  ls_report_rgb (cr, LS_INK_FAINT);
  ls_report_text (cr, MARGIN, H - MARGIN + 17, 0, LS_VALIGN_BASELINE, "Lungscope " PACKAGE_VERSION);
  ls_report_text (cr, W - MARGIN, H - MARGIN + 17, 1, LS_VALIGN_BASELINE,
                  _ ("Probabilities are calibrated estimates of one model, not findings."));
  cairo_restore (cr);
  facts_clear (&facts);
}

gboolean
ls_report_diagnosis_draw (const LsReportDiagnosis *diagnosis,
                          cairo_t *cr,
                          GError **error)
{
  cairo_surface_t *radiograph, *overlay = NULL;
  cairo_status_t status;

  g_return_val_if_fail (diagnosis != NULL && cr != NULL, FALSE);
  if (!diagnosis_check (diagnosis, error))
    return FALSE;
  radiograph = radiograph_surface (diagnosis);
  if (diagnosis->overlay != NULL)
    overlay = overlay_surface (diagnosis);
  status = cairo_surface_status (radiograph);
  if (status == CAIRO_STATUS_SUCCESS && overlay != NULL)
    status = cairo_surface_status (overlay);
  if (status == CAIRO_STATUS_SUCCESS)
    {
      /* Paper is white whatever the screen's style. */
      LsReportTheme theme = ls_report_get_theme (cr);

      ls_report_set_theme (cr, LS_REPORT_THEME_LIGHT);
      draw_page (diagnosis, cr, radiograph, overlay);
      ls_report_set_theme (cr, theme);
      status = cairo_status (cr);
    }
  cairo_surface_destroy (radiograph);
  if (overlay != NULL)
    cairo_surface_destroy (overlay);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_RENDER, "diagnosis report: %s",
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

static cairo_status_t
append_bytes (void *closure,
              const unsigned char *data,
              unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
ls_report_diagnosis_save_pdf (const LsReportDiagnosis *diagnosis,
                              const char *path,
                              GError **error)
{
  g_autoptr (GByteArray) pdf = g_byte_array_new ();
  g_autoptr (GError) local = NULL;
  g_autofree char *subject = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  gboolean ok;

  g_return_val_if_fail (diagnosis != NULL && path != NULL, FALSE);
  if (!diagnosis_check (diagnosis, &local))
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID, _ ("Cannot write “%s”: %s"), path, local->message);
      return FALSE;
    }
  surface = cairo_pdf_surface_create_for_stream (append_bytes, pdf, LS_REPORT_PAGE_WIDTH, LS_REPORT_PAGE_HEIGHT);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, _ ("Lungscope — chest radiograph reading"));
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Lungscope " PACKAGE_VERSION);
  subject = g_strdup_printf (_ ("Reading of %s. Not a medical device. This is not a diagnosis."),
                             diagnosis->image_name ? diagnosis->image_name : _ ("an image"));
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_SUBJECT, subject);
  cr = cairo_create (surface);
  ok = ls_report_diagnosis_draw (diagnosis, cr, &local);
  if (ok)
    cairo_show_page (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (!ok)
    {
      g_set_error (error, LS_REPORT_ERROR, local->code, _ ("Cannot write “%s”: %s"), path, local->message);
      return FALSE;
    }
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_RENDER, _ ("Cannot write “%s”: %s"), path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return ls_report_write_file (path, pdf->data, pdf->len, error);
}
