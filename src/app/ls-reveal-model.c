/* ls-reveal-model.c — a GListModel that shows a growing prefix of another
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include "ls-reveal-model.h"

struct _LsRevealModel
{
  GObject parent_instance;

  GListModel *model;
  guint step;
  guint limit; /* G_MAXUINT: everything */
  guint shown; /* items announced */
};

static void ls_reveal_model_list_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LsRevealModel, ls_reveal_model, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, ls_reveal_model_list_init))

enum
{
  PROP_0,
  PROP_REVEALING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
ls_reveal_model_get_item_type (GListModel *list)
{
  return g_list_model_get_item_type (LS_REVEAL_MODEL (list)->model);
}

static guint
ls_reveal_model_get_n_items (GListModel *list)
{
  return LS_REVEAL_MODEL (list)->shown;
}

static gpointer
ls_reveal_model_get_item (GListModel *list,
                          guint position)
{
  LsRevealModel *self = LS_REVEAL_MODEL (list);

  return position < self->shown ? g_list_model_get_item (self->model, position) : NULL;
}

static void
ls_reveal_model_list_init (GListModelInterface *iface)
{
  iface->get_item_type = ls_reveal_model_get_item_type;
  iface->get_n_items = ls_reveal_model_get_n_items;
  iface->get_item = ls_reveal_model_get_item;
}

/* Announces the prefix the limit allows now. */
static void
update_shown (LsRevealModel *self)
{
  guint n = g_list_model_get_n_items (self->model);
  guint old = self->shown;
  gboolean was_revealing = self->limit != G_MAXUINT;

  if (self->limit != G_MAXUINT && self->limit >= n)
    self->limit = G_MAXUINT;
  self->shown = MIN (n, self->limit);
  if (self->shown > old)
    g_list_model_items_changed (G_LIST_MODEL (self), old, 0, self->shown - old);
  else if (self->shown < old)
    g_list_model_items_changed (G_LIST_MODEL (self), self->shown, old - self->shown, 0);
  if (was_revealing != (self->limit != G_MAXUINT))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVEALING]);
}

static void
items_changed_cb (GListModel *model,
                  guint position,
                  guint removed,
                  guint added,
                  LsRevealModel *self)
{
  guint n = g_list_model_get_n_items (model);
  guint old = self->shown;
  gboolean was_revealing = self->limit != G_MAXUINT;

  /* A large addition is revealed from where it begins. */
  if (self->limit == G_MAXUINT && added > removed + 2 * self->step)
    self->limit = position + self->step;
  if (self->limit == G_MAXUINT)
    {
      self->shown = n;
      g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
      return;
    }
  if (self->limit >= n)
    self->limit = G_MAXUINT;
  self->shown = MIN (n, self->limit);
  /* The items before @position are the same; from there the shown tail is
   * replaced. */
  if (position < old)
    g_list_model_items_changed (G_LIST_MODEL (self), position, old - position,
                                self->shown - position);
  else if (self->shown > old)
    g_list_model_items_changed (G_LIST_MODEL (self), old, 0, self->shown - old);
  if (was_revealing != (self->limit != G_MAXUINT))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVEALING]);
}

static void
ls_reveal_model_dispose (GObject *object)
{
  LsRevealModel *self = LS_REVEAL_MODEL (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (ls_reveal_model_parent_class)->dispose (object);
}

static void
ls_reveal_model_get_property (GObject *object,
                              guint prop_id,
                              GValue *value,
                              GParamSpec *pspec)
{
  LsRevealModel *self = LS_REVEAL_MODEL (object);

  switch (prop_id)
    {
    case PROP_REVEALING:
      g_value_set_boolean (value, self->limit != G_MAXUINT);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_reveal_model_class_init (LsRevealModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ls_reveal_model_dispose;
  object_class->get_property = ls_reveal_model_get_property;

  properties[PROP_REVEALING] =
      g_param_spec_boolean ("revealing", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ls_reveal_model_init (LsRevealModel *self)
{
  self->limit = G_MAXUINT;
}

LsRevealModel *
ls_reveal_model_new (GListModel *model,
                     guint step)
{
  LsRevealModel *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);
  g_return_val_if_fail (step > 0, NULL);

  self = g_object_new (LS_TYPE_REVEAL_MODEL, NULL);
  self->model = g_object_ref (model);
  self->step = step;
  self->shown = g_list_model_get_n_items (model);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), self);
  return self;
}

gboolean
ls_reveal_model_step (LsRevealModel *self)
{
  g_return_val_if_fail (LS_IS_REVEAL_MODEL (self), FALSE);

  if (self->limit == G_MAXUINT)
    return FALSE;
  self->limit = self->shown + self->step;
  update_shown (self);
  return self->limit != G_MAXUINT;
}

void
ls_reveal_model_reveal_all (LsRevealModel *self)
{
  g_return_if_fail (LS_IS_REVEAL_MODEL (self));

  if (self->limit == G_MAXUINT)
    return;
  self->limit = G_MAXUINT;
  update_shown (self);
}

guint
ls_reveal_model_get_n_hidden (LsRevealModel *self)
{
  g_return_val_if_fail (LS_IS_REVEAL_MODEL (self), 0);
  return g_list_model_get_n_items (self->model) - self->shown;
}
