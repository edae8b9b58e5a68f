/* hl_buf.h: growable byte buffers that always carry a maximum size
 * (after curl's dynbuf): input can never grow one without bound. */
#ifndef HL_BUF_H
#define HL_BUF_H
#include <stddef.h>
#include "hl_error.h"

struct hl_buf {
	char *data;    /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max;    /* hard limit on len */
};

void hl_buf_init(struct hl_buf *b, size_t max);
hl_err hl_buf_add(struct hl_buf *b, const void *p, size_t n); /* HL_ERR_TOOLARGE past max */
hl_err hl_buf_addstr(struct hl_buf *b, const char *s);
hl_err hl_buf_printf(struct hl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append n bytes as a hex dump, as hexdump -C writes one (without its
 * last line, the length): per 16 bytes, the offset, the bytes in hex
 * and as ASCII, '.' for any other byte: HL_BUF_HEXDUMP_LINE bytes a line
 * (offsets below 4 GiB). */
#define HL_BUF_HEXDUMP_LINE 79
hl_err hl_buf_hexdump(struct hl_buf *b, const void *p, size_t n);
void hl_buf_reset(struct hl_buf *b);   /* len = 0, keeps memory */
void hl_buf_free(struct hl_buf *b);
/* Hand the data to the caller (who frees it) and reset the buffer. */
char *hl_buf_steal(struct hl_buf *b);
const char *hl_buf_str(const struct hl_buf *b); /* "" when empty */

#endif
