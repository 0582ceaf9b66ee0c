/* ls-gui-test.c — helpers for GUI tests
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ls-gui-test.h"
#include "ls-test.h"

typedef struct
{
  GtkWindow *window;
  LsGuiTestDrawnFunc func;
  gpointer user_data;
  gulong map_id;
  gulong paint_id;
  GdkFrameClock *clock;
} WhenDrawn;

static gboolean
drawn_idle_cb (gpointer data)
{
  WhenDrawn *w = data;

  w->func (w->window, w->user_data);
  g_object_unref (w->window);
  g_free (w);
  return G_SOURCE_REMOVE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                WhenDrawn *w)
{
  g_signal_handler_disconnect (clock, w->paint_id);
  g_clear_object (&w->clock);
  /* Leave the paint cycle before the test goes on. */
  g_idle_add (drawn_idle_cb, w);
}

static void
watch_paint (WhenDrawn *w)
{
  w->clock = g_object_ref (gtk_widget_get_frame_clock (GTK_WIDGET (w->window)));
  g_assert_nonnull (w->clock);
  w->paint_id = g_signal_connect (w->clock, "after-paint", G_CALLBACK (after_paint_cb), w);
  gtk_widget_queue_draw (GTK_WIDGET (w->window));
}

static void
map_cb (GtkWidget *widget,
        WhenDrawn *w)
{
  g_signal_handler_disconnect (widget, w->map_id);
  watch_paint (w);
}

/* Calls @func once @window is mapped and a frame of it has been painted. */
void
ls_gui_test_when_drawn (GtkWindow *window,
                        LsGuiTestDrawnFunc func,
                        gpointer user_data)
{
  WhenDrawn *w = g_new0 (WhenDrawn, 1);

  w->window = g_object_ref (window);
  w->func = func;
  w->user_data = user_data;
  if (gtk_widget_get_mapped (GTK_WIDGET (window)))
    watch_paint (w);
  else
    w->map_id = g_signal_connect (window, "map", G_CALLBACK (map_cb), w);
}

/* Renders @window as it is on screen into $LS_BUILD_ROOT/gui-renders/@file_name.
 * Returns the path written. */
char *
ls_gui_test_save_window_png (GtkWindow *window,
                             const char *file_name)
{
  GtkWidget *widget = GTK_WIDGET (window);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *dir = ls_test_build_path ("gui-renders", NULL);
  char *path = g_build_filename (dir, file_name, NULL);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("rendered %s (%dx%d)", path, width, height);
  return path;
}
