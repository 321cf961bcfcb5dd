/*
 * retry: when to retry a failed model request, and how long to wait.
 *
 * Pure functions, so the policy is tested without a network: which HTTP
 * statuses are transient, how the server's retry-after-ms / retry-after
 * (seconds or an HTTP date) / x-should-retry headers are read, and the
 * capped exponential backoff with jitter used otherwise.
 */
#ifndef ARCHIE_RETRY_H
#define ARCHIE_RETRY_H

#include <time.h>

/* 1 if a response with this HTTP status is worth retrying. */
int retry_status_is_transient(long status);

/*
 * The wait the server asked for, in ms, from the header values (any may be
 * NULL), or -1 if it asked for none.  `now` is for HTTP dates.
 */
long retry_after_ms(const char *retry_after_ms, const char *retry_after,
		    time_t now);

/*
 * x-should-retry: 1 for "true", 0 for "false", -1 when absent or other.
 */
int retry_should(const char *x_should_retry);

/*
 * Backoff before retry number `attempt` (1 for the first retry):
 * base * 2^(attempt-1), capped at max, then "equal jitter": half fixed,
 * half random (rnd in [0, 1)).
 */
long retry_backoff_ms(int attempt, long base_ms, long max_ms, double rnd);

#endif
