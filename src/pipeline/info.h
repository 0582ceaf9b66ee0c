/* info.h — what a bug report needs: versions, BLAS kernels and threads,
 * paths, sandbox
 *
 * One function for `lungscope-cli info` (text or --json) and the app's
 * About window (its debug information), so both say the same.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pipeline/workspace-paths.h"

G_BEGIN_DECLS

/* The facts as one JSON object: version, profile, libraries, blas (library,
 * core, core_source, best_core, threads, cores, avx2, avx512), paths (data,
 * user_data, workspace, workspace_from, default_model) and sandbox (null
 * outside Flatpak, else kind, app, runtime, their commits and flatpak's
 * version from /.flatpak-info). @workspace (may be NULL) is the workspace
 * in use and @origin where it came from. */
JsonNode *ls_pipeline_info (const char *workspace,
                            LsWorkspaceOrigin origin) G_GNUC_WARN_UNUSED_RESULT;

/* @info as the lines `lungscope-cli info` prints (not translated: it goes
 * into bug reports). */
char *ls_pipeline_info_to_text (JsonNode *info) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
