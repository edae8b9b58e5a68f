/* hl_log.h: one-line logs to stderr (the web server's or cron's log).
 * Secrets never go through here. */
#ifndef HL_LOG_H
#define HL_LOG_H

enum hl_log_level { HL_LOG_ERROR, HL_LOG_WARN, HL_LOG_INFO, HL_LOG_DEBUG, HL_LOG__MAX };

void hl_log_init(const char *program, enum hl_log_level level);
int hl_log_level_parse(const char *s, enum hl_log_level *out); /* 0 ok, -1 bad */
void hl_log(enum hl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
