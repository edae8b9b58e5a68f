/* render.h: ClearSilver rendering. Config.VarEscapeMode=html is set in
 * the dataset before cs_init, so every <?cs var: ?> is HTML-escaped. */
#ifndef HL_RENDER_H
#define HL_RENDER_H
#include <ClearSilver.h>
#include <json-c/json.h>
#include "hl_buf.h"
#include "hl_error.h"

/* Render templates_dir/name with hdf into out. */
hl_err hl_render(const char *templates_dir, HDF *hdf, const char *name, struct hl_buf *out);
/* Copy a JSON value into the dataset under prefix (objects become
 * children, arrays children 0, 1, ...; booleans 1/0; null is skipped). */
hl_err hl_hdf_from_json(HDF *hdf, const char *prefix, json_object *v);
/* A scalar JSON value as text, as the pages show it: doubles with at most
 * 15 significant digits (buf, cap >= 32, holds them), "" for NULL. */
const char *hl_json_text(json_object *v, char *buf, size_t cap);

#endif
