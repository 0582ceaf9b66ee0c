/* ls-viewer-input.c — LsViewer's pointer, touchpad and touch input, and its
 * viewer.* actions
 *
 * A wheel notch zooms by LS_VIEWER_ZOOM_STEP at the pointer; a touchpad's
 * smooth scroll pans (and zooms with Ctrl); a pinch zooms at the fingers;
 * the primary button drags the image; the secondary button drags the window
 * (across: width, down: center); a double-click toggles best fit and 100 %.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <math.h>

#include "ls-viewer-private.h"

/* Where keyboard zooming aims: the pointer when it is over the widget, as in
 * Loupe, else the centre. */
static void
anchor (LsViewer *self,
        double *x,
        double *y)
{
  if (self->pointer_inside)
    {
      *x = self->pointer_x;
      *y = self->pointer_y;
    }
  else
    {
      *x = ls_viewer_widget_w (self) / 2.0;
      *y = ls_viewer_widget_h (self) / 2.0;
    }
}

/* ---- Input ----------------------------------------------------------- */

static void
motion_cb (GtkEventControllerMotion *motion,
           double x,
           double y,
           LsViewer *self)
{
  self->pointer_inside = TRUE;
  self->pointer_x = x;
  self->pointer_y = y;
}

static void
leave_cb (GtkEventControllerMotion *motion,
          LsViewer *self)
{
  self->pointer_inside = FALSE;
}

static gboolean
scroll_cb (GtkEventControllerScroll *scroll,
           double dx,
           double dy,
           LsViewer *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (scroll));
  double x, y;

  if (self->source == NULL)
    return FALSE;
  /* a wheel zooms by notches (dy = ±1, fractions on high-resolution wheels);
   * a touchpad pans, and with Ctrl zooms by pixels of scroll */
  if (gtk_event_controller_scroll_get_unit (scroll) == GDK_SCROLL_UNIT_WHEEL)
    {
      if (dy == 0.0)
        return FALSE;
      anchor (self, &x, &y);
      ls_viewer_zoom_at (self, self->zoom * pow (LS_VIEWER_ZOOM_STEP, -dy), x, y);
    }
  else if ((state & GDK_CONTROL_MASK) != 0)
    {
      anchor (self, &x, &y);
      ls_viewer_zoom_at (self, self->zoom * pow (LS_VIEWER_ZOOM_STEP_PIXEL, -dy), x, y);
    }
  else
    ls_viewer_pan_by (self, dx, dy);
  return TRUE;
}

static void
pan_begin_cb (GtkGestureDrag *gesture,
              double x,
              double y,
              LsViewer *self)
{
  self->drag_cx = self->cx;
  self->drag_cy = self->cy;
  self->pan_rebase = FALSE;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
}

static void
pan_update_cb (GtkGestureDrag *gesture,
               double ox,
               double oy,
               LsViewer *self)
{
  if (self->source == NULL || self->pinching)
    return;
  if (self->pan_rebase)
    {
      self->drag_cx = self->cx + ox / self->zoom;
      self->drag_cy = self->cy + oy / self->zoom;
      self->pan_rebase = FALSE;
    }
  self->cx = self->drag_cx - ox / self->zoom;
  self->cy = self->drag_cy - oy / self->zoom;
  ls_viewer_clamp_center (self);
  ls_viewer_view_changed (self);
}

static void
pan_end_cb (GtkGestureDrag *gesture,
            double ox,
            double oy,
            LsViewer *self)
{
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

static void
level_begin_cb (GtkGestureDrag *gesture,
                double x,
                double y,
                LsViewer *self)
{
  self->level_center = self->window_center;
  self->level_width = self->window_width;
}

/* Right-drag: across the widget's width changes the window width by 1,
 * down its height raises the window center by 1 (the image darkens). */
static void
level_update_cb (GtkGestureDrag *gesture,
                 double ox,
                 double oy,
                 LsViewer *self)
{
  double w = MAX (ls_viewer_widget_w (self), 1.0), h = MAX (ls_viewer_widget_h (self), 1.0);

  if (self->source == NULL)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  ls_viewer_set_window_width (self, self->level_width + ox / w);
  ls_viewer_set_window_center (self, self->level_center + oy / h);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
click_cb (GtkGestureClick *gesture,
          int n_press,
          double x,
          double y,
          LsViewer *self)
{
  if (n_press != 2 || self->source == NULL)
    return;
  if (self->best_fit)
    ls_viewer_zoom_at (self, 1.0, x, y);
  else
    ls_viewer_set_best_fit (self, TRUE);
}

static void
pinch_begin_cb (GtkGesture *gesture,
                GdkEventSequence *sequence,
                LsViewer *self)
{
  double x, y;

  if (!gtk_gesture_get_bounding_box_center (gesture, &x, &y))
    {
      x = ls_viewer_widget_w (self) / 2.0;
      y = ls_viewer_widget_h (self) / 2.0;
    }
  self->pinching = TRUE;
  self->pinch_zoom = self->zoom;
  ls_viewer_widget_to_image (self, x, y, &self->pinch_ix, &self->pinch_iy);
}

static void
pinch_end_cb (GtkGesture *gesture,
              GdkEventSequence *sequence,
              LsViewer *self)
{
  self->pinching = FALSE;
  self->pan_rebase = TRUE;
}

/* The image point first under the fingers follows their centre. */
static void
pinch_scale_cb (GtkGestureZoom *gesture,
                double scale,
                LsViewer *self)
{
  double x, y, zoom;

  if (self->source == NULL || !gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    return;
  zoom = CLAMP (self->pinch_zoom * scale, ls_viewer_min_zoom (self), LS_VIEWER_ZOOM_MAX);
  g_object_freeze_notify (G_OBJECT (self));
  ls_viewer_set_zoom_internal (self, zoom);
  self->cx = self->pinch_ix - (x - ls_viewer_widget_w (self) / 2.0) / zoom;
  self->cy = self->pinch_iy - (y - ls_viewer_widget_h (self) / 2.0) / zoom;
  ls_viewer_clamp_center (self);
  ls_viewer_set_best_fit_internal (self, fabs (zoom - ls_viewer_min_zoom (self)) < 1e-9);
  g_object_thaw_notify (G_OBJECT (self));
  ls_viewer_view_changed (self);
}

/* ---- Actions --------------------------------------------------------- */

static void
zoom_step_action (GtkWidget *widget,
                  const char *action_name,
                  GVariant *parameter)
{
  LsViewer *self = LS_VIEWER (widget);
  double x, y, factor = g_str_equal (action_name, "viewer.zoom-in") ? LS_VIEWER_ZOOM_STEP : 1.0 / LS_VIEWER_ZOOM_STEP;

  anchor (self, &x, &y);
  ls_viewer_zoom_at (self, self->zoom * factor, x, y);
}

static void
zoom_original_action (GtkWidget *widget,
                      const char *action_name,
                      GVariant *parameter)
{
  LsViewer *self = LS_VIEWER (widget);
  double x, y;

  anchor (self, &x, &y);
  ls_viewer_zoom_at (self, 1.0, x, y);
}

static void
zoom_fit_action (GtkWidget *widget,
                 const char *action_name,
                 GVariant *parameter)
{
  ls_viewer_set_best_fit (LS_VIEWER (widget), TRUE);
}

static void
invert_action (GtkWidget *widget,
               const char *action_name,
               GVariant *parameter)
{
  LsViewer *self = LS_VIEWER (widget);

  ls_viewer_set_inverted (self, !self->inverted);
}

/* Best fit, the default window (the full range unless the caller set the
 * file's own), not inverted. */
static void
reset_action (GtkWidget *widget,
              const char *action_name,
              GVariant *parameter)
{
  LsViewer *self = LS_VIEWER (widget);

  g_object_freeze_notify (G_OBJECT (self));
  ls_viewer_set_best_fit (self, TRUE);
  ls_viewer_set_window_width (self, self->default_width);
  ls_viewer_set_window_center (self, self->default_center);
  ls_viewer_set_inverted (self, FALSE);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
toggle_overlay_action (GtkWidget *widget,
                       const char *action_name,
                       GVariant *parameter)
{
  LsViewer *self = LS_VIEWER (widget);

  ls_viewer_set_overlay_visible (self, !self->overlay_visible);
}

static void
window_preset_action (GtkWidget *widget,
                      const char *action_name,
                      GVariant *parameter)
{
  const char *name = g_variant_get_string (parameter, NULL);

  if (!ls_viewer_set_window_preset (LS_VIEWER (widget), name))
    g_warning ("viewer.window-preset: unknown preset “%s” (full, lung, soft or bone)", name);
}

void
ls_viewer_input_init (LsViewer *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;
  GtkGesture *gesture;

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (widget, controller);

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  gtk_event_controller_set_name (GTK_EVENT_CONTROLLER (gesture), "pan");
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (pan_begin_cb), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (pan_update_cb), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (pan_end_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  gtk_event_controller_set_name (GTK_EVENT_CONTROLLER (gesture), "window-level");
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (level_begin_cb), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (level_update_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (click_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect (gesture, "begin", G_CALLBACK (pinch_begin_cb), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (pinch_scale_cb), self);
  g_signal_connect (gesture, "end", G_CALLBACK (pinch_end_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));
}

void
ls_viewer_input_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "viewer.zoom-in", NULL, zoom_step_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-out", NULL, zoom_step_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-original", NULL, zoom_original_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-fit", NULL, zoom_fit_action);
  gtk_widget_class_install_action (widget_class, "viewer.invert", NULL, invert_action);
  gtk_widget_class_install_action (widget_class, "viewer.reset", NULL, reset_action);
  gtk_widget_class_install_action (widget_class, "viewer.toggle-overlay", NULL, toggle_overlay_action);
  gtk_widget_class_install_action (widget_class, "viewer.window-preset", "s", window_preset_action);
  /* stateful twins for check and radio menu items and toggle buttons */
  gtk_widget_class_install_property_action (widget_class, "viewer.inverted", "inverted");
  gtk_widget_class_install_property_action (widget_class, "viewer.overlay-visible", "overlay-visible");
  gtk_widget_class_install_property_action (widget_class, "viewer.colormap", "colormap");
}
