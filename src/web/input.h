/* input.h: declared inputs. A handler lists the JSON members it accepts
 * with their types; anything else is answered with a 4xx before the
 * handler runs any logic. */
#ifndef HL_INPUT_H
#define HL_INPUT_H
#include <json-c/json.h>
#include "hl_util.h"   /* hl_json_get_str, for the members hl_input_json checked */
#include "request.h"

enum hl_ftype {
	HL_F_STRING,
	HL_F_BOOL,
	HL_F_INT,
	HL_F_OBJECT,
	HL_F_STRINGS,     /* array of strings */
	HL_F_ARRAY,
	HL_F_KEY,         /* true, false or "rotate": a key an endpoint may have */
	HL_F_READ_ONLY,   /* what GET shows and PUT cannot change: any value, for
	                   * hl_input_drop_read_only to take out */
	HL_F__MAX
};

struct hl_field {
	const char *name;
	enum hl_ftype type;
	int required;
	size_t maxlen;        /* strings: bytes; arrays: items; 0 = no limit. A text
	                       * the core limits in characters gets 4 bytes each */
};

/* Parse the body as a JSON object and check it against fields (ends with
 * a {NULL} entry). On failure the error response is written and NULL
 * returned; on success the caller owns the object. An empty body is an
 * empty object when allow_empty. */
json_object *hl_input_json(struct hl_req *r, const struct hl_field *fields, int allow_empty);
/* Take the HL_F_READ_ONLY members of fields out of in, so that what GET
 * answered can be sent back to PUT: they are ignored, but for "id",
 * which must be the resource's own (id): a body meant for another one
 * is refused (422 invalid_value, field id, answered; -1). 0 otherwise. */
int hl_input_drop_read_only(struct hl_req *r, json_object *in, const struct hl_field *fields,
	const char *id);
/* For a route that takes no body: an empty one, or an empty JSON object
 * ({} from clients that always send one). Else the answer is written
 * (400 unknown_field for any member, ...) and -1 returned. */
int hl_input_none(struct hl_req *r);
/* The boolean member name of o, defval when it is absent (strings:
 * hl_json_get_str). */
int hl_input_bool(json_object *o, const char *name, int defval);
/* grace_seconds of a rotate-secret body in, HL_GRACE_DEFAULT when absent;
 * the rotation itself refuses what is outside 0..HL_GRACE_MAX. */
long hl_input_grace(json_object *in);
/* A query parameter a route takes (routes.c declares each GET route's
 * list, ending with a {NULL} entry). */
struct hl_qparam {
	const char *name;
	int empty_ok;         /* "" means something (an iterator: the first page) */
};
/* The query against the route's declared parameters: one that is not
 * declared, is given twice or is empty (unless empty_ok) is answered 400
 * naming it and -1 returned, before the handler reads any of it. */
int hl_input_query(struct hl_req *r, const struct hl_qparam *declared);
/* ?name= as an integer in lo..hi (lo >= 0), written with digits only
 * (strtol would take " 5" and "+5"); defval when absent, -1 after
 * answering 400. A value longer than maxlen (at most 31) characters is
 * unreadable, refused after the handler (main.c). */
long hl_input_query_int(struct hl_req *r, const char *name, size_t maxlen, long lo, long hi,
	long defval);
/* Limit from ?limit= (1..HL_LIST_MAX, default HL_LIST_DEFAULT); -1 after
 * answering 400. */
int hl_input_limit(struct hl_req *r);
/* ?iterator= into buf, *out NULL for the first page (absent or empty):
 * an id with prefix, or for prefix NULL an event type name (the
 * catalog's). Anything else is answered 400 and -1 returned. */
int hl_input_iterator(struct hl_req *r, const char *prefix, char *buf, size_t cap,
	const char **out);

#endif
