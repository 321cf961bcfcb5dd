/*
 * log: a small leveled logger for diagnostics, off by default.
 *
 * ARCHIE_LOG=error|warn|info|debug sets the level (default: warn);
 * ARCHIE_LOG_FILE=path sends the log to a file (created 0600) instead of
 * stderr.  The log is for people debugging archie; user-facing messages are
 * printed by the commands themselves.
 */
#ifndef ARCHIE_LOG_H
#define ARCHIE_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Reads the environment; safe to call more than once. */
void log_init(void);
void log_release(void);
int log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(module, ...) \
	do { if (log_enabled(LOG_DEBUG)) log_msg(LOG_DEBUG, module, __VA_ARGS__); } while (0)
#define log_info(module, ...) \
	do { if (log_enabled(LOG_INFO)) log_msg(LOG_INFO, module, __VA_ARGS__); } while (0)
#define log_warn(module, ...) log_msg(LOG_WARN, module, __VA_ARGS__)
#define log_error(module, ...) log_msg(LOG_ERROR, module, __VA_ARGS__)

#endif
