/*
 * retry: transient-failure policy and backoff.  See retry.h.
 */
#include "provider/retry.h"

#include "core/strbuf.h"
#include "provider/curl_dl.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A server asking for more than this is not waited for blindly. */
#define RETRY_AFTER_MAX_MS 300000L

int retry_status_is_transient(long status)
{
	return status == 408 || status == 409 || status == 429 ||
	       (status >= 500 && status <= 599);
}

static int parse_number(const char *s, double *out)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	return errno || *end || *out < 0 ? -1 : 0;
}

long retry_after_ms(const char *after_ms, const char *after, time_t now)
{
	double v;

	if (after_ms && !parse_number(after_ms, &v))
		return v > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : (long)v;
	if (after && *after) {
		time_t when;

		if (!parse_number(after, &v))
			return v * 1000 > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS
							     : (long)(v * 1000);
		/* An HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT". */
		struct strbuf err = STRBUF_INIT;
		int loaded = !curl_dl_load(&err);

		strbuf_release(&err);
		when = loaded ? curl_getdate(after, NULL) : (time_t)-1;
		if (when != (time_t)-1) {
			long ms = when > now ? (long)(when - now) * 1000 : 0;

			return ms > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : ms;
		}
	}
	return -1;
}

int retry_should(const char *v)
{
	if (!v)
		return -1;
	while (isspace((unsigned char)*v))
		v++;
	if (!strncasecmp(v, "true", 4))
		return 1;
	if (!strncasecmp(v, "false", 5))
		return 0;
	return -1;
}

long retry_backoff_ms(int attempt, long base_ms, long max_ms, double rnd)
{
	double d = (double)base_ms;
	int i;

	for (i = 1; i < attempt && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = (double)max_ms;
	if (rnd < 0)
		rnd = 0;
	if (rnd >= 1)
		rnd = 0.999999;
	return (long)(d / 2 + rnd * d / 2);
}
