/*
 * clock: monotonic time for timeouts, latencies and durations.
 */
#ifndef ARCHIE_CLOCK_H
#define ARCHIE_CLOCK_H

/* Milliseconds on the monotonic clock (not the time of day). */
long clock_ms(void);

#endif
