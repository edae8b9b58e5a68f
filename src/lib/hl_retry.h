/* hl_retry.h: when the next attempt of a failed delivery happens. */
#ifndef HL_RETRY_H
#define HL_RETRY_H

/* Parse "0,5,300,1800" (seconds; also accepts suffixes s, m, h, d,
 * e.g. "0,5s,5m,30m,2h") into out. Returns 0 or -1 on bad input. */
int hl_retry_parse(const char *s, long *out, int max, int *n);
/* Delay in seconds before attempt number next_attempt (1-based: attempt 1
 * is the first try, attempt 2 the first retry ...), with +-jitter_pct
 * jitter drawn from rnd (uniform 32-bit random). -1 when the schedule has
 * no more attempts (the delivery goes dead). Delays of 0 stay 0. */
long hl_retry_delay(const long *schedule, int steps, int next_attempt,
	int jitter_pct, unsigned rnd);
/* Clamp a Retry-After value (seconds) to [min_s, max_s]. Parses delta
 * seconds or an HTTP date relative to now; -1 when unparsable. */
long hl_retry_after_parse(const char *value, long now, long min_s, long max_s);

#endif
