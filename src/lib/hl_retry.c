/* hl_retry.c: retry schedules (parsing, jittered delays) and the
 * receiver's Retry-After header, for the delivery runner. */
#include <limits.h>
#include <string.h>

#include "hl_retry.h"
#include "hl_util.h"

/* Larger delays are typos, and the cap keeps now + delay far from overflow. */
#define RETRY_DELAY_MAX (366L * 24 * 3600)
#define HTTP_DATE_LEN 29	/* "Sun, 06 Nov 1994 08:49:37 GMT" */

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* One schedule entry, s[0..len): digits and an optional unit suffix. */
static int parse_step(const char *s, size_t len, long *out)
{
	long v = 0, mult = 1;
	size_t i = 0;

	while (len > 0 && is_space(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
		len--;
	if (len == 0 || !is_digit(s[0]))
		return -1;
	for (i = 0; i < len && is_digit(s[i]); i++) {
		v = v * 10 + (s[i] - '0');
		if (v > RETRY_DELAY_MAX)
			return -1;
	}
	if (i < len) {
		if (i + 1 != len)
			return -1;
		switch (s[i]) {
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 86400;
			break;
		default:
			return -1;
		}
	}
	if (v > RETRY_DELAY_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int hl_retry_parse(const char *s, long *out, int max, int *n)
{
	int rc = -1, count = 0;
	size_t len;

	*n = 0;
	if (!s)
		goto out;
	for (;;) {
		len = strcspn(s, ",");
		if (count >= max)
			goto out;
		if (parse_step(s, len, &out[count]) != 0)
			goto out;
		count++;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	*n = count;
	rc = 0;
out:
	return rc;
}

long hl_retry_delay(const long *schedule, int steps, int next_attempt,
	int jitter_pct, unsigned rnd)
{
	long base;
	double u, d;

	if (!schedule || next_attempt < 1 || next_attempt > steps)
		return -1;
	base = schedule[next_attempt - 1];
	if (base <= 0)
		return 0;
	if (jitter_pct < 0)
		jitter_pct = 0;
	if (jitter_pct > 100)
		jitter_pct = 100;
	/* Spread retries so endpoints that failed together do not all get
	 * hit again in the same second. */
	u = ((double)rnd / (double)UINT_MAX * 2.0 - 1.0) * jitter_pct / 100.0;
	d = (double)base * (1.0 + u) + 0.5;
	if (d < 0)
		return 0;
	return (long)d;
}

/* IMF-fixdate (RFC 9110 5.6.7), the only form senders may generate. */
static int parse_http_date(const char *s, size_t len, long *out)
{
	static const char *const wdays[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int i, day, mon = -1, year, hh, mm, ss;

	if (len != HTTP_DATE_LEN)
		return -1;
	for (i = 0; i < 7; i++) {
		if (memcmp(s, wdays[i], 3) == 0)
			break;
	}
	if (i == 7 || memcmp(s + 3, ", ", 2) != 0 || s[7] != ' ' || s[11] != ' '
	    || s[16] != ' ' || s[19] != ':' || s[22] != ':'
	    || memcmp(s + 25, " GMT", 4) != 0)
		return -1;
	for (i = 0; i < 12; i++) {
		if (memcmp(s + 8, months[i], 3) == 0)
			mon = i;
	}
	if (mon < 0 || hl_digits(s + 5, 2, &day) || hl_digits(s + 12, 4, &year)
	    || hl_digits(s + 17, 2, &hh) || hl_digits(s + 20, 2, &mm)
	    || hl_digits(s + 23, 2, &ss))
		return -1;
	if (day < 1 || day > hl_days_in_month(year, mon + 1) || hh > 23 || mm > 59 || ss > 60)
		return -1;
	*out = hl_days_from_civil(year, mon + 1, day) * 86400L + hh * 3600L + mm * 60L + ss;
	return 0;
}

long hl_retry_after_parse(const char *value, long now, long min_s, long max_s)
{
	long v = 0, when;
	size_t len, i;

	if (!value)
		return -1;
	while (is_space(*value))
		value++;
	len = strlen(value);
	while (len > 0 && is_space(value[len - 1]))
		len--;
	if (len == 0)
		return -1;
	if (is_digit(value[0])) {
		for (i = 0; i < len; i++) {
			if (!is_digit(value[i]))
				return -1;
			/* A huge value only means "a long time": saturate. */
			if (v <= (LONG_MAX - 9) / 10)
				v = v * 10 + (value[i] - '0');
			else
				v = LONG_MAX;
		}
	} else {
		if (parse_http_date(value, len, &when) != 0)
			return -1;
		/* A date in the past means "now", which the clamp turns into min_s. */
		v = when > now ? when - now : 0;
	}
	if (v < min_s)
		v = min_s;
	if (v > max_s)
		v = max_s;
	return v;
}
