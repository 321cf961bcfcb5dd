/*
 * repl_ui: what an interactive turn shows as it runs: the answer through
 * the Markdown renderer (<think> blocks as reasoning), each tool call with
 * what it did under it, approvals that show the change, the plan, and
 * subagents' status lines.  See repl_int.h.
 */
#include "cli/repl_int.h"

#include "cli/show.h"
#include "core/cancel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* A command that succeeded: its last few lines. */
#define OK_TAIL_LINES 3

/* ---- UI callbacks ------------------------------------------------------- */

static void ui_reasoning(void *ud, const char *s, size_t n);
static void waiting(struct repl *r, const char *what, int keep_time);

static void show_answer(struct repl *r, const char *s, size_t n)
{
	if (!n)
		return;
	if (r->in_think) {
		ui_reasoning(r, s, n);
		return;
	}
	if (r->reasoning_open) {
		fputs("\n\n", stdout);
		r->reasoning_open = 0;
	}
	/* a block is shown when it is complete; until then, the spinner */
	if (!render_text(&r->r, s, n) && !r->r.open_line)
		waiting(r, "writing the answer", 1);
}

/* The answer as it streams; <think> and </think> switch what follows to
 * reasoning and back (a tag may arrive split across chunks). */
static void ui_text(void *ud, const char *s, size_t n)
{
	struct repl *r = ud;
	size_t i, from = 0;

	r->streamed += (long)n;
	for (i = 0; i < n; i++) {
		const char *want = r->in_think ? "</think>" : "<think>";

		if (!r->tag_len && s[i] != '<')
			continue;
		if (!r->tag_len)
			show_answer(r, s + from, i - from);
		r->tag[r->tag_len++] = s[i];
		from = i + 1;
		if (strncmp(r->tag, want, r->tag_len)) {
			/* not the tag: what was held back is text */
			show_answer(r, r->tag, r->tag_len);
			r->tag_len = 0;
		} else if (r->tag_len == strlen(want)) {
			r->in_think = !r->in_think;
			r->tag_len = 0;
		}
	}
	show_answer(r, s + from, n - from);
}

/* Reasoning, dimmed and apart from the answer. */
static void ui_reasoning(void *ud, const char *s, size_t n)
{
	struct repl *r = ud;

	spinner_pause(&r->spin);
	r->streamed += (long)n;
	render_flush(&r->r);
	r->reasoning_open = 1;
	if (r->color)
		fputs(DIM, stdout);
	fwrite(s, 1, n, stdout);
	if (r->color)
		fputs(RESET, stdout);
	fflush(stdout);
}

/* The spinner again, once the cursor is at a line's start: waiting for
 * what, its time kept or from now, with this turn's tokens so far. */
static void waiting(struct repl *r, const char *what, int keep_time)
{
	spinner_run(&r->spin, what, keep_time);
	spinner_tokens(&r->spin, r->streamed / 4);
}

static void ui_discard(void *ud, size_t n)
{
	repl_dim(ud, "[the %zu characters above were cut off; asking again]", n);
}

static void ui_retry(void *ud, int attempt, long wait_ms, const char *reason)
{
	struct repl *r = ud;

	repl_dim(r, "[%s; retrying in %.1f s, attempt %d]", reason, (double)wait_ms / 1000,
		 attempt + 1);
	waiting(r, "retrying: waiting for the model", 1);
}

static void ui_tool_start(void *ud, const char *id, const char *name, const char *args)
{
	struct repl *r = ud;
	struct strbuf sb = STRBUF_INIT;

	(void)id;
	strbuf_reset(&r->call_args);
	strbuf_addstr(&r->call_args, args);
	board_summarize_args(args, 100, &sb);
	repl_dim(r, "  > %s %s", name, sb.buf);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "running %s", name);
	snprintf(r->last_tool_running, sizeof(r->last_tool_running), "%s", name);
	r->out_line_len = 0;
	waiting(r, sb.buf, 0);
	strbuf_release(&sb);
}

/* A running command's output: its last line rides on the spinner, so a
 * long build shows where it is. */
static void ui_tool_output(void *ud, const char *data, size_t n)
{
	struct repl *r = ud;
	size_t i;

	for (i = 0; i < n; i++) {
		if (data[i] == '\n' || data[i] == '\r') {
			if (r->out_line_len) {
				char what[96];

				/* the spinner's line is one line: safe, and cut */
				snprintf(what, sizeof(what), "running %s: %.*s", r->last_tool_running,
					 (int)r->out_line_len, r->out_line);
				waiting(r, what, 1);
			}
			r->out_line_len = 0;
		} else if (r->out_line_len < sizeof(r->out_line) &&
			   ((unsigned char)data[i] >= 0x20 && data[i] != 0x7f)) {
			r->out_line[r->out_line_len++] = data[i];
		}
	}
}

/* What the call did, under it: Bash's exit status and last lines, Read's
 * lines, Grep's matches, Edit's +n -m; a failure in red, whole to
 * SHOW_ERROR_LINES.  /last shows the whole result. */
static void ui_tool_end(void *ud, const char *id, const char *name,
			const char *result, int is_error, long ms)
{
	struct repl *r = ud;
	struct strbuf line = STRBUF_INIT, tail = STRBUF_INIT;
	size_t more = 0;

	(void)id;
	spinner_pause(&r->spin);
	render_flush(&r->r);
	board_detach(&r->board);
	strbuf_reset(&r->last_result);
	strbuf_addstr(&r->last_result, result);
	snprintf(r->last_tool, sizeof(r->last_tool), "%s", name);
	show_result_line(name, r->call_args.buf, result, is_error, &line);
	if (ms > 1000)
		strbuf_addf(&line, " · %.1f s", (double)ms / 1000);
	show_result_body(name, result, is_error, OK_TAIL_LINES, 6, &tail, &more);
	printf("%s    ⎿ %s%s\n", r->color ? (is_error ? RED : DIM) : "", line.buf,
	       r->color ? RESET : "");
	if (tail.len) {
		if (more)
			printf("%s      ... %zu line%s above (/last shows all)%s\n", r->color ? DIM : "",
			       more, more == 1 ? "" : "s", r->color ? RESET : "");
		printf("%s%s%s", r->color ? DIM : "", tail.buf, r->color ? RESET : "");
	}
	fflush(stdout);
	strbuf_release(&line);
	strbuf_release(&tail);
	waiting(r, "waiting for the model", 0);
}

static void ui_todos(void *ud, const struct todo_list *t)
{
	struct repl *r = ud;
	struct strbuf sb = STRBUF_INIT;

	todo_list_render(t, &sb);
	spinner_pause(&r->spin);
	render_flush(&r->r);
	printf("plan:\n%s", sb.buf);
	fflush(stdout);
	strbuf_release(&sb);
	waiting(r, "working", 1);
}

static void ui_turn_end(void *ud, const struct provider_reply *rep)
{
	(void)ud;
	(void)rep;
}

static void ui_child(void *ud, const struct loop_child_event *ev)
{
	struct repl *r = ud;

	spinner_pause(&r->spin);
	render_flush(&r->r);
	board_event(&r->board, ev);
	/* under the subagents' lines, which say what each is doing */
	if (!r->board.tty || !r->board.drawn)
		waiting(r, "subagents at work", 1);
}

static void ui_notice(void *ud, const char *msg)
{
	struct repl *r = ud;

	board_detach(&r->board);
	repl_dim(r, "note: %s", msg);
}

/* One key, without Enter, from a terminal: -1 when stdin is not one (or
 * at end of input). */
static int read_key(void)
{
	struct termios old, raw;
	unsigned char c;
	ssize_t n;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &old))
		return -1;
	raw = old;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	do
		n = read(STDIN_FILENO, &c, 1);
	while (n < 0 && errno == EINTR && !cancel_requested(&session_cancel));
	/* TCSANOW: what was typed after the key stays for the editor */
	tcsetattr(STDIN_FILENO, TCSANOW, &old);
	return n == 1 ? c : -1;
}

/*
 * Asks about a call, showing what it will do: the diff an edit makes, the
 * command as it would be typed (with its directory when not the
 * project's), the URL.  y, a and n answer with one key; anything else
 * starts a reason ("no: ..."), typed on the line.
 */
static enum policy_verdict ui_approve(void *ud, const struct loop_approval *a, int *always,
				      struct strbuf *reason)
{
	struct repl *r = ud;
	struct strbuf shown = STRBUF_INIT, scope = STRBUF_INIT;
	enum policy_verdict v = POLICY_DENY;
	char *ans = NULL;
	size_t i;
	int key;

	spinner_pause(&r->spin);
	render_flush(&r->r);
	board_detach(&r->board);
	show_call(a->tool, a->args, a->root, r->color, 0, &shown);
	for (i = 0; a->always && i < a->always->nr; i++)
		strbuf_addf(&scope, "%s%s", i ? ", " : "", a->always->v[i]);
	if (!scope.len)
		strbuf_addstr(&scope, a->tool);
	printf("\n%s%s%s%s wants to run %s:\n", r->color ? "\033[1m" : "", a->agent,
	       a->subagent ? " (a subagent)" : "", r->color ? RESET : "", a->tool);
	{
		const char *p = shown.buf;

		while (*p) {
			size_t n = strcspn(p, "\n");

			printf("  %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	printf("%s  (%s)%s\n", r->color ? DIM : "", a->why, r->color ? RESET : "");
	printf("  [y] yes, once    [n] no, or type why not\n"
	       "  [a] always: allow %s in this session\n"
	       "allow? ", scope.buf);
	fflush(stdout);
	cancel_clear(&session_cancel);
	key = read_key();
	if (key == 'y' || key == 'Y') {
		printf("yes\n");
		v = POLICY_ALLOW;
	} else if (key == 'a' || key == 'A') {
		printf("always\n");
		*always = 1;
		v = POLICY_ALLOW;
	} else if (key == 'n' || key == 'N' || key == 27 || key == '\r' || key == '\n' ||
		   key == 4 || (key < 0 && isatty(STDIN_FILENO))) {
		printf("no\n");
		strbuf_addstr(reason, "the user said no");
	} else {
		/* a reason, or a whole answer from a pipe: the line editor */
		if (key > 0) {
			char first[2] = { (char)key, '\0' };

			el_push(r->el, first);
		}
		ans = repl_read_line(r, "");
		if (!ans || !*ans || !strcmp(ans, "n") || !strcmp(ans, "no")) {
			strbuf_addstr(reason, "the user said no");
		} else if (!strcmp(ans, "y") || !strcmp(ans, "yes")) {
			v = POLICY_ALLOW;
		} else if (!strcmp(ans, "a") || !strcmp(ans, "always")) {
			*always = 1;
			v = POLICY_ALLOW;
		} else {
			strbuf_addf(reason, "the user said no: %s", ans);
		}
	}
	fflush(stdout);
	free(ans);
	strbuf_release(&shown);
	strbuf_release(&scope);
	return v;
}

/* One answer of an elicitation form, made the JSON its schema asks for;
 * NULL when it does not fit (said why). */
static json_t *form_value(const char *ans, json_t *prop)
{
	const char *type = json_string_value(json_object_get(prop, "type"));
	json_t *en = json_object_get(prop, "enum"), *e;
	char *end;
	size_t i;

	if (json_is_array(en)) {
		json_array_foreach(en, i, e)
			if (json_is_string(e) && !strcmp(json_string_value(e), ans))
				return json_string(ans);
		printf("  (one of the choices, please)\n");
		return NULL;
	}
	if (type && (!strcmp(type, "number") || !strcmp(type, "integer"))) {
		double d = strtod(ans, &end);

		if (end == ans || *end || (type[0] == 'i' && d != (double)(long long)d)) {
			printf("  (%s, please)\n", type[0] == 'i' ? "a whole number" : "a number");
			return NULL;
		}
		return type[0] == 'i' ? json_integer((json_int_t)d) : json_real(d);
	}
	if (type && !strcmp(type, "boolean")) {
		if (strchr("yYtT1", ans[0]))
			return json_true();
		if (strchr("nNfF0", ans[0]))
			return json_false();
		printf("  (yes or no, please)\n");
		return NULL;
	}
	return json_string(ans);
}

/*
 * An MCP server asks the user something (elicitation/create): its message,
 * then a line per field of its (flat) schema.  Nothing is sent unless the
 * user says yes; an empty answer keeps a field's default or leaves an
 * optional one out.
 */
static const char *ui_elicit(void *ud, const char *server, const char *message, json_t *schema,
			     json_t **content)
{
	struct repl *r = ud;
	json_t *props = json_object_get(schema, "properties"), *prop, *out = json_object();
	json_t *required = json_object_get(schema, "required");
	const char *key;
	int k;

	spinner_pause(&r->spin);
	render_flush(&r->r);
	board_detach(&r->board);
	printf("\n%sThe MCP server '%s' asks:%s %s\n", r->color ? "\033[1m" : "", server,
	       r->color ? RESET : "", message ? message : "");
	printf("  [y] answer    [n] decline    Esc: cancel\nanswer? ");
	fflush(stdout);
	cancel_clear(&session_cancel);
	k = read_key();
	if (k == 27 || k == 4 || k < 0) {
		printf("cancel\n");
		json_decref(out);
		return "cancel";
	}
	if (k != 'y' && k != 'Y') {
		printf("no\n");
		json_decref(out);
		return "decline";
	}
	printf("yes\n");
	json_object_foreach(props, key, prop) {
		const char *title = json_string_value(json_object_get(prop, "title"));
		const char *desc = json_string_value(json_object_get(prop, "description"));
		json_t *def = json_object_get(prop, "default"), *e, *v = NULL;
		int req = 0, tries;
		size_t i;

		json_array_foreach(required, i, e)
			req |= json_is_string(e) && !strcmp(json_string_value(e), key);
		printf("  %s%s%s%s", title ? title : key, req ? " (required)" : "",
		       desc ? ": " : "", desc ? desc : "");
		if (json_is_array(json_object_get(prop, "enum"))) {
			printf(" [");
			json_array_foreach(json_object_get(prop, "enum"), i, e)
				printf("%s%s", i ? "|" : "", json_string_value(e) ? json_string_value(e) : "?");
			printf("]");
		}
		printf("\n");
		for (tries = 0; tries < 3 && !v; tries++) {
			char *ans = repl_read_line(r, "  > ");

			if (!ans) {
				json_decref(out);
				return "cancel";
			}
			if (!*ans) {
				free(ans);
				if (def || !req)
					break;
				printf("  (required)\n");
				continue;
			}
			v = form_value(ans, prop);
			free(ans);
		}
		if (v)
			json_object_set_new(out, key, v);
		else if (def)
			json_object_set(out, key, def);
		else if (req) {
			json_decref(out);
			return "decline";
		}
	}
	*content = out;
	return "accept";
}

/*
 * Routed specialists, before they run: each is a subagent with model
 * requests of its own, so the user sees them and may skip them.  A digit
 * switches one on or off; y or Enter runs those on; n skips them all; a
 * runs them and stops asking for the session (/routing ask asks again).
 * Without a terminal to ask on, they run as configured.
 */
static void ui_routes(void *ud, struct loop_route *rt, size_t n)
{
	struct repl *r = ud;
	size_t i;
	int key;

	if (r->routes_always || !isatty(STDIN_FILENO))
		return;
	spinner_pause(&r->spin);
	render_flush(&r->r);
	board_detach(&r->board);
	printf("\n%sRouting:%s this request matches %zu specialist%s; each runs as a subagent with model requests of its own.\n",
	       r->color ? "\033[1m" : "", r->color ? RESET : "", n, n == 1 ? "" : "s");
	for (;;) {
		for (i = 0; i < n; i++)
			printf("  %zu. [%c] %s %s(%s)%s\n", i + 1, rt[i].run ? 'x' : ' ', rt[i].agent,
			       r->color ? DIM : "", rt[i].keywords, r->color ? RESET : "");
		printf("  [y] run the marked    [n] skip all    [1-%zu] mark or unmark    [a] always run, don't ask again\n"
		       "run? ", n < 9 ? n : 9);
		fflush(stdout);
		cancel_clear(&session_cancel);
		key = read_key();
		if (key >= '1' && key <= '9' && (size_t)(key - '0') <= n) {
			rt[key - '1'].run = !rt[key - '1'].run;
			printf("%c\n", key);
			continue;
		}
		break;
	}
	if (key == 'n' || key == 'N' || key == 27 || key == 4) {
		for (i = 0; i < n; i++)
			rt[i].run = 0;
		printf("no: the agent goes on without them\n");
	} else {
		if (key == 'a' || key == 'A')
			r->routes_always = 1;
		printf("%s\n", key == 'a' || key == 'A' ? "always" : "yes");
	}
	fflush(stdout);
	waiting(r, "waiting for the model", 0);
}

static void before_answer_output(void *ud)
{
	struct repl *r = ud;

	spinner_pause(&r->spin);
}

void repl_ui_init(struct repl *r)
{
	r->r.before_output = before_answer_output;
	r->r.ud = r;
	/* on a terminal that takes escapes (NO_COLOR: none at all) */
	spinner_init(&r->spin, stdout, r->color);
	strbuf_init(&r->call_args, (size_t)64 << 20);
	strbuf_init(&r->last_result, (size_t)64 << 20);
	r->ui.text = ui_text;
	r->ui.reasoning = ui_reasoning;
	r->ui.discard = ui_discard;
	r->ui.retry = ui_retry;
	r->ui.tool_start = ui_tool_start;
	r->ui.tool_end = ui_tool_end;
	r->ui.tool_output = ui_tool_output;
	r->ui.todos = ui_todos;
	r->ui.turn_end = ui_turn_end;
	r->ui.approve = ui_approve;
	r->ui.elicit = ui_elicit;
	r->ui.child = ui_child;
	r->ui.notice = ui_notice;
	r->ui.routes = ui_routes;
	r->ui.ud = r;
}

void repl_ui_release(struct repl *r)
{
	spinner_release(&r->spin);
	strbuf_release(&r->call_args);
	strbuf_release(&r->last_result);
}

void repl_ui_turn_start(struct repl *r)
{
	r->streamed = 0;
	waiting(r, "waiting for the model", 0);
}

void repl_ui_turn_done(struct repl *r)
{
	spinner_pause(&r->spin);
	if (r->tag_len) {	/* a '<' held back at the very end */
		r->in_think = 0;
		show_answer(r, r->tag, r->tag_len);
		r->tag_len = 0;
	}
	render_flush(&r->r);
}
