/*
 * clock: monotonic time for timeouts, latencies and durations; wall time
 * for records.
 */
#ifndef ARCHIE_CLOCK_H
#define ARCHIE_CLOCK_H

/* Milliseconds on the monotonic clock (not the time of day). */
long clock_ms(void);

/* Milliseconds since the epoch (the time of day, for records). */
long long clock_wall_ms(void);

/* ms from now on the time-of-day clock, as pthread_cond_timedwait takes
 * a deadline. */
struct timespec;
void clock_deadline(struct timespec *ts, long ms);

#endif
