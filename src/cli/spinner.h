/*
 * spinner: "working" on a terminal while nothing else is shown.
 *
 * A line such as "⠋ waiting for the model · 3 s · 120 tokens" is drawn in
 * place ten times a second by a thread of its own, only while the
 * spinner runs and only on a terminal; whoever writes to the terminal
 * pauses it first (the line is erased), and runs it again when the cursor
 * is back at the start of a line.  Pausing and running take its lock, so
 * the thread never draws over other output.
 *
 * Ownership: a spinner writes to a borrowed FILE; spinner_release joins
 * its thread.
 */
#ifndef ARCHIE_SPINNER_H
#define ARCHIE_SPINNER_H

#include <pthread.h>
#include <stdio.h>

struct spinner {
	FILE *out;
	int enabled;		/* a terminal: draw at all */
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int running;		/* draw while set */
	int shown;		/* the line is on the screen */
	int quit;
	long long since;	/* when what it shows began (ms) */
	long tokens;		/* streamed so far, shown when > 0 */
	char what[96];
};

void spinner_init(struct spinner *s, FILE *out, int enabled);
void spinner_release(struct spinner *s);

/* Shows what is being waited for, its time counted from now (or, with
 * keep_time, from when the spinner last began). */
void spinner_run(struct spinner *s, const char *what, int keep_time);
/* Erases the line and stops drawing: call before writing to out. */
void spinner_pause(struct spinner *s);
/* Tokens streamed so far (an estimate is fine). */
void spinner_tokens(struct spinner *s, long tokens);

#endif
