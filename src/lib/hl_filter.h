/* hl_filter.h: payload filters on subscriptions. A filter is JSON:
 *   leaf:  {"path": "country", "op": "eq", "value": "US"}
 *   group: {"and": [filter, ...]}  {"or": [filter, ...]}
 * Paths: "a.b.0.c" is relative to the event payload ("data"); "$.x.y"
 * starts at the delivered envelope {"type", "data"}, so "$.data.country"
 * and "country" are the same field and "$.type" is the event type.
 * Operators: eq, neq, gt, gte, lt, lte, in, nin, exists, startsWith,
 * endsWith. See docs/api.md for the exact semantics. */
#ifndef HL_FILTER_H
#define HL_FILTER_H
#include <json-c/json.h>
#include "hl_error.h"

/* HL_ERR_INVALID with field "filter..." (e.g. "filter.and[1].op") when
 * the filter is malformed or over the limits (depth 8, 64 rules; field
 * "filter" when its compact JSON text is over 32768 bytes). */
hl_err hl_filter_validate(json_object *filter);
/* 1 when the event matches; a NULL filter matches everything. The
 * filter must have passed hl_filter_validate. */
int hl_filter_match(json_object *filter, const char *event_type, json_object *payload);

#endif
