/*
 * cmd_sessions: what the store recorded.  `archie sessions list|show|
 * export|prune`, `archie audit` (the audit trail, filtered) and `archie
 * stats` (totals per session and per project).
 */
#include "cli/cli.h"

#include "agent/registry.h"
#include "checkpoint/checkpoint.h"
#include "core/clock.h"
#include "core/strbuf.h"
#include "store/pgstore.h"
#include "store/store.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- shared ------------------------------------------------------------- */

static void fmt_time(json_t *ms, char *out, size_t n)
{
	time_t t = (time_t)(json_integer_value(ms) / 1000);
	struct tm tm;

	if (!json_is_integer(ms) || !localtime_r(&t, &tm) ||
	    !strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, n, "?");
}

/*
 * A point in time: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or "YYYY-MM-DD
 * HH:MM[:SS]" (local time; a trailing Z means UTC), or a span back from
 * now: 30m, 12h, 7d, 2w.
 * Returns 0 with *ms (epoch), or -1.
 */
static int parse_time(const char *s, long long *ms)
{
	struct tm tm;
	char *end;
	long long n;
	const char *rest;

	if (isdigit((unsigned char)*s)) {
		n = strtoll(s, &end, 10);
		if (end != s && end[1] == '\0' && n >= 0) {
			long long unit = *end == 'm' ? 60 : *end == 'h' ? 3600 :
					 *end == 'd' ? 86400 : *end == 'w' ? 604800 : 0;

			if (unit) {
				*ms = clock_wall_ms() - n * unit * 1000;
				return 0;
			}
		}
	}
	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%d", &tm);
	if (!rest)
		return -1;
	if (*rest == 'T' || *rest == ' ') {
		const char *r2 = strptime(rest + 1, "%H:%M:%S", &tm);

		if (!r2)
			r2 = strptime(rest + 1, "%H:%M", &tm);
		rest = r2;
	}
	if (!rest)
		return -1;
	if ((*rest == 'Z' || *rest == 'z') && !rest[1]) {
		*ms = (long long)timegm(&tm) * 1000;	/* UTC */
		return 0;
	}
	if (*rest)
		return -1;
	tm.tm_isdst = -1;
	*ms = (long long)mktime(&tm) * 1000;
	return 0;
}

/* Opens the store named by --state-dir / the environment. */
static int open_store(struct cli_ctx *ctx, struct store *st)
{
	struct strbuf err = STRBUF_INIT;

	if (store_open(st, ctx->state_dir, &err)) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	return 0;
}

/* The project of the working directory (what `sessions list` shows). */
static void this_project(struct strbuf *out)
{
	char cwd[PATH_MAX];

	if (getcwd(cwd, sizeof(cwd)))
		agent_project_root(cwd, out);
}

/* ---- the team's record ------------------------------------------------ */

/* What reads the team's record (store: {url}) instead of this machine's:
 * `sessions list --all`, `stats --all` and `audit`, unless --local; the
 * team-only filters (--user, --host, --project, --until) ask for it. */
struct team_opts {
	struct pgstore_filter f;
	int local;
	int asked;			/* a team-only filter was given */
};

/* A team option at argv[*k]: 1 (taken), 0 (not one), -1 (a bad value,
 * said). */
static int team_opt(struct team_opts *t, int argc, char **argv, int *k)
{
	const char *v;

	if (!strcmp(argv[*k], "--local")) {
		t->local = 1;
		return 1;
	}
	if (cli_is_opt(argv[*k], "--user") && (v = cli_opt_value("--user", argc, argv, k)))
		t->f.user = v;
	else if (cli_is_opt(argv[*k], "--host") && (v = cli_opt_value("--host", argc, argv, k)))
		t->f.host = v;
	else if (cli_is_opt(argv[*k], "--project") && (v = cli_opt_value("--project", argc, argv, k)))
		t->f.project = v;
	else if (cli_is_opt(argv[*k], "--until") && (v = cli_opt_value("--until", argc, argv, k))) {
		if (parse_time(v, &t->f.until_ms)) {
			cli_usage_error("--until takes a date (2026-01-31, 2026-01-31T12:00) or an age (30m, 12h, 7d), not '%s'", v);
			return -1;
		}
	} else
		return 0;
	t->asked = 1;
	return 1;
}

typedef json_t *team_reader(struct pgstore *, const struct pgstore_filter *, struct strbuf *);

/* *rows: the rows from the team's record when it is the one to read
 * (want: the command reads it by default when configured), else NULL
 * (read the local record).  0, or -1 after saying why. */
static int team_read(struct team_opts *t, int want, team_reader *read, json_t **rows)
{
	struct strbuf url = STRBUF_INIT, err = STRBUF_INIT;
	struct pgstore pg;
	int failed = 0;

	*rows = NULL;
	if (t->local)
		goto out;
	if (!cli_team_url(&url)) {
		if (t->asked) {
			cli_error("--user, --host, --project and --until read the team's shared record, and none is configured (store: {url} in ~/.config/archie/config.yaml, or ARCHIE_STORE_URL; docs/team.md)");
			failed = 1;
		}
		goto out;
	}
	if (!want && !t->asked)
		goto out;
	if (cli_team_open(&pg, url.buf)) {
		failed = 1;
		goto out;
	}
	*rows = read(&pg, &t->f, &err);
	if (!*rows) {
		cli_error("%s", err.buf);
		failed = 1;
	}
	pgstore_close(&pg);
out:
	strbuf_release(&url);
	strbuf_release(&err);
	return failed ? -1 : 0;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* ---- sessions ------------------------------------------------------------ */

static int sessions_list(struct cli_ctx *ctx, struct store *st, int argc, char **argv)
{
	struct strbuf project = STRBUF_INIT;
	struct team_opts t;
	int all = 0, limit = 20, i, taken;
	json_t *list, *s;
	size_t k;

	memset(&t, 0, sizeof(t));
	for (i = 2; i < argc; i++) {
		const char *v;

		if ((taken = team_opt(&t, argc, argv, &i)) < 0)
			return CLI_EXIT_USAGE;
		if (taken)
			continue;
		if (!strcmp(argv[i], "--all"))
			all = 1;
		else if (cli_is_opt(argv[i], "--limit") && (v = cli_opt_value("--limit", argc, argv, &i))) {
			char *end;
			long n = strtol(v, &end, 10);

			if (*end || n < 1 || n > 100000)
				return cli_usage_error("--limit takes a number of sessions, not '%s'", v);
			limit = (int)n;
		} else
			return cli_usage_error("sessions list takes --all, --limit N, --local, --user, --host, --project and --until, not '%s'", argv[i]);
	}
	if (!all)
		this_project(&project);
	t.f.limit = limit;
	t.f.children = all;
	if (!all && !t.f.project && t.asked)
		t.f.project = project.buf;
	/* the team's sessions with --all when a shared record is set */
	if (team_read(&t, all, pgstore_sessions, &list)) {
		strbuf_release(&project);
		return CLI_EXIT_FAILURE;
	}
	if (list)
		all = 1;
	/* a subagent's session is its parent's work: listed with --all */
	else
		list = store_sessions(st, all ? NULL : project.buf, limit, all);
	if (ctx->json) {
		cli_print_json(list);
		strbuf_release(&project);
		return CLI_EXIT_OK;
	}
	if (!json_array_size(list))
		printf("no sessions recorded%s%s\n", all ? "" : " in ", all ? "" : project.buf);
	json_array_foreach(list, k, s) {
		char when[32];

		fmt_time(json_object_get(s, "updated"), when, sizeof(when));
		printf("%s  %s  %-18s %4lld msgs  %s", jstr(s, "id"), when, jstr(s, "agent"),
		       (long long)json_integer_value(json_object_get(s, "messages")),
		       jstr(s, "title"));
		if (json_integer_value(json_object_get(s, "children")) > 0 && !all)
			printf("  (+%lld subagent session%s)",
			       (long long)json_integer_value(json_object_get(s, "children")),
			       json_integer_value(json_object_get(s, "children")) == 1 ? "" : "s");
		else if (json_is_string(json_object_get(s, "parent")))
			printf("  (a subagent of %.8s)", jstr(s, "parent"));
		putchar('\n');
		if (all && json_object_get(s, "user"))
			printf("    %s@%s  %s\n", jstr(s, "user"), jstr(s, "host"), jstr(s, "project"));
		else if (all)
			printf("    %s\n", jstr(s, "project"));
	}
	json_decref(list);
	strbuf_release(&project);
	return CLI_EXIT_OK;
}

/* The session an argument names, or an error printed. */
static int find(struct store *st, const char *ref, struct strbuf *id)
{
	struct strbuf err = STRBUF_INIT;

	if (store_find_session(st, ref, NULL, id, &err)) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	return 0;
}

/* One message as Markdown (export) or plain text (show). */
static void print_message(FILE *f, json_t *m, int markdown)
{
	const char *role = jstr(m, "role");
	json_t *blocks = json_object_get(m, "content"), *b;
	size_t i;

	if (markdown)
		fprintf(f, "## %s%s\n\n", !strcmp(role, "user") ? "User" : "Assistant",
			json_is_true(json_object_get(m, "incomplete")) ||
			json_integer_value(json_object_get(m, "incomplete")) ? " (incomplete)" : "");
	else
		fprintf(f, "[%s]%s\n", role,
			json_integer_value(json_object_get(m, "incomplete")) ? " (incomplete)" : "");
	json_array_foreach(blocks, i, b) {
		const char *type = jstr(b, "type");

		if (!strcmp(type, "text")) {
			fprintf(f, "%s\n\n", jstr(b, "text"));
		} else if (!strcmp(type, "tool_use")) {
			char *in = json_dumps(json_object_get(b, "input"), JSON_COMPACT | JSON_ENCODE_ANY);

			if (markdown)
				fprintf(f, "**%s** `%s`\n\n```json\n%s\n```\n\n", jstr(b, "name"),
					jstr(b, "id"), in ? in : "");
			else
				fprintf(f, "  > %s %s\n", jstr(b, "name"), in ? in : "");
			free(in);
		} else if (!strcmp(type, "tool_result")) {
			const char *c = jstr(b, "content");

			if (markdown) {
				fprintf(f, "Result of `%s`%s:\n\n````text\n%s\n````\n\n", jstr(b, "tool_use_id"),
					json_is_true(json_object_get(b, "is_error")) ? " (error)" : "", c);
			} else {
				const char *nl = strchr(c, '\n');
				int n = nl ? (int)(nl - c) : (int)strlen(c);

				fprintf(f, "  < %s%.*s%s\n",
					json_is_true(json_object_get(b, "is_error")) ? "error: " : "",
					n > 160 ? 160 : n, c, (nl || n > 160) ? " ..." : "");
			}
		}
	}
}

static int sessions_show(struct cli_ctx *ctx, struct store *st, int argc, char **argv)
{
	struct strbuf id = STRBUF_INIT;
	json_t *d, *m, *ev, *list;
	size_t i;
	char when[32];

	if (argc != 3)
		return cli_usage_error("usage: archie sessions show ID");
	if (find(st, argv[2], &id))
		return CLI_EXIT_FAILURE;
	d = store_session_dump(st, id.buf);
	strbuf_release(&id);
	if (!d)
		return cli_error("the session could not be read");
	if (ctx->json) {
		cli_print_json(d);
		return CLI_EXIT_OK;
	}
	fmt_time(json_object_get(d, "created"), when, sizeof(when));
	printf("session %s\n  project %s\n  agent   %s (%s/%s)\n  started %s\n",
	       jstr(d, "id"), jstr(d, "project"), jstr(d, "agent"), jstr(d, "provider"),
	       jstr(d, "model"), when);
	if (json_object_get(d, "parent"))
		printf("  parent  %s\n", jstr(d, "parent"));
	printf("\n");
	list = json_object_get(d, "messages");
	json_array_foreach(list, i, m) {
		json_t *c;
		size_t k;

		/* where a compaction replaced the model's view: the messages
		 * after it are what the model saw from then on */
		json_array_foreach(json_object_get(d, "events"), k, c) {
			json_t *det = json_object_get(c, "detail");

			if (strcmp(jstr(c, "kind"), "compaction") ||
			    json_integer_value(json_object_get(det, "view_from")) !=
			    json_integer_value(json_object_get(m, "seq")))
				continue;
			printf("--- compacted here (%s): about %lld -> %lld tokens; the model's view starts again below ---\n",
			       jstr(det, "how"),
			       (long long)json_integer_value(json_object_get(det, "before_tokens")),
			       (long long)json_integer_value(json_object_get(det, "after_tokens")));
		}
		print_message(stdout, m, 0);
	}
	printf("\naudit trail:\n");
	list = json_object_get(d, "events");
	json_array_foreach(list, i, ev) {
		fmt_time(json_object_get(ev, "ts"), when, sizeof(when));
		if (!strcmp(jstr(ev, "kind"), "route") || !strcmp(jstr(ev, "kind"), "delegate") ||
		    !strcmp(jstr(ev, "kind"), "hook"))
			printf("  %s  %s %s: %s\n", when, jstr(ev, "kind"), jstr(ev, "rule"),
			       jstr(ev, "outcome"));
		else if (!strcmp(jstr(ev, "kind"), "background"))
			printf("  %s  background %s: %s, %lld ms\n", when, jstr(ev, "call_id"),
			       jstr(ev, "outcome"),
			       (long long)json_integer_value(json_object_get(ev, "duration_ms")));
		else if (!strcmp(jstr(ev, "kind"), "compaction"))
			printf("  %s  compaction (%s): about %lld -> %lld tokens\n", when,
			       jstr(ev, "outcome"),
			       (long long)json_integer_value(json_object_get(json_object_get(ev, "detail"), "before_tokens")),
			       (long long)json_integer_value(json_object_get(json_object_get(ev, "detail"), "after_tokens")));
		else if (!strcmp(jstr(ev, "kind"), "model"))
			printf("  %s  model %s: %s, %lld ms, %lld in / %lld out tokens\n", when,
			       jstr(ev, "model"), jstr(ev, "outcome"),
			       (long long)json_integer_value(json_object_get(ev, "duration_ms")),
			       (long long)json_integer_value(json_object_get(ev, "input_tokens")),
			       (long long)json_integer_value(json_object_get(ev, "output_tokens")));
		else
			printf("  %s  %s %s: %s (%s by %s)\n", when, jstr(ev, "tool"),
			       jstr(ev, "call_id"), jstr(ev, "outcome"), jstr(ev, "verdict"),
			       jstr(ev, "decided_by"));
	}
	json_decref(d);
	return CLI_EXIT_OK;
}

/* Prints o (borrowed; its "type" set) as one line. */
static void emit_jsonl(const char *type, json_t *o)
{
	char *s;

	json_object_set_new(o, "type", json_string(type));
	s = json_dumps(o, JSON_COMPACT);
	if (s)
		printf("%s\n", s);
	free(s);
}

static int sessions_export(struct cli_ctx *ctx, struct store *st, int argc, char **argv)
{
	struct strbuf id = STRBUF_INIT;
	const char *format = "jsonl", *ref = NULL;
	json_t *d, *list, *x;
	size_t i;
	int k;

	(void)ctx;
	for (k = 2; k < argc; k++) {
		const char *v;

		if (cli_is_opt(argv[k], "--format")) {
			if (!(v = cli_opt_value("--format", argc, argv, &k)))
				return cli_usage_error("--format needs jsonl or markdown");
			format = v;
		} else if (!ref && argv[k][0] != '-') {
			ref = argv[k];
		} else {
			return cli_usage_error("usage: archie sessions export ID [--format jsonl|markdown]");
		}
	}
	if (!ref)
		return cli_usage_error("usage: archie sessions export ID [--format jsonl|markdown]");
	if (strcmp(format, "jsonl") && strcmp(format, "markdown"))
		return cli_usage_error("--format must be jsonl or markdown, not '%s'", format);
	if (find(st, ref, &id))
		return CLI_EXIT_FAILURE;
	d = store_session_dump(st, id.buf);
	strbuf_release(&id);
	if (!d)
		return cli_error("the session could not be read");
	if (!strcmp(format, "jsonl")) {
		json_t *msgs = json_incref(json_object_get(d, "messages"));
		json_t *evs = json_incref(json_object_get(d, "events"));

		json_object_del(d, "messages");
		json_object_del(d, "events");
		emit_jsonl("session", d);
		json_array_foreach(msgs, i, x)
			emit_jsonl("message", x);
		json_array_foreach(evs, i, x)
			emit_jsonl("event", x);
		json_decref(msgs);
		json_decref(evs);
	} else {
		char when[32];

		fmt_time(json_object_get(d, "created"), when, sizeof(when));
		printf("# %s\n\n- session: `%s`\n- project: `%s`\n- agent: %s (%s/%s)\n- started: %s\n\n",
		       jstr(d, "title"), jstr(d, "id"), jstr(d, "project"), jstr(d, "agent"),
		       jstr(d, "provider"), jstr(d, "model"), when);
		list = json_object_get(d, "messages");
		json_array_foreach(list, i, x)
			print_message(stdout, x, 1);
	}
	json_decref(d);
	return CLI_EXIT_OK;
}

/* checkpoint_prune's question: is the session still recorded? */
static int session_exists(void *ud, const char *id)
{
	json_t *row = store_session_row(ud, id);
	int yes = row != NULL;

	json_decref(row);
	return yes;
}

static int sessions_prune(struct cli_ctx *ctx, struct store *st, int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	long long before = -1;
	int k, n;

	for (k = 2; k < argc; k++) {
		const char *v;

		if (cli_is_opt(argv[k], "--before") && (v = cli_opt_value("--before", argc, argv, &k))) {
			if (parse_time(v, &before))
				return cli_usage_error("--before takes a date (2026-01-31, 2026-01-31T12:00) or an age (30d, 12h), not '%s'", v);
		} else {
			return cli_usage_error("usage: archie sessions prune --before DATE");
		}
	}
	if (before < 0)
		return cli_usage_error("sessions prune needs --before DATE: nothing is deleted without one");
	n = store_prune(st, before, &err);
	if (n < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return CLI_EXIT_FAILURE;
	}
	{
		/* their checkpoints go with them */
		struct strbuf dir = STRBUF_INIT;

		store_default_dir(ctx->state_dir, &dir);
		if (checkpoint_prune(dir.buf, session_exists, st, &err) < 0)
			fprintf(stderr, "archie: the pruned sessions' checkpoints are still kept: %s\n", err.buf);
		strbuf_release(&dir);
	}
	strbuf_release(&err);
	if (ctx->json)
		cli_print_json(json_pack("{s:i}", "deleted_sessions", n));
	else
		printf("deleted %d session%s\n", n, n == 1 ? "" : "s");
	return CLI_EXIT_OK;
}

static int cmd_sessions_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store st;
	const char *sub = argc > 1 ? argv[1] : "list";
	int rc;

	if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "export") &&
	    strcmp(sub, "prune"))
		return cli_usage_error("'%s' is not a sessions command: list, show, export or prune", sub);
	if (open_store(ctx, &st))
		return CLI_EXIT_FAILURE;
	if (!strcmp(sub, "list"))
		rc = sessions_list(ctx, &st, argc, argv);
	else if (!strcmp(sub, "show"))
		rc = sessions_show(ctx, &st, argc, argv);
	else if (!strcmp(sub, "export"))
		rc = sessions_export(ctx, &st, argc, argv);
	else
		rc = sessions_prune(ctx, &st, argc, argv);
	store_close(&st);
	return rc;
}

static const struct cmd_usage sessions_usage[] = {
	{ "sessions list [--all] [--limit N] [--local] [--user U] [--host H] [--project P] [--until T]",
	  "the recorded sessions of this project (--all: of every project; with a shared record, the team's)" },
	{ "sessions show ID", "a session's messages and audit trail" },
	{ "sessions export ID [--format jsonl|markdown]", "a session, whole, to standard output" },
	{ "sessions prune --before DATE", "delete the sessions last active before DATE (nothing else ever deletes them)" },
	{ NULL, NULL },
};

static const struct cmd_option sessions_options[] = {
	{ "--all", "list: the sessions of every project, subagents' too" },
	{ "--limit N", "list: at most N sessions" },
	{ "--local", "this machine's record, not the team's shared one" },
	{ "--user USER", "the team's record: one user's sessions" },
	{ "--host HOST", "the team's record: one machine's sessions" },
	{ "--project DIR", "the team's record: one project's sessions" },
	{ "--until TIME", "the team's record: before TIME" },
	{ "--format FORMAT", "export: jsonl (default) or markdown" },
	{ "--before DATE", "prune: the sessions last active before DATE" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_sessions_entry = {
	"sessions", sessions_usage, sessions_options,
	"Sessions are recorded in one SQLite database ($ARCHIE_STATE_DIR, else "
	"$XDG_STATE_HOME/archie, else ~/.local/state/archie; --state-dir overrides), "
	"with secrets redacted. 'archie --continue' resumes the latest session of "
	"the project, 'archie --resume ID' a given one. An ID may be shortened to "
	"a unique prefix.",
	cmd_sessions_exec, 0,
};

/* ---- audit ---------------------------------------------------------------- */

/* The trail as text, a line (or two) per event. */
static void print_events(json_t *evs)
{
	json_t *ev;
	size_t i;

	json_array_foreach(evs, i, ev) {
		char when[320];

		fmt_time(json_object_get(ev, "ts"), when, sizeof(when));
		/* the team's trail: whose and where */
		if (json_object_get(ev, "user"))
			snprintf(when + strlen(when), sizeof(when) - strlen(when), " %.120s@%.120s",
				 jstr(ev, "user"), jstr(ev, "host"));
		if (!strcmp(jstr(ev, "kind"), "route") || !strcmp(jstr(ev, "kind"), "delegate") ||
		    !strcmp(jstr(ev, "kind"), "hook")) {
			printf("%s %.8s %-14s %s: %s -> %s\n", when, jstr(ev, "session"),
			       jstr(ev, "agent"), jstr(ev, "kind"), jstr(ev, "rule"),
			       jstr(ev, "outcome"));
		} else if (!strcmp(jstr(ev, "kind"), "mcp")) {
			printf("%s %.8s %-14s mcp %s %s: %s\n", when, jstr(ev, "session"),
			       jstr(ev, "agent"), jstr(ev, "tool"), jstr(ev, "outcome"),
			       jstr(ev, "error"));
		} else if (!strcmp(jstr(ev, "kind"), "background")) {
			char *args = json_dumps(json_object_get(ev, "arguments"),
						JSON_COMPACT | JSON_ENCODE_ANY);

			printf("%s %.8s %-14s background %s %s -> %s", when, jstr(ev, "session"),
			       jstr(ev, "agent"), jstr(ev, "call_id"), args ? args : "",
			       jstr(ev, "outcome"));
			if (json_integer_value(json_object_get(ev, "exit_code")) >= 0 &&
			    json_object_get(ev, "exit_code"))
				printf(" (exit code %lld)", (long long)json_integer_value(json_object_get(ev, "exit_code")));
			printf(" after %lld ms\n", (long long)json_integer_value(json_object_get(ev, "duration_ms")));
			free(args);
		} else if (!strcmp(jstr(ev, "kind"), "model")) {
			printf("%s %.8s %-14s model %s attempt %lld: %s, %lld ms\n", when,
			       jstr(ev, "session"), jstr(ev, "agent"), jstr(ev, "model"),
			       (long long)json_integer_value(json_object_get(ev, "attempt")),
			       jstr(ev, "outcome"),
			       (long long)json_integer_value(json_object_get(ev, "duration_ms")));
		} else {
			char *args = json_dumps(json_object_get(ev, "arguments"),
						JSON_COMPACT | JSON_ENCODE_ANY);

			printf("%s %.8s %-14s %s %s -> %s", when, jstr(ev, "session"),
			       jstr(ev, "agent"), jstr(ev, "tool"), args ? args : "",
			       jstr(ev, "outcome"));
			/* a call never vetted (malformed, unknown tool) has no verdict */
			if (*jstr(ev, "verdict"))
				printf(" (%s by %s)", jstr(ev, "verdict"), jstr(ev, "decided_by"));
			else if (*jstr(ev, "error"))
				printf(": %s", jstr(ev, "error"));
			putchar('\n');
			if (json_object_get(ev, "rule"))
				printf("    rule: %s\n", jstr(ev, "rule"));
			free(args);
		}
	}
}


static int cmd_audit_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_filter f;
	struct strbuf id = STRBUF_INIT;
	struct team_opts t;
	struct store st;
	json_t *evs;
	const char *session = NULL;
	int k, taken;

	memset(&f, 0, sizeof(f));
	memset(&t, 0, sizeof(t));
	for (k = 1; k < argc; k++) {
		const char *v = NULL;

		if ((taken = team_opt(&t, argc, argv, &k)) < 0)
			return CLI_EXIT_USAGE;
		if (taken)
			continue;
		if (cli_is_opt(argv[k], "--session") && (v = cli_opt_value("--session", argc, argv, &k))) {
			session = v;
		} else if (cli_is_opt(argv[k], "--since") && (v = cli_opt_value("--since", argc, argv, &k))) {
			if (parse_time(v, &f.since_ms))
				return cli_usage_error("--since takes a date (2026-01-31, 2026-01-31T12:00) or an age (30m, 12h, 7d), not '%s'", v);
		} else if (cli_is_opt(argv[k], "--tool") && (v = cli_opt_value("--tool", argc, argv, &k))) {
			f.tool = v;
		} else if (cli_is_opt(argv[k], "--verdict") && (v = cli_opt_value("--verdict", argc, argv, &k))) {
			if (strcmp(v, "allow") && strcmp(v, "ask") && strcmp(v, "deny"))
				return cli_usage_error("--verdict must be allow, ask or deny, not '%s'", v);
			f.verdict = v;
		} else if (cli_is_opt(argv[k], "--kind") && (v = cli_opt_value("--kind", argc, argv, &k))) {
			if (strcmp(v, "tool") && strcmp(v, "model") && strcmp(v, "route") &&
			    strcmp(v, "delegate") && strcmp(v, "hook") && strcmp(v, "background") &&
			    strcmp(v, "compaction") && strcmp(v, "mcp"))
				return cli_usage_error("--kind must be tool, model, route, delegate, hook, compaction, background or mcp, not '%s'", v);
			f.kind = v;
		} else {
			return cli_usage_error("usage: archie audit [--session ID] [--since TIME] [--until TIME] [--tool NAME] [--verdict allow|ask|deny] [--kind tool|model|route|delegate|hook|compaction|background|mcp] [--user U] [--host H] [--project P] [--local] [--json]");
		}
	}
	t.f.session = session;
	t.f.since_ms = f.since_ms;
	t.f.tool = f.tool;
	t.f.verdict = f.verdict;
	t.f.kind = f.kind;
	/* the team's trail when a shared record is set */
	if (team_read(&t, 1, pgstore_events, &evs))
		return CLI_EXIT_FAILURE;
	if (open_store(ctx, &st)) {
		json_decref(evs);
		return CLI_EXIT_FAILURE;
	}
	if (session && !evs) {
		if (find(&st, session, &id)) {
			store_close(&st);
			return CLI_EXIT_FAILURE;
		}
		f.session = id.buf;
	}
	if (!evs)
		evs = store_events(&st, &f);
	if (ctx->json) {
		cli_print_json(evs);
	} else {
		print_events(evs);
		json_decref(evs);
	}
	strbuf_release(&id);
	store_close(&st);
	return CLI_EXIT_OK;
}

static const struct cmd_usage audit_usage[] = {
	{ "audit [--session ID] [--since TIME] [--until TIME] [--tool NAME] [--verdict allow|ask|deny] [--kind KIND] [--user U] [--host H] [--project P] [--local]",
	  "the audit trail: every tool call with its verdict and rule, every model request, routing and delegation (with a shared record, the team's)" },
	{ NULL, NULL },
};

static const struct cmd_option audit_options[] = {
	{ "--session ID", "the events of one session (a unique prefix will do)" },
	{ "--since TIME", "events from TIME on" },
	{ "--tool NAME", "the calls of one tool" },
	{ "--verdict VERDICT", "allow, ask or deny" },
	{ "--kind KIND", "tool, model, route, delegate, hook, compaction or background" },
	{ "--local", "this machine's record, not the team's shared one" },
	{ "--user USER", "the team's record: one user's sessions" },
	{ "--host HOST", "the team's record: one machine's sessions" },
	{ "--project DIR", "the team's record: one project's sessions" },
	{ "--until TIME", "the team's record: before TIME" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_audit_entry = {
	"audit", audit_usage, audit_options,
	"TIME is a date (2026-01-31, 2026-01-31T12:00 local time, 2026-01-31T12:00:00Z UTC) or an age "
	"(30m, 12h, 7d, 2w).",
	cmd_audit_exec, 0,
};

/* ---- stats ---------------------------------------------------------------- */

static void print_group(json_t *g)
{
	json_t *tools = json_object_get(g, "tools"), *v;
	const char *k;

	printf("  turns %lld, tool calls %lld, denials %lld, tokens %lld in / %lld out",
	       (long long)json_integer_value(json_object_get(g, "turns")),
	       (long long)json_integer_value(json_object_get(g, "tool_calls")),
	       (long long)json_integer_value(json_object_get(g, "denials")),
	       (long long)json_integer_value(json_object_get(g, "input_tokens")),
	       (long long)json_integer_value(json_object_get(g, "output_tokens")));
	{
		/* the prompt cache: the share of the prompt read from it */
		double rd = (double)json_integer_value(json_object_get(g, "cache_read_tokens"));
		double wr = (double)json_integer_value(json_object_get(g, "cache_write_tokens"));
		double in = (double)json_integer_value(json_object_get(g, "input_tokens"));

		if (rd + wr > 0)
			printf(", cache %.0f read / %.0f written (hit rate %.0f%%)", rd, wr,
			       100 * rd / (rd + wr + in));
	}
	if (json_integer_value(json_object_get(g, "reasoning_tokens")) > 0)
		printf(", reasoning %lld of the output",
		       (long long)json_integer_value(json_object_get(g, "reasoning_tokens")));
	printf(", cost %.4f", json_number_value(json_object_get(g, "cost")));
	if (json_is_integer(json_object_get(g, "latency_p50_ms")))
		printf(", model latency p50 %lld ms p95 %lld ms",
		       (long long)json_integer_value(json_object_get(g, "latency_p50_ms")),
		       (long long)json_integer_value(json_object_get(g, "latency_p95_ms")));
	printf("\n");
	if (json_object_size(tools)) {
		printf("  by tool:");
		json_object_foreach(tools, k, v)
			printf(" %s %lld", k, (long long)json_integer_value(v));
		printf("\n");
	}
}

static int cmd_stats_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct strbuf project = STRBUF_INIT;
	struct team_opts t;
	struct store st;
	json_t *s, *g;
	size_t i;
	int all = 0, k, taken;

	memset(&t, 0, sizeof(t));
	for (k = 1; k < argc; k++) {
		if ((taken = team_opt(&t, argc, argv, &k)) < 0)
			return CLI_EXIT_USAGE;
		if (taken)
			continue;
		const char *v;

		if (!strcmp(argv[k], "--all")) {
			all = 1;
		} else if (cli_is_opt(argv[k], "--since") && (v = cli_opt_value("--since", argc, argv, &k))) {
			if (parse_time(v, &t.f.since_ms))
				return cli_usage_error("--since takes a date (2026-01-31, 2026-01-31T12:00) or an age (30m, 12h, 7d), not '%s'", v);
			t.asked = 1;
		} else
			return cli_usage_error("usage: archie stats [--all] [--local] [--user U] [--host H] [--project P] [--since T] [--until T] [--json]");
	}
	if (!all)
		this_project(&project);
	if (!all && !t.f.project && t.asked)
		t.f.project = project.buf;
	/* the team's totals with --all when a shared record is set */
	if (team_read(&t, all, pgstore_stats, &s) || open_store(ctx, &st)) {
		json_decref(s);
		strbuf_release(&project);
		return CLI_EXIT_FAILURE;
	}
	if (!s)
		s = store_stats(&st, all ? NULL : project.buf);
	if (ctx->json) {
		cli_print_json(s);
	} else {
		json_t *list = json_object_get(s, "projects");

		json_array_foreach(list, i, g) {
			printf("project %s: %lld sessions\n", jstr(g, "project"),
			       (long long)json_integer_value(json_object_get(g, "sessions")));
			print_group(g);
		}
		if (!json_array_size(list))
			printf("no sessions recorded%s%s\n", all ? "" : " in ", all ? "" : project.buf);
		list = json_object_get(s, "users");
		json_array_foreach(list, i, g) {
			printf("user %s: %lld sessions\n", jstr(g, "user"),
			       (long long)json_integer_value(json_object_get(g, "sessions")));
			print_group(g);
		}
		list = json_object_get(s, "hosts");
		json_array_foreach(list, i, g) {
			printf("host %s: %lld sessions\n", jstr(g, "host"),
			       (long long)json_integer_value(json_object_get(g, "sessions")));
			print_group(g);
		}
		list = json_object_get(s, "sessions");
		json_array_foreach(list, i, g) {
			printf("session %s  %s\n", jstr(g, "id"), jstr(g, "title"));
			print_group(g);
		}
		json_decref(s);
	}
	strbuf_release(&project);
	store_close(&st);
	return CLI_EXIT_OK;
}

static const struct cmd_usage stats_usage[] = {
	{ "stats [--all] [--local] [--user U] [--host H] [--project P] [--since T] [--until T]", "totals per session and per project: turns, tool calls by tool, denials, tokens, the prompt cache's hit rate, cost, model latency p50/p95" },
	{ NULL, NULL },
};

static const struct cmd_option stats_options[] = {
	{ "--all", "every project's sessions, not only this one's" },
	{ "--since TIME", "the team's record: sessions active since TIME" },
	{ "--local", "this machine's record, not the team's shared one" },
	{ "--user USER", "the team's record: one user's sessions" },
	{ "--host HOST", "the team's record: one machine's sessions" },
	{ "--project DIR", "the team's record: one project's sessions" },
	{ "--until TIME", "the team's record: before TIME" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_stats_entry = {
	"stats", stats_usage, stats_options, NULL, cmd_stats_exec, 0,
};
