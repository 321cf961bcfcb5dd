/*
 * fakellm.h: starting and reading the fake LLM server from unit tests.
 *
 *   struct fakellm f;
 *   fakellm_start(&f, "{\"responses\": [...]}");
 *   ... point a provider at f.url ...
 *   json_t *reqs = fakellm_requests(&f);   (array of logged requests)
 *   fakellm_stop(&f);
 */
#ifndef ARCHIE_TEST_FAKELLM_H
#define ARCHIE_TEST_FAKELLM_H

#include "testutil.h"

#include <jansson.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#ifndef FAKELLM_PATH
#define FAKELLM_PATH "build/tests/fakellm"
#endif

struct fakellm {
	char *dir;
	pid_t pid;
	int port;
	char url[128];
	char log[4200];
};

static inline void fakellm_start(struct fakellm *f, const char *script)
{
	char script_path[4200], port_path[4200];
	int i;

	memset(f, 0, sizeof(*f));
	f->dir = tu_mkdtemp();
	tu_write_str(f->dir, "script.json", script);
	snprintf(script_path, sizeof(script_path), "%s/script.json", f->dir);
	snprintf(port_path, sizeof(port_path), "%s/port", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/requests.jsonl", f->dir);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (!f->pid) {
		/* Die with the test process, even when a failed assertion
		 * skips fakellm_stop(). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(FAKELLM_PATH, "fakellm", "--script", script_path, "--log",
		      f->log, "--port-file", port_path, (char *)NULL);
		perror(FAKELLM_PATH);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		FILE *pf = fopen(port_path, "r");
		struct timespec ts = { 0, 10 * 1000000L };

		if (pf) {
			if (fscanf(pf, "%d", &f->port) != 1)
				f->port = 0;
			fclose(pf);
			if (f->port)
				break;
		}
		nanosleep(&ts, NULL);
	}
	if (!f->port)
		fail_msg("fakellm did not start");
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d/v1", f->port);
}

static inline json_t *fakellm_requests(struct fakellm *f)
{
	json_t *arr = json_array();
	FILE *lf = fopen(f->log, "r");
	char *line = NULL;
	size_t cap = 0;

	while (lf && getline(&line, &cap, lf) > 0) {
		json_error_t jerr;
		json_t *j = json_loads(line, 0, &jerr);

		if (j)
			json_array_append_new(arr, j);
	}
	free(line);
	if (lf)
		fclose(lf);
	return arr;
}

/* The n-th (0-based) request's body, parsed. */
static inline json_t *fakellm_body(json_t *reqs, size_t n)
{
	json_error_t jerr;
	const char *s = json_string_value(json_object_get(json_array_get(reqs, n), "body"));

	return s ? json_loads(s, 0, &jerr) : NULL;
}

static inline void fakellm_stop(struct fakellm *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
	}
	tu_rmrf(f->dir);
	free(f->dir);
	f->dir = NULL;
}

#endif
