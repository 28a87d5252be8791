/* model_io.h: TRM model files (safetensors, DESIGN.md §4) <-> trm_model.
 *
 * A model file holds every tensor of the model's table under its official name (TRM §8.2) and
 * __metadata__ {"format": "trm.c/1", "config": "<the config as a JSON string>"} with the official
 * config key names. Loading:
 *   - "config" is required; its keys go through trm_config_set_number (numbers, booleans) or
 *     trm_config_set_string (strings) on top of trm_config_default, in file order. Keys the core
 *     does not know are warnings (files from newer versions still load); bad values, wrong value
 *     types, duplicate keys and invalid JSON are errors.
 *   - "format" must be "trm.c/1"; a file without it (e.g. a converted official checkpoint) loads
 *     with a warning.
 *   - every tensor goes through trm_model_load_tensor (names, shapes, dtypes F32/F16/BF16,
 *     finiteness), then trm_model_check_loaded (nothing missing).
 * Saving writes every tensor of the table as F32 plus format and config, atomically.
 *
 * Errors: NULL or a trm_status, and a one-line message in err (may be NULL): the core's code for
 * a config value or tensor it refuses, TRM_E_FORMAT for a file that is not a model file (no or
 * a wrong "format", no "config", a config key missing or of the wrong JSON type), and the codes
 * of fileio.h and safetensors.h. Warnings go to warn(user, message); with warn == NULL they are
 * printed to stderr as "warning: ...".
 */
#ifndef TRMN_MODEL_IO_H
#define TRMN_MODEL_IO_H

#include <stddef.h>
#include <stdint.h>

#include "safetensors.h"
#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TRMN_MODEL_FORMAT "trm.c/1"

typedef void (*trmn_warn_fn)(void *user, const char *msg);

/* Load a model file; warnings to stderr. Messages start with the path. */
trm_model *trmn_load_model_file(const char *path, trm_error *err);
trm_model *trmn_load_model_file_ex(const char *path, trmn_warn_fn warn, void *user, trm_error *err);
/* Load from the bytes of a model file (copied into the model; buf may be freed afterwards). */
trm_model *trmn_load_model_buffer(const uint8_t *buf, size_t len, trmn_warn_fn warn, void *user, trm_error *err);
/* Load from an already parsed safetensors file (e.g. a checkpoint that holds more). Tensors
 * named in skip_prefix (NULL = none), e.g. "optim.", are left out instead of being rejected. */
trm_model *trmn_load_model_st(const trmn_st_file *f, const char *skip_prefix, trmn_warn_fn warn, void *user,
                              trm_error *err);

/* Apply a config JSON object (the __metadata__.config string) to *cfg, key by key, on top of
 * what *cfg already holds. Unknown keys are warnings; anything else wrong is an error. */
trm_status trmn_config_apply_json(trm_config *cfg, const char *json, trmn_warn_fn warn, void *user, trm_error *err);

/* A writer holding every tensor of m (F32, table order) and the format/config metadata; the
 * caller may add more metadata or tensors, then write and free it. Tensor data is referenced,
 * not copied: m (and params_override) must outlive the writer's last write.
 * params_override: NULL, or dims.n_params values laid out like trm_model_params() (e.g. the
 * trainer's EMA weights) that replace the trainable tensors; buffers always come from m. */
trmn_st_writer *trmn_model_writer(const trm_model *m, const float *params_override, trm_error *err);
/* Save m to path atomically (temporary file + rename). */
trm_status trmn_save_model_file(const trm_model *m, const float *params_override, const char *path,
                                trm_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_MODEL_IO_H */
