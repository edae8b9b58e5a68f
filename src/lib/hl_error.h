/* hl_error.h: the one error convention of hookline's core.
 * Every core function returns an hl_err; on failure the last error's
 * message (and the input field it concerns, if any) is kept per process. */
#ifndef HL_ERROR_H
#define HL_ERROR_H

typedef enum hl_err {
	HL_OK = 0,
	HL_ERR_NOMEM,      /* out of memory */
	HL_ERR_CONFIG,     /* bad or missing configuration value */
	HL_ERR_DB,         /* database failure */
	HL_ERR_IO,         /* file or network failure */
	HL_ERR_INVALID,    /* bad input: the field says which */
	HL_ERR_NOTFOUND,   /* no such object (in the caller's account) */
	HL_ERR_CONFLICT,   /* already exists / state does not allow it */
	HL_ERR_AUTH,       /* credentials missing or wrong */
	HL_ERR_FORBIDDEN,  /* authenticated but not allowed */
	HL_ERR_TOOLARGE,   /* input over a size limit */
	HL_ERR_UNPROCESSABLE, /* well-formed but semantically rejected */
	HL_ERR_CRYPTO,     /* crypto library failure */
	HL_ERR_INTERNAL,   /* a bug or an impossible state */
	HL_ERR_UNAVAILABLE, /* the database could not answer now (lost connection,
	                     * deadlock, lock wait timeout): try again */
	HL_ERR__MAX
} hl_err;

/* Record a failure and return code, so callers write
 *   return hl_fail(HL_ERR_INVALID, "url", "must be http or https"); */
hl_err hl_fail(hl_err code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A more specific machine-readable code for the last error than its
 * hl_err name (e.g. "schema_mismatch"); cleared by every hl_fail. */
void hl_errreason_set(const char *reason);
const char *hl_errreason(void);   /* NULL when none */
const char *hl_errmsg(void);      /* "" when none */
const char *hl_errfield(void);    /* NULL when none */
hl_err hl_errcode(void);
void hl_errclear(void);
/* Stable machine-readable name of a code, e.g. "invalid_request". */
const char *hl_err_name(hl_err code);

#endif
