/* hl_error.c: the last error of this thread (the runner records on a
 * thread of its own; everything else handles one request or one batch at
 * a time per process). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "hl_error.h"

static _Thread_local hl_err last_code;
static _Thread_local char last_msg[512];
/* Long enough for the deepest filter rule or schema path the limits allow
 * ("filter.and[5].and[5]...", "payload.a.b.items[12].c"), whole. */
static _Thread_local char last_field[256];
static _Thread_local int have_field;
static _Thread_local const char *last_reason;

static const char *const err_names[HL_ERR__MAX] = {
	[HL_OK] = "ok",
	[HL_ERR_NOMEM] = "out_of_memory",
	[HL_ERR_CONFIG] = "config_error",
	[HL_ERR_DB] = "database_error",
	[HL_ERR_IO] = "io_error",
	[HL_ERR_INVALID] = "invalid_request",
	[HL_ERR_NOTFOUND] = "not_found",
	[HL_ERR_CONFLICT] = "conflict",
	[HL_ERR_AUTH] = "unauthorized",
	[HL_ERR_FORBIDDEN] = "forbidden",
	[HL_ERR_TOOLARGE] = "payload_too_large",
	[HL_ERR_UNPROCESSABLE] = "unprocessable",
	[HL_ERR_CRYPTO] = "crypto_error",
	[HL_ERR_INTERNAL] = "internal_error",
	[HL_ERR_UNAVAILABLE] = "unavailable",
};

hl_err
hl_fail(hl_err code, const char *field, const char *fmt, ...)
{
	char msg[sizeof(last_msg)];
	va_list ap;

	/* Formatted aside first: callers pass hl_errmsg() to wrap the last
	 * error, and vsnprintf must not read the buffer it writes. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(last_msg, msg, sizeof(last_msg));
	last_code = code;
	last_reason = NULL;
	have_field = field != NULL;
	if (field)
		snprintf(last_field, sizeof(last_field), "%s", field);
	return code;
}

void
hl_errreason_set(const char *reason)
{
	last_reason = reason;
}

const char *
hl_errreason(void)
{
	return last_reason;
}

const char *
hl_errmsg(void)
{
	return last_msg;
}

const char *
hl_errfield(void)
{
	return have_field ? last_field : NULL;
}

hl_err
hl_errcode(void)
{
	return last_code;
}

void
hl_errclear(void)
{
	last_code = HL_OK;
	last_msg[0] = '\0';
	have_field = 0;
	last_reason = NULL;
}

const char *
hl_err_name(hl_err code)
{
	if (code < 0 || code >= HL_ERR__MAX)
		return "internal_error";
	return err_names[code];
}
