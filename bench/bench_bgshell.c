/*
 * bench_bgshell: reading a chatty background command (BashOutput).
 *
 * A shell prints lines as fast as it can (`yes`, throttled by the pipe);
 * BashOutput is called 100 times, each returning what came since the
 * last call (capped at the 30,000-byte result share).  Target: under 1 ms
 * each.  The reference, measured in the same run: the same number of
 * bytes read from a pipe of the same command with read(2) alone.
 */
#include "core/proc.h"
#include "core/strbuf.h"
#include "tools/bgshell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define READS 100

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int start(struct bgshell_set *b)
{
	struct strbuf id = STRBUF_INIT, err = STRBUF_INIT;
	struct proc p;
	int rc;

	proc_init(&p);
	strvec_push(&p.argv, "/bin/sh");
	strvec_push(&p.argv, "-c");
	strvec_push(&p.argv, "exec yes 'GET /api/orders 200 1.2ms request-id=3f2a9c'");
	rc = bgshell_start(b, &p, NULL, "yes", &id, &err);
	if (rc)
		fprintf(stderr, "bench_bgshell: %s\n", err.buf);
	proc_release(&p);
	strbuf_release(&id);
	strbuf_release(&err);
	return rc;
}

int main(void)
{
	struct bgshell_set *b = bgshell_new();
	struct strbuf out = STRBUF_INIT;
	double t0, t_read, worst = 0, t_ref;
	size_t bytes = 0;
	int i;
	FILE *f;

	if (!b || start(b))
		return 1;
	usleep(100000);		/* it has filled its ring */
	t0 = now();
	for (i = 0; i < READS; i++) {
		double a = now(), d;

		strbuf_reset(&out);
		if (bgshell_read(b, "bash_1", NULL, NULL, 30000, &out))
			return 1;
		d = now() - a;
		if (d > worst)
			worst = d;
		bytes += out.len;
		usleep(2000);	/* the agent thinks between reads */
	}
	t_read = (now() - t0 - READS * 0.002) / READS;
	bgshell_free(b);

	/* the reference: as many bytes from the same command's pipe */
	f = popen("exec yes 'GET /api/orders 200 1.2ms request-id=3f2a9c'", "r");
	if (!f)
		return 1;
	{
		char *buf = malloc(bytes / READS + 1);
		size_t want = bytes / READS;

		t0 = now();
		for (i = 0; i < READS; i++) {
			size_t got = 0;

			while (got < want) {
				size_t n = fread(buf + got, 1, want - got, f);

				if (!n)
					break;
				got += n;
			}
		}
		t_ref = (now() - t0) / READS;
		free(buf);
	}
	pclose(f);
	printf("background output  %d reads of a chatty command: %.3f ms each (worst %.3f ms; %s: target under 1 ms), %zu bytes each; reading as much from a pipe: %.3f ms; ratio %.1fx\n",
	       READS, t_read * 1e3, worst * 1e3, t_read < 0.001 ? "met" : "MISSED", bytes / READS,
	       t_ref * 1e3, t_ref > 0 ? t_read / t_ref : 0);
	strbuf_release(&out);
	return 0;
}
