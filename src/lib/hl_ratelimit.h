/* hl_ratelimit.h: fixed-window request counters in MariaDB
 * (rate_limits), so every FastCGI process shares one count. */
#ifndef HL_RATELIMIT_H
#define HL_RATELIMIT_H
#include "hl_db.h"

struct hl_rate {
	long limit;          /* requests per window */
	long remaining;      /* after this request, >= 0 */
	long reset_s;        /* seconds until the window ends */
	int exceeded;        /* 1 when this request is over the limit */
};

/* Count one request against bucket ("key:..." / "addr:...") in the
 * current window of window_s seconds. */
hl_err hl_rate_hit(struct hl_db *db, const char *bucket, long limit, long window_s,
	struct hl_rate *out);

#endif
