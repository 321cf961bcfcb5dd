/*
 * log: leveled diagnostics to stderr or ARCHIE_LOG_FILE.  See log.h.
 */
#include "core/log.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static enum log_level log_level = LOG_WARN;
static FILE *log_file;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_init(void)
{
	const char *lvl = getenv("ARCHIE_LOG");
	const char *path = getenv("ARCHIE_LOG_FILE");
	size_t i;

	log_level = LOG_WARN;
	if (lvl)
		for (i = 0; i < sizeof(level_names) / sizeof(*level_names); i++)
			if (!strcasecmp(lvl, level_names[i]))
				log_level = (enum log_level)i;
	if (path && *path && !log_file) {
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			      0600);

		if (fd >= 0)
			log_file = fdopen(fd, "a");
	}
}

void log_release(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
}

int log_enabled(enum log_level level)
{
	return level <= log_level;
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
	FILE *out;
	va_list ap;
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	if (!log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);

	pthread_mutex_lock(&log_lock);
	out = log_file ? log_file : stderr;
	fprintf(out, "archie: %s.%03ld %s [%s] ", stamp, ts.tv_nsec / 1000000,
		level_names[level], module);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
	pthread_mutex_unlock(&log_lock);
}
