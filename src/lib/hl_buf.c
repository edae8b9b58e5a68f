/* hl_buf.c: bounded growable buffers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hl_buf.h"

void
hl_buf_init(struct hl_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static hl_err
buf_reserve(struct hl_buf *b, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > b->max - b->len)
		return hl_fail(HL_ERR_TOOLARGE, NULL, "data exceeds the %zu byte limit", b->max);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return HL_OK;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	p = realloc(b->data, ncap);
	if (!p)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	b->data = p;
	b->cap = ncap;
	return HL_OK;
}

hl_err
hl_buf_add(struct hl_buf *b, const void *p, size_t n)
{
	hl_err rc;

	rc = buf_reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return HL_OK;
}

hl_err
hl_buf_addstr(struct hl_buf *b, const char *s)
{
	return hl_buf_add(b, s, strlen(s));
}

hl_err
hl_buf_printf(struct hl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	hl_err rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return hl_fail(HL_ERR_INTERNAL, NULL, "bad format");
	rc = buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return HL_OK;
}

hl_err
hl_buf_hexdump(struct hl_buf *b, const void *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *in = p;
	char line[HL_BUF_HEXDUMP_LINE + 16];   /* offsets past 4 GiB are longer */
	size_t off, i, o;
	hl_err rc;

	for (off = 0; off < n; off += 16) {
		o = (size_t)snprintf(line, sizeof(line), "%08zx  ", off);
		for (i = 0; i < 16; i++) {
			if (off + i < n) {
				line[o++] = digits[in[off + i] >> 4];
				line[o++] = digits[in[off + i] & 15];
			} else {
				line[o++] = ' ';
				line[o++] = ' ';
			}
			line[o++] = ' ';
			if (i == 7)
				line[o++] = ' ';
		}
		line[o++] = ' ';
		line[o++] = '|';
		for (i = 0; i < 16 && off + i < n; i++)
			line[o++] = in[off + i] >= 0x20 && in[off + i] < 0x7f ? (char)in[off + i] : '.';
		line[o++] = '|';
		line[o++] = '\n';
		rc = hl_buf_add(b, line, o);
		if (rc)
			return rc;
	}
	return HL_OK;
}

void
hl_buf_reset(struct hl_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
hl_buf_free(struct hl_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
hl_buf_steal(struct hl_buf *b)
{
	char *p = b->data;

	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

const char *
hl_buf_str(const struct hl_buf *b)
{
	return b->data ? b->data : "";
}
