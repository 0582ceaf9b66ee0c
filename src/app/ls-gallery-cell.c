/* ls-gallery-cell.c — one cell of the gallery
 *
 * The thumbnail is drawn by a small widget of fixed size (LsGalleryThumb),
 * so the grid's column width never depends on the thumbnails' sizes and a
 * cell does not change size when its thumbnail arrives.
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

  /* Template widgets */
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

static void
refresh (LsGalleryCell *self)
{
  LsImageItem *item = self->item;
  g_autoptr (GString) a11y = g_string_new (NULL);
  g_autofree char *predicted_text = NULL;
  g_autofree char *predicted_tip = NULL;
  g_autofree char *label_tip = NULL;
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
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), name);
  g_string_append (a11y, name);

  /* The label: a filled pill in the class colour, or a dim one. */
  set_class_css (GTK_WIDGET (self->label_badge), &self->label_class, ls_image_item_get_label (item));
  if (label != NULL)
    {
      gtk_label_set_label (self->label_badge, label);
      gtk_widget_remove_css_class (GTK_WIDGET (self->label_badge), "ls-unlabelled");
      /* Translators: the label a person gave the image. */
      label_tip = g_strdup_printf (_ ("Label: %s"), label);
    }
  else
    {
      gtk_label_set_label (self->label_badge, _ ("Unlabelled"));
      gtk_widget_add_css_class (GTK_WIDGET (self->label_badge), "ls-unlabelled");
      label_tip = g_strdup (_ ("No label yet"));
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->label_badge), label_tip);
  g_string_append_printf (a11y, ". %s", label_tip);

  /* The model's latest reading: an outlined pill with its probability. */
  set_class_css (GTK_WIDGET (self->predicted_badge), &self->predicted_class,
                 ls_image_item_get_predicted (item));
  gtk_widget_set_visible (GTK_WIDGET (self->predicted_badge), predicted != NULL);
  if (predicted != NULL)
    {
      if (isfinite (confidence))
        {
          /* Translators: a class and the model's probability for it, "Pneumonia 87%". */
          predicted_text = g_strdup_printf (_ ("%s %.0f%%"), predicted, 100.0 * confidence);
          /* Translators: the model's latest prediction and its probability. */
          predicted_tip = g_strdup_printf (_ ("Model: %s, %.0f%%"), predicted, 100.0 * confidence);
        }
      else
        {
          predicted_text = g_strdup (predicted);
          predicted_tip = g_strdup_printf (_ ("Model: %s"), predicted);
        }
      gtk_label_set_label (self->predicted_badge, predicted_text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->predicted_badge), predicted_tip);
      g_string_append_printf (a11y, ". %s", predicted_tip);
    }
  else
    g_string_append_printf (a11y, ". %s", _ ("Not predicted yet"));

  gtk_widget_set_visible (GTK_WIDGET (self->ood_mark), ood);
  if (ood)
    g_string_append_printf (a11y, ". %s", _ ("Unlike the training images"));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y->str,
                                  -1);
}

static void
item_notify_cb (LsImageItem *item,
                GParamSpec *pspec,
                LsGalleryCell *self)
{
  refresh (self);
}

static void
ls_gallery_cell_dispose (GObject *object)
{
  LsGalleryCell *self = LS_GALLERY_CELL (object);

  ls_gallery_cell_unbind (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_GALLERY_CELL);
  G_OBJECT_CLASS (ls_gallery_cell_parent_class)->dispose (object);
}

static void
ls_gallery_cell_finalize (GObject *object)
{
  LsGalleryCell *self = LS_GALLERY_CELL (object);

  g_strfreev (self->classes);
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

  g_type_ensure (LS_TYPE_GALLERY_THUMB);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ls-gallery-cell.ui");
  gtk_widget_class_bind_template_child (widget_class, LsGalleryCell, overlay);
  gtk_widget_class_bind_template_child (widget_class, LsGalleryCell, thumb);
  gtk_widget_class_bind_template_child (widget_class, LsGalleryCell, broken);
  gtk_widget_class_bind_template_child (widget_class, LsGalleryCell, ood_mark);
  gtk_widget_class_bind_template_child (widget_class, LsGalleryCell, name_label);
  gtk_widget_class_bind_template_child (widget_class, LsGalleryCell, label_badge);
  gtk_widget_class_bind_template_child (widget_class, LsGalleryCell, predicted_badge);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lsgallerycell");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
ls_gallery_cell_init (LsGalleryCell *self)
{
  GtkLayoutManager *layout;

  gtk_widget_init_template (GTK_WIDGET (self));
  layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 4);
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

  gtk_widget_set_visible (GTK_WIDGET (self->broken), message != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->broken), message);
}
