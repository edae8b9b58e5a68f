/* hl_reveals.h: secrets the dashboard shows once, kept sealed for the
 * session that made them between a form's POST and the GET it redirects
 * to (table page_reveals). */
#ifndef HL_REVEALS_H
#define HL_REVEALS_H
#include <json-c/json.h>
#include "hl_config.h"
#include "hl_db.h"
#include "hl_sessions.h"

/* How long a secret waits for its page: the redirect is followed at
 * once; a secret never looked at should not stay around. */
#define HL_REVEAL_TTL_S 600
#define HL_REVEAL_KIND_MAX 24

/* Seal secrets (a JSON object of strings; not taken) for the session
 * whose cookie value is session_token, about subject (wh_... / src_...);
 * kind says what happened ("created", "rotated", "saved") for the page's
 * title. id_out goes into the redirect's URL. */
hl_err hl_reveal_put(struct hl_db *db, const struct hl_config *cfg, const char *session_token,
	const char *account_id, const char *subject_id, const char *kind, json_object *secrets,
	char id_out[HL_TOKEN_MAX]);
/* Take (read and delete) what hl_reveal_put stored under id for the same
 * session, account and subject: *secrets (the caller owns it; wipe its
 * strings with hl_reveal_wipe) and kind. HL_ERR_NOTFOUND when there is
 * none: shown already, expired, another session's, or never made. Of
 * two takes at once only one gets it. */
hl_err hl_reveal_take(struct hl_db *db, const struct hl_config *cfg, const char *session_token,
	const char *account_id, const char *subject_id, const char *id,
	char kind[HL_REVEAL_KIND_MAX], json_object **secrets);
/* Overwrite the string members of secrets and release it (NULL is fine). */
void hl_reveal_wipe(json_object *secrets);

#endif
