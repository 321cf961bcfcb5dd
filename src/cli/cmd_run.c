/*
 * cmd_run: running the agent headless (`archie -p`, or a prompt on
 * stdin); without one, the interactive session (repl.c).
 *
 * The session (session.c) loads the agents and configuration and starts
 * the loop; this file reads the prompt and gives the loop a UI that writes
 * the chosen output format: `text` (the answer on stdout, activity on
 * stderr), `json` (one object at the end) or `stream-json` (one JSON event
 * per line as things happen; see docs/output-format.md).
 */
#include "cli/cli.h"

#include "cli/board.h"
#include "cli/show.h"
#include "cli/report.h"
#include "cli/session.h"
#include "cli/streamjson.h"
#include "core/clock.h"

#include "agent/agent.h"
#include "agent/registry.h"
#include "config/config.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "loop/loop.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STDIN_PROMPT_MAX ((size_t)10 << 20)

enum out_format { OUT_TEXT, OUT_JSON, OUT_STREAM };

struct run_ui {
	enum out_format fmt;
	struct session *s;	/* for the init line */
	int text_open;		/* text mode: the answer did not end in \n */
	int turn_text;		/* text mode: this turn wrote text */
	int text_before;	/* text mode: an earlier turn did (a blank line between) */
	struct strbuf last_args;	/* text mode: the running call's arguments */
	struct board board;	/* text mode: subagents' progress on stderr */
};


static void ui_text(void *ud, const char *s, size_t n)
{
	struct run_ui *u = ud;

	if (u->fmt == OUT_TEXT) {
		/* each turn's text is a paragraph of its own, never run into
		 * the previous turn's ("failure.The create handler") */
		if (u->text_before && !u->turn_text)
			fputs(u->text_open ? "\n\n" : "\n", stdout);
		u->turn_text = 1;
		fwrite(s, 1, n, stdout);
		fflush(stdout);
		u->text_open = s[n - 1] != '\n';
	}
}

static void ui_discard(void *ud, size_t n)
{
	struct run_ui *u = ud;

	if (u->fmt == OUT_TEXT) {
		if (u->text_open)
			fputc('\n', stdout);
		u->text_open = 0;
		fprintf(stderr, "archie: the %zu characters above were cut off and are discarded; the answer is asked for again\n", n);
	}
}

static void ui_retry(void *ud, int attempt, long wait_ms, const char *reason)
{
	(void)ud;
	fprintf(stderr, "archie: %s; retrying in %.1f s (attempt %d)\n", reason,
			(double)wait_ms / 1000, attempt + 1);
}

static void ui_tool_start(void *ud, const char *id, const char *name, const char *args)
{
	struct run_ui *u = ud;

	(void)id;
	if (u->fmt == OUT_TEXT) {
		struct strbuf sb = STRBUF_INIT;

		board_summarize_args(args, 120, &sb);
		strbuf_reset(&u->last_args);
		strbuf_addstr(&u->last_args, args);
		if (u->text_open) {
			fputc('\n', stdout);
			fflush(stdout);
			u->text_open = 0;
		}
		fprintf(stderr, "  > %s %s\n", name, sb.buf);
		strbuf_release(&sb);
	}
}

/* Text mode: what a call did, on stderr under its line.  A failure is
 * shown whole (to SHOW_ERROR_LINES, then where the rest is), never cut
 * mid-sentence; a failed command with its last lines. */
static void text_result(struct run_ui *u, const char *name, const char *result, int is_error)
{
	struct strbuf line = STRBUF_INIT, tail = STRBUF_INIT;
	const char *args = u->last_args.buf;
	size_t more = 0;

	show_result_line(name, args, result, is_error, &line);
	if (is_error)
		fprintf(stderr, "    ! %s: %s\n", name, line.buf);
	else
		fprintf(stderr, "    = %s\n", line.buf);
	if (is_error) {
		show_result_body(name, result, 1, 0, 6, &tail, &more);
		if (more)
			fprintf(stderr, "      ... %zu line%s before these ('archie sessions show %s' has them)\n",
				more, more == 1 ? "" : "s", u->s ? loop_session_id(u->s->loop) : "ID");
		fputs(tail.buf, stderr);
	}
	strbuf_release(&line);
	strbuf_release(&tail);
}

static void ui_tool_end(void *ud, const char *id, const char *name,
			const char *result, int is_error, long ms)
{
	struct run_ui *u = ud;

	(void)id;
	(void)ms;
	if (u->fmt == OUT_TEXT)
		text_result(u, name, result, is_error);
}

/* Subagents' progress: status lines on stderr (text). */
static void ui_child(void *ud, const struct loop_child_event *ev)
{
	struct run_ui *u = ud;

	if (u->fmt != OUT_TEXT)
		return;
	if (u->text_open) {
		fputc('\n', stdout);
		fflush(stdout);
		u->text_open = 0;
	}
	board_event(&u->board, ev);
}

static void ui_notice(void *ud, const char *msg)
{
	(void)ud;
	fprintf(stderr, "archie: note: %s\n", msg);
}

static void ui_todos(void *ud, const struct todo_list *t)
{
	struct run_ui *u = ud;

	if (u->fmt == OUT_TEXT) {
		struct strbuf sb = STRBUF_INIT;

		todo_list_render(t, &sb);
		fprintf(stderr, "  plan:\n");
		{
			const char *p = sb.buf;

			while (*p) {
				const char *nl = strchr(p, '\n');
				int n = nl ? (int)(nl - p) : (int)strlen(p);

				fprintf(stderr, "    %.*s\n", n, p);
				p += n + (nl ? 1 : 0);
			}
		}
		strbuf_release(&sb);
	}
}

static void ui_compaction(void *ud, const struct loop_compaction *c)
{
	(void)ud;
	fprintf(stderr, "archie: compacted the conversation: about %ld → %ld tokens of %ld (%s)\n",
		c->before, c->after, c->window,
		!strcmp(c->how, "summary") ? "summarised" : "old tool results elided");
}

/* stream-json lines on stdout. */
static void emit_line(void *ud, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	(void)ud;
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		free(s);
	}
	json_decref(o);
}

static void ui_turn_end(void *ud, const struct provider_reply *r)
{
	struct run_ui *u = ud;

	(void)r;
	u->text_before |= u->turn_text;
	u->turn_text = 0;
}

/* Text mode's last line when calls were denied: how to allow them. */
static void denied_summary(const struct loop *l, size_t n)
{
	const struct loop_denial *d = NULL;
	struct strbuf rules = STRBUF_INIT;
	size_t nr = 0, i;

	d = loop_denials(l, &nr);
	for (i = 0; i < nr; i++) {
		struct strbuf one = STRBUF_INIT;

		if (!d[i].rule)
			continue;
		strbuf_addf(&one, " --allow '%s'", d[i].rule);
		if (!strstr(rules.buf, one.buf))
			strbuf_addstr(&rules, one.buf);
		strbuf_release(&one);
	}
	fprintf(stderr, "archie: %zu tool call%s denied", n, n == 1 ? " was" : "s were");
	if (rules.len)
		fprintf(stderr, "; to allow %s, rerun with%s (or --yes for everything the policy would ask about)\n",
			n == 1 ? "it" : "them", rules.buf);
	else
		fprintf(stderr, " by the policy's rules (the lines above say which; 'archie policy explain TOOL ARG' shows how a call is decided)\n");
	strbuf_release(&rules);
}

/* The session, and what a CI run's options need of it: --report's format
 * known before the run, --max-cost a model with a price. */
static int open_session(struct cli_ctx *ctx, struct session *s, struct loop_ui *ui,
			struct strbuf *err)
{
	struct loop_totals t;

	if (ctx->report && cli_report_check(ctx->report, err)) {
		memset(s, 0, sizeof(*s));	/* (closed as a failed open is) */
		return -1;
	}
	if (session_open(ctx, s, ui, err))
		return -1;
	loop_totals(s->loop, &t);
	if (ctx->max_cost > 0 && !t.has_price)
		return strbuf_seterr(err, "--max-cost needs the model's price to measure the cost, and %s/%s has none: give it one in config.yaml (models: {NAME: {price: {input: ..., output: ...}}}, per million tokens)",
				     loop_provider_name(s->loop), loop_model_id(s->loop));
	return 0;
}

/* --report: written after the run; a failure is said, and fails a run
 * that otherwise passed. */
static int write_report(struct cli_ctx *ctx, struct session *s, enum loop_exit ex)
{
	struct strbuf err = STRBUF_INIT;
	int rc = cli_report_write(s, ctx->report, ex, &err);

	if (rc)
		fprintf(stderr, "archie: cannot write the report: %s\n", err.buf);
	strbuf_release(&err);
	return rc;
}

/* The end of a text run: why it stopped, on stderr. */
static void text_end(struct run_ui *u, struct session *s, enum loop_exit ex,
		     const struct loop_totals *totals, const struct strbuf *err)
{
	if (u->text_open)
		fputc('\n', stdout);
	if (ex == LOOP_PROVIDER_ERROR)
		fprintf(stderr, "archie: %s\n", err->buf);
	else if (ex == LOOP_MAX_TURNS)
		fprintf(stderr, "archie: stopped after %d turns (--max-turns); the task may be unfinished\n",
			totals->turns);
	else if (ex == LOOP_COST)
		fprintf(stderr, "archie: stopped: the next request would take the run past --max-cost (spent $%.4f); the task may be unfinished\n",
			totals->cost + totals->sub_cost);
	else if (ex == LOOP_INTERRUPTED)
		fprintf(stderr, "archie: interrupted\n");
	else if (ex == LOOP_DENIED)
		denied_summary(s->loop, totals->denials);
}

static int exit_status(enum loop_exit ex)
{
	switch (ex) {
	case LOOP_DONE:
		return CLI_EXIT_OK;
	case LOOP_MAX_TURNS:
	case LOOP_BUDGET:
	case LOOP_COST:
		return CLI_EXIT_MAX_TURNS;	/* a limit was reached */
	case LOOP_INTERRUPTED:
		return CLI_EXIT_INTERRUPTED;
	case LOOP_DENIED:
		return CLI_EXIT_DENIED;
	default:
		return CLI_EXIT_PROVIDER;
	}
}

static int read_stdin(struct strbuf *out, struct strbuf *err)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return strbuf_seterr(err, "cannot read standard input: %s", strerror(errno));
		}
		if (strbuf_add(out, buf, (size_t)n))
			return strbuf_seterr(err, "standard input is larger than %zu bytes",
					     STDIN_PROMPT_MAX);
	}
	return 0;
}

/* -p "/test unit" of a command whose `agent:` names one (OpenCode): the
 * session runs as that agent, as OpenCode runs it, when there is such an
 * agent, --agent does not say otherwise and it is not a subtask (a
 * subagent's command, or subtask: true, runs as a child: session_prompt). */
static void command_agent(struct cli_ctx *ctx, struct strbuf *owned)
{
	struct command_set cs;
	struct command_search ks;
	struct strbuf root = STRBUF_INIT, err = STRBUF_INIT;
	char cwd[PATH_MAX], *line = xstrdup(ctx->prompt), *name, *args;
	const struct command *c;

	if (!getcwd(cwd, sizeof(cwd)) || !command_split(line, &name, &args)) {
		free(line);
		return;
	}
	agent_project_root(cwd, &root);
	command_set_init(&cs);
	memset(&ks, 0, sizeof(ks));
	ks.project_root = root.buf;
	command_set_load(&cs, &ks);
	c = command_get(&cs, name, &err);
	if (c && c->agent && *c->agent) {
		strbuf_addstr(owned, c->agent);
		ctx->agent_hint = owned->buf;
		ctx->agent_hint_subtask = c->subtask;
	}
	command_set_release(&cs);
	strbuf_release(&root);
	strbuf_release(&err);
	free(line);
}

/* -p "/review src/api": a custom command or skill, its prompt filled in
 * (a prompt after -- is never one).  0, or -1 with err. */
static int expand_command(struct session *s, struct strbuf *prompt, struct strbuf *err)
{
	struct strbuf expanded = STRBUF_INIT_CAP(STDIN_PROMPT_MAX);
	int rc = 0;

	if (session_prompt(s, prompt->buf, &expanded, err) < 0) {
		rc = -1;
	} else {
		strbuf_reset(prompt);
		strbuf_add(prompt, expanded.buf, expanded.len);
	}
	strbuf_release(&expanded);
	return rc;
}

/* The prompt as the model gets it: a command's filled in (-p "/name"),
 * or with the resources it mentions (@server:uri) attached.  0, or -1
 * with err. */
static int prepare_prompt(struct cli_ctx *ctx, struct session *s, struct strbuf *prompt,
			  struct strbuf *err)
{
	struct strbuf with = STRBUF_INIT_CAP(STDIN_PROMPT_MAX);

	if (ctx->prompt && ctx->prompt[0] == '/')
		return expand_command(s, prompt, err);
	if (!strchr(prompt->buf, '@'))
		return 0;
	session_mentions(s, prompt->buf, &with);
	strbuf_reset(prompt);
	strbuf_add(prompt, with.buf, with.len);
	strbuf_release(&with);
	return 0;
}

int cli_run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct strbuf prompt = STRBUF_INIT_CAP(STDIN_PROMPT_MAX), err = STRBUF_INIT;
	struct strbuf owned_agent = STRBUF_INIT;
	struct run_ui u;
	struct streamjson sj;
	struct loop_ui ui;
	struct session s;
	enum loop_exit ex = LOOP_DONE;
	struct loop_totals totals;
	long t0 = clock_ms();
	int rc, interactive = !ctx->print && isatty(STDIN_FILENO);

	if (argc > 0 && !ctx->print)
		return cli_usage_error("'%s' is not an archie command; see 'archie --help'", argv[0]);
	if (interactive)
		return cli_repl(ctx);

	memset(&u, 0, sizeof(u));
	strbuf_init(&u.last_args, (size_t)64 << 20);
	if (!ctx->output_format || !strcmp(ctx->output_format, "text"))
		u.fmt = OUT_TEXT;
	else if (!strcmp(ctx->output_format, "json"))
		u.fmt = OUT_JSON;
	else if (!strcmp(ctx->output_format, "stream-json"))
		u.fmt = OUT_STREAM;
	else
		return cli_usage_error("--output-format must be text, json or stream-json, not '%s'",
				       ctx->output_format);

	/* the prompt: -p PROMPT and/or standard input */
	if (ctx->prompt)
		strbuf_addstr(&prompt, ctx->prompt);
	if (argc > 0) {
		int i;

		for (i = 0; i < argc; i++)
			strbuf_addf(&prompt, "%s%s", prompt.len ? " " : "", argv[i]);
	}
	if (!isatty(STDIN_FILENO)) {
		struct strbuf in = STRBUF_INIT_CAP(STDIN_PROMPT_MAX);

		if (read_stdin(&in, &err)) {
			strbuf_release(&in);
			rc = cli_usage_error("%s", err.buf);
			goto out_noses;
		}
		strbuf_trim(&in);
		if (in.len)
			strbuf_addf(&prompt, "%s%s", prompt.len ? "\n\n" : "", in.buf);
		strbuf_release(&in);
	}
	strbuf_trim(&prompt);
	if (!prompt.len) {
		rc = cli_usage_error("no prompt: give one with -p \"...\" or on standard input");
		goto out_noses;
	}

	memset(&ui, 0, sizeof(ui));
	memset(&sj, 0, sizeof(sj));
	if (u.fmt == OUT_STREAM) {
		sj.emit = emit_line;
		streamjson_ui(&sj, &ui);
	} else {
		ui.text = ui_text;
		ui.discard = ui_discard;
		ui.retry = ui_retry;
		ui.tool_start = ui_tool_start;
		ui.tool_end = ui_tool_end;
		ui.todos = ui_todos;
		ui.turn_end = ui_turn_end;
		ui.child = ui_child;
		ui.notice = ui_notice;
		ui.compaction = ui_compaction;
		ui.ud = &u;
	}
	board_init(&u.board, stderr, isatty(STDERR_FILENO), 0);
	if (ctx->prompt && ctx->prompt[0] == '/' && !ctx->agent)
		command_agent(ctx, &owned_agent);
	if (open_session(ctx, &s, &ui, &err)) {
		rc = cli_usage_error("%s", err.buf);
		session_close(&s);
		goto out_noses;
	}
	session_catch_sigint();

	u.s = &s;
	sj.s = &s;
	strbuf_reset(&err);
	if (prepare_prompt(ctx, &s, &prompt, &err)) {
		rc = cli_usage_error("%s", err.buf);
		session_close(&s);
		goto out_noses;
	}
	loop_run(s.loop, prompt.buf, &ex, &err);
	session_prompt_done(&s);
	rc = exit_status(ex);
	loop_totals(s.loop, &totals);
	if (u.fmt == OUT_TEXT) {
		text_end(&u, &s, ex, &totals, &err);
	} else {
		json_t *res = streamjson_result(s.loop, ex, err.len ? err.buf : NULL, clock_ms() - t0);

		if (u.fmt == OUT_JSON)
			cli_print_json(res);
		else
			emit_line(NULL, res);
	}
	fflush(stdout);
	if (ctx->report && write_report(ctx, &s, ex) && rc == CLI_EXIT_OK)
		rc = CLI_EXIT_FAILURE;
	session_close(&s);
	board_release(&u.board);
out_noses:
	strbuf_release(&prompt);
	strbuf_release(&err);
	strbuf_release(&u.last_args);
	strbuf_release(&owned_agent);
	return rc;
}
