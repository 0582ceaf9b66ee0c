/* ls-viewer.c — the radiograph viewer widget
 *
 * The view is a zoom z and the image point (cx, cy) at the widget's centre;
 * widget point (wx, wy) shows image point (cx + (wx − W/2) / z, …). Along an
 * axis where the image is narrower than the widget it is centred; otherwise
 * (cx, cy) is kept so the image covers the widget. Zooming at a pointer keeps
 * the image point under it fixed (Loupe's zoom.rs, EOG's eog-scroll-view.c).
 *
 * What is drawn, bottom to top: a black surround; the preview (the whole
 * image through window/level from a coarse pyramid level, scaled by GTK),
 * left out when the detail covers the visible image; the detail (the
 * visible region at device resolution, made LS_VIEWER_DETAIL_DELAY_MS after
 * the last change of the view, drawn when its window/level is the current
 * one and, while the view moves, as long as it is sharper than the
 * preview); the overlay layer under gtk_snapshot_push_opacity; the colour
 * bar. Textures come from workers (ls-viewer-render.c); each kind of job
 * (prepare, preview, detail, overlay) has its own GCancellable, and a newer
 * request cancels the older one. Input and actions: ls-viewer-input.c.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ls-viewer-private.h"

#define PYRAMID_MIN_SIDE 256
#define SURFACE_KEY "ls-viewer-surface"
#define WINDOW_WIDTH_MIN (1.0 / 1024.0)
#define COLORBAR_HEIGHT 140.0
#define COLORBAR_WIDTH 14.0

G_DEFINE_FINAL_TYPE (LsViewer, ls_viewer, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_ZOOM,
  PROP_BEST_FIT,
  PROP_WINDOW_CENTER,
  PROP_WINDOW_WIDTH,
  PROP_INVERTED,
  PROP_OVERLAY_VISIBLE,
  PROP_OVERLAY_OPACITY,
  PROP_COLORMAP,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  const char *name;
  double center, width;
} Preset;

static const Preset presets[] = {
  { "full", 0.50, 1.00 },
  { "lung", 0.40, 0.60 },
  { "soft", 0.60, 0.50 },
  { "bone", 0.75, 0.50 },
};

static void levels_changed (LsViewer *self);

static void
layer_clear (Layer *layer)
{
  g_clear_object (&layer->texture);
}

static int
image_width (LsViewer *self)
{
  return self->source != NULL ? self->source->image->width : 0;
}

static int
image_height (LsViewer *self)
{
  return self->source != NULL ? self->source->image->height : 0;
}

/* ---- Busy state and accessibility ------------------------------------ */

static void
update_busy (LsViewer *self)
{
  gboolean busy = self->detail_timeout_id != 0;

  for (int k = 0; k < N_JOBS; k++)
    busy = busy || self->cancel[k] != NULL;
  if (busy == self->busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* Screen readers hear the view's state; set only when it changes, so a pan
 * sends nothing. */
static void
update_accessible (LsViewer *self)
{
  g_autofree char *description = NULL;

  if (self->source == NULL)
    description = g_strdup (_ ("No image"));
  else
    /* Translators: the viewer's state for screen readers; the last two %s
     * are ", inverted" and ", saliency overlay shown" or empty */
    description = g_strdup_printf (_ ("%d × %d pixels, zoom %.0f %%, window center %.2f, width %.2f%s%s"),
                                   image_width (self), image_height (self), self->zoom * 100.0, self->window_center,
                                   self->window_width, self->inverted ? _ (", inverted") : "",
                                   self->overlay_visible && self->overlay_map != NULL ? _ (", saliency overlay shown") : "");
  if (g_strcmp0 (description, self->description) == 0)
    return;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
  g_free (self->description);
  self->description = g_steal_pointer (&description);
}

static void
update_actions (LsViewer *self)
{
  gboolean have = self->source != NULL;
  GtkWidget *w = GTK_WIDGET (self);

  gtk_widget_action_set_enabled (w, "viewer.zoom-in", have && self->zoom < LS_VIEWER_ZOOM_MAX);
  gtk_widget_action_set_enabled (w, "viewer.zoom-out", have && !self->best_fit);
  gtk_widget_action_set_enabled (w, "viewer.zoom-original", have);
  gtk_widget_action_set_enabled (w, "viewer.zoom-fit", have);
  gtk_widget_action_set_enabled (w, "viewer.invert", have);
  gtk_widget_action_set_enabled (w, "viewer.reset", have);
  gtk_widget_action_set_enabled (w, "viewer.window-preset", have);
}

/* ---- Geometry -------------------------------------------------------- */

double
ls_viewer_get_fit_zoom (LsViewer *self)
{
  double w, h;
  int iw, ih;

  g_return_val_if_fail (LS_IS_VIEWER (self), 1.0);
  w = ls_viewer_widget_w (self);
  h = ls_viewer_widget_h (self);
  iw = image_width (self);
  ih = image_height (self);
  if (iw == 0 || w <= 0 || h <= 0)
    return 1.0;
  /* best fit never enlarges past 100 %, as Loupe */
  return MIN (1.0, MIN (w / iw, h / ih));
}

double
ls_viewer_min_zoom (LsViewer *self)
{
  /* before the first allocation any zoom is kept; size_allocate clamps it */
  if (ls_viewer_widget_w (self) <= 0 || ls_viewer_widget_h (self) <= 0)
    return 1.0 / 1024.0;
  return ls_viewer_get_fit_zoom (self);
}

void
ls_viewer_clamp_center (LsViewer *self)
{
  double w = ls_viewer_widget_w (self), h = ls_viewer_widget_h (self);
  int iw = image_width (self), ih = image_height (self);

  if (iw == 0)
    return;
  if (iw * self->zoom <= w)
    self->cx = iw / 2.0;
  else
    self->cx = CLAMP (self->cx, w / (2.0 * self->zoom), iw - w / (2.0 * self->zoom));
  if (ih * self->zoom <= h)
    self->cy = ih / 2.0;
  else
    self->cy = CLAMP (self->cy, h / (2.0 * self->zoom), ih - h / (2.0 * self->zoom));
}

/* Image origin in widget coordinates. */
static void
origin (LsViewer *self,
        double *tx,
        double *ty)
{
  *tx = ls_viewer_widget_w (self) / 2.0 - self->cx * self->zoom;
  *ty = ls_viewer_widget_h (self) / 2.0 - self->cy * self->zoom;
}

void
ls_viewer_widget_to_image (LsViewer *self,
                           double widget_x,
                           double widget_y,
                           double *image_x,
                           double *image_y)
{
  double tx, ty;

  g_return_if_fail (LS_IS_VIEWER (self));
  origin (self, &tx, &ty);
  *image_x = (widget_x - tx) / self->zoom;
  *image_y = (widget_y - ty) / self->zoom;
}

void
ls_viewer_image_to_widget (LsViewer *self,
                           double image_x,
                           double image_y,
                           double *widget_x,
                           double *widget_y)
{
  double tx, ty;

  g_return_if_fail (LS_IS_VIEWER (self));
  origin (self, &tx, &ty);
  *widget_x = tx + image_x * self->zoom;
  *widget_y = ty + image_y * self->zoom;
}

void
ls_viewer_set_best_fit_internal (LsViewer *self,
                                 gboolean best_fit)
{
  if (self->best_fit == best_fit)
    return;
  self->best_fit = best_fit;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BEST_FIT]);
}

void
ls_viewer_set_zoom_internal (LsViewer *self,
                             double zoom)
{
  if (self->zoom == zoom)
    return;
  self->zoom = zoom;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

/**
 * ls_viewer_zoom_at:
 * @zoom: the new zoom (1.0 = 100 %), clamped to [fit, LS_VIEWER_ZOOM_MAX]
 *
 * Zooms keeping the image point under (@widget_x, @widget_y) there, along
 * every axis where the image then covers the widget. Reaching the fit zoom
 * turns best fit on; anything else turns it off.
 */
void
ls_viewer_zoom_at (LsViewer *self,
                   double zoom,
                   double widget_x,
                   double widget_y)
{
  double ix, iy, fit;

  g_return_if_fail (LS_IS_VIEWER (self));
  if (self->source == NULL)
    {
      ls_viewer_set_zoom_internal (self, CLAMP (zoom, 1.0 / 1024.0, LS_VIEWER_ZOOM_MAX));
      return;
    }
  fit = ls_viewer_min_zoom (self);
  zoom = CLAMP (zoom, fit, LS_VIEWER_ZOOM_MAX);
  ls_viewer_widget_to_image (self, widget_x, widget_y, &ix, &iy);
  g_object_freeze_notify (G_OBJECT (self));
  ls_viewer_set_zoom_internal (self, zoom);
  self->cx = ix - (widget_x - ls_viewer_widget_w (self) / 2.0) / zoom;
  self->cy = iy - (widget_y - ls_viewer_widget_h (self) / 2.0) / zoom;
  ls_viewer_clamp_center (self);
  ls_viewer_set_best_fit_internal (self, fabs (zoom - fit) < 1e-9);
  g_object_thaw_notify (G_OBJECT (self));
  ls_viewer_view_changed (self);
}

void
ls_viewer_pan_by (LsViewer *self,
                  double dx,
                  double dy)
{
  g_return_if_fail (LS_IS_VIEWER (self));
  if (self->source == NULL)
    return;
  self->cx += dx / self->zoom;
  self->cy += dy / self->zoom;
  ls_viewer_clamp_center (self);
  ls_viewer_view_changed (self);
}

static void
apply_best_fit (LsViewer *self)
{
  if (self->source == NULL)
    return;
  ls_viewer_set_zoom_internal (self, ls_viewer_get_fit_zoom (self));
  self->cx = image_width (self) / 2.0;
  self->cy = image_height (self) / 2.0;
}

/* ---- Workers --------------------------------------------------------- */

typedef struct
{
  LsViewerSource *source;
  LsViewerLevels levels;
  int level;             /* preview */
  LsViewerRegion region; /* detail */
  Layer layer;           /* what the result will be drawn as */
  GBytes *map;           /* overlay */
  int map_width, map_height;
  LsColormap colormap;
  int out_width, out_height;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->source, ls_viewer_source_unref);
  g_clear_pointer (&job->map, g_bytes_unref);
  g_free (job);
}

static GCancellable *
job_cancellable (LsViewer *self,
                 JobKind kind)
{
  if (self->cancel[kind] != NULL)
    g_cancellable_cancel (self->cancel[kind]);
  g_clear_object (&self->cancel[kind]);
  self->cancel[kind] = g_cancellable_new ();
  update_busy (self);
  return self->cancel[kind];
}

static void
cancel_job (LsViewer *self,
            JobKind kind)
{
  if (self->cancel[kind] != NULL)
    g_cancellable_cancel (self->cancel[kind]);
  g_clear_object (&self->cancel[kind]);
}

/* The task's result is live when its cancellable is still the current one. */
static gboolean
job_finish (LsViewer *self,
            GTask *task,
            JobKind kind)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (g_cancellable_is_cancelled (cancellable) || self->cancel[kind] != cancellable)
    return FALSE;
  g_clear_object (&self->cancel[kind]);
  return TRUE;
}

static GdkTexture *
texture_from_bytes (GBytes *bytes,
                    int width,
                    int height)
{
  static const cairo_user_data_key_t bytes_key;
  GdkTexture *texture = gdk_memory_texture_new (width, height, GDK_MEMORY_B8G8R8A8_PREMULTIPLIED, bytes,
                                                (gsize) width * 4);
  /* The same pixels as a Cairo surface (ARGB32 is B, G, R, A premultiplied
   * in memory here), no copy: what the Cairo renderer draws from (see
   * append_layer()). Never written to. */
  cairo_surface_t *surface = cairo_image_surface_create_for_data ((unsigned char *) g_bytes_get_data (bytes, NULL),
                                                                  CAIRO_FORMAT_ARGB32, width, height, width * 4);

  cairo_surface_set_user_data (surface, &bytes_key, g_bytes_ref (bytes), (cairo_destroy_func_t) g_bytes_unref);
  g_object_set_data_full (G_OBJECT (texture), SURFACE_KEY, surface, (GDestroyNotify) cairo_surface_destroy);
  return texture;
}

static void
render_worker (GTask *task,
               gpointer source_object,
               gpointer task_data,
               GCancellable *cancellable)
{
  Job *job = task_data;
  GBytes *bytes;

  if (job->map != NULL)
    bytes = ls_viewer_render_overlay (g_bytes_get_data (job->map, NULL), job->map_width, job->map_height,
                                      job->colormap, LS_VIEWER_OVERLAY_MAX_SIDE, &job->out_width, &job->out_height,
                                      cancellable);
  else if (job->region.width > 0)
    {
      bytes = ls_viewer_render_region (job->source, &job->region, &job->levels, cancellable);
      job->out_width = job->region.width;
      job->out_height = job->region.height;
    }
  else
    {
      bytes = ls_viewer_render_level (job->source, job->level, &job->levels, cancellable);
      job->out_width = job->source->width[job->level];
      job->out_height = job->source->height[job->level];
    }
  if (bytes == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

static void
render_done_cb (GObject *object,
                GAsyncResult *result,
                gpointer user_data)
{
  LsViewer *self = LS_VIEWER (object);
  GTask *task = G_TASK (result);
  JobKind kind = GPOINTER_TO_INT (user_data);
  Job *job = g_task_get_task_data (task);
  g_autoptr (GBytes) bytes = g_task_propagate_pointer (task, NULL);

  if (!job_finish (self, task, kind) || bytes == NULL)
    {
      update_busy (self);
      return;
    }
  switch (kind)
    {
    case JOB_OVERLAY:
      g_clear_object (&self->overlay_texture);
      self->overlay_texture = texture_from_bytes (bytes, job->out_width, job->out_height);
      break;
    case JOB_DETAIL:
      layer_clear (&self->detail);
      self->detail = job->layer;
      self->detail.texture = texture_from_bytes (bytes, job->out_width, job->out_height);
      break;
    case JOB_PREVIEW:
      layer_clear (&self->preview);
      self->preview = job->layer;
      self->preview.texture = texture_from_bytes (bytes, job->out_width, job->out_height);
      break;
    case JOB_PREPARE:
    case N_JOBS:
    default:
      g_assert_not_reached ();
    }
  update_busy (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
start_render (LsViewer *self,
              JobKind kind,
              Job *job)
{
  GCancellable *cancellable = job_cancellable (self, kind);
  g_autoptr (GTask) task = g_task_new (self, cancellable, render_done_cb, GINT_TO_POINTER (kind));

  g_task_set_source_tag (task, start_render);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, render_worker);
}

static Job *
job_new (LsViewer *self)
{
  Job *job = g_new0 (Job, 1);

  job->source = ls_viewer_source_ref (self->source);
  ls_viewer_levels_init (&job->levels, self->window_center, self->window_width, self->inverted);
  job->layer.center = self->window_center;
  job->layer.width = self->window_width;
  job->layer.inverted = self->inverted;
  return job;
}

static void
start_preview (LsViewer *self)
{
  Job *job;

  if (self->source == NULL || self->source->n_levels == 0)
    return;
  job = job_new (self);
  job->level = ls_viewer_source_preview_level (self->source, LS_VIEWER_PREVIEW_MAX_SIDE);
  job->layer.texels_per_px = (double) self->source->width[job->level] / self->source->width[0];
  start_render (self, JOB_PREVIEW, job);
}

static gboolean
detail_timeout_cb (gpointer user_data)
{
  LsViewer *self = user_data;
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double tx, ty, dz, x0, y0, x1, y1;
  int level;
  Job *job;

  self->detail_timeout_id = 0;
  if (self->source == NULL || self->source->n_levels == 0 || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      update_busy (self);
      return G_SOURCE_REMOVE;
    }
  origin (self, &tx, &ty);
  dz = self->zoom * scale;
  /* The preview already gives a texel or more per device pixel: a sharper
   * layer would show nothing more. */
  level = ls_viewer_source_preview_level (self->source, LS_VIEWER_PREVIEW_MAX_SIDE);
  if ((double) self->source->width[level] / self->source->width[0] >= dz)
    {
      layer_clear (&self->detail);
      update_busy (self);
      return G_SOURCE_REMOVE;
    }
  /* the visible part of the image, in whole device pixels */
  x0 = MAX (0.0, floor (tx * scale));
  y0 = MAX (0.0, floor (ty * scale));
  x1 = MIN (ls_viewer_widget_w (self) * scale, ceil (tx * scale + image_width (self) * dz));
  y1 = MIN (ls_viewer_widget_h (self) * scale, ceil (ty * scale + image_height (self) * dz));
  if (x1 <= x0 || y1 <= y0)
    {
      update_busy (self);
      return G_SOURCE_REMOVE;
    }
  job = job_new (self);
  job->region.zoom = dz;
  job->region.origin_x = tx * scale;
  job->region.origin_y = ty * scale;
  job->region.x = (int) x0;
  job->region.y = (int) y0;
  job->region.width = (int) (x1 - x0);
  job->region.height = (int) (y1 - y0);
  job->layer.zoom = dz;
  job->layer.x = (x0 - tx * scale) / dz;
  job->layer.y = (y0 - ty * scale) / dz;
  job->layer.w = (x1 - x0) / dz;
  job->layer.h = (y1 - y0) / dz;
  start_render (self, JOB_DETAIL, job);
  return G_SOURCE_REMOVE;
}

/* @delay_ms: LS_VIEWER_DETAIL_DELAY_MS while the view moves, 0 when it
 * appears */
static void
schedule_detail (LsViewer *self,
                 guint delay_ms)
{
  g_clear_handle_id (&self->detail_timeout_id, g_source_remove);
  cancel_job (self, JOB_DETAIL);
  if (self->source != NULL && self->source->n_levels > 0)
    self->detail_timeout_id = g_timeout_add (delay_ms, detail_timeout_cb, self);
  update_busy (self);
}

static void
start_overlay (LsViewer *self)
{
  Job *job;

  if (self->overlay_map == NULL)
    return;
  job = g_new0 (Job, 1);
  job->map = g_bytes_ref (self->overlay_map);
  job->map_width = self->overlay_width;
  job->map_height = self->overlay_height;
  job->colormap = self->colormap;
  start_render (self, JOB_OVERLAY, job);
}

static void
prepare_worker (GTask *task,
                gpointer source_object,
                gpointer task_data,
                GCancellable *cancellable)
{
  LsViewerSource *source = task_data;
  LsViewerPyramid *pyramid = ls_viewer_pyramid_build (source->image, PYRAMID_MIN_SIDE, cancellable);

  if (pyramid == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  else
    g_task_return_pointer (task, pyramid, (GDestroyNotify) ls_viewer_pyramid_free);
}

static void
prepare_done_cb (GObject *object,
                 GAsyncResult *result,
                 gpointer user_data)
{
  LsViewer *self = LS_VIEWER (object);
  GTask *task = G_TASK (result);
  LsViewerSource *source = g_task_get_task_data (task);
  LsViewerPyramid *pyramid = g_task_propagate_pointer (task, NULL);

  if (!job_finish (self, task, JOB_PREPARE) || pyramid == NULL || source != self->source)
    {
      ls_viewer_pyramid_free (pyramid);
      update_busy (self);
      return;
    }
  ls_viewer_source_attach (self->source, pyramid);
  start_preview (self);
  schedule_detail (self, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- Changes --------------------------------------------------------- */

void
ls_viewer_view_changed (LsViewer *self)
{
  update_actions (self);
  update_accessible (self);
  schedule_detail (self, LS_VIEWER_DETAIL_DELAY_MS);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
levels_changed (LsViewer *self)
{
  start_preview (self);
  ls_viewer_view_changed (self);
}

/* ---- Drawing --------------------------------------------------------- */

static gboolean
layer_matches_levels (LsViewer *self,
                      const Layer *layer)
{
  return layer->texture != NULL && layer->center == self->window_center && layer->width == self->window_width &&
         layer->inverted == self->inverted;
}

static void
append_colorbar (LsViewer *self,
                 GtkSnapshot *snapshot)
{
  double w = ls_viewer_widget_w (self), h = ls_viewer_widget_h (self);
  g_autoptr (PangoLayout) one = gtk_widget_create_pango_layout (GTK_WIDGET (self), "1");
  g_autoptr (PangoLayout) zero = gtk_widget_create_pango_layout (GTK_WIDGET (self), "0");
  GskColorStop stops[17];
  GdkRGBA text = { 1, 1, 1, 0.9f };
  GdkRGBA card = { 0.16f, 0.16f, 0.16f, 0.85f };
  GdkRGBA edge = { 1, 1, 1, 0.45f };
  float edge_width[4] = { 1, 1, 1, 1 };
  GdkRGBA edge_colors[4] = { edge, edge, edge, edge };
  PangoRectangle ink;
  double pad = 8.0, label_w, label_h, card_w, card_h, x, y;
  GskRoundedRect rounded;

  pango_layout_get_pixel_extents (one, NULL, &ink);
  label_w = ink.width;
  label_h = ink.height;
  card_w = pad + COLORBAR_WIDTH + 6.0 + label_w + pad;
  card_h = pad + COLORBAR_HEIGHT + pad;
  if (card_w + 2 * pad > w || card_h + 2 * pad > h)
    return;
  x = w - card_w - 12.0;
  y = h - card_h - 12.0;

  gsk_rounded_rect_init_from_rect (&rounded, &GRAPHENE_RECT_INIT (x, y, card_w, card_h), 6.0);
  gtk_snapshot_push_rounded_clip (snapshot, &rounded);
  gtk_snapshot_append_color (snapshot, &card, &rounded.bounds);
  gtk_snapshot_pop (snapshot);

  for (int i = 0; i < 17; i++)
    {
      double rgb[3], t = i / 16.0;

      /* top is 1 */
      ls_colormap_eval (self->colormap, 1.0 - t, rgb);
      stops[i].offset = (float) t;
      stops[i].color = (GdkRGBA){ (float) rgb[0], (float) rgb[1], (float) rgb[2], 1.0f };
    }
  gtk_snapshot_append_linear_gradient (snapshot,
                                       &GRAPHENE_RECT_INIT (x + pad, y + pad, COLORBAR_WIDTH, COLORBAR_HEIGHT),
                                       &GRAPHENE_POINT_INIT (x + pad, y + pad),
                                       &GRAPHENE_POINT_INIT (x + pad, y + pad + COLORBAR_HEIGHT), stops, 17);
  /* a thin light edge, so a dark end of the map stays visible on the card */
  gsk_rounded_rect_init_from_rect (&rounded,
                                   &GRAPHENE_RECT_INIT (x + pad - 1, y + pad - 1, COLORBAR_WIDTH + 2,
                                                        COLORBAR_HEIGHT + 2),
                                   0);
  gtk_snapshot_append_border (snapshot, &rounded, edge_width, edge_colors);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (x + pad + COLORBAR_WIDTH + 6.0 - ink.x, y + pad - ink.y));
  gtk_snapshot_append_layout (snapshot, one, &text);
  gtk_snapshot_restore (snapshot);
  pango_layout_get_pixel_extents (zero, NULL, &ink);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x + pad + COLORBAR_WIDTH + 6.0 - ink.x,
                                                          y + pad + COLORBAR_HEIGHT - label_h - ink.y));
  gtk_snapshot_append_layout (snapshot, zero, &text);
  gtk_snapshot_restore (snapshot);
}

/* Draws a layer over @rect. GTK 4.8's Cairo renderer (software, as under
 * Xvfb or without GL) converts a texture's every pixel into a new surface
 * at every frame it draws, in the main loop, even in its own format: there
 * the layer is drawn from its Cairo surface instead (texture_from_bytes()),
 * scaled by pixman and clipped to what changed, and the overlay's opacity
 * is a paint's alpha rather than an offscreen group. The GL renderer keeps
 * the texture (uploaded once). */
static void
append_layer (LsViewer *self,
              GtkSnapshot *snapshot,
              GdkTexture *texture,
              const graphene_rect_t *rect,
              double opacity)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
  GskRenderer *renderer = native != NULL ? gtk_native_get_renderer (native) : NULL;
  cairo_surface_t *surface = g_object_get_data (G_OBJECT (texture), SURFACE_KEY);

  if (surface != NULL && renderer != NULL && GSK_IS_CAIRO_RENDERER (renderer))
    {
      cairo_t *cr = gtk_snapshot_append_cairo (snapshot, rect);
      int w = cairo_image_surface_get_width (surface), h = cairo_image_surface_get_height (surface);

      cairo_translate (cr, rect->origin.x, rect->origin.y);
      cairo_scale (cr, rect->size.width / w, rect->size.height / h);
      cairo_rectangle (cr, 0, 0, w, h);
      cairo_clip (cr);
      cairo_set_source_surface (cr, surface, 0, 0);
      cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
      cairo_paint_with_alpha (cr, opacity);
      cairo_destroy (cr);
      return;
    }
  if (opacity < 1.0)
    gtk_snapshot_push_opacity (snapshot, opacity);
  gtk_snapshot_append_texture (snapshot, texture, rect);
  if (opacity < 1.0)
    gtk_snapshot_pop (snapshot);
}

static void
ls_viewer_snapshot (GtkWidget *widget,
                    GtkSnapshot *snapshot)
{
  LsViewer *self = LS_VIEWER (widget);
  double w = ls_viewer_widget_w (self), h = ls_viewer_widget_h (self);
  double tx, ty, z = self->zoom;
  int scale = gtk_widget_get_scale_factor (widget);
  GdkRGBA surround = { 0.0f, 0.0f, 0.0f, 1.0f };
  graphene_rect_t image_rect;

  /* The window shows its own empty state. */
  if (self->source == NULL)
    return;

  origin (self, &tx, &ty);
  image_rect = GRAPHENE_RECT_INIT (tx, ty, image_width (self) * z, image_height (self) * z);
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gtk_snapshot_append_color (snapshot, &surround, &GRAPHENE_RECT_INIT (0, 0, w, h));

  /* The detail shows what the view showed when it was made; it is kept
   * while it is sharper than the preview, which is drawn under it unless it
   * covers the whole visible image. */
  if (layer_matches_levels (self, &self->detail) &&
      (fabs (self->detail.zoom - z * scale) < 1e-9 || self->detail.zoom > self->preview.texels_per_px * scale))
    {
      graphene_rect_t visible, detail_rect = GRAPHENE_RECT_INIT (tx + self->detail.x * z, ty + self->detail.y * z,
                                                                 self->detail.w * z, self->detail.h * z);

      graphene_rect_intersection (&image_rect, &GRAPHENE_RECT_INIT (0, 0, w, h), &visible);
      if (self->preview.texture != NULL && !graphene_rect_contains_rect (&detail_rect, &visible))
        append_layer (self, snapshot, self->preview.texture, &image_rect, 1.0);
      append_layer (self, snapshot, self->detail.texture, &detail_rect, 1.0);
    }
  else if (self->preview.texture != NULL)
    append_layer (self, snapshot, self->preview.texture, &image_rect, 1.0);

  if (self->overlay_visible && self->overlay_texture != NULL)
    {
      append_layer (self, snapshot, self->overlay_texture, &image_rect, self->overlay_opacity);
      append_colorbar (self, snapshot);
    }
  gtk_snapshot_pop (snapshot);
}

static void
ls_viewer_size_allocate (GtkWidget *widget,
                         int width,
                         int height,
                         int baseline)
{
  LsViewer *self = LS_VIEWER (widget);

  /* GTK allocates again for changes elsewhere in the window; only a new size
   * moves the view (and restarts the high-quality redraw). */
  if (width == self->allocated_width && height == self->allocated_height)
    return;
  self->allocated_width = width;
  self->allocated_height = height;
  if (self->source == NULL)
    return;
  if (self->best_fit)
    apply_best_fit (self);
  else if (self->zoom < ls_viewer_min_zoom (self))
    {
      ls_viewer_set_zoom_internal (self, ls_viewer_min_zoom (self));
      ls_viewer_set_best_fit_internal (self, TRUE);
    }
  ls_viewer_clamp_center (self);
  ls_viewer_view_changed (self);
}

/* A hidden widget has no size, so a view set while hidden is computed
 * against none: the first allocation after showing it again recomputes it
 * (best fit, clamping, the detail). */
static void
ls_viewer_unmap (GtkWidget *widget)
{
  LsViewer *self = LS_VIEWER (widget);

  self->allocated_width = 0;
  self->allocated_height = 0;
  GTK_WIDGET_CLASS (ls_viewer_parent_class)->unmap (widget);
}

static void
scale_factor_cb (LsViewer *self)
{
  ls_viewer_view_changed (self);
}

/* ---- GObject --------------------------------------------------------- */

static void
ls_viewer_dispose (GObject *object)
{
  LsViewer *self = LS_VIEWER (object);

  for (int k = 0; k < N_JOBS; k++)
    cancel_job (self, k);
  g_clear_handle_id (&self->detail_timeout_id, g_source_remove);
  layer_clear (&self->preview);
  layer_clear (&self->detail);
  g_clear_object (&self->overlay_texture);
  g_clear_pointer (&self->overlay_map, g_bytes_unref);
  g_clear_pointer (&self->source, ls_viewer_source_unref);

  G_OBJECT_CLASS (ls_viewer_parent_class)->dispose (object);
}

static void
ls_viewer_finalize (GObject *object)
{
  LsViewer *self = LS_VIEWER (object);

  g_free (self->description);

  G_OBJECT_CLASS (ls_viewer_parent_class)->finalize (object);
}

static void
ls_viewer_get_property (GObject *object,
                        guint prop_id,
                        GValue *value,
                        GParamSpec *pspec)
{
  LsViewer *self = LS_VIEWER (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_BEST_FIT:
      g_value_set_boolean (value, self->best_fit);
      break;
    case PROP_WINDOW_CENTER:
      g_value_set_double (value, self->window_center);
      break;
    case PROP_WINDOW_WIDTH:
      g_value_set_double (value, self->window_width);
      break;
    case PROP_INVERTED:
      g_value_set_boolean (value, self->inverted);
      break;
    case PROP_OVERLAY_VISIBLE:
      g_value_set_boolean (value, self->overlay_visible);
      break;
    case PROP_OVERLAY_OPACITY:
      g_value_set_double (value, self->overlay_opacity);
      break;
    case PROP_COLORMAP:
      g_value_set_string (value, ls_colormap_to_string (self->colormap));
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_viewer_set_property (GObject *object,
                        guint prop_id,
                        const GValue *value,
                        GParamSpec *pspec)
{
  LsViewer *self = LS_VIEWER (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      ls_viewer_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_BEST_FIT:
      ls_viewer_set_best_fit (self, g_value_get_boolean (value));
      break;
    case PROP_WINDOW_CENTER:
      ls_viewer_set_window_center (self, g_value_get_double (value));
      break;
    case PROP_WINDOW_WIDTH:
      ls_viewer_set_window_width (self, g_value_get_double (value));
      break;
    case PROP_INVERTED:
      ls_viewer_set_inverted (self, g_value_get_boolean (value));
      break;
    case PROP_OVERLAY_VISIBLE:
      ls_viewer_set_overlay_visible (self, g_value_get_boolean (value));
      break;
    case PROP_OVERLAY_OPACITY:
      ls_viewer_set_overlay_opacity (self, g_value_get_double (value));
      break;
    case PROP_COLORMAP:
      {
        LsColormap map;

        if (ls_colormap_from_string (g_value_get_string (value), &map))
          ls_viewer_set_colormap (self, map);
        else
          g_warning ("LsViewer:colormap: unknown colormap “%s” (gray, inferno, viridis or turbo)",
                     g_value_get_string (value));
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_viewer_class_init (LsViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_viewer_dispose;
  object_class->finalize = ls_viewer_finalize;
  object_class->get_property = ls_viewer_get_property;
  object_class->set_property = ls_viewer_set_property;
  widget_class->snapshot = ls_viewer_snapshot;
  widget_class->size_allocate = ls_viewer_size_allocate;
  widget_class->unmap = ls_viewer_unmap;

  properties[PROP_ZOOM] = g_param_spec_double ("zoom", NULL, NULL, 1.0 / 1024.0, LS_VIEWER_ZOOM_MAX, 1.0,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BEST_FIT] = g_param_spec_boolean ("best-fit", NULL, NULL, TRUE,
                                                    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                        G_PARAM_STATIC_STRINGS);
  properties[PROP_WINDOW_CENTER] = g_param_spec_double ("window-center", NULL, NULL, 0.0, 1.0, 0.5,
                                                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                            G_PARAM_STATIC_STRINGS);
  properties[PROP_WINDOW_WIDTH] = g_param_spec_double ("window-width", NULL, NULL, WINDOW_WIDTH_MIN, 1.0, 1.0,
                                                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                           G_PARAM_STATIC_STRINGS);
  properties[PROP_INVERTED] = g_param_spec_boolean ("inverted", NULL, NULL, FALSE,
                                                    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                        G_PARAM_STATIC_STRINGS);
  properties[PROP_OVERLAY_VISIBLE] = g_param_spec_boolean ("overlay-visible", NULL, NULL, TRUE,
                                                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                               G_PARAM_STATIC_STRINGS);
  properties[PROP_OVERLAY_OPACITY] = g_param_spec_double ("overlay-opacity", NULL, NULL, 0.0, 1.0, 0.6,
                                                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                              G_PARAM_STATIC_STRINGS);
  properties[PROP_COLORMAP] = g_param_spec_string ("colormap", NULL, NULL, "inferno",
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                       G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  ls_viewer_input_class_init (widget_class);

  gtk_widget_class_set_css_name (widget_class, "lsviewer");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ls_viewer_init (LsViewer *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  self->zoom = 1.0;
  self->best_fit = TRUE;
  self->window_center = 0.5;
  self->default_center = 0.5;
  self->default_width = 1.0;
  self->window_width = 1.0;
  self->overlay_visible = TRUE;
  self->overlay_opacity = 0.6;
  self->colormap = LS_COLORMAP_INFERNO;

  gtk_widget_set_overflow (widget, GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_hexpand (widget, TRUE);
  gtk_widget_set_vexpand (widget, TRUE);

  ls_viewer_input_init (self);

  g_signal_connect (self, "notify::scale-factor", G_CALLBACK (scale_factor_cb), NULL);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Radiograph"), -1);
  update_accessible (self);
  update_actions (self);
  gtk_widget_action_set_enabled (widget, "viewer.toggle-overlay", TRUE);
}

/* ---- Public API ------------------------------------------------------ */

GtkWidget *
ls_viewer_new (void)
{
  return g_object_new (LS_TYPE_VIEWER, NULL);
}

/**
 * ls_viewer_set_image:
 * @image: (transfer full) (nullable): the radiograph; NULL empties the view
 *
 * Shows @image at best fit; the view is drawn once its pyramid is built in a
 * worker. The window/level, inversion and overlay settings stay; the overlay
 * map is cleared (it belonged to the previous image).
 */
void
ls_viewer_set_image (LsViewer *self,
                     LsImage *image)
{
  GCancellable *cancellable;
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (LS_IS_VIEWER (self));

  for (int k = 0; k < N_JOBS; k++)
    cancel_job (self, k);
  g_clear_handle_id (&self->detail_timeout_id, g_source_remove);
  layer_clear (&self->preview);
  layer_clear (&self->detail);
  g_clear_pointer (&self->source, ls_viewer_source_unref);
  ls_viewer_set_overlay (self, NULL, 0, 0);

  if (image != NULL)
    {
      g_return_if_fail (image->width > 0 && image->height > 0 && image->data != NULL);
      self->source = ls_viewer_source_new (image);
      g_object_freeze_notify (G_OBJECT (self));
      ls_viewer_set_best_fit_internal (self, TRUE);
      apply_best_fit (self);
      g_object_thaw_notify (G_OBJECT (self));

      cancellable = job_cancellable (self, JOB_PREPARE);
      task = g_task_new (self, cancellable, prepare_done_cb, NULL);
      g_task_set_source_tag (task, ls_viewer_set_image);
      g_task_set_task_data (task, ls_viewer_source_ref (self->source), (GDestroyNotify) ls_viewer_source_unref);
      g_task_run_in_thread (task, prepare_worker);
    }
  update_busy (self);
  update_actions (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Borrowed; NULL when there is none. */
const LsImage *
ls_viewer_get_image (LsViewer *self)
{
  g_return_val_if_fail (LS_IS_VIEWER (self), NULL);
  return self->source != NULL ? self->source->image : NULL;
}

/**
 * ls_viewer_set_overlay:
 * @map: (nullable) (array): @width × @height values in [0, 1], row-major,
 *   stretched over the whole image; copied. NULL clears the overlay.
 */
void
ls_viewer_set_overlay (LsViewer *self,
                       const float *map,
                       int width,
                       int height)
{
  g_return_if_fail (LS_IS_VIEWER (self));

  cancel_job (self, JOB_OVERLAY);
  g_clear_object (&self->overlay_texture);
  g_clear_pointer (&self->overlay_map, g_bytes_unref);
  if (map != NULL)
    {
      g_return_if_fail (width > 0 && height > 0);
      self->overlay_map = g_bytes_new (map, (gsize) width * height * sizeof (float));
      self->overlay_width = width;
      self->overlay_height = height;
      start_overlay (self);
    }
  update_busy (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
ls_viewer_has_overlay (LsViewer *self)
{
  g_return_val_if_fail (LS_IS_VIEWER (self), FALSE);
  return self->overlay_map != NULL;
}

double
ls_viewer_get_zoom (LsViewer *self)
{
  g_return_val_if_fail (LS_IS_VIEWER (self), 1.0);
  return self->zoom;
}

/* Zooms around the widget's centre. */
void
ls_viewer_set_zoom (LsViewer *self,
                    double zoom)
{
  g_return_if_fail (LS_IS_VIEWER (self));
  ls_viewer_zoom_at (self, zoom, ls_viewer_widget_w (self) / 2.0, ls_viewer_widget_h (self) / 2.0);
}

gboolean
ls_viewer_get_best_fit (LsViewer *self)
{
  g_return_val_if_fail (LS_IS_VIEWER (self), FALSE);
  return self->best_fit;
}

void
ls_viewer_set_best_fit (LsViewer *self,
                        gboolean best_fit)
{
  g_return_if_fail (LS_IS_VIEWER (self));
  best_fit = !!best_fit;
  g_object_freeze_notify (G_OBJECT (self));
  ls_viewer_set_best_fit_internal (self, best_fit);
  if (best_fit)
    apply_best_fit (self);
  g_object_thaw_notify (G_OBJECT (self));
  ls_viewer_view_changed (self);
}

double
ls_viewer_get_window_center (LsViewer *self)
{
  g_return_val_if_fail (LS_IS_VIEWER (self), 0.5);
  return self->window_center;
}

void
ls_viewer_set_window_center (LsViewer *self,
                             double center)
{
  g_return_if_fail (LS_IS_VIEWER (self));
  center = CLAMP (center, 0.0, 1.0);
  if (self->window_center == center)
    return;
  self->window_center = center;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW_CENTER]);
  levels_changed (self);
}

double
ls_viewer_get_window_width (LsViewer *self)
{
  g_return_val_if_fail (LS_IS_VIEWER (self), 1.0);
  return self->window_width;
}

void
ls_viewer_set_window_width (LsViewer *self,
                            double width)
{
  g_return_if_fail (LS_IS_VIEWER (self));
  width = CLAMP (width, WINDOW_WIDTH_MIN, 1.0);
  if (self->window_width == width)
    return;
  self->window_width = width;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW_WIDTH]);
  levels_changed (self);
}

/**
 * ls_viewer_set_default_window:
 *
 * The window viewer.reset returns to, e.g. the one a file carries (full
 * range, c 0.5 w 1.0, until set). Also applies it now.
 */
void
ls_viewer_set_default_window (LsViewer *self,
                              double center,
                              double width)
{
  g_return_if_fail (LS_IS_VIEWER (self));
  self->default_center = CLAMP (center, 0.0, 1.0);
  self->default_width = CLAMP (width, WINDOW_WIDTH_MIN, 1.0);
  g_object_freeze_notify (G_OBJECT (self));
  ls_viewer_set_window_width (self, self->default_width);
  ls_viewer_set_window_center (self, self->default_center);
  g_object_thaw_notify (G_OBJECT (self));
}

/* The presets of ls-viewer.h; FALSE for an unknown name. */
gboolean
ls_viewer_window_preset_lookup (const char *name,
                                double *center,
                                double *width)
{
  for (gsize i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_strcmp0 (name, presets[i].name) == 0)
      {
        *center = presets[i].center;
        *width = presets[i].width;
        return TRUE;
      }
  return FALSE;
}

gboolean
ls_viewer_set_window_preset (LsViewer *self,
                             const char *name)
{
  double center, width;

  g_return_val_if_fail (LS_IS_VIEWER (self), FALSE);
  if (!ls_viewer_window_preset_lookup (name, &center, &width))
    return FALSE;
  g_object_freeze_notify (G_OBJECT (self));
  ls_viewer_set_window_width (self, width);
  ls_viewer_set_window_center (self, center);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

gboolean
ls_viewer_get_inverted (LsViewer *self)
{
  g_return_val_if_fail (LS_IS_VIEWER (self), FALSE);
  return self->inverted;
}

void
ls_viewer_set_inverted (LsViewer *self,
                        gboolean inverted)
{
  g_return_if_fail (LS_IS_VIEWER (self));
  inverted = !!inverted;
  if (self->inverted == inverted)
    return;
  self->inverted = inverted;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INVERTED]);
  levels_changed (self);
}

gboolean
ls_viewer_get_overlay_visible (LsViewer *self)
{
  g_return_val_if_fail (LS_IS_VIEWER (self), FALSE);
  return self->overlay_visible;
}

void
ls_viewer_set_overlay_visible (LsViewer *self,
                               gboolean visible)
{
  g_return_if_fail (LS_IS_VIEWER (self));
  visible = !!visible;
  if (self->overlay_visible == visible)
    return;
  self->overlay_visible = visible;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OVERLAY_VISIBLE]);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
ls_viewer_get_overlay_opacity (LsViewer *self)
{
  g_return_val_if_fail (LS_IS_VIEWER (self), 0.0);
  return self->overlay_opacity;
}

void
ls_viewer_set_overlay_opacity (LsViewer *self,
                               double opacity)
{
  g_return_if_fail (LS_IS_VIEWER (self));
  opacity = CLAMP (opacity, 0.0, 1.0);
  if (self->overlay_opacity == opacity)
    return;
  self->overlay_opacity = opacity;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OVERLAY_OPACITY]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

LsColormap
ls_viewer_get_colormap (LsViewer *self)
{
  g_return_val_if_fail (LS_IS_VIEWER (self), LS_COLORMAP_INFERNO);
  return self->colormap;
}

void
ls_viewer_set_colormap (LsViewer *self,
                        LsColormap colormap)
{
  g_return_if_fail (LS_IS_VIEWER (self));
  g_return_if_fail (colormap < LS_COLORMAP_N);
  if (self->colormap == colormap)
    return;
  self->colormap = colormap;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLORMAP]);
  start_overlay (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* TRUE while a worker or the pending high-quality redraw has yet to finish. */
gboolean
ls_viewer_get_busy (LsViewer *self)
{
  g_return_val_if_fail (LS_IS_VIEWER (self), FALSE);
  return self->busy;
}

/* The byte a sample is drawn with (formula in ls-viewer.h). */
guint8
ls_viewer_map_sample (float x,
                      double center,
                      double width,
                      gboolean inverted)
{
  LsViewerLevels levels;

  ls_viewer_levels_init (&levels, center, width, inverted);
  return ls_viewer_levels_map (&levels, x);
}

/* The overlay's alpha for a map value at @opacity (formula in ls-viewer.h). */
double
ls_viewer_overlay_alpha (float t,
                         double opacity)
{
  return CLAMP (opacity, 0.0, 1.0) * ls_viewer_overlay_ramp (t);
}
