/* ls-gallery.c — the workspace's images as a grid of thumbnails
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <glib/gi18n.h>

#include "ls-gallery-cell.h"
#include "ls-gallery.h"
#include "ls-reveal-model.h"
#include "report/report.h"

/* Loads at once: two cores, and the main loop needs one. */
#define THUMBNAILS_IN_FLIGHT 3
/* Thumbnails kept, bound or not: GtkGridView 4.8 keeps 30 rows of
 * max-columns cells bound (240), most of them off screen. At the cell's
 * size, 148² RGB, that is 64 KiB each (256 KiB at scale 2). */
#define THUMBNAILS_CACHED 320
/* Cells made a frame when many items arrive at once (ls-reveal-model.h). */
#define REVEAL_STEP 40

struct _LsGallery
{
  AdwBin parent_instance;

  /* Template widgets */
  GtkStack *stack;
  GtkScrolledWindow *scroller;
  GtkGridView *grid_view;
  AdwStatusPage *empty_page;
  GtkSpinner *spinner;

  /* Owned references */
  LsImageList *list;
  LsRevealModel *reveal;
  GtkSingleSelection *selection;
  guint reveal_tick;
  LsThumbnailLoader *thumbnails;
  GHashTable *cells; /* bound item → its cell (borrowed) */
  GtkCssProvider *class_css;
  guint columns_idle;
};

G_DEFINE_FINAL_TYPE (LsGallery, ls_gallery, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_LIST,
  PROP_SELECTED_SHA256,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  IMAGE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- looks ---- */

static void
ensure_static_css (GdkDisplay *display)
{
  g_autoptr (GtkCssProvider) provider = NULL;

  if (g_object_get_data (G_OBJECT (display), "ls-gallery-css") != NULL)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, RESOURCE_PREFIX "/ui/ls-gallery.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "ls-gallery-css", g_steal_pointer (&provider),
                          g_object_unref);
}

/* The badges' colours for the list's classes: the label filled with a tint
 * of the class colour, the prediction outlined in it; lighter under the
 * dark style, where the deep COVID-19 purple would vanish. */
static void
update_class_css (LsGallery *self)
{
  const char *const *classes = self->list != NULL ? ls_image_list_get_classes (self->list) : NULL;
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  g_autoptr (GString) css = g_string_new (NULL);

  for (int i = 0; classes != NULL && classes[i] != NULL; i++)
    {
      guint32 rgb = ls_report_class_color (classes[i], i);
      g_autofree char *color = NULL;

      if (dark)
        color = g_strdup_printf ("mix(#%06x, white, 0.35)", rgb & 0xffffff);
      else
        color = g_strdup_printf ("#%06x", rgb & 0xffffff);
      g_string_append_printf (css,
                              "lsgallerycell .ls-badge.ls-label.ls-class-%d "
                              "{ background-color: alpha(%s, %s); }\n"
                              "lsgallerycell .ls-badge.ls-predicted.ls-class-%d "
                              "{ border-color: alpha(%s, 0.85); background-color: alpha(%s, 0.06); }\n",
                              i, color, dark ? "0.4" : "0.28", i, color, color);
    }
  gtk_css_provider_load_from_data (self->class_css, css->str, (gssize) css->len);
}

static const char *
filter_description (LsImageList *list)
{
  switch (ls_image_list_get_filter (list))
    {
    case LS_IMAGE_FILTER_UNLABELLED:
      return _ ("Every image has a label");
    case LS_IMAGE_FILTER_LABEL:
      return _ ("No image has this label");
    case LS_IMAGE_FILTER_DISAGREES:
      return _ ("The model’s latest reading agrees with the label of every image it has read");
    case LS_IMAGE_FILTER_UNCERTAIN:
      return _ ("No latest reading is uncertain");
    case LS_IMAGE_FILTER_OOD:
      return _ ("No image was found unlike the training images");
    case LS_IMAGE_FILTER_ALL:
    default:
      return NULL;
    }
}

static void
update_state (LsGallery *self)
{
  const char *page = "grid";

  if (self->list == NULL)
    page = "empty";
  else if (ls_image_list_get_n_items (self->list) > 0)
    page = "grid";
  else if (ls_image_list_get_loading (self->list))
    page = "loading";
  else if (ls_image_list_get_n_total (self->list) == 0)
    page = "empty";
  else
    page = "empty";

  if (g_str_equal (page, "empty"))
    {
      const char *search = self->list != NULL ? ls_image_list_get_search (self->list) : NULL;

      if (self->list == NULL || ls_image_list_get_n_total (self->list) == 0)
        {
          adw_status_page_set_icon_name (self->empty_page, "image-x-generic-symbolic");
          adw_status_page_set_title (self->empty_page, _ ("No Images"));
          adw_status_page_set_description (self->empty_page,
                                           _ ("Drop chest radiographs here, or import a folder"));
        }
      else if (search != NULL)
        {
          g_autofree char *text = NULL;

          if (ls_image_list_get_filter (self->list) == LS_IMAGE_FILTER_ALL)
            /* Translators: the search text, as typed. */
            text = g_strdup_printf (_ ("No file name contains “%s”"), search);
          else
            text = g_strdup_printf (_ ("No file name among the filtered images contains “%s”"),
                                    search);
          adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
          adw_status_page_set_title (self->empty_page, _ ("No Results Found"));
          adw_status_page_set_description (self->empty_page, text);
        }
      else
        {
          adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
          adw_status_page_set_title (self->empty_page, _ ("No Matching Images"));
          adw_status_page_set_description (self->empty_page, filter_description (self->list));
        }
    }
  gtk_spinner_set_spinning (self->spinner, g_str_equal (page, "loading"));
  gtk_stack_set_visible_child_name (self->stack, page);
}

/* GtkGridView 4.8 keeps 30 × max-columns cells bound, whatever the number
 * of columns it shows: max-columns follows the number that fits, so a
 * gallery five columns wide makes 150 cells, not 30 × 8. */
static gboolean
columns_idle_cb (gpointer user_data)
{
  LsGallery *self = user_data;
  GtkWidget *grid = GTK_WIDGET (self->grid_view);
  GtkWidget *child = gtk_widget_get_first_child (grid);
  int cell = 0, width = gtk_widget_get_width (grid);
  guint n;

  self->columns_idle = 0;
  if (child != NULL)
    gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &cell, NULL, NULL, NULL);
  if (cell <= 0)
    cell = LS_GALLERY_CELL_THUMB_SIZE + 16; /* the cell's padding and margins in the CSS */
  n = CLAMP (width / cell, 1, 24);
  if (width > 0 && n != gtk_grid_view_get_max_columns (self->grid_view))
    gtk_grid_view_set_max_columns (self->grid_view, n);
  return G_SOURCE_REMOVE;
}

static void
ls_gallery_size_allocate (GtkWidget *widget,
                          int width,
                          int height,
                          int baseline)
{
  LsGallery *self = LS_GALLERY (widget);

  GTK_WIDGET_CLASS (ls_gallery_parent_class)->size_allocate (widget, width, height, baseline);
  /* Not during the allocation: the grid's resize goes to the next frame. */
  if (self->columns_idle == 0)
    self->columns_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, columns_idle_cb, self, NULL);
}

/* ---- the factory ---- */

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem *list_item,
          LsGallery *self)
{
  gtk_list_item_set_child (list_item, ls_gallery_cell_new ());
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem *list_item,
         LsGallery *self)
{
  LsGalleryCell *cell = LS_GALLERY_CELL (gtk_list_item_get_child (list_item));
  LsImageItem *item = gtk_list_item_get_item (list_item);
  const char *error;

  ls_gallery_cell_bind (cell, item, ls_image_list_get_classes (self->list));
  g_hash_table_insert (self->cells, item, cell);
  ls_thumbnail_loader_bind (self->thumbnails, item);
  error = ls_thumbnail_loader_get_error (self->thumbnails, item);
  if (error != NULL)
    ls_gallery_cell_set_error (cell, error);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem *list_item,
           LsGallery *self)
{
  LsGalleryCell *cell = LS_GALLERY_CELL (gtk_list_item_get_child (list_item));
  LsImageItem *item = ls_gallery_cell_get_item (cell);

  if (item == NULL)
    return;
  ls_thumbnail_loader_unbind (self->thumbnails, item);
  if (g_hash_table_lookup (self->cells, item) == cell)
    g_hash_table_remove (self->cells, item);
  ls_gallery_cell_unbind (cell);
}

/* Cells on screen first, then by their distance from it. */
static double
thumbnail_priority_cb (LsImageItem *item,
                       gpointer user_data)
{
  LsGallery *self = user_data;
  GtkWidget *cell = g_hash_table_lookup (self->cells, item);
  GtkWidget *view = GTK_WIDGET (self->scroller);
  graphene_rect_t bounds;
  double top, bottom, height = gtk_widget_get_height (view);

  if (cell == NULL || !gtk_widget_compute_bounds (cell, view, &bounds))
    return G_MAXDOUBLE / 2;
  top = bounds.origin.y;
  bottom = top + bounds.size.height;
  if (bottom < 0)
    return -bottom;
  if (top > height)
    return top - height;
  return 0.0;
}

static void
scale_factor_cb (LsGallery *self)
{
  ls_thumbnail_loader_set_max_side (self->thumbnails,
                                    LS_GALLERY_CELL_THUMB_SIZE *
                                        gtk_widget_get_scale_factor (GTK_WIDGET (self)));
}

static void
thumbnail_failed_cb (LsImageItem *item,
                     const char *message,
                     gpointer user_data)
{
  LsGallery *self = user_data;
  LsGalleryCell *cell = g_hash_table_lookup (self->cells, item);

  if (cell != NULL)
    ls_gallery_cell_set_error (cell, message);
}

/* ---- list and selection ---- */

static void
grid_activate_cb (LsGallery *self,
                  guint position)
{
  g_autoptr (LsImageItem) item = NULL;

  if (self->list == NULL)
    return;
  item = g_list_model_get_item (G_LIST_MODEL (self->list), position);
  if (item != NULL)
    g_signal_emit (self, signals[IMAGE_ACTIVATED], 0, ls_image_item_get_sha256 (item));
}

static void
selection_changed_cb (LsGallery *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_SHA256]);
}

static gboolean
reveal_tick_cb (GtkWidget *widget,
                GdkFrameClock *clock,
                gpointer user_data)
{
  LsGallery *self = LS_GALLERY (widget);

  if (self->reveal != NULL && ls_reveal_model_step (self->reveal))
    return G_SOURCE_CONTINUE;
  self->reveal_tick = 0;
  return G_SOURCE_REMOVE;
}

static void
revealing_cb (LsGallery *self)
{
  if (self->reveal_tick == 0 && ls_reveal_model_get_n_hidden (self->reveal) > 0)
    self->reveal_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), reveal_tick_cb, NULL, NULL);
}

static void
list_state_cb (LsGallery *self)
{
  update_state (self);
}

static void
list_classes_cb (LsGallery *self)
{
  update_class_css (self);
}

static void
list_workspace_cb (LsGallery *self)
{
  ls_thumbnail_loader_set_workspace (self->thumbnails,
                                     self->list != NULL
                                         ? ls_image_list_get_workspace_path (self->list)
                                         : NULL);
}

/* ---- GObject ---- */

static void
ls_gallery_dispose (GObject *object)
{
  LsGallery *self = LS_GALLERY (object);

  g_clear_handle_id (&self->columns_idle, g_source_remove);
  if (self->reveal_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->reveal_tick);
  self->reveal_tick = 0;
  ls_gallery_set_list (self, NULL);
  gtk_grid_view_set_model (self->grid_view, NULL);
  g_clear_pointer (&self->thumbnails, ls_thumbnail_loader_free);
  if (self->class_css != NULL)
    gtk_style_context_remove_provider_for_display (gtk_widget_get_display (GTK_WIDGET (self)),
                                                   GTK_STYLE_PROVIDER (self->class_css));
  g_clear_object (&self->class_css);
  g_clear_pointer (&self->cells, g_hash_table_unref);
  /* AdwBin unparents the template's stack, its child. */
  G_OBJECT_CLASS (ls_gallery_parent_class)->dispose (object);
}

static void
ls_gallery_get_property (GObject *object,
                         guint prop_id,
                         GValue *value,
                         GParamSpec *pspec)
{
  LsGallery *self = LS_GALLERY (object);

  switch (prop_id)
    {
    case PROP_LIST:
      g_value_set_object (value, self->list);
      break;
    case PROP_SELECTED_SHA256:
      g_value_set_string (value, ls_gallery_get_selected_sha256 (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_gallery_set_property (GObject *object,
                         guint prop_id,
                         const GValue *value,
                         GParamSpec *pspec)
{
  LsGallery *self = LS_GALLERY (object);

  switch (prop_id)
    {
    case PROP_LIST:
      ls_gallery_set_list (self, g_value_get_object (value));
      break;
    case PROP_SELECTED_SHA256:
      ls_gallery_set_selected_sha256 (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_gallery_class_init (LsGalleryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_gallery_dispose;
  object_class->get_property = ls_gallery_get_property;
  object_class->set_property = ls_gallery_set_property;
  widget_class->size_allocate = ls_gallery_size_allocate;

  properties[PROP_LIST] = g_param_spec_object ("list", NULL, NULL, LS_TYPE_IMAGE_LIST,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                   G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_SHA256] = g_param_spec_string ("selected-sha256", NULL, NULL, NULL,
                                                          G_PARAM_READWRITE |
                                                              G_PARAM_EXPLICIT_NOTIFY |
                                                              G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The user opened an image (Enter, a double click): its SHA-256. */
  signals[IMAGE_ACTIVATED] = g_signal_new ("image-activated", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                           G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/ls-gallery.ui");
  gtk_widget_class_bind_template_child (widget_class, LsGallery, stack);
  gtk_widget_class_bind_template_child (widget_class, LsGallery, scroller);
  gtk_widget_class_bind_template_child (widget_class, LsGallery, grid_view);
  gtk_widget_class_bind_template_child (widget_class, LsGallery, empty_page);
  gtk_widget_class_bind_template_child (widget_class, LsGallery, spinner);
  gtk_widget_class_bind_template_callback (widget_class, grid_activate_cb);
}

/* Tab leaves the gallery: GtkGridView 4.8 moves the focus from cell to
 * cell on Tab, so a keyboard user would press it once an image to get past
 * the gallery (arrows and Page Up/Down move within it). */
static gboolean
grid_key_cb (GtkEventControllerKey *controller,
             guint keyval,
             guint keycode,
             GdkModifierType state,
             LsGallery *self)
{
  GtkWidget *grid = GTK_WIDGET (self->grid_view);
  GtkRoot *root = gtk_widget_get_root (grid);
  GtkDirectionType direction;
  gboolean moved;

  if ((keyval != GDK_KEY_Tab && keyval != GDK_KEY_KP_Tab && keyval != GDK_KEY_ISO_Left_Tab) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0 || root == NULL)
    return GDK_EVENT_PROPAGATE;
  direction = keyval == GDK_KEY_ISO_Left_Tab || (state & GDK_SHIFT_MASK) != 0 ? GTK_DIR_TAB_BACKWARD
                                                                              : GTK_DIR_TAB_FORWARD;
  /* The focus moves on from the grid as a whole. */
  gtk_widget_set_can_focus (grid, FALSE);
  moved = gtk_widget_child_focus (GTK_WIDGET (root), direction);
  gtk_widget_set_can_focus (grid, TRUE);
  return moved ? GDK_EVENT_STOP : GDK_EVENT_PROPAGATE;
}

static void
ls_gallery_init (LsGallery *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GdkDisplay *display;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cells = g_hash_table_new (NULL, NULL);
  self->thumbnails = ls_thumbnail_loader_new (THUMBNAILS_IN_FLIGHT, THUMBNAILS_CACHED,
                                              thumbnail_failed_cb, self);
  ls_thumbnail_loader_set_priority_func (self->thumbnails, thumbnail_priority_cb, self);
  scale_factor_cb (self);
  g_signal_connect (self, "notify::scale-factor", G_CALLBACK (scale_factor_cb), NULL);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_grid_view_set_factory (self->grid_view, factory);
  {
    GtkEventController *keys = gtk_event_controller_key_new ();

    gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
    g_signal_connect (keys, "key-pressed", G_CALLBACK (grid_key_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->grid_view), keys);
  }

  display = gtk_widget_get_display (GTK_WIDGET (self));
  ensure_static_css (display);
  self->class_css = gtk_css_provider_new ();
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (update_class_css), self, G_CONNECT_SWAPPED);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (self->class_css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
  update_state (self);
}

/* ---- public API ---- */

GtkWidget *
ls_gallery_new (void)
{
  return g_object_new (LS_TYPE_GALLERY, NULL);
}

void
ls_gallery_set_list (LsGallery *self,
                     LsImageList *list)
{
  g_return_if_fail (LS_IS_GALLERY (self));
  g_return_if_fail (list == NULL || LS_IS_IMAGE_LIST (list));

  if (self->list == list)
    return;
  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->reveal != NULL)
    g_signal_handlers_disconnect_by_data (self->reveal, self);
  g_set_object (&self->list, list);
  g_clear_object (&self->selection);
  g_clear_object (&self->reveal);
  if (list != NULL)
    {
      self->reveal = ls_reveal_model_new (G_LIST_MODEL (list), REVEAL_STEP);
      g_signal_connect_swapped (self->reveal, "notify::revealing", G_CALLBACK (revealing_cb), self);
      self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->reveal)));
      gtk_single_selection_set_autoselect (self->selection, FALSE);
      gtk_single_selection_set_can_unselect (self->selection, TRUE);
      g_signal_connect_swapped (self->selection, "notify::selected-item",
                                G_CALLBACK (selection_changed_cb), self);
      g_signal_connect_swapped (list, "notify::n-items", G_CALLBACK (list_state_cb), self);
      g_signal_connect_swapped (list, "notify::n-total", G_CALLBACK (list_state_cb), self);
      g_signal_connect_swapped (list, "notify::loading", G_CALLBACK (list_state_cb), self);
      g_signal_connect_swapped (list, "notify::search", G_CALLBACK (list_state_cb), self);
      g_signal_connect_swapped (list, "notify::filter", G_CALLBACK (list_state_cb), self);
      g_signal_connect_swapped (list, "notify::classes", G_CALLBACK (list_classes_cb), self);
      g_signal_connect_swapped (list, "notify::workspace-path", G_CALLBACK (list_workspace_cb),
                                self);
    }
  /* The new list's workspace before its items bind. */
  list_workspace_cb (self);
  gtk_grid_view_set_model (self->grid_view, GTK_SELECTION_MODEL (self->selection));
  update_class_css (self);
  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIST]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_SHA256]);
}

LsImageList *
ls_gallery_get_list (LsGallery *self)
{
  g_return_val_if_fail (LS_IS_GALLERY (self), NULL);
  return self->list;
}

LsImageItem *
ls_gallery_get_selected_item (LsGallery *self)
{
  g_return_val_if_fail (LS_IS_GALLERY (self), NULL);
  if (self->selection == NULL)
    return NULL;
  return gtk_single_selection_get_selected_item (self->selection);
}

const char *
ls_gallery_get_selected_sha256 (LsGallery *self)
{
  LsImageItem *item = ls_gallery_get_selected_item (self);

  return item != NULL ? ls_image_item_get_sha256 (item) : NULL;
}

void
ls_gallery_set_selected_sha256 (LsGallery *self,
                                const char *sha256)
{
  guint position;

  g_return_if_fail (LS_IS_GALLERY (self));
  if (self->selection == NULL || g_strcmp0 (sha256, ls_gallery_get_selected_sha256 (self)) == 0)
    return;
  position = sha256 != NULL ? ls_image_list_find (self->list, sha256) : GTK_INVALID_LIST_POSITION;
  if (position != GTK_INVALID_LIST_POSITION &&
      position >= g_list_model_get_n_items (G_LIST_MODEL (self->reveal)))
    ls_reveal_model_reveal_all (self->reveal);
  gtk_single_selection_set_selected (self->selection, position);
  if (position != GTK_INVALID_LIST_POSITION)
    gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", position);
}

GtkAdjustment *
ls_gallery_get_vadjustment (LsGallery *self)
{
  g_return_val_if_fail (LS_IS_GALLERY (self), NULL);
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

void
ls_gallery_get_thumbnail_stats (LsGallery *self,
                                LsThumbnailLoaderStats *stats)
{
  g_return_if_fail (LS_IS_GALLERY (self));
  ls_thumbnail_loader_get_stats (self->thumbnails, stats);
}
