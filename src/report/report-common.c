/* report-common.c — colours, text, scales and durable writes for the reports
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "report-private.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "base/file.h"

GQuark
ls_report_error_quark (void)
{
  return g_quark_from_static_string ("ls-report-error-quark");
}

void
ls_report_axes_map (const LsReportAxes *axes,
                    double x,
                    double y,
                    double *ux,
                    double *uy)
{
  double dx = axes->x_max - axes->x_min;
  double dy = axes->y_max - axes->y_min;

  if (ux != NULL)
    *ux = axes->area.x + (dx != 0 ? (x - axes->x_min) / dx : 0.5) * axes->area.width;
  if (uy != NULL)
    *uy = axes->area.y + axes->area.height - (dy != 0 ? (y - axes->y_min) / dy : 0.5) * axes->area.height;
}

/* ---- Classes ---------------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *display;
  guint32 color;
} KnownClass;

/* DESIGN §3. Colours checked with the Machado et al. simulations: every pair
 * stays at least ΔE 39 apart for deuteranopia, protanopia and tritanopia. */
static const KnownClass known_classes[] = {
  /* Translators: a diagnosis class, shown on bars, badges, buttons and charts */
  { "normal", NC_ ("class", "Normal"), 0x26a269 },
  /* Translators: a diagnosis class (lung infection) */
  { "pneumonia", NC_ ("class", "Pneumonia"), 0xf08c00 },
  /* Translators: a diagnosis class */
  { "covid", NC_ ("class", "COVID-19"), 0x8a2a80 },
};

/* For classes other than the three: blue, brown, light blue, red, slate. */
static const guint32 extra_colors[] = { 0x1c71d8, 0x865e3c, 0x62a0ea, 0xc01c28, 0x5e5c64 };

/* The known class @class_name is: by its stored name, or also (with
 * @any_name) by its display name or that name translated; −1 for none. */
static int
find_known (const char *class_name,
            gboolean any_name)
{
  for (guint i = 0; i < G_N_ELEMENTS (known_classes); i++)
    {
      const KnownClass *k = &known_classes[i];

      if (g_ascii_strcasecmp (class_name, k->name) == 0 ||
          (any_name && (g_ascii_strcasecmp (class_name, k->display) == 0 ||
                        strcmp (class_name, g_dpgettext2 (GETTEXT_PACKAGE, "class", k->display)) == 0)))
        return (int) i;
    }
  return -1;
}

const char *
ls_report_class_display_name (const char *class_name)
{
  int i;

  g_return_val_if_fail (class_name != NULL, NULL);
  i = find_known (class_name, FALSE);
  return i >= 0 ? known_classes[i].display : class_name;
}

const char *
ls_report_class_label (const char *class_name)
{
  int i;

  g_return_val_if_fail (class_name != NULL, NULL);
  i = find_known (class_name, TRUE);
  return i >= 0 ? g_dpgettext2 (GETTEXT_PACKAGE, "class", known_classes[i].display) : class_name;
}

guint32
ls_report_class_color (const char *class_name,
                       int index)
{
  int i = class_name != NULL ? find_known (class_name, TRUE) : -1;

  return i >= 0 ? known_classes[i].color : extra_colors[(guint) MAX (index, 0) % G_N_ELEMENTS (extra_colors)];
}

/* ---- Colour ----------------------------------------------------------- */

static const cairo_user_data_key_t theme_key;

/* Light palette → libadwaita's dark style (GNOME palette, lighter hues). */
static const guint32 dark_map[][2] = {
  { LS_INK, 0xf6f5f4 },
  { LS_INK_SOFT, 0xc0bfbc },
  { LS_INK_FAINT, 0x77767b },
  { LS_GRID, 0x38383c },
  { LS_PAPER, 0x1e1e1e },
  { LS_BLUE, 0x62a0ea },
  { LS_BLUE_DARK, 0x99c1f1 },
  { LS_ORANGE, 0xffa348 },
  { LS_RED, 0xff7b63 },
  { LS_PURPLE, 0xc061cb },
  { LS_CELL_LOW, 0x2c2c30 },
  { LS_CELL_HIGH, 0x3584e4 },
  { LS_CELL_EMPTY, 0x242424 },
  { LS_HISTOGRAM, 0x77767b },
};

void
ls_report_set_theme (cairo_t *cr,
                     LsReportTheme theme)
{
  g_return_if_fail (cr != NULL);
  cairo_set_user_data (cr, &theme_key, theme == LS_REPORT_THEME_DARK ? GINT_TO_POINTER (1) : NULL, NULL);
}

LsReportTheme
ls_report_get_theme (cairo_t *cr)
{
  return cairo_get_user_data (cr, &theme_key) != NULL ? LS_REPORT_THEME_DARK : LS_REPORT_THEME_LIGHT;
}

guint32
ls_report_themed (cairo_t *cr,
                  guint32 rgb)
{
  if (ls_report_get_theme (cr) != LS_REPORT_THEME_DARK)
    return rgb;
  for (guint i = 0; i < G_N_ELEMENTS (dark_map); i++)
    if (dark_map[i][0] == rgb)
      return dark_map[i][1];
  return rgb;
}

void
ls_report_rgb_exact (cairo_t *cr,
                     guint32 rgb)
{
  cairo_set_source_rgb (cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                        (rgb & 0xff) / 255.0);
}

void
ls_report_rgb (cairo_t *cr,
               guint32 rgb)
{
  ls_report_rgb_exact (cr, ls_report_themed (cr, rgb));
}

void
ls_report_rgba (cairo_t *cr,
                guint32 rgb,
                double alpha)
{
  rgb = ls_report_themed (cr, rgb);
  cairo_set_source_rgba (cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                         (rgb & 0xff) / 255.0, alpha);
}

guint32
ls_report_mix (guint32 a,
               guint32 b,
               double t)
{
  guint32 out = 0;

  t = CLAMP (t, 0.0, 1.0);
  for (int shift = 0; shift <= 16; shift += 8)
    {
      double ca = (a >> shift) & 0xff, cb = (b >> shift) & 0xff;
      out |= (guint32) lround (ca + (cb - ca) * t) << shift;
    }
  return out;
}

/* Relative luminance (sRGB, linearised), to choose text colour on fills. */
double
ls_report_luminance (guint32 rgb)
{
  double c[3];

  for (int i = 0; i < 3; i++)
    {
      double v = ((rgb >> (16 - 8 * i)) & 0xff) / 255.0;
      c[i] = v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
    }
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

/* ---- Text ------------------------------------------------------------- */

void
ls_report_font (cairo_t *cr,
                double size,
                gboolean bold)
{
  cairo_select_font_face (cr, LS_FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
}

void
ls_report_raster_font_options (cairo_t *cr)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_SLIGHT);
  /* Unhinted metrics: text measures the same at every size and in the PDF. */
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_set_font_options (cr, options);
  cairo_font_options_destroy (options);
}

double
ls_report_text_width (cairo_t *cr,
                      const char *text)
{
  cairo_text_extents_t te;

  cairo_text_extents (cr, text, &te);
  return te.x_advance;
}

void
ls_report_text (cairo_t *cr,
                double x,
                double y,
                double halign,
                LsValign valign,
                const char *text)
{
  cairo_text_extents_t te, cap;
  cairo_font_extents_t fe;
  double by = y;

  cairo_text_extents (cr, text, &te);
  cairo_font_extents (cr, &fe);
  switch (valign)
    {
    case LS_VALIGN_TOP:
      by = y + fe.ascent;
      break;
    case LS_VALIGN_MIDDLE:
      cairo_text_extents (cr, "H", &cap);
      by = y - cap.y_bearing / 2;
      break;
    case LS_VALIGN_BOTTOM:
      by = y - fe.descent;
      break;
    case LS_VALIGN_BASELINE:
    default:
      break;
    }
  cairo_move_to (cr, x - halign * te.x_advance, by);
  cairo_show_text (cr, text);
  cairo_new_path (cr);
}

void
ls_report_text_vertical (cairo_t *cr,
                         double x,
                         double y,
                         const char *text)
{
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_rotate (cr, -G_PI / 2);
  ls_report_text (cr, 0, 0, 0.5, LS_VALIGN_MIDDLE, text);
  cairo_restore (cr);
}

char *
ls_report_text_fit (cairo_t *cr,
                    const char *text,
                    double max_width)
{
  g_autoptr (GString) s = NULL;

  if (ls_report_text_width (cr, text) <= max_width)
    return g_strdup (text);
  s = g_string_new (text);
  while (s->len > 0)
    {
      const char *prev = g_utf8_find_prev_char (s->str, s->str + s->len);
      g_autofree char *candidate = NULL;

      g_string_truncate (s, prev != NULL ? (gsize) (prev - s->str) : 0);
      candidate = g_strconcat (s->str, "…", NULL);
      if (ls_report_text_width (cr, candidate) <= max_width)
        return g_steal_pointer (&candidate);
    }
  return g_strdup ("…");
}

char *
ls_report_text_fit_middle (cairo_t *cr,
                           const char *text,
                           double max_width)
{
  glong n = g_utf8_strlen (text, -1);

  if (ls_report_text_width (cr, text) <= max_width)
    return g_strdup (text);
  /* Drop characters from the middle, keeping a little more of the end
   * (where a file name's distinguishing part and extension are). */
  for (glong keep = n - 1; keep > 1; keep--)
    {
      glong head = keep * 2 / 5, tail = keep - head;
      const char *h_end = g_utf8_offset_to_pointer (text, head);
      const char *t_start = g_utf8_offset_to_pointer (text, n - tail);
      g_autofree char *candidate = g_strdup_printf ("%.*s…%s", (int) (h_end - text), text, t_start);

      if (ls_report_text_width (cr, candidate) <= max_width)
        return g_steal_pointer (&candidate);
    }
  return g_strdup ("…");
}

GPtrArray *
ls_report_text_wrap (cairo_t *cr,
                     const char *text,
                     double max_width)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) words = g_strsplit (text, " ", -1);
  g_autoptr (GString) line = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *candidate = NULL;

      if (words[i][0] == '\0')
        continue;
      candidate = line->len > 0 ? g_strconcat (line->str, " ", words[i], NULL) : g_strdup (words[i]);
      if (ls_report_text_width (cr, candidate) <= max_width)
        {
          g_string_assign (line, candidate);
          continue;
        }
      if (line->len > 0)
        g_ptr_array_add (lines, g_strdup (line->str));
      g_string_truncate (line, 0);
      if (ls_report_text_width (cr, words[i]) <= max_width)
        {
          g_string_assign (line, words[i]);
          continue;
        }
      /* A word wider than the line (a file name, a hash) is broken
       * between characters: a report keeps it whole. */
      for (const char *p = words[i]; *p != '\0'; p = g_utf8_next_char (p))
        {
          gsize at = line->len;

          g_string_append_len (line, p, g_utf8_next_char (p) - p);
          if (at > 0 && ls_report_text_width (cr, line->str) > max_width)
            {
              g_string_truncate (line, at);
              g_ptr_array_add (lines, g_strdup (line->str));
              g_string_assign (line, "");
              g_string_append_len (line, p, g_utf8_next_char (p) - p);
            }
        }
    }
  if (line->len > 0)
    g_ptr_array_add (lines, g_strdup (line->str));
  return lines;
}

void
ls_report_rounded_rect (cairo_t *cr,
                        double x,
                        double y,
                        double width,
                        double height,
                        double radius)
{
  radius = MIN (radius, MIN (width, height) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + width - radius, y + radius, radius, -G_PI / 2, 0);
  cairo_arc (cr, x + width - radius, y + height - radius, radius, 0, G_PI / 2);
  cairo_arc (cr, x + radius, y + height - radius, radius, G_PI / 2, G_PI);
  cairo_arc (cr, x + radius, y + radius, radius, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

/* ---- Scales ----------------------------------------------------------- */

void
ls_report_nice_scale (double lo,
                      double hi,
                      int target_ticks,
                      gboolean integer,
                      LsNiceScale *scale)
{
  double raw, mag, norm, step;

  if (!isfinite (lo) || !isfinite (hi))
    {
      lo = 0;
      hi = 1;
    }
  if (hi < lo)
    {
      double t = lo;
      lo = hi;
      hi = t;
    }
  if (hi - lo <= 1e-12 * MAX (1.0, fabs (hi)))
    {
      double pad = lo == 0 ? 1 : fabs (lo) * 0.1;
      lo -= integer ? 1 : pad;
      hi += integer ? 1 : pad;
    }
  raw = (hi - lo) / MAX (target_ticks - 1, 1);
  mag = pow (10, floor (log10 (raw)));
  norm = raw / mag;
  /* The rung nearest the raw step, on a log scale. */
  if (norm < G_SQRT2)
    step = 1;
  else if (norm < sqrt (10))
    step = 2;
  else if (norm < sqrt (50))
    step = 5;
  else
    step = 10;
  step *= mag;
  if (integer)
    step = MAX (1.0, round (step));
  scale->step = step;
  scale->min = floor (lo / step + 1e-9) * step;
  scale->max = ceil (hi / step - 1e-9) * step;
  scale->n = (int) lround ((scale->max - scale->min) / step) + 1;
}

double
ls_report_nice_tick (const LsNiceScale *scale,
                     int i)
{
  double v = scale->min + i * scale->step;

  return fabs (v) < scale->step * 1e-9 ? 0.0 : v;
}

/* Replaces ASCII hyphen-minus with the typographic minus sign. */
static void
use_minus_sign (char *buf,
                gsize size)
{
  g_autoptr (GString) s = g_string_new (NULL);

  if (strchr (buf, '-') == NULL)
    return;
  for (const char *p = buf; *p != '\0'; p++)
    if (*p == '-')
      g_string_append (s, "−");
    else
      g_string_append_c (s, *p);
  g_strlcpy (buf, s->str, size);
}

/* The fewest decimals that write every multiple of @step exactly. */
static int
decimals_for_step (double step)
{
  for (int d = 0; d < 8; d++)
    {
      double scaled = step * pow (10, d);

      if (fabs (scaled - round (scaled)) < 1e-6 * MAX (1.0, scaled))
        return d;
    }
  return 8;
}

void
ls_report_format_tick (double value,
                       double step,
                       LsTickFormat format,
                       char *buf,
                       gsize size)
{
  if (format == LS_TICK_PERCENT)
    {
      g_snprintf (buf, size, "%.*f%%", decimals_for_step (step * 100), value * 100);
    }
  else if (value == 0)
    {
      g_strlcpy (buf, "0", size);
    }
  else if (step < 1e-3 || step >= 1e6)
    {
      /* Scientific, with one exponent for the whole axis' magnitude. */
      int e = (int) floor (log10 (fabs (value)));
      int d = CLAMP ((int) ceil (log10 (fabs (value)) - log10 (step) - 1e-9), 0, 6);
      double m = value / pow (10, e);

      if (fabs (m - round (m)) < step / pow (10, e) * 1e-6)
        d = 0;
      g_snprintf (buf, size, "%.*fe%d", d, m, e);
    }
  else
    {
      g_snprintf (buf, size, "%.*f", decimals_for_step (step), value);
    }
  use_minus_sign (buf, size);
}

void
ls_report_format_percent (double fraction,
                          char *buf,
                          gsize size)
{
  double p = fraction * 100;

  /* Never round a probability to certainty or to impossibility. */
  if (p >= 100)
    g_strlcpy (buf, "100%", size);
  else if (p >= 99.95)
    g_strlcpy (buf, "> 99.9%", size);
  else if (p <= 0)
    g_strlcpy (buf, "0%", size);
  else if (p < 0.05)
    g_strlcpy (buf, "< 0.1%", size);
  else
    g_snprintf (buf, size, "%.1f%%", p);
}

/* ---- Files ------------------------------------------------------------ */

static gboolean
set_write_error (GError **error,
                 const char *path,
                 int errsv)
{
  g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_WRITE, _ ("Cannot write “%s”: %s"), path,
               g_strerror (errsv));
  return FALSE;
}

gboolean
ls_report_write_file (const char *path,
                      const guint8 *data,
                      gsize len,
                      GError **error)
{
  g_auto (LsFileFailure) failure = { 0 };

  if (!ls_file_write (path, NULL, data, len, LS_FILE_WRITE_DEFAULT, &failure))
    return set_write_error (error, path, failure.errsv);
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
ls_report_save_png (LsReportDrawFunc draw,
                    gconstpointer data,
                    int width,
                    int height,
                    const char *path,
                    GError **error)
{
  g_autoptr (GByteArray) png = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  if (width < LS_REPORT_MIN_PNG_SIDE || height < LS_REPORT_MIN_PNG_SIDE ||
      width > LS_REPORT_MAX_PNG_SIDE || height > LS_REPORT_MAX_PNG_SIDE)
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID,
                   "Cannot draw “%s”: %d × %d pixels is outside %d … %d per side", path, width,
                   height, LS_REPORT_MIN_PNG_SIDE, LS_REPORT_MAX_PNG_SIDE);
      return FALSE;
    }

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cr = cairo_create (surface);
  ls_report_raster_font_options (cr);
  draw (data, cr, width, height);
  status = cairo_status (cr);
  cairo_destroy (cr);
  if (status == CAIRO_STATUS_SUCCESS)
    {
      png = g_byte_array_new ();
      cairo_surface_flush (surface);
      status = cairo_surface_write_to_png_stream (surface, append_bytes, png);
    }
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_RENDER, _ ("Cannot draw “%s”: %s"), path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return ls_report_write_file (path, png->data, png->len, error);
}
