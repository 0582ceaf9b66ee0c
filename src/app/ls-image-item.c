/* ls-image-item.c — one workspace image as the gallery shows it
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "ls-image-item-private.h"

struct _LsImageItem
{
  GObject parent_instance;

  LsStoreImage *image;
  char *sort_key;
  char *search_key;
  int label;

  /* The latest prediction. */
  int predicted;
  double confidence;
  double uncertainty;
  gboolean ood;
  char *model_id;
  double *probabilities;
  guint n_classes;

  GdkTexture *thumbnail;
};

G_DEFINE_FINAL_TYPE (LsImageItem, ls_image_item, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_SHA256,
  PROP_NAME,
  PROP_ADDED,
  PROP_LABEL,
  PROP_PREDICTED,
  PROP_CONFIDENCE,
  PROP_UNCERTAINTY,
  PROP_OOD,
  PROP_THUMBNAIL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static int
class_index (const char *const *classes,
             const char *name)
{
  for (int i = 0; name != NULL && classes != NULL && classes[i] != NULL; i++)
    if (strcmp (classes[i], name) == 0)
      return i;
  return -1;
}

/* The logged probabilities in class order: a JSON object keyed by class
 * name (what the CLI and the app log) or an array in class order. FALSE
 * when the text is neither or names none of the classes. */
static gboolean
parse_probabilities (const char *json,
                     const char *const *classes,
                     double *probs,
                     guint n_classes)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;
  guint found = 0;

  for (guint c = 0; c < n_classes; c++)
    probs[c] = 0.0;
  if (json == NULL || !json_parser_load_from_data (parser, json, -1, &error))
    return FALSE;
  root = json_parser_get_root (parser);
  if (JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);

      for (guint c = 0; c < n_classes; c++)
        {
          JsonNode *v = json_object_get_member (object, classes[c]);

          if (v != NULL && JSON_NODE_HOLDS_VALUE (v))
            {
              probs[c] = json_node_get_double (v);
              found++;
            }
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      if (json_array_get_length (array) != n_classes)
        return FALSE;
      for (guint c = 0; c < n_classes; c++)
        {
          JsonNode *v = json_array_get_element (array, c);

          if (JSON_NODE_HOLDS_VALUE (v))
            {
              probs[c] = json_node_get_double (v);
              found++;
            }
        }
    }
  return found > 0;
}

static void
take_prediction (LsImageItem *self,
                 const LsStorePrediction *prediction,
                 const char *const *classes)
{
  guint n = classes != NULL ? g_strv_length ((char **) classes) : 0;
  double sum = 0.0, entropy = 0.0;
  int best = -1;

  self->predicted = -1;
  self->confidence = NAN;
  self->uncertainty = NAN;
  self->ood = FALSE;
  if (prediction == NULL || n == 0)
    return;
  self->model_id = g_strdup (prediction->model_id);
  self->ood = prediction->ood_flag;
  self->probabilities = g_new0 (double, n);
  self->n_classes = n;
  if (!parse_probabilities (prediction->probabilities_json, classes, self->probabilities, n))
    {
      g_debug ("%s: unreadable probabilities in prediction %" G_GINT64_FORMAT ": %s",
               self->image->sha256, prediction->id, prediction->probabilities_json);
      g_clear_pointer (&self->probabilities, g_free);
      self->n_classes = 0;
      self->predicted = class_index (classes, prediction->predicted);
      return;
    }
  for (guint c = 0; c < n; c++)
    {
      double p = self->probabilities[c];

      if (!isfinite (p) || p < 0.0)
        self->probabilities[c] = p = 0.0;
      sum += p;
      if (best < 0 || p > self->probabilities[best])
        best = (int) c;
    }
  if (sum <= 0.0)
    return;
  for (guint c = 0; c < n; c++)
    {
      double p = self->probabilities[c] / sum;

      if (p > 0.0)
        entropy -= p * log (p);
    }
  /* The logged class wins over the arg max (they agree for every
   * prediction the pipeline logs). */
  self->predicted = prediction->predicted != NULL ? class_index (classes, prediction->predicted)
                                                  : best;
  if (self->predicted < 0)
    self->predicted = best;
  self->confidence = self->probabilities[self->predicted] / sum;
  self->uncertainty = entropy;
}

LsImageItem *
ls_image_item_new (LsStoreImage *image,
                   const LsStorePrediction *prediction,
                   const char *const *classes)
{
  LsImageItem *self = g_object_new (LS_TYPE_IMAGE_ITEM, NULL);
  const char *name;
  g_autofree char *folded = NULL;

  g_return_val_if_fail (image != NULL && image->sha256 != NULL, NULL);
  self->image = image;
  name = ls_image_item_get_name (self);
  self->sort_key = g_utf8_collate_key_for_filename (name, -1);
  folded = g_utf8_casefold (name, -1);
  self->search_key = g_utf8_normalize (folded, -1, G_NORMALIZE_ALL);
  self->label = class_index (classes, image->label);
  take_prediction (self, prediction, classes);
  return self;
}

static gboolean
same_double (double a,
             double b)
{
  return (isnan (a) && isnan (b)) || a == b;
}

gboolean
ls_image_item_update (LsImageItem *self,
                      LsImageItem *from)
{
  GParamSpec *changed[N_PROPS];
  guint n_changed = 0;
  gboolean probs_changed;

  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), FALSE);
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (from), FALSE);
  g_return_val_if_fail (g_str_equal (self->image->sha256, from->image->sha256), FALSE);

  if (g_strcmp0 (ls_image_item_get_name (self), ls_image_item_get_name (from)) != 0)
    changed[n_changed++] = properties[PROP_NAME];
  if (self->label != from->label)
    changed[n_changed++] = properties[PROP_LABEL];
  if (self->predicted != from->predicted)
    changed[n_changed++] = properties[PROP_PREDICTED];
  if (!same_double (self->confidence, from->confidence))
    changed[n_changed++] = properties[PROP_CONFIDENCE];
  if (!same_double (self->uncertainty, from->uncertainty))
    changed[n_changed++] = properties[PROP_UNCERTAINTY];
  if (self->ood != from->ood)
    changed[n_changed++] = properties[PROP_OOD];
  probs_changed = self->n_classes != from->n_classes ||
                  g_strcmp0 (self->model_id, from->model_id) != 0 ||
                  (self->n_classes > 0 && memcmp (self->probabilities, from->probabilities,
                                                  self->n_classes * sizeof (double)) != 0);

  /* The hash string stays the same for the item's life (lists key on it). */
  g_free (from->image->sha256);
  from->image->sha256 = g_steal_pointer (&self->image->sha256);
  ls_store_image_free (self->image);
  self->image = g_steal_pointer (&from->image);
  g_free (self->sort_key);
  self->sort_key = g_steal_pointer (&from->sort_key);
  g_free (self->search_key);
  self->search_key = g_steal_pointer (&from->search_key);
  self->label = from->label;
  self->predicted = from->predicted;
  self->confidence = from->confidence;
  self->uncertainty = from->uncertainty;
  self->ood = from->ood;
  g_free (self->model_id);
  self->model_id = g_steal_pointer (&from->model_id);
  g_free (self->probabilities);
  self->probabilities = g_steal_pointer (&from->probabilities);
  self->n_classes = from->n_classes;
  from->n_classes = 0;

  for (guint i = 0; i < n_changed; i++)
    g_object_notify_by_pspec (G_OBJECT (self), changed[i]);
  return n_changed > 0 || probs_changed;
}

void
ls_image_item_set_thumbnail (LsImageItem *self,
                             GdkTexture *thumbnail)
{
  g_return_if_fail (LS_IS_IMAGE_ITEM (self));
  if (g_set_object (&self->thumbnail, thumbnail))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL]);
}

const char *
ls_image_item_get_sort_key (LsImageItem *self)
{
  return self->sort_key;
}

const char *
ls_image_item_get_search_key (LsImageItem *self)
{
  return self->search_key;
}

static void
ls_image_item_finalize (GObject *object)
{
  LsImageItem *self = LS_IMAGE_ITEM (object);

  g_clear_pointer (&self->image, ls_store_image_free);
  g_free (self->sort_key);
  g_free (self->search_key);
  g_free (self->model_id);
  g_free (self->probabilities);
  g_clear_object (&self->thumbnail);
  G_OBJECT_CLASS (ls_image_item_parent_class)->finalize (object);
}

static void
ls_image_item_get_property (GObject *object,
                            guint prop_id,
                            GValue *value,
                            GParamSpec *pspec)
{
  LsImageItem *self = LS_IMAGE_ITEM (object);

  switch (prop_id)
    {
    case PROP_SHA256:
      g_value_set_string (value, ls_image_item_get_sha256 (self));
      break;
    case PROP_NAME:
      g_value_set_string (value, ls_image_item_get_name (self));
      break;
    case PROP_ADDED:
      g_value_set_int64 (value, self->image->added);
      break;
    case PROP_LABEL:
      g_value_set_int (value, self->label);
      break;
    case PROP_PREDICTED:
      g_value_set_int (value, self->predicted);
      break;
    case PROP_CONFIDENCE:
      g_value_set_double (value, self->confidence);
      break;
    case PROP_UNCERTAINTY:
      g_value_set_double (value, self->uncertainty);
      break;
    case PROP_OOD:
      g_value_set_boolean (value, self->ood);
      break;
    case PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_image_item_class_init (LsImageItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ls_image_item_finalize;
  object_class->get_property = ls_image_item_get_property;

  properties[PROP_SHA256] = g_param_spec_string ("sha256", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_ADDED] = g_param_spec_int64 ("added", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_LABEL] = g_param_spec_int ("label", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_PREDICTED] = g_param_spec_int ("predicted", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_CONFIDENCE] =
      g_param_spec_double ("confidence", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, flags);
  properties[PROP_UNCERTAINTY] =
      g_param_spec_double ("uncertainty", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, flags);
  properties[PROP_OOD] = g_param_spec_boolean ("ood", NULL, NULL, FALSE, flags);
  properties[PROP_THUMBNAIL] = g_param_spec_object ("thumbnail", NULL, NULL, GDK_TYPE_TEXTURE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ls_image_item_init (LsImageItem *self)
{
  self->label = -1;
  self->predicted = -1;
  self->confidence = NAN;
  self->uncertainty = NAN;
}

const char *
ls_image_item_get_sha256 (LsImageItem *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), NULL);
  return self->image->sha256;
}

const char *
ls_image_item_get_name (LsImageItem *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), NULL);
  return self->image->original_name != NULL ? self->image->original_name : self->image->sha256;
}

gint64
ls_image_item_get_added (LsImageItem *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), 0);
  return self->image->added;
}

int
ls_image_item_get_label (LsImageItem *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), -1);
  return self->label;
}

int
ls_image_item_get_predicted (LsImageItem *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), -1);
  return self->predicted;
}

double
ls_image_item_get_confidence (LsImageItem *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), NAN);
  return self->confidence;
}

double
ls_image_item_get_uncertainty (LsImageItem *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), NAN);
  return self->uncertainty;
}

gboolean
ls_image_item_get_ood (LsImageItem *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), FALSE);
  return self->ood;
}

const char *
ls_image_item_get_model_id (LsImageItem *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), NULL);
  return self->model_id;
}

const double *
ls_image_item_get_probabilities (LsImageItem *self,
                                 guint *n_classes)
{
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), NULL);
  if (n_classes != NULL)
    *n_classes = self->n_classes;
  return self->probabilities;
}

GdkTexture *
ls_image_item_get_thumbnail (LsImageItem *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), NULL);
  return self->thumbnail;
}

const LsStoreImage *
ls_image_item_get_image (LsImageItem *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_ITEM (self), NULL);
  return self->image;
}
