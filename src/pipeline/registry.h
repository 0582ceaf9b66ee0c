/* registry.h — the workspace's model registry: register, list, promote,
 * roll back, export and delete model files (DESIGN.md §4, §5)
 *
 * A registered model is a row in the store's models table plus its file,
 * WS/models/<id>.safetensors. Registering reads the file's card (the
 * __metadata__ of DESIGN.md §4) strictly and checks the tensors against the
 * card's "arch", then copies the bytes durably (temp file, fsync, rename,
 * fsync of the folder) before the row commits; deleting removes the row
 * first, then the file (CHECKLIST 3, 10). A crash in between leaves at most
 * an unregistered file, never a row without its file.
 *
 * Policies:
 *  - Registering the same id with the same bytes again is a no-op (it still
 *    activates when asked); the same id with other bytes is an error.
 *  - The card's parent_id is recorded as the row's parent only when that
 *    model is registered in this workspace (the store keeps lineage with a
 *    foreign key); otherwise the card keeps it and show reports it as
 *    "not in this workspace".
 *  - Rollback makes the parent of the active model active. It fails when
 *    there is no active model or its parent is not registered here; promote
 *    activates any other model.
 *  - Delete refuses the active model and a model that is the parent of
 *    another registered model (its children's lineage would dangle): delete
 *    the children first. A deleted model keeps its row, marked deleted, with
 *    its lineage and the predictions logged with it (monitoring reads them);
 *    only its file goes. It is listed only when asked, resolves by its full
 *    id (or a prefix no present model has), and cannot be promoted, shown,
 *    exported or deleted again (LS_REGISTRY_ERROR_DELETED); registering its
 *    file again restores it.
 *  - Export copies the file durably and refuses an existing destination
 *    unless @force.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dataset/store.h"

G_BEGIN_DECLS

#define LS_REGISTRY_ERROR (ls_registry_error_quark ())

typedef enum
{
  LS_REGISTRY_ERROR_INVALID,      /* not a Lungscope model file, or a bad card */
  LS_REGISTRY_ERROR_CLASSES,      /* the model's classes are not the workspace's */
  LS_REGISTRY_ERROR_CONFLICT,     /* the same id with different bytes is registered */
  LS_REGISTRY_ERROR_NOT_FOUND,    /* no such model, or no active model */
  LS_REGISTRY_ERROR_AMBIGUOUS,    /* a prefix names several models */
  LS_REGISTRY_ERROR_ACTIVE,       /* the active model cannot be deleted */
  LS_REGISTRY_ERROR_HAS_CHILDREN, /* the model is another model's parent */
  LS_REGISTRY_ERROR_NO_PARENT,    /* rollback: the active model has no parent here */
  LS_REGISTRY_ERROR_EXISTS,       /* export: the destination exists */
  LS_REGISTRY_ERROR_IO,           /* reading or writing a file failed */
  LS_REGISTRY_ERROR_DELETED,      /* the model was deleted (its row is kept) */
} LsRegistryError;

GQuark ls_registry_error_quark (void);

/* A model's card, as show prints it. */
typedef struct
{
  char *id;
  char *name; /* card "name", or NULL */
  char *file; /* absolute path of the registered file */
  gboolean active;
  gint64 registered;     /* µs since the epoch, when the row was added */
  char *created;         /* card "created" (ISO 8601), or NULL */
  char *card_parent_id;  /* card "parent_id", or NULL when empty */
  GStrv lineage;         /* parent, grandparent, … as registered here */
  char *dataset_version; /* or NULL */
  GStrv classes;
  char *arch; /* the network spec text */
  int n_layers;
  gsize n_params;
  int input_size;
  int input_channels;
  char *train_config;   /* JSON text, or NULL */
  char *metrics;        /* JSON text, or NULL */
  double accuracy;      /* NAN when the metrics lack it */
  double ece;           /* NAN when the metrics lack it */
  GStrv recall_classes; /* per-class recall: class names … */
  double *recall;       /* … and values (NAN when undefined) */
} LsModelCard;

void ls_model_card_free (LsModelCard *card);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsModelCard, ls_model_card_free)

/* Registers the model file @path: checks its card and tensors, copies it
 * durably into WS/models/<id>.safetensors, then adds the row (making it
 * the only active model when @activate). Returns the model's id. */
char *ls_registry_register (LsStore *store,
                            const char *path,
                            gboolean activate,
                            GError **error);

/* (element-type LsStoreModel) all models not deleted, oldest registration
 * first. */
GPtrArray *ls_registry_list (LsStore *store,
                             GError **error);
/* (element-type LsStoreModel) as ls_registry_list, with the deleted models
 * (their deleted field set) when @include_deleted. */
GPtrArray *ls_registry_list_full (LsStore *store,
                                  gboolean include_deleted,
                                  GError **error);

/* The full id of the model named by @id_or_prefix (a full id or a unique
 * prefix), or of the active model when @id_or_prefix is NULL. */
char *ls_registry_resolve (LsStore *store,
                           const char *id_or_prefix,
                           GError **error);

/* Reads the card of the registered model @id (a full id). */
LsModelCard *ls_registry_show (LsStore *store,
                               const char *id,
                               GError **error);

/* Makes @id the only active model (one transaction). */
gboolean ls_registry_promote (LsStore *store,
                              const char *id,
                              GError **error);

/* Makes the active model's parent active; returns the parent's id. */
char *ls_registry_rollback (LsStore *store,
                            GError **error);

/* Copies the file of @id to @dest durably; an existing @dest is an error
 * unless @force. */
gboolean ls_registry_export (LsStore *store,
                             const char *id,
                             const char *dest,
                             gboolean force,
                             GError **error);

/* Removes the model's row, then its file. */
gboolean ls_registry_delete (LsStore *store,
                             const char *id,
                             GError **error);

G_END_DECLS
