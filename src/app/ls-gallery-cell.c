/* ls-gallery-cell.c — one cell of the gallery
 *
 * The thumbnail is drawn by a small widget of fixed size (LsGalleryThumb),
 * so the grid's column width never depends on the thumbnails' sizes and a
 * cell does not change size when its thumbnail arrives. Below it: the file
 * name, the label (a pill tinted with the class colour) and the model's
 * latest reading (a pill outlined in its class colour, with its
 * probability), each on its own row so no word is cut.
 *
 * The widgets are made in C, not from a template: GtkGridView 4.8 makes
 * 30 rows of cells at once, and a GtkBuilder parse per cell was most of
 * the first frame's time.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ls-gallery-cell.h"
#include "report/report.h"

/* ---- LsGalleryThumb: a texture fitted into a fixed square ---- */

#define LS_TYPE_GALLERY_THUMB (ls_gallery_thumb_get_type ())

G_DECLARE_FINAL_TYPE (LsGalleryThumb, ls_gallery_thumb, LS, GALLERY_THUMB, GtkWidget)

struct _LsGalleryThumb
{
  GtkWidget parent_instance;

  GdkTexture *texture;
};

G_DEFINE_FINAL_TYPE (LsGalleryThumb, ls_gallery_thumb, GTK_TYPE_WIDGET)

static void
ls_gallery_thumb_measure (GtkWidget *widget,
                          GtkOrientation orientation,
                          int for_size,
                          int *minimum,
                          int *natural,
                          int *minimum_baseline,
                          int *natural_baseline)
{
  *minimum = *natural = LS_GALLERY_CELL_THUMB_SIZE;
}

static void
ls_gallery_thumb_snapshot (GtkWidget *widget,
                           GtkSnapshot *snapshot)
{
  LsGalleryThumb *self = LS_GALLERY_THUMB (widget);
  float w = gtk_widget_get_width (widget);
  float h = gtk_widget_get_height (widget);
  float tw, th, scale;
  GskRoundedRect clip;

  if (self->texture == NULL)
    return;
  tw = gdk_texture_get_width (self->texture);
  th = gdk_texture_get_height (self->texture);
  scale = MIN (w / tw, h / th);
  tw *= scale;
  th *= scale;
  /* The CSS background's rounded corners (6 px) clip the image too. */
  gsk_rounded_rect_init_from_rect (&clip, &GRAPHENE_RECT_INIT (0, 0, w, h), 6);
  gtk_snapshot_push_rounded_clip (snapshot, &clip);
  gtk_snapshot_append_texture (snapshot, self->texture,
                               &GRAPHENE_RECT_INIT (roundf ((w - tw) / 2), roundf ((h - th) / 2),
                                                    roundf (tw), roundf (th)));
  gtk_snapshot_pop (snapshot);
}

static void
ls_gallery_thumb_finalize (GObject *object)
{
  LsGalleryThumb *self = LS_GALLERY_THUMB (object);

  g_clear_object (&self->texture);
  G_OBJECT_CLASS (ls_gallery_thumb_parent_class)->finalize (object);
}

static void
ls_gallery_thumb_class_init (LsGalleryThumbClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ls_gallery_thumb_finalize;
  widget_class->measure = ls_gallery_thumb_measure;
  widget_class->snapshot = ls_gallery_thumb_snapshot;
  gtk_widget_class_set_css_name (widget_class, "thumbnail");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ls_gallery_thumb_init (LsGalleryThumb *self)
{
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

static void
ls_gallery_thumb_set_texture (LsGalleryThumb *self,
                              GdkTexture *texture)
{
  if (g_set_object (&self->texture, texture))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- LsGalleryCell ---- */

struct _LsGalleryCell
{
  GtkWidget parent_instance;

  /* Child widgets */
  GtkOverlay *overlay;
  LsGalleryThumb *thumb;
  GtkImage *broken;
  GtkImage *ood_mark;
  GtkLabel *name_label;
  GtkLabel *label_badge;
  GtkLabel *predicted_badge;

  /* Owned references */
  LsImageItem *item;
  GStrv classes;
  gulong notify_id;
  char *error;       /* why there is no thumbnail, or NULL */
  char *label_class; /* the badges' current ls-class-N CSS classes */
  char *predicted_class;
};

G_DEFINE_FINAL_TYPE (LsGalleryCell, ls_gallery_cell, GTK_TYPE_WIDGET)

static const char *
class_title (LsGalleryCell *self,
             int index)
{
  if (index < 0 || self->classes == NULL || index >= (int) g_strv_length (self->classes))
    return NULL;
  return ls_report_class_display_name (self->classes[index]);
}

static void
set_class_css (GtkWidget *widget,
               char **current,
               int index)
{
  g_autofree char *wanted = index >= 0 ? g_strdup_printf ("ls-class-%d", index) : NULL;

  if (g_strcmp0 (*current, wanted) == 0)
    return;
  if (*current != NULL)
    gtk_widget_remove_css_class (widget, *current);
  if (wanted != NULL)
    gtk_widget_add_css_class (widget, wanted);
  g_free (*current);
  *current = g_steal_pointer (&wanted);
}

/* The words for the label and for the model's reading (tooltips and the
 * accessible label): "Label: Normal", "Model: Pneumonia, 87%". */
static char *
label_words (LsGalleryCell *self)
{
  const char *label = class_title (self, ls_image_item_get_label (self->item));

  /* Translators: the label a person gave the image. */
  return label != NULL ? g_strdup_printf (_ ("Label: %s"), label) : g_strdup (_ ("No label yet"));
}

static char *
predicted_words (LsGalleryCell *self)
{
  const char *predicted = class_title (self, ls_image_item_get_predicted (self->item));
  double confidence = ls_image_item_get_confidence (self->item);

  if (predicted == NULL)
    return g_strdup (_ ("No prediction yet"));
  if (!isfinite (confidence))
    return g_strdup_printf (_ ("Model: %s"), predicted);
  /* Translators: the model's latest prediction and its probability. */
  return g_strdup_printf (_ ("Model: %s, %.0f%%"), predicted, 100.0 * confidence);
}

/* Tooltips are made when asked for: setting a widget's tooltip text costs
 * a pointer query (a round trip to the X server), and thirty rows of cells
 * are made at once. */
static gboolean
query_tooltip_cb (GtkWidget *widget,
                  int x,
                  int y,
                  gboolean keyboard,
                  GtkTooltip *tooltip,
                  LsGalleryCell *self)
{
  g_autofree char *text = NULL;

  if (self->item == NULL)
    return FALSE;
  if (widget == GTK_WIDGET (self->name_label))
    text = g_strdup (ls_image_item_get_name (self->item));
  else if (widget == GTK_WIDGET (self->label_badge))
    text = label_words (self);
  else if (widget == GTK_WIDGET (self->predicted_badge))
    text = predicted_words (self);
  else if (widget == GTK_WIDGET (self->ood_mark))
    text = g_strdup (_ ("Unlike the training images: the model’s reading may not hold"));
  else if (widget == GTK_WIDGET (self->broken) && self->error != NULL)
    /* Translators: why a thumbnail could not be made. */
    text = g_strdup_printf (_ ("No thumbnail: %s"), self->error);
  else
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
refresh (LsGalleryCell *self)
{
  LsImageItem *item = self->item;
  g_autoptr (GString) a11y = g_string_new (NULL);
  g_autofree char *predicted_text = NULL;
  g_autofree char *label_tip = NULL;
  g_autofree char *predicted_tip = NULL;
  const char *name, *label, *predicted;
  double confidence;
  gboolean ood;

  if (item == NULL)
    return;
  name = ls_image_item_get_name (item);
  label = class_title (self, ls_image_item_get_label (item));
  predicted = class_title (self, ls_image_item_get_predicted (item));
  confidence = ls_image_item_get_confidence (item);
  ood = ls_image_item_get_ood (item);

  ls_gallery_thumb_set_texture (self->thumb, ls_image_item_get_thumbnail (item));
  gtk_label_set_label (self->name_label, name);

  /* The label: a pill tinted with the class colour, or a dim one. */
  set_class_css (GTK_WIDGET (self->label_badge), &self->label_class, ls_image_item_get_label (item));
  gtk_label_set_label (self->label_badge, label != NULL ? label : _ ("Unlabelled"));
  if (label != NULL)
    gtk_widget_remove_css_class (GTK_WIDGET (self->label_badge), "ls-unlabelled");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->label_badge), "ls-unlabelled");

  /* The model's latest reading: an outlined pill with its probability. */
  set_class_css (GTK_WIDGET (self->predicted_badge), &self->predicted_class,
                 ls_image_item_get_predicted (item));
  if (predicted != NULL && isfinite (confidence))
    /* Translators: a class and the model's probability for it, "Pneumonia 87%". */
    predicted_text = g_strdup_printf (_ ("%s %.0f%%"), predicted, 100.0 * confidence);
  else if (predicted != NULL)
    predicted_text = g_strdup (predicted);
  else
    /* Translators: no prediction of the model is logged for the image. */
    predicted_text = g_strdup (_ ("No prediction"));
  gtk_label_set_label (self->predicted_badge, predicted_text);
  /* No pill where the model has not read the image (a grid of "No
   * prediction" pills is noise), but its room kept, so every cell has the
   * same height; the words stay for the tooltip and screen readers. */
  if (predicted != NULL)
    gtk_widget_remove_css_class (GTK_WIDGET (self->predicted_badge), "ls-unread");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->predicted_badge), "ls-unread");
  gtk_widget_set_opacity (GTK_WIDGET (self->predicted_badge), predicted != NULL ? 1.0 : 0.0);
  gtk_widget_set_visible (GTK_WIDGET (self->ood_mark), ood);

  label_tip = label_words (self);
  predicted_tip = predicted_words (self);
  g_string_append_printf (a11y, "%s. %s. %s", name, label_tip, predicted_tip);
  if (ood)
    g_string_append_printf (a11y, ". %s", _ ("Unlike the training images"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y->str,
                                  -1);
  /* The grid's cell that takes the focus is the list item widget around
   * this one (GTK 4.8 has no gtk_list_item_set_accessible_label). */
  if (gtk_widget_get_parent (GTK_WIDGET (self)) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (GTK_WIDGET (self))),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, a11y->str, -1);
}

static void
item_notify_cb (LsImageItem *item,
                GParamSpec *pspec,
                LsGalleryCell *self)
{
  if (g_str_equal (g_param_spec_get_name (pspec), "thumbnail"))
    ls_gallery_thumb_set_texture (self->thumb, ls_image_item_get_thumbnail (item));
  else
    refresh (self);
}

static void
ls_gallery_cell_dispose (GObject *object)
{
  LsGalleryCell *self = LS_GALLERY_CELL (object);

  GtkWidget *child;

  ls_gallery_cell_unbind (self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ls_gallery_cell_parent_class)->dispose (object);
}

static void
ls_gallery_cell_finalize (GObject *object)
{
  LsGalleryCell *self = LS_GALLERY_CELL (object);

  g_strfreev (self->classes);
  g_free (self->error);
  g_free (self->label_class);
  g_free (self->predicted_class);
  G_OBJECT_CLASS (ls_gallery_cell_parent_class)->finalize (object);
}

static void
ls_gallery_cell_class_init (LsGalleryCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_gallery_cell_dispose;
  object_class->finalize = ls_gallery_cell_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lsgallerycell");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static GtkLabel *
add_label (LsGalleryCell *self,
           const char *const *css_classes)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_css_classes (label, (const char **) css_classes);
  gtk_widget_set_halign (label, GTK_ALIGN_CENTER);
  /* Tooltips are made when asked for: setting tooltip text on every bind
   * costs a pointer query on X11. */
  gtk_widget_set_has_tooltip (label, TRUE);
  g_signal_connect (label, "query-tooltip", G_CALLBACK (query_tooltip_cb), self);
  gtk_widget_set_parent (label, GTK_WIDGET (self));
  return GTK_LABEL (label);
}

static void
ls_gallery_cell_init (LsGalleryCell *self)
{
  static const char *const name_css[] = { "caption", "ls-name", NULL };
  static const char *const label_css[] = { "ls-badge", "ls-label", NULL };
  static const char *const predicted_css[] = { "ls-badge", "ls-predicted", NULL };
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 3);

  self->overlay = GTK_OVERLAY (gtk_overlay_new ());
  gtk_widget_set_halign (GTK_WIDGET (self->overlay), GTK_ALIGN_CENTER);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->overlay), 2);
  self->thumb = g_object_new (LS_TYPE_GALLERY_THUMB, NULL);
  gtk_overlay_set_child (self->overlay, GTK_WIDGET (self->thumb));

  self->broken = GTK_IMAGE (gtk_image_new_from_icon_name ("image-missing-symbolic"));
  gtk_image_set_pixel_size (self->broken, 32);
  gtk_widget_set_halign (GTK_WIDGET (self->broken), GTK_ALIGN_CENTER);
  gtk_widget_set_valign (GTK_WIDGET (self->broken), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->broken), "ls-broken");
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->broken), TRUE);
  g_signal_connect (self->broken, "query-tooltip", G_CALLBACK (query_tooltip_cb), self);
  gtk_widget_set_visible (GTK_WIDGET (self->broken), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->broken), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("No thumbnail"), -1);
  gtk_overlay_add_overlay (self->overlay, GTK_WIDGET (self->broken));

  self->ood_mark = GTK_IMAGE (gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
  gtk_widget_set_halign (GTK_WIDGET (self->ood_mark), GTK_ALIGN_END);
  gtk_widget_set_valign (GTK_WIDGET (self->ood_mark), GTK_ALIGN_START);
  gtk_widget_set_margin_top (GTK_WIDGET (self->ood_mark), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self->ood_mark), 6);
  gtk_widget_add_css_class (GTK_WIDGET (self->ood_mark), "ls-ood-mark");
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->ood_mark), TRUE);
  g_signal_connect (self->ood_mark, "query-tooltip", G_CALLBACK (query_tooltip_cb), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->ood_mark), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Unlike the training images"), -1);
  gtk_widget_set_visible (GTK_WIDGET (self->ood_mark), FALSE);
  gtk_overlay_add_overlay (self->overlay, GTK_WIDGET (self->ood_mark));
  gtk_widget_set_parent (GTK_WIDGET (self->overlay), GTK_WIDGET (self));

  self->name_label = add_label (self, name_css);
  gtk_label_set_ellipsize (self->name_label, PANGO_ELLIPSIZE_MIDDLE);
  /* As wide as the cell, never wider. */
  gtk_label_set_max_width_chars (self->name_label, 1);
  gtk_widget_set_hexpand (GTK_WIDGET (self->name_label), TRUE);
  gtk_widget_set_halign (GTK_WIDGET (self->name_label), GTK_ALIGN_FILL);
  self->label_badge = add_label (self, label_css);
  self->predicted_badge = add_label (self, predicted_css);
}

GtkWidget *
ls_gallery_cell_new (void)
{
  return g_object_new (LS_TYPE_GALLERY_CELL, NULL);
}

void
ls_gallery_cell_bind (LsGalleryCell *self,
                      LsImageItem *item,
                      const char *const *classes)
{
  g_return_if_fail (LS_IS_GALLERY_CELL (self));
  g_return_if_fail (LS_IS_IMAGE_ITEM (item));

  ls_gallery_cell_unbind (self);
  self->item = g_object_ref (item);
  if (self->classes == NULL || classes == NULL ||
      !g_strv_equal ((const char *const *) self->classes, classes))
    {
      g_strfreev (self->classes);
      self->classes = g_strdupv ((char **) classes);
    }
  self->notify_id = g_signal_connect (item, "notify", G_CALLBACK (item_notify_cb), self);
  ls_gallery_cell_set_error (self, NULL);
  refresh (self);
}

void
ls_gallery_cell_unbind (LsGalleryCell *self)
{
  g_return_if_fail (LS_IS_GALLERY_CELL (self));

  if (self->item == NULL)
    return;
  g_clear_signal_handler (&self->notify_id, self->item);
  g_clear_object (&self->item);
  ls_gallery_thumb_set_texture (self->thumb, NULL);
}

LsImageItem *
ls_gallery_cell_get_item (LsGalleryCell *self)
{
  g_return_val_if_fail (LS_IS_GALLERY_CELL (self), NULL);
  return self->item;
}

void
ls_gallery_cell_set_error (LsGalleryCell *self,
                           const char *message)
{
  g_return_if_fail (LS_IS_GALLERY_CELL (self));

  if (message == NULL && self->error == NULL)
    return;
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_widget_set_visible (GTK_WIDGET (self->broken), message != NULL);
}
