/* api_openapi.c: GET /webhooks/openapi.json serves docs/openapi.json,
 * found next to Paths.Static (see open_doc), so no extra config key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hl_log.h"
#include "api.h"

#define DOC_MAX (1024 * 1024)

/* Candidates: <static>/openapi.json, then <static>/../openapi.json (the
 * installed layout: pkgdatadir/static and pkgdatadir/openapi.json), then
 * <static>/../docs/openapi.json (a source tree). */
static FILE *
open_doc(const char *static_dir)
{
	static const char *const rel[] = { "/openapi.json", "/../openapi.json",
		"/../docs/openapi.json", NULL };
	char path[4096];
	FILE *f = NULL;
	int i;

	for (i = 0; rel[i] && !f; i++) {
		snprintf(path, sizeof(path), "%s%s", static_dir, rel[i]);
		f = fopen(path, "rb");
	}
	return f;
}

void
api_openapi(struct hl_req *r)
{
	FILE *f = open_doc(r->cfg->static_dir);
	char *buf = NULL;
	size_t n;

	if (!f) {
		hl_log(HL_LOG_ERROR, "openapi.json not found next to Paths.Static %s",
			r->cfg->static_dir);
		hl_resp_error(r, 404, "not_found", "the OpenAPI document is not installed", NULL);
		return;
	}
	buf = malloc(DOC_MAX);
	if (!buf) {
		fclose(f);
		hl_resp_error(r, 500, "internal_error", "out of memory", NULL);
		return;
	}
	n = fread(buf, 1, DOC_MAX, f);
	fclose(f);
	r->status = 200;
	hl_resp_header(r, "Content-Type", "application/json; charset=utf-8");
	hl_resp_header(r, "Cache-Control", "public, max-age=300");
	hl_buf_reset(&r->out);
	hl_buf_add(&r->out, buf, n);
	r->responded = 1;
	free(buf);
}
