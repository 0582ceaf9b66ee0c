/* workspace.c — the pipeline on a workspace: parts, training, calibration,
 * evaluation, with the run log in the store
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "dataset/thumbnail.h"
#include "pipeline/registry.h"
#include "pipeline/json-text.h"
#include "pipeline/workspace-paths.h"
#include "pipeline/workspace-private.h"

/* clang-format off */
G_DEFINE_QUARK (ls-workspace-error-quark, ls_workspace_error)
/* clang-format on */

/* ---- parts ---- */

void
ls_workspace_part_free (LsWorkspacePart *part)
{
  if (part == NULL)
    return;
  g_free (part->items);
  g_strfreev (part->sha256);
  g_strfreev (part->classes);
  if (part->strings != NULL)
    g_ptr_array_unref (part->strings);
  g_free (part);
}

static int
class_index (GStrv classes,
             const char *label)
{
  for (int c = 0; classes[c] != NULL; c++)
    if (strcmp (classes[c], label) == 0)
      return c;
  return -1;
}

static LsWorkspacePart *
part_new (LsStore *store,
          GError **error)
{
  LsWorkspacePart *part = g_new0 (LsWorkspacePart, 1);

  part->classes = ls_store_get_classes (store, error);
  if (part->classes == NULL)
    {
      ls_workspace_part_free (part);
      return NULL;
    }
  part->strings = g_ptr_array_new_with_free_func (g_free);
  return part;
}

/* Adds @image when it has a label; TRUE unless the label is unknown. */
static gboolean
part_add (LsStore *store,
          LsWorkspacePart *part,
          GArray *items,
          GPtrArray *hashes,
          const LsStoreImage *image,
          GError **error)
{
  LsLoaderItem item = { 0 };
  char *path;

  if (image->label == NULL)
    {
      part->n_unlabelled++;
      return TRUE;
    }
  item.label = class_index (part->classes, image->label);
  if (item.label < 0)
    {
      g_set_error (error, LS_WORKSPACE_ERROR, LS_WORKSPACE_ERROR_CLASSES,
                   "image %.16s has the label “%s”, which is not a class of the workspace",
                   image->sha256, image->label);
      return FALSE;
    }
  path = ls_store_image_file (store, image);
  g_ptr_array_add (part->strings, path);
  item.path = path;
  item.weight = 1;
  g_array_append_val (items, item);
  g_ptr_array_add (hashes, g_strdup (image->sha256));
  return TRUE;
}

static LsWorkspacePart *
part_finish (LsWorkspacePart *part,
             GArray *items,
             GPtrArray *hashes)
{
  part->n_items = items->len;
  part->items = (LsLoaderItem *) g_array_free (items, FALSE);
  g_ptr_array_add (hashes, NULL);
  part->sha256 = (char **) g_ptr_array_free (hashes, FALSE);
  return part;
}

LsWorkspacePart *
ls_workspace_load_part (LsStore *store,
                        LsSplitPart which,
                        GError **error)
{
  g_autoptr (LsWorkspacePart) part = part_new (store, error);
  g_autoptr (GPtrArray) images = NULL;
  GArray *items;
  GPtrArray *hashes;

  if (part == NULL)
    return NULL;
  images = ls_store_list_images (store, error);
  if (images == NULL)
    return NULL;
  items = g_array_new (FALSE, TRUE, sizeof (LsLoaderItem));
  hashes = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < images->len; i++)
    {
      const LsStoreImage *image = images->pdata[i];
      GError *local = NULL;
      LsSplitPart p = ls_store_get_part (store, image->sha256, &local);

      if (local != NULL || (p == which && !part_add (store, part, items, hashes, image, &local)))
        {
          g_propagate_error (error, local);
          g_array_free (items, TRUE);
          g_ptr_array_unref (hashes);
          return NULL;
        }
    }
  return part_finish (g_steal_pointer (&part), items, hashes);
}

LsWorkspacePart *
ls_workspace_part_select (const LsWorkspacePart *part,
                          GHashTable *sha256,
                          gboolean in_set)
{
  LsWorkspacePart *out = g_new0 (LsWorkspacePart, 1);
  GArray *items = g_array_new (FALSE, TRUE, sizeof (LsLoaderItem));
  GPtrArray *hashes = g_ptr_array_new_with_free_func (g_free);

  out->classes = g_strdupv (part->classes);
  out->strings = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < part->n_items; i++)
    if (g_hash_table_contains (sha256, part->sha256[i]) == in_set)
      {
        LsLoaderItem item = part->items[i];
        char *path = g_strdup (item.path);

        g_ptr_array_add (out->strings, path);
        item.path = path;
        g_array_append_val (items, item);
        g_ptr_array_add (hashes, g_strdup (part->sha256[i]));
      }
  return part_finish (out, items, hashes);
}

/* ---- models ---- */

/* The registered model @id_or_prefix (NULL: the active one), whatever its
 * classes; *@id gets its full id and *@file its path. */
static LsModel *
load_registered (LsStore *store,
                 const char *id_or_prefix,
                 char **id,
                 char **file,
                 GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *full = ls_registry_resolve (store, id_or_prefix, &local);
  g_autoptr (LsStoreModel) row = NULL;
  LsModel *model;

  if (full == NULL)
    {
      if (id_or_prefix == NULL && g_error_matches (local, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_NOT_FOUND))
        g_set_error (error, LS_WORKSPACE_ERROR, LS_WORKSPACE_ERROR_NO_MODEL,
                     "%s has no active model: train one, or promote one with "
                     "'lungscope-cli models promote'",
                     ls_store_get_path (store));
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  row = ls_store_get_model (store, full, error);
  if (row == NULL)
    return NULL;
  if (row->deleted != 0)
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_DELETED,
                   "cannot load model %s: it was deleted and its file removed", row->id);
      return NULL;
    }
  *file = g_build_filename (ls_store_get_path (store), row->file, NULL);
  model = ls_model_load (*file, error);
  if (model != NULL)
    *id = g_steal_pointer (&full);
  return model;
}

LsModel *
ls_workspace_load_model (LsStore *store,
                         const char *id_or_prefix,
                         char **id,
                         GError **error)
{
  g_autofree char *full = NULL;
  g_autoptr (LsModel) model = NULL;
  g_autofree char *file = NULL;
  g_auto (GStrv) classes = NULL;

  model = load_registered (store, id_or_prefix, &full, &file, error);
  if (model == NULL)
    return NULL;
  classes = ls_store_get_classes (store, error);
  if (classes == NULL)
    return NULL;
  if (!g_strv_equal ((const char *const *) classes, (const char *const *) model->classes))
    {
      g_autofree char *have = g_strjoinv (", ", model->classes);
      g_autofree char *want = g_strjoinv (", ", classes);

      g_set_error (error, LS_WORKSPACE_ERROR, LS_WORKSPACE_ERROR_CLASSES,
                   "%s: the model's classes (%s) are not the workspace's (%s)", file, have, want);
      return NULL;
    }
  if (id != NULL)
    *id = g_steal_pointer (&full);
  return g_steal_pointer (&model);
}

/* Saves @model into a private temporary folder and registers it. */
char *
ls_workspace_register_model (LsStore *store,
                             LsModel *model,
                             gboolean activate,
                             GError **error)
{
  g_autofree char *dir = g_dir_make_tmp ("lungscope-model-XXXXXX", error);
  g_autofree char *path = NULL;
  char *id;

  if (dir == NULL)
    return NULL;
  path = g_build_filename (dir, "model.safetensors", NULL);
  id = ls_model_save (model, path, error) ? ls_registry_register (store, path, activate, error) : NULL;
  g_unlink (path);
  g_rmdir (dir);
  return id;
}

/* ---- training ---- */

void
ls_workspace_train_options_init (LsWorkspaceTrainOptions *options)
{
  memset (options, 0, sizeof *options);
  ls_train_config_init (&options->train);
}

void
ls_workspace_run_free (LsWorkspaceRun *run)
{
  if (run == NULL)
    return;
  g_free (run->run_id);
  g_free (run->model_id);
  ls_train_result_free (run->result);
  g_clear_pointer (&run->split, ls_split_report_free);
  g_free (run);
}

gboolean
ls_workspace_needs_split (LsStore *store,
                          gboolean *needs_split,
                          GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *seed = ls_store_get_setting (store, "split.seed", &local);
  guint n;

  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  *needs_split = FALSE;
  if (seed != NULL)
    return TRUE;
  n = ls_store_count_images (store, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  *needs_split = n > 0;
  return TRUE;
}

gboolean
ls_workspace_ensure_split (LsStore *store,
                           LsSplitReport **report,
                           LsProgressFunc progress,
                           gpointer user_data,
                           GCancellable *cancellable,
                           GError **error)
{
  gboolean needs = FALSE;

  *report = NULL;
  if (!ls_workspace_needs_split (store, &needs, error))
    return FALSE;
  if (!needs)
    return TRUE;
  *report = ls_store_split (store, NULL, progress, user_data, cancellable, error);
  return *report != NULL;
}

static gboolean
write_line (int fd,
            const char *line,
            const char *name,
            GError **error)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);
  gsize len = strlen (text), done = 0;

  while (done < len)
    {
      ssize_t n = write (fd, text + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: cannot write the run log: %s",
                       name, g_strerror (e));
          return FALSE;
        }
      done += (gsize) n;
    }
  if (fsync (fd) != 0 && errno != EINVAL)
    {
      int e = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: cannot sync the run log: %s",
                   name, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

void
ls_run_log_epoch (const LsTrainEpoch *epoch,
                  gpointer user_data)
{
  LsRunLog *log = user_data;
  g_autofree char *json = ls_train_epoch_to_json (epoch);

  if (log->error != NULL)
    return;
  if (!ls_store_run_add_epoch (log->store, log->run_id, epoch->epoch, json, &log->error) ||
      !write_line (log->log_fd, json, log->log_path, &log->error) ||
      (log->user_fd >= 0 && !write_line (log->user_fd, json, log->user_path, &log->error)))
    {
      g_cancellable_cancel (log->stop);
      return;
    }
  if (log->on_epoch != NULL)
    log->on_epoch (epoch, log->epoch_data);
}

static void
forward_cancel (GCancellable *cancellable,
                gpointer stop)
{
  g_cancellable_cancel (stop);
}

/* The run's log, locked while it is open: a run whose log nobody holds
 * is not running (ls_workspace_mark_interrupted_runs). The lock goes with
 * the descriptor, also when the process is killed. */
static int
open_log (const char *path,
          gboolean lock,
          GError **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

  if (fd < 0)
    {
      int e = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: cannot open the log: %s", path,
                   g_strerror (e));
      return -1;
    }
  if (lock && flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int e = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: cannot lock the log: %s", path,
                   g_strerror (e));
      close (fd);
      return -1;
    }
  return fd;
}

static void
image_free_nullable (gpointer image)
{
  if (image != NULL)
    ls_image_free (image);
}

void
ls_workspace_image_names (LsStore *store,
                          const char *const *sha256,
                          guint n,
                          guint n_thumbnails,
                          char ***names,
                          GPtrArray **thumbnails)
{
  *names = g_new0 (char *, n + 1);
  *thumbnails = g_ptr_array_new_full (n, image_free_nullable);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (LsStoreImage) image = ls_store_find_image (store, sha256[i], NULL);

      (*names)[i] = g_strdup (image != NULL && image->original_name != NULL ? image->original_name : sha256[i]);
      g_ptr_array_add (*thumbnails,
                       image != NULL && i < n_thumbnails ? ls_store_get_thumbnail (store, image, NULL) : NULL);
    }
}

guint
ls_workspace_mark_interrupted_runs (LsStore *store,
                                    GError **error)
{
  g_autoptr (GPtrArray) runs = NULL;
  guint marked = 0;

  g_return_val_if_fail (store != NULL, 0);
  if (ls_store_is_read_only (store))
    return 0;
  runs = ls_store_list_runs (store, error);
  if (runs == NULL)
    return 0;
  for (guint i = 0; i < runs->len; i++)
    {
      LsStoreRun *run = runs->pdata[i];
      g_autofree char *path = NULL;
      int fd;
      gboolean free_lock;

      if (g_strcmp0 (run->status, "running") != 0)
        continue;
      path = g_strdup_printf ("%s/runs/%s.jsonl", ls_store_get_path (store), run->id);
      fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
      /* No log: made before logs were locked, or its process died first. */
      free_lock = fd < 0 || flock (fd, LOCK_EX | LOCK_NB) == 0;
      if (free_lock && !ls_store_run_finish (store, run->id, "interrupted", NULL, error))
        {
          if (fd >= 0)
            close (fd);
          return marked;
        }
      if (fd >= 0)
        close (fd);
      marked += free_lock;
    }
  return marked;
}

gboolean
ls_run_log_begin (LsRunLog *log,
                  LsStore *store,
                  const char *parent_id,
                  const char *config_json,
                  const char *user_path,
                  LsTrainEpochFunc on_epoch,
                  gpointer epoch_data,
                  GCancellable *cancellable,
                  GError **error)
{
  memset (log, 0, sizeof *log);
  log->log_fd = log->user_fd = -1;
  if (ls_store_is_read_only (store))
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_READ_ONLY, "%s is read-only (%s)",
                   ls_store_get_path (store), ls_store_get_read_only_reason (store));
      return FALSE;
    }
  log->store = store;
  log->run_id = ls_model_id_new ();
  log->on_epoch = on_epoch;
  log->epoch_data = epoch_data;
  log->user_path = user_path;
  log->log_path = g_strdup_printf ("%s/runs/%s.jsonl", ls_store_get_path (store), log->run_id);
  /* The log locked before the row says "running", so no other process can
   * take the run for an interrupted one. */
  log->log_fd = open_log (log->log_path, TRUE, &log->error);
  if (!ls_store_run_begin (store, log->run_id, parent_id, config_json, error))
    {
      if (log->log_fd >= 0)
        {
          close (log->log_fd);
          g_unlink (log->log_path);
        }
      log->log_fd = -1;
      g_clear_error (&log->error);
      g_clear_pointer (&log->run_id, g_free);
      g_clear_pointer (&log->log_path, g_free);
      return FALSE;
    }
  if (log->log_fd >= 0 && user_path != NULL)
    log->user_fd = open_log (user_path, FALSE, &log->error);
  /* A logging failure stops the work through its own cancellable, which
   * also follows the caller's. */
  log->stop = g_cancellable_new ();
  log->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  if (cancellable != NULL)
    log->forward = g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel), log->stop, NULL);
  if (log->error != NULL)
    g_cancellable_cancel (log->stop);
  return TRUE;
}

/* Stops logging; a logging failure replaces the work's outcome. */
static void
run_log_close (LsRunLog *log,
               gboolean *ok,
               GError **work_error)
{
  if (log->cancellable != NULL)
    {
      g_cancellable_disconnect (log->cancellable, log->forward);
      g_clear_object (&log->cancellable);
    }
  if (log->error != NULL)
    {
      g_clear_error (work_error);
      *work_error = g_steal_pointer (&log->error);
      *ok = FALSE;
    }
  if (log->log_fd >= 0)
    close (log->log_fd);
  if (log->user_fd >= 0)
    close (log->user_fd);
  log->log_fd = log->user_fd = -1;
}

gboolean
ls_run_log_end (LsRunLog *log,
                gboolean ok,
                GError **work_error,
                LsRunLogRegister register_func,
                gpointer register_data,
                char **model_id,
                GError **error)
{
  const char *status;
  gboolean finished;

  run_log_close (log, &ok, work_error);
  if (ok)
    {
      char *id = register_func (register_data, work_error);

      ok = id != NULL;
      if (model_id != NULL)
        *model_id = id;
      else
        g_free (id);
    }
  /* Cancelled before the work began: it said nothing. */
  if (!ok && *work_error == NULL)
    g_set_error_literal (work_error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  status = ok ? "done" : g_error_matches (*work_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? "cancelled"
                                                                                         : "failed";
  finished = ls_store_run_finish (log->store, log->run_id, status, ok && model_id != NULL ? *model_id : NULL,
                                  ok ? error : NULL);
  g_clear_object (&log->stop);
  g_clear_pointer (&log->log_path, g_free);
  g_clear_pointer (&log->run_id, g_free);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (work_error));
  return ok && finished;
}

static char *
train_options_json (const LsWorkspaceTrainOptions *o,
                    const char *init_id,
                    const LsWorkspaceRun *run)
{
  const LsTrainConfig *c = &o->train;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "train");
  json_builder_set_member_name (b, "arch");
  json_builder_add_string_value (b, c->arch != NULL ? c->arch : "lungnet-s");
  json_builder_set_member_name (b, "epochs");
  json_builder_add_int_value (b, c->epochs);
  json_builder_set_member_name (b, "batch");
  json_builder_add_int_value (b, c->batch_size);
  json_builder_set_member_name (b, "lr");
  json_builder_add_double_value (b, c->lr);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) c->seed);
  json_builder_set_member_name (b, "threads");
  json_builder_add_int_value (b, c->threads);
  json_builder_set_member_name (b, "balanced");
  json_builder_add_boolean_value (b, c->balanced);
  json_builder_set_member_name (b, "augment");
  json_builder_add_string_value (b, c->augment != NULL ? c->augment : "default");
  if (init_id != NULL)
    {
      json_builder_set_member_name (b, "init");
      json_builder_add_string_value (b, init_id);
    }
  json_builder_set_member_name (b, "dataset_version");
  json_builder_add_string_value (b, c->dataset_version);
  json_builder_set_member_name (b, "images");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "train");
  json_builder_add_int_value (b, run->n_train);
  json_builder_set_member_name (b, "val");
  json_builder_add_int_value (b, run->n_val);
  json_builder_set_member_name (b, "test");
  json_builder_add_int_value (b, run->n_test);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return ls_json_to_string (root, FALSE);
}

static gboolean
check_parts (LsStore *store,
             const LsWorkspacePart *train,
             const LsWorkspacePart *val,
             GError **error)
{
  const char *missing = train->n_items == 0 ? "training" : val->n_items == 0 ? "validation"
                                                                             : NULL;

  if (missing == NULL)
    return TRUE;
  g_set_error (error, LS_WORKSPACE_ERROR, LS_WORKSPACE_ERROR_NO_DATA,
               "%s has no labelled %s images: import labelled images and run "
               "'lungscope-cli split'",
               ls_store_get_path (store), missing);
  return FALSE;
}

typedef struct
{
  LsStore *store;
  LsModel *model;
  gboolean activate;
  gboolean *activated;
  LsProgressFunc progress;
  gpointer user_data;
} Registration;

/* Registers the new model, active when asked or when none is. */
static char *
register_new (gpointer data,
              GError **error)
{
  Registration *r = data;
  g_autoptr (GError) local = NULL;
  g_autoptr (LsStoreModel) active = ls_store_get_active_model (r->store, &local);

  *r->activated = r->activate || (active == NULL && local == NULL);
  if (r->progress != NULL)
    r->progress (1.0, "registering the model", r->user_data);
  return ls_workspace_register_model (r->store, r->model, *r->activated, error);
}

LsWorkspaceRun *
ls_workspace_train (LsStore *store,
                    const LsWorkspaceTrainOptions *options,
                    LsProgressFunc progress,
                    gpointer user_data,
                    LsTrainEpochFunc on_epoch,
                    gpointer epoch_data,
                    GCancellable *cancellable,
                    GError **error)
{
  g_autoptr (LsWorkspacePart) train = NULL;
  g_autoptr (LsWorkspacePart) val = NULL;
  g_autoptr (LsWorkspacePart) test = NULL;
  g_autoptr (LsWorkspaceRun) run = g_new0 (LsWorkspaceRun, 1);
  g_autofree char *version = NULL;
  g_autofree char *config_json = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *augment = NULL;
  LsTrainConfig config = options->train;
  LsWorkspaceTrainOptions shown;
  g_autoptr (LsModel) init = NULL;
  g_autofree char *init_id = NULL;
  Registration reg = { store, NULL, options->activate, &run->activated, progress, user_data };
  LsRunLog log;
  gboolean ok;

  if (options->init != NULL && g_file_test (options->init, G_FILE_TEST_IS_REGULAR))
    {
      /* a model file (the shipped default, say): the card names it as the
       * parent; the store cannot, it is not registered here */
      init = ls_model_load (options->init, error);
      if (init == NULL)
        return NULL;
      init_id = g_strdup (init->id);
      config.init = init;
    }
  else if (options->init != NULL)
    {
      g_autofree char *init_file = NULL;

      init = load_registered (store, options->init, &init_id, &init_file, error);
      if (init == NULL)
        return NULL;
      config.init = init;
      if (config.parent_id == NULL || *config.parent_id == '\0')
        config.parent_id = init_id;
    }
  if (!ls_workspace_ensure_split (store, &run->split, progress, user_data, cancellable, error))
    return NULL;
  train = ls_workspace_load_part (store, LS_SPLIT_TRAIN, error);
  val = train != NULL ? ls_workspace_load_part (store, LS_SPLIT_VAL, error) : NULL;
  test = val != NULL ? ls_workspace_load_part (store, LS_SPLIT_TEST, error) : NULL;
  if (test == NULL || !check_parts (store, train, val, error))
    return NULL;
  version = ls_store_dataset_version (store, error);
  if (version == NULL)
    return NULL;
  config.class_names = (const char *const *) train->classes;
  config.dataset_version = version;
  config.output_path = NULL;
  /* No augmentation given: the workspace's own (the app's previews page
   * saves it), else the default. */
  if (config.augment == NULL)
    config.augment = augment = ls_store_get_setting (store, LS_WORKSPACE_SETTING_AUGMENT, NULL);
  shown = *options;
  shown.train.augment = config.augment;
  run->n_train = train->n_items;
  run->n_val = val->n_items;
  run->n_test = test->n_items;

  config_json = train_options_json (&shown, init_id, run);
  if (!ls_run_log_begin (&log, store, config.parent_id, config_json, options->log_path, on_epoch, epoch_data,
                         cancellable, error))
    return NULL;
  run->run_id = g_strdup (log.run_id);
  ok = !g_cancellable_is_cancelled (log.stop) &&
       ls_pipeline_train (&config, train->items, train->n_items, val->items, val->n_items, test->items,
                          test->n_items, progress, user_data, ls_run_log_epoch, &log, log.stop,
                          &run->result, &local);
  if (ok)
    reg.model = run->result->model;
  if (!ls_run_log_end (&log, ok, &local, register_new, &reg, &run->model_id, error))
    return NULL;
  return g_steal_pointer (&run);
}

/* ---- calibration and evaluation ---- */

void
ls_workspace_calibration_free (LsWorkspaceCalibration *calibration)
{
  if (calibration == NULL)
    return;
  g_free (calibration->model_id);
  g_free (calibration->parent_id);
  ls_metrics_free (calibration->test);
  g_free (calibration);
}

static LsEvaluation *
evaluate_part (LsStore *store,
               LsModel *model,
               LsSplitPart which,
               int threads,
               gboolean allow_empty,
               LsProgressFunc progress,
               gpointer user_data,
               GCancellable *cancellable,
               GError **error)
{
  g_autoptr (LsWorkspacePart) part = ls_workspace_load_part (store, which, error);
  LsEvaluateOptions o;

  if (part == NULL)
    return NULL;
  if (part->n_items == 0)
    {
      if (!allow_empty)
        g_set_error (error, LS_WORKSPACE_ERROR, LS_WORKSPACE_ERROR_NO_DATA,
                     "%s has no labelled %s images: import labelled images and run "
                     "'lungscope-cli split'",
                     ls_store_get_path (store), ls_split_part_to_string (which));
      return NULL;
    }
  ls_evaluate_options_init (&o);
  o.threads = threads;
  return ls_pipeline_evaluate (model, part->items, part->n_items, &o, progress, user_data,
                               cancellable, error);
}

LsEvaluation *
ls_workspace_evaluate (LsStore *store,
                       const char *id_or_prefix,
                       LsSplitPart part,
                       int threads,
                       char **id,
                       LsProgressFunc progress,
                       gpointer user_data,
                       GCancellable *cancellable,
                       GError **error)
{
  g_autoptr (LsModel) model = ls_workspace_load_model (store, id_or_prefix, id, error);

  if (model == NULL)
    return NULL;
  return evaluate_part (store, model, part, threads, FALSE, progress, user_data, cancellable, error);
}

static void
set_card (GHashTable *md,
          const char *key,
          char *value)
{
  g_hash_table_insert (md, g_strdup (key), value);
}

static GHashTable *
copy_metadata (GHashTable *md)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, md);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, g_strdup (key), g_strdup (value));
  return copy;
}

LsWorkspaceCalibration *
ls_workspace_calibrate (LsStore *store,
                        const char *id_or_prefix,
                        int threads,
                        LsProgressFunc progress,
                        gpointer user_data,
                        GCancellable *cancellable,
                        GError **error)
{
  g_autoptr (LsWorkspaceCalibration) cal = g_new0 (LsWorkspaceCalibration, 1);
  g_autoptr (LsModel) model = ls_workspace_load_model (store, id_or_prefix, &cal->parent_id, error);
  g_autoptr (LsEvaluation) val = NULL;
  g_autoptr (LsEvaluation) test = NULL;
  g_autoptr (LsStoreModel) row = NULL;
  g_autoptr (LsMetrics) after = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GError) local = NULL;
  g_autofree float *probs = NULL;
  GHashTable *original, *md;
  const char *name;
  int k;

  if (model == NULL)
    return NULL;
  row = ls_store_get_model (store, cal->parent_id, error);
  if (row == NULL)
    return NULL;
  k = model->n_classes;
  val = evaluate_part (store, model, LS_SPLIT_VAL, threads, FALSE, progress, user_data, cancellable, error);
  if (val == NULL)
    return NULL;
  cal->old_temperature = model->temperature;
  cal->val_ece_before = val->metrics->ece;
  if (!ls_calibrate_fit_temperature (val->logits, val->labels, val->n, k, &cal->fit, error))
    return NULL;
  probs = g_malloc_n ((gsize) val->n * k, sizeof (float));
  ls_calibrate_apply_temperature (val->logits, val->n, k, cal->fit.temperature, probs);
  after = ls_metrics_compute (val->n, k, probs, val->labels, NULL, (const char *const *) model->classes,
                              LS_METRICS_DEFAULT_BINS, error);
  if (after == NULL)
    return NULL;
  cal->val_ece_after = after->ece;

  model->temperature = cal->fit.temperature;
  test = evaluate_part (store, model, LS_SPLIT_TEST, threads, TRUE, progress, user_data, cancellable, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (test != NULL)
    cal->test = ls_metrics_copy (test->metrics);

  /* The child: the same weights and card with a new id, parent and
   * temperature (and the test metrics at that temperature). */
  md = copy_metadata (model->metadata);
  name = g_hash_table_lookup (model->metadata, "name");
  set_card (md, "model_id", ls_model_id_new ());
  set_card (md, "parent_id", g_strdup (cal->parent_id));
  set_card (md, "name", g_strdup_printf ("%s, recalibrated", name != NULL ? name : cal->parent_id));
  set_card (md, "created", g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ"));
  set_card (md, "calibration", ls_calibration_to_json (&cal->fit));
  if (cal->test != NULL)
    set_card (md, "metrics", ls_metrics_to_json (cal->test));
  original = model->metadata;
  model->metadata = md;
  if (progress != NULL)
    progress (1.0, "registering the recalibrated model", user_data);
  cal->activated = row->active;
  cal->model_id = ls_workspace_register_model (store, model, cal->activated, error);
  model->metadata = original;
  g_hash_table_unref (md);
  if (cal->model_id == NULL)
    return NULL;
  return g_steal_pointer (&cal);
}
