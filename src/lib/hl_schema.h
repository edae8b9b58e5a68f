/* hl_schema.h: the JSON Schema subset custom event types may carry:
 * type (object, array, string, number, integer, boolean, null, or an
 * array of them), properties, required, additionalProperties (boolean),
 * enum, items, minimum, maximum, minLength, maxLength, pattern (POSIX
 * extended regular expression, unanchored like JSON Schema's), plus the
 * annotations title, description and $schema. Other keywords are
 * refused, so a schema never silently checks less than it says. */
#ifndef HL_SCHEMA_H
#define HL_SCHEMA_H
#include <json-c/json.h>
#include "hl_error.h"

/* HL_ERR_INVALID with field "schema..." when the schema is not in the
 * subset (depth 16). */
hl_err hl_schema_check(json_object *schema);
/* HL_OK, or HL_ERR_UNPROCESSABLE whose field is the failing path of the
 * instance ("payload.amount", "payload.items[2]"). */
hl_err hl_schema_validate(json_object *schema, json_object *instance);

#endif
