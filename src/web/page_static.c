/* page_static.c: /webhook/static/NAME from Paths.Static, so the app is
 * self-contained behind any web server (which may also serve the
 * directory itself). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "pages.h"

#define STATIC_MAX (2 * 1024 * 1024)

static const struct { const char *ext, *type; } types[] = {
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ NULL, NULL },
};

void
page_static(struct hl_req *r)
{
	const char *name = r->params[0], *type = NULL, *dot = strrchr(name, '.');
	char path[4096], chunk[8192];
	FILE *f;
	size_t n;
	int i;

	for (i = 0; dot && types[i].ext; i++)
		if (!strcmp(dot, types[i].ext))
			type = types[i].type;
	/* The router allows only [A-Za-z0-9._-] without a leading dot. */
	if (!type) {
		hl_page_error(r, 404, "There is no such file.");
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", r->cfg->static_dir, name);
	f = fopen(path, "rb");
	if (!f) {
		hl_page_error(r, 404, "There is no such file.");
		return;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (r->out.len + n > STATIC_MAX || hl_buf_add(&r->out, chunk, n))
			break;
	fclose(f);
	r->status = 200;
	hl_resp_header(r, "Content-Type", type);
	hl_resp_header(r, "Cache-Control", "public, max-age=3600");
	r->responded = 1;
}
