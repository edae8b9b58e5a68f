/* render.c: fill a ClearSilver dataset and render a template into a
 * buffer. All HTML comes from templates; this file never writes markup. */
#include <stdio.h>
#include <string.h>
#include "hl_config.h"
#include "render.h"

static NEOERR *
to_buf(void *ctx, char *s)
{
	struct hl_buf *out = ctx;

	if (hl_buf_addstr(out, s))
		return nerr_raise(NERR_NOMEM, "page too large");
	return STATUS_OK;
}

hl_err
hl_render(const char *templates_dir, HDF *hdf, const char *name, struct hl_buf *out)
{
	char path[4096];
	CSPARSE *cs = NULL;
	NEOERR *err;
	hl_err rc = HL_OK;

	/* Must be in the dataset before cs_init reads it. */
	err = hdf_set_value(hdf, "Config.VarEscapeMode", "html");
	if (!err)
		err = hdf_set_value(hdf, "hdf.loadpaths.0", templates_dir);
	if (err)
		return hl_neoerr(err, HL_ERR_NOMEM, "dataset");
	err = cs_init(&cs, hdf);
	if (err)
		return hl_neoerr(err, HL_ERR_INTERNAL, "cs_init");
	/* url_escape() for query strings built in templates (links that keep
	 * filters); it escapes, so it is safe on data. */
	err = cgi_register_strfuncs(cs);
	if (err) {
		rc = hl_neoerr(err, HL_ERR_INTERNAL, "cgi_register_strfuncs");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", templates_dir, name);
	err = cs_parse_file(cs, path);
	if (err) {
		rc = hl_neoerr(err, HL_ERR_INTERNAL, name);
		goto out;
	}
	err = cs_render(cs, out, to_buf);
	if (err)
		rc = hl_neoerr(err, HL_ERR_INTERNAL, name);
out:
	cs_destroy(&cs);
	return rc;
}

const char *
hl_json_text(json_object *v, char *buf, size_t cap)
{
	size_t n;

	if (!json_object_is_type(v, json_type_double))
		return v ? json_object_get_string(v) : "";
	/* json-c prints doubles with 17 digits: 33.3 is 33.299999999999997.
	 * 15 are exact for every double; ".0" keeps a whole rate reading
	 * as one (100.0 %, like the API). */
	snprintf(buf, cap, "%.15g", json_object_get_double(v));
	n = strlen(buf);
	if (strspn(buf, "-0123456789") == n && n + 2 < cap)
		memcpy(buf + n, ".0", 3);
	return buf;
}

hl_err
hl_hdf_from_json(HDF *hdf, const char *prefix, json_object *v)
{
	char key[512], num[40];
	NEOERR *err = STATUS_OK;
	hl_err rc;
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_null:
		return HL_OK;
	case json_type_boolean:
		err = hdf_set_value(hdf, prefix, json_object_get_boolean(v) ? "1" : "0");
		break;
	case json_type_object:
		json_object_object_foreach(v, k, child) {
			snprintf(key, sizeof(key), "%s.%s", prefix, k);
			rc = hl_hdf_from_json(hdf, key, child);
			if (rc)
				return rc;
		}
		return HL_OK;
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			snprintf(key, sizeof(key), "%s.%zu", prefix, i);
			rc = hl_hdf_from_json(hdf, key, json_object_array_get_idx(v, i));
			if (rc)
				return rc;
		}
		return HL_OK;
	default:
		err = hdf_set_value(hdf, prefix, hl_json_text(v, num, sizeof(num)));
		break;
	}
	if (err)
		return hl_neoerr(err, HL_ERR_NOMEM, "dataset");
	return HL_OK;
}
