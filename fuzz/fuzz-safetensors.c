/* fuzz-safetensors.c — libFuzzer target for the safetensors reader
 *
 * Any input: parsing never crashes, leaks or reads outside the input (ASan,
 * UBSan), and a refusal is one line of UTF-8 in LS_SAFETENSORS_ERROR. An
 * accepted input: the entries are consistent, and writing it back gives
 * bytes that parse to the same tensors and metadata and serialize to the
 * same bytes again.
 *
 *   fuzz/run.sh safetensors [SECONDS]
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/safetensors.h"

int LLVMFuzzerInitialize (int *argc,
                          char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t size);

/* Not g_assert(): that one vanishes with G_DISABLE_ASSERT. */
#define CHECK(cond)                                                       \
  G_STMT_START                                                            \
  {                                                                       \
    if (!(cond))                                                          \
      {                                                                   \
        fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                 #cond);                                                  \
        abort ();                                                         \
      }                                                                   \
  }                                                                       \
  G_STMT_END

int
LLVMFuzzerInitialize (int *argc,
                      char ***argv)
{
  /* A g_return_if_fail() that fires is a finding too. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

static void
check_entries (const LsSafetensors *st)
{
  CHECK (st->metadata != NULL);
  CHECK (st->n_tensors == 0 || st->tensors != NULL);
  for (guint i = 0; i < st->n_tensors; i++)
    {
      const LsTensorEntry *t = &st->tensors[i];
      gsize n = 1;

      CHECK (t->name != NULL && g_utf8_validate (t->name, -1, NULL));
      CHECK (t->n_dims >= 0 && t->n_dims <= LS_SAFETENSORS_MAX_DIMS);
      for (int d = 0; d < t->n_dims; d++)
        {
          CHECK (t->shape[d] >= 0);
          n *= (gsize) t->shape[d];
        }
      CHECK (n == t->n_elements);
      CHECK ((t->data != NULL) == (t->n_elements > 0));
      CHECK (GPOINTER_TO_SIZE (t->data) % 64 == 0);
      CHECK (ls_safetensors_find (st, t->name) == t);
    }
}

static void
check_same (const LsSafetensors *a,
            const LsSafetensors *b)
{
  GHashTableIter iter;
  gpointer key, value;

  CHECK (g_hash_table_size (a->metadata) == g_hash_table_size (b->metadata));
  g_hash_table_iter_init (&iter, a->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    CHECK (g_strcmp0 (g_hash_table_lookup (b->metadata, key), value) == 0);
  CHECK (a->n_tensors == b->n_tensors);
  for (guint i = 0; i < a->n_tensors; i++)
    {
      const LsTensorEntry *ta = &a->tensors[i], *tb = &b->tensors[i];

      CHECK (strcmp (ta->name, tb->name) == 0);
      CHECK (ta->n_dims == tb->n_dims);
      CHECK (memcmp (ta->shape, tb->shape, sizeof (int64_t) * (gsize) ta->n_dims) == 0);
      CHECK (ta->n_elements == tb->n_elements);
      if (ta->n_elements > 0)
        CHECK (memcmp (ta->data, tb->data, ta->n_elements * sizeof (float)) == 0);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSafetensors) st = NULL;
  g_autoptr (LsSafetensors) again = NULL;
  g_autoptr (GBytes) written = NULL;
  g_autoptr (GBytes) rewritten = NULL;

  st = ls_safetensors_parse (data, size, &error);
  if (st == NULL)
    {
      CHECK (error != NULL && error->domain == LS_SAFETENSORS_ERROR);
      CHECK (error->message[0] != '\0' && strchr (error->message, '\n') == NULL);
      CHECK (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  CHECK (error == NULL);
  check_entries (st);

  written = ls_safetensors_serialize (st->metadata, st->tensors, st->n_tensors, &error);
  CHECK (error == NULL && written != NULL);
  again = ls_safetensors_parse (g_bytes_get_data (written, NULL), g_bytes_get_size (written), &error);
  CHECK (error == NULL && again != NULL);
  check_same (st, again);
  rewritten = ls_safetensors_serialize (again->metadata, again->tensors, again->n_tensors, &error);
  CHECK (error == NULL && rewritten != NULL);
  CHECK (g_bytes_equal (written, rewritten));
  return 0;
}
