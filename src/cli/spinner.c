/*
 * spinner: "working" on a terminal while nothing else is shown.  See
 * spinner.h.
 */
#include "cli/spinner.h"

#include "core/clock.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#define TICK_MS 100

static const char *const frames[] = {
	"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏",
};

/* Draws the line; the lock is held. */
static void draw(struct spinner *s, unsigned long frame)
{
	long secs = (long)((clock_ms() - s->since) / 1000);

	fprintf(s->out, "\r\033[K\033[2m%s %s · %ld s", frames[frame % 10], s->what, secs);
	if (s->tokens > 0)
		fprintf(s->out, " · %ld tokens", s->tokens);
	fputs(" · Ctrl-C to stop\033[0m", s->out);
	fflush(s->out);
	s->shown = 1;
}

static void *spin(void *arg)
{
	struct spinner *s = arg;
	unsigned long frame = 0;

	pthread_mutex_lock(&s->lock);
	while (!s->quit) {
		struct timespec ts;

		if (s->running)
			draw(s, frame++);
		clock_deadline(&ts, TICK_MS);
		/* woken early by run, pause or quit */
		pthread_cond_timedwait(&s->cond, &s->lock, &ts);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

void spinner_init(struct spinner *s, FILE *out, int enabled)
{
	memset(s, 0, sizeof(*s));
	s->out = out;
	s->enabled = enabled;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
}

void spinner_release(struct spinner *s)
{
	if (s->started) {
		pthread_mutex_lock(&s->lock);
		s->quit = 1;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
	}
	spinner_pause(s);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}

void spinner_run(struct spinner *s, const char *what, int keep_time)
{
	if (!s->enabled)
		return;
	pthread_mutex_lock(&s->lock);
	snprintf(s->what, sizeof(s->what), "%s", what);
	if (!keep_time || !s->since)
		s->since = clock_ms();
	if (!keep_time)
		s->tokens = 0;
	s->running = 1;
	if (!s->started && !pthread_create(&s->thread, NULL, spin, s))
		s->started = 1;
	pthread_mutex_unlock(&s->lock);
}

void spinner_pause(struct spinner *s)
{
	if (!s->enabled)
		return;
	pthread_mutex_lock(&s->lock);
	s->running = 0;
	if (s->shown) {
		fputs("\r\033[K", s->out);
		fflush(s->out);
		s->shown = 0;
	}
	pthread_mutex_unlock(&s->lock);
}

void spinner_tokens(struct spinner *s, long tokens)
{
	if (!s->enabled)
		return;
	pthread_mutex_lock(&s->lock);
	s->tokens = tokens;
	pthread_mutex_unlock(&s->lock);
}
