/* hl_log.c: timestamped one-line logs on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hl_log.h"

static const char *log_program = "hookline";
static enum hl_log_level log_level = HL_LOG_INFO;

static const char *const level_names[HL_LOG__MAX] = {
	[HL_LOG_ERROR] = "error",
	[HL_LOG_WARN] = "warn",
	[HL_LOG_INFO] = "info",
	[HL_LOG_DEBUG] = "debug",
};

void
hl_log_init(const char *program, enum hl_log_level level)
{
	log_program = program;
	log_level = level;
}

int
hl_log_level_parse(const char *s, enum hl_log_level *out)
{
	int i;

	for (i = 0; i < HL_LOG__MAX; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum hl_log_level)i;
			return 0;
		}
	}
	return -1;
}

void
hl_log(enum hl_log_level level, const char *fmt, ...)
{
	char msg[1024], stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One write per line so concurrent processes do not interleave. */
	fprintf(stderr, "%s %s[%ld] %s: %s\n", stamp, log_program, (long)getpid(),
		level_names[level], msg);
}
