/*
 * repl: the interactive session.
 *
 * libedit reads lines (emacs keys, persistent history in
 * $XDG_STATE_HOME/archie/history); a line ending in '\' continues on the
 * next, and a line of three double quotes opens and closes a multi-line
 * block.  Lines starting with '/' are commands.  What a turn shows as it
 * runs (the answer, each call and its result, approvals) is repl_ui.c's;
 * a status line follows every turn.  Ctrl-C stops the current answer or
 * command and returns to the prompt; Ctrl-C twice at an idle prompt (or
 * Ctrl-D) exits.  Waiting at the prompt is a blocking read: no timers.
 */
#include "cli/cli.h"

#include "cli/board.h"
#include "cli/show.h"
#include "tools/bgshell.h"
#include "cli/repl_int.h"

#include "agent/agent.h"
#include "config/config.h"
#include "cli/render.h"
#include "cli/session.h"
#include "core/cancel.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <errno.h>
#include <histedit.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t idle_interrupts;

static void on_sigint(int sig)
{
	(void)sig;
	cancel_set(&session_cancel);
	idle_interrupts++;
}

static const char *prompt_fn(EditLine *el)
{
	struct repl *r;

	el_get(el, EL_CLIENTDATA, &r);
	return r->prompt;
}

void repl_dim(struct repl *r, const char *fmt, ...)
{
	va_list ap;

	spinner_pause(&r->spin);
	render_flush(&r->r);
	if (r->color)
		fputs(DIM, stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (r->color)
		fputs(RESET, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

char *repl_read_line(struct repl *r, const char *prompt)
{
	const char *line;
	int count = 0;

	r->prompt = prompt;
	line = el_gets(r->el, &count);
	if (!line || count <= 0)
		return NULL;
	return xstrndup(line, strcspn(line, "\n"));
}

/* ---- commands ------------------------------------------------------------- */

static void status_line(struct repl *r)
{
	struct loop *l = r->s.loop;
	struct loop_totals t;
	long used, window;
	size_t bg = bgshell_running(r->s.bg);
	char shells[48] = "";

	loop_totals(l, &t);
	loop_context(l, &used, &window);
	if (bg)
		snprintf(shells, sizeof(shells), " | %zu background (/bashes)", bg);
	repl_dim(r, "[%s | %s/%s | %s mode | context %ld%% of %ldk | %ld in, %ld out tokens | $%.4f%s]",
	    loop_agent(l)->name, loop_provider_name(l), loop_model_id(l),
	    policy_mode_name(loop_mode(l)),
	    window > 0 ? used * 100 / window : 0, window / 1000,
	    t.usage.input_tokens + t.sub_usage.input_tokens,
	    t.usage.output_tokens + t.sub_usage.output_tokens, t.cost + t.sub_cost, shells);
}

/* Restarts the session with another agent or model, in place: the loop
 * holds pointers into itself, so a session is never copied. */
static int reopen(struct repl *r, const char *agent, const char *model)
{
	struct strbuf err = STRBUF_INIT;
	const char *old_agent = r->ctx->agent, *old_model = r->ctx->model;
	int rc = 0;

	if (agent)
		r->ctx->agent = strvec_push(&r->owned, agent);
	if (model)
		r->ctx->model = strvec_push(&r->owned, model);
	session_close(&r->s);
	if (session_open(r->ctx, &r->s, &r->ui, &err)) {
		printf("archie: %s\n", err.buf);
		session_close(&r->s);
		r->ctx->agent = old_agent;
		r->ctx->model = old_model;
		strbuf_reset(&err);
		if (session_open(r->ctx, &r->s, &r->ui, &err)) {
			/* what worked a moment ago no longer does */
			printf("archie: %s\n", err.buf);
			rc = -2;
		} else {
			rc = -1;
		}
	} else {
		printf("agent %s, model %s/%s; new conversation\n", loop_agent(r->s.loop)->name,
		       loop_provider_name(r->s.loop), loop_model_id(r->s.loop));
	}
	strbuf_release(&err);
	return rc;
}

/* What a resumed conversation holds: its size and where it stopped. */
static void resumed_summary(const struct loop *l)
{
	const struct conv *c = loop_conv(l);
	size_t i;

	printf("resumed session %s: %zu messages\n", loop_session_id(l), c->nr);
	for (i = c->nr; i-- > 0;) {
		char *t;

		if (c->msgs[i].role != CONV_ASSISTANT)
			continue;
		t = conv_msg_text(&c->msgs[i]);
		if (t && *t) {
			printf("last answer: %.200s%s\n", t, strlen(t) > 200 ? " ..." : "");
			free(t);
			break;
		}
		free(t);
	}
}

/* /resume: lists the project's recent sessions; /resume N or ID
 * continues one. */
static void resume_cmd(struct repl *r, const char *arg)
{
	struct strbuf err = STRBUF_INIT;
	json_t *list, *s;
	char *end;
	long n = arg && *arg ? strtol(arg, &end, 10) : 0;
	size_t i;

	if (!r->s.store_ready) {
		printf("sessions are not being recorded here (see the warning at start)\n");
		return;
	}
	list = store_sessions(&r->s.store, r->s.root.buf, 10, 0);
	if (!arg || !*arg) {
		if (!json_array_size(list))
			printf("no sessions recorded in %s\n", r->s.root.buf);
		json_array_foreach(list, i, s) {
			const char *id = json_string_value(json_object_get(s, "id"));
			const char *title = json_string_value(json_object_get(s, "title"));

			printf("  %2zu  %.8s  %4lld msgs  %s%s\n", i + 1, id,
			       (long long)json_integer_value(json_object_get(s, "messages")),
			       title ? title : "", id && !strcmp(id, loop_session_id(r->s.loop)) ? "  (this one)" : "");
		}
		if (json_array_size(list))
			printf("/resume N (or an id) continues one\n");
		json_decref(list);
		return;
	}
	if (n > 0 && !*end) {
		if ((size_t)n > json_array_size(list)) {
			printf("there are %zu recent sessions; /resume lists them\n", json_array_size(list));
			json_decref(list);
			return;
		}
		arg = json_string_value(json_object_get(json_array_get(list, (size_t)n - 1), "id"));
	}
	if (loop_resume(r->s.loop, arg, &err))
		printf("archie: %s\n", err.buf);
	else
		resumed_summary(r->s.loop);
	json_decref(list);
	strbuf_release(&err);
}

/* ---- slash commands ---------------------------------------------------------- */

/* Each returns 1 to exit the REPL. */
static int slash_help(struct repl *r, const char *arg);

static int slash_quit(struct repl *r, const char *arg)
{
	(void)r;
	(void)arg;
	return 1;
}

static int slash_agents(struct repl *r, const char *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < r->s.reg.nr; i++)
		printf("  %-22s %s\n", r->s.reg.entries[i].agent->name,
		       agent_mode_name(r->s.reg.entries[i].agent->mode));
	return 0;
}

static int slash_agent(struct repl *r, const char *arg)
{
	if (!arg || !*arg)
		printf("agent: %s\n", loop_agent(r->s.loop)->name);
	else if (reopen(r, arg, NULL) == -2)
		return 1;
	return 0;
}

static int slash_model(struct repl *r, const char *arg)
{
	struct strbuf err = STRBUF_INIT;

	if (!arg || !*arg) {
		printf("model: %s/%s\n", loop_provider_name(r->s.loop), loop_model_id(r->s.loop));
	} else if (loop_set_model(r->s.loop, arg, &err)) {
		printf("archie: %s\n", err.buf);
	} else {
		printf("model %s/%s; the conversation goes on\n", loop_provider_name(r->s.loop),
		       loop_model_id(r->s.loop));
	}
	strbuf_release(&err);
	return 0;
}

static int slash_plan(struct repl *r, const char *arg)
{
	struct strbuf sb = STRBUF_INIT;

	(void)arg;
	todo_list_render(loop_todos(r->s.loop), &sb);
	fputs(sb.buf, stdout);
	strbuf_release(&sb);
	return 0;
}

static int slash_compact(struct repl *r, const char *arg)
{
	struct strbuf err = STRBUF_INIT;

	if (loop_compact(r->s.loop, arg, &err))
		printf("archie: cannot compact: %s\n", err.buf);
	strbuf_release(&err);
	return 0;
}

static int slash_context(struct repl *r, const char *arg)
{
	struct strbuf sb = STRBUF_INIT;

	(void)arg;
	loop_context_report(r->s.loop, &sb);
	fputs(sb.buf, stdout);
	strbuf_release(&sb);
	return 0;
}

static int slash_cost(struct repl *r, const char *arg)
{
	struct loop_totals t;

	(void)arg;
	loop_totals(r->s.loop, &t);
	printf("%d turns, %d tool calls\ntokens: %ld in, %ld out, %ld cache read, %ld cache write\ncost: $%.4f\n",
	       t.turns, t.tool_calls, t.usage.input_tokens, t.usage.output_tokens,
	       t.usage.cache_read_tokens, t.usage.cache_write_tokens, t.cost);
	if (t.sub_runs)
		printf("subagents: %d run%s, %ld in, %ld out tokens, $%.4f\n", t.sub_runs,
		       t.sub_runs == 1 ? "" : "s", t.sub_usage.input_tokens,
		       t.sub_usage.output_tokens, t.sub_cost);
	return 0;
}

static int slash_clear(struct repl *r, const char *arg)
{
	(void)arg;
	loop_clear(r->s.loop);
	printf("new conversation\n");
	return 0;
}

static int slash_last(struct repl *r, const char *arg)
{
	(void)arg;
	if (!r->last_tool[0]) {
		printf("no tool has run yet\n");
		return 0;
	}
	{
		/* through show_tail: a command's output may hold escapes */
		struct strbuf all = STRBUF_INIT;
		size_t more;

		show_tail("", r->last_result.buf, (size_t)-1, 0, &all, &more);
		printf("%s's whole result:\n%s", r->last_tool, all.buf);
		strbuf_release(&all);
	}
	return 0;
}

static const char *const mode_names[] = { "default", "accept", "plan" };

/* /mode [default|accept|plan]; without one (and Shift-Tab), the next. */
/* /routing: whether the routing table's specialists run before the
 * first turn, and whether the REPL asks first. */
static int slash_routing(struct repl *r, const char *arg)
{
	enum agent_routing m;

	if (arg && !strcmp(arg, "ask")) {
		r->routes_always = 0;
		m = AGENT_ROUTING_AUTO;
	} else if (arg && *arg && (agent_routing_parse(arg, &m) || m == AGENT_ROUTING_DEFAULT)) {
		printf("archie: routing is ask (run matched specialists after asking), auto (run them without asking), suggest (name them to the agent) or off, not '%s'\n",
		       arg);
		return 0;
	} else if (arg && *arg && m == AGENT_ROUTING_AUTO) {
		r->routes_always = 1;
	}
	if (arg && *arg)
		loop_set_routing(r->s.loop, m);
	m = loop_routing(r->s.loop);
	printf("routing: %s\n", m == AGENT_ROUTING_AUTO
		   ? (r->routes_always ? "auto: matched specialists run without asking"
				       : "ask: matched specialists run after you say yes")
		   : m == AGENT_ROUTING_SUGGEST ? "suggest: matched specialists are named to the agent"
						: "off: no specialists run unless the agent asks");
	return 0;
}

static int slash_mode(struct repl *r, const char *arg)
{
	enum policy_mode m;

	if (!arg || !*arg) {
		m = (enum policy_mode)(((int)loop_mode(r->s.loop) + 1) % 3);
	} else if (policy_mode_parse(arg, &m)) {
		printf("archie: the modes are default (ask before changes), accept (allow what would ask) and plan (read-only), not '%s'\n",
		       arg);
		return 0;
	}
	loop_set_mode(r->s.loop, m);
	printf("permission mode: %s (%s)\n", mode_names[m],
	       m == POLICY_MODE_ACCEPT ? "what would ask is allowed; denials still hold"
	       : m == POLICY_MODE_PLAN ? "read-only: every change is denied"
				       : "changes are asked about");
	return 0;
}

/* Shift-Tab at the prompt: the next permission mode, said on its own
 * line, then the line being typed again. */
static unsigned char key_mode(EditLine *el, int ch)
{
	struct repl *r;

	(void)ch;
	el_get(el, EL_CLIENTDATA, &r);
	fputc('\n', stdout);
	slash_mode(r, NULL);
	return CC_REDISPLAY;
}

static int slash_permissions(struct repl *r, const char *arg)
{
	struct strbuf sb = STRBUF_INIT;

	(void)arg;
	loop_permissions(r->s.loop, &sb);
	printf("permission mode: %s\nrules in force (source, verdict, rule):\n%s",
	       mode_names[loop_mode(r->s.loop)], sb.buf);
	strbuf_release(&sb);
	return 0;
}

static int slash_resume(struct repl *r, const char *arg)
{
	resume_cmd(r, arg);
	return 0;
}

/* The table: dispatch and /help come from it (as the command table does
 * for archie's subcommands). */
static const struct slash {
	const char *name;
	const char *args;
	const char *summary;
	int (*run)(struct repl *r, const char *arg);
} slashes[] = {
	{ "/help", "", "this list", slash_help },
	{ "/agents", "", "the agents you can switch to", slash_agents },
	{ "/agent", "NAME", "switch agent (starts a new conversation)", slash_agent },
	{ "/model", "[NAME]", "show or switch the model (the conversation goes on)", slash_model },
	{ "/plan", "", "show the current plan", slash_plan },
	{ "/cost", "", "tokens and cost so far", slash_cost },
	{ "/context", "", "how full the context window is", slash_context },
	{ "/compact", "[WHAT TO KEEP]", "summarise the conversation to free the context", slash_compact },
	{ "/clear", "", "start a new conversation", slash_clear },
	{ "/last", "", "the last tool call's whole result", slash_last },
	{ "/bashes", "[kill ID]", "the background shells, or stop one", repl_bashes },
	{ "/rewind", "[N [conversation]]", "the prompts that changed files; put them back as before prompt N", repl_rewind },
	{ "/add-dir", "[PATH]", "another directory that counts as the workspace (and an MCP root)", repl_add_dir },
	{ "/mode", "[default|accept|plan]", "the permission mode, or the next one (also Shift-Tab)", slash_mode },
	{ "/permissions", "", "the permission mode and the rules in force", slash_permissions },
	{ "/routing", "[ask|auto|suggest|off]", "whether specialists run before the first turn", slash_routing },
	{ "/resume", "[N|ID]", "list this project's recent sessions, or continue one", slash_resume },
	{ "/quit", "", "exit (also /exit, Ctrl-D, or Ctrl-C twice)", slash_quit },
	{ "/exit", NULL, NULL, slash_quit },	/* not listed: /quit's other name */
};

/* The slash commands, built-in and custom, that start with what was typed. */
static void slash_matches(struct repl *r, const char *typed, size_t n, struct strvec *out)
{
	size_t i;

	for (i = 0; i < sizeof(slashes) / sizeof(*slashes); i++)
		if (slashes[i].summary && !strncmp(slashes[i].name, typed, n))
			strvec_push(out, slashes[i].name);
	for (i = 0; i < r->s.commands.nr; i++) {
		const struct command *c = &r->s.commands.v[i];

		if (n && !strncmp(c->name, typed + 1, n - 1) &&
		    command_find(&r->s.commands, c->name) == c)
			strvec_pushf(out, "/%s", c->name);
	}
	for (i = 0; i < r->s.skills.nr; i++) {
		const struct skill *s = &r->s.skills.v[i];

		if (n && !strncmp(s->name, typed + 1, n - 1) && skill_active(&r->s.skills, s) &&
		    !command_find(&r->s.commands, s->name))
			strvec_pushf(out, "/%s", s->name);
	}
}

/* Tab on a slash command's name: the rest of it when one matches, the
 * common part and the list when several do. */
static unsigned char key_complete(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);
	struct strvec m = STRVEC_INIT;
	struct repl *r;
	size_t n = (size_t)(li->cursor - li->buffer), common, i;
	unsigned char rc = CC_REFRESH;

	(void)ch;
	el_get(el, EL_CLIENTDATA, &r);
	if (!n || li->buffer[0] != '/' || memchr(li->buffer, ' ', n)) {
		el_insertstr(el, "\t");	/* not a command's name: a tab */
		return CC_REFRESH;
	}
	slash_matches(r, li->buffer, n, &m);
	if (!m.nr) {
		rc = CC_REFRESH_BEEP;
		goto out;
	}
	for (common = strlen(m.v[0]), i = 1; i < m.nr; i++) {
		size_t k = 0;

		while (k < common && m.v[i][k] == m.v[0][k])
			k++;
		common = k;
	}
	if (common > n) {
		char part[128];

		snprintf(part, sizeof(part), "%.*s", (int)(common - n), m.v[0] + n);
		el_insertstr(el, part);
	}
	if (m.nr == 1) {
		el_insertstr(el, " ");
	} else {
		fputc('\n', stdout);
		for (i = 0; i < m.nr; i++)
			printf("%s%s", i ? "  " : "", m.v[i]);
		fputc('\n', stdout);
		rc = CC_REDISPLAY;
	}
out:
	strvec_release(&m);
	return rc;
}

void cli_repl_slashes(void (*each)(void *ud, const char *name, const char *args,
				   const char *summary), void *ud)
{
	size_t i;

	for (i = 0; i < sizeof(slashes) / sizeof(*slashes); i++)
		if (slashes[i].summary)
			each(ud, slashes[i].name, slashes[i].args, slashes[i].summary);
}


static int slash_help(struct repl *r, const char *arg)
{
	size_t i;

	(void)arg;
	printf("commands:\n");
	for (i = 0; i < sizeof(slashes) / sizeof(*slashes); i++) {
		char head[64];

		if (!slashes[i].summary)
			continue;
		snprintf(head, sizeof(head), "%s%s%s", slashes[i].name,
			 *slashes[i].args ? " " : "", slashes[i].args);
		printf("  %-15s%s\n", head, slashes[i].summary);
	}
	if (r->s.commands.nr) {
		command_set_read_all(&r->s.commands);
		printf("custom commands:\n");
		for (i = 0; i < r->s.commands.nr; i++) {
			const struct command *c = &r->s.commands.v[i];
			char head[64];

			if (command_find(&r->s.commands, c->name) != c || c->failed)
				continue;	/* overridden, or broken */
			snprintf(head, sizeof(head), "/%s%s%s", c->name, c->argument_hint ? " " : "",
				 c->argument_hint ? c->argument_hint : "");
			printf("  %-15s%s (%s)\n", head, c->description ? c->description : "", c->runtime);
		}
	}
	if (r->s.skills.nr) {
		printf("skills (/NAME loads one; the agent loads them itself when a job matches):\n");
		for (i = 0; i < r->s.skills.nr; i++) {
			const struct skill *s = &r->s.skills.v[i];

			if (skill_active(&r->s.skills, s))
				printf("  /%-14s%.*s%s\n", s->name, 60, s->description,
				       strlen(s->description) > 60 ? "..." : "");
		}
	}
	{
		struct strvec mp = STRVEC_INIT;

		mcp_prompt_names(&r->s.mcp, &mp);
		if (mp.nr)
			printf("MCP servers' prompts (/NAME ARGS; NAME=value names an argument):\n");
		for (i = 0; i < mp.nr; i++) {
			const char *tab = strchr(mp.v[i], '\t');

			printf("  /%.*s  %.60s\n", (int)(tab - mp.v[i]), mp.v[i], tab + 1);
		}
		strvec_release(&mp);
	}
	printf("end a line with \\ to continue it; a line of \"\"\" starts and ends a block\n");
	return 0;
}

static void run_prompt(struct repl *r, const char *prompt, struct strbuf *err);

/* A custom command (.claude/commands/ and the like): its prompt, filled
 * in, is the turn's. */
static void custom_command(struct repl *r, const char *name, const char *arg)
{
	struct strbuf line = STRBUF_INIT, prompt = STRBUF_INIT_CAP((size_t)10 << 20);
	struct strbuf err = STRBUF_INIT;

	strbuf_addf(&line, "%s %s", name, arg ? arg : "");
	if (!command_find(&r->s.commands, name + 1) && !skill_find(&r->s.skills, name + 1) &&
	    strncmp(name, "/mcp__", 6)) {
		printf("unknown command %s; /help lists them\n", name);
	} else if (session_prompt(&r->s, line.buf, &prompt, &err) < 0) {
		printf("%sarchie: %s%s\n", r->color ? RED : "", err.buf, r->color ? RESET : "");
	} else {
		const struct command *c = command_find(&r->s.commands, name + 1);

		/* OpenCode's agent: a subtask (session_prompt), or inline when
		 * there is no such agent or the command said subtask: false */
		if (r->s.subtask_agent)
			repl_dim(r, "(%s runs as the %s agent, as a subtask with a fresh context; its report is the answer)",
				 name, r->s.subtask_agent);
		else if (c && c->agent && *c->agent && strcmp(c->agent, loop_agent(r->s.loop)->name))
			repl_dim(r, "(%s is written for the %s agent; it runs with %s here%s)",
				 name, c->agent, loop_agent(r->s.loop)->name,
				 agent_registry_find(&r->s.reg, c->agent) ? "" : ": there is no such agent");
		strbuf_reset(&err);
		run_prompt(r, prompt.buf, &err);
		session_prompt_done(&r->s);
		status_line(r);
	}
	strbuf_release(&line);
	strbuf_release(&prompt);
	strbuf_release(&err);
}

/* Returns 1 to exit. */
static int command(struct repl *r, char *line)
{
	char *arg = strchr(line, ' ');
	size_t i;
	int rc = 0;

	if (arg) {
		*arg++ = '\0';
		while (*arg == ' ')
			arg++;
	}
	for (i = 0; i < sizeof(slashes) / sizeof(*slashes); i++)
		if (!strcmp(line, slashes[i].name))
			break;
	if (i < sizeof(slashes) / sizeof(*slashes))
		rc = slashes[i].run(r, arg);
	else
		custom_command(r, line, arg);
	fflush(stdout);
	return rc;
}

/* Reads one prompt, with continuation lines and """ blocks.  NULL: exit. */
static char *read_prompt(struct repl *r, int *interrupted)
{
	struct strbuf sb = STRBUF_INIT;
	char *line;
	int block = 0;

	*interrupted = 0;
	for (;;) {
		cancel_clear(&session_cancel);
		errno = 0;
		line = repl_read_line(r, sb.len || block ? "... " : "> ");
		if (!line) {
			if (cancel_requested(&session_cancel)) {
				*interrupted = 1;
				strbuf_release(&sb);
				return NULL;
			}
			if (sb.len) {
				/* Ctrl-D inside a block ends it */
				return strbuf_detach(&sb, NULL);
			}
			strbuf_release(&sb);
			return NULL;
		}
		if (!strcmp(line, "\"\"\"")) {
			free(line);
			if (block)
				return strbuf_detach(&sb, NULL);
			block = 1;
			continue;
		}
		if (sb.len)
			strbuf_addch(&sb, '\n');
		if (!block && strlen(line) && line[strlen(line) - 1] == '\\') {
			strbuf_add(&sb, line, strlen(line) - 1);
			free(line);
			continue;
		}
		strbuf_addstr(&sb, line);
		free(line);
		if (!block)
			return strbuf_detach(&sb, NULL);
	}
}

static void history_path(struct strbuf *out)
{
	const char *st = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	struct strbuf err = STRBUF_INIT;

	if (st && *st)
		file_join(out, st, "archie");
	else if (home)
		file_join(out, home, ".local/state/archie");
	else
		return;
	if (file_mkdirs(out->buf, 0700, &err)) {
		strbuf_reset(out);
		strbuf_release(&err);
		return;
	}
	strbuf_addstr(out, "/history");
	strbuf_release(&err);
}

/* One prompt through the loop, and how it ended. */
static void run_prompt(struct repl *r, const char *prompt, struct strbuf *err)
{
	enum loop_exit ex;

	cancel_clear(&session_cancel);
	strbuf_reset(err);
	r->in_think = 0;
	r->tag_len = 0;
	repl_ui_turn_start(r);
	loop_run(r->s.loop, prompt, &ex, err);
	repl_ui_turn_done(r);
	if (ex == LOOP_INTERRUPTED)
		repl_dim(r, "[interrupted]");
	else if (ex == LOOP_PROVIDER_ERROR)
		printf("%sarchie: %s%s\n", r->color ? RED : "", err->buf, r->color ? RESET : "");
	else if (ex == LOOP_MAX_TURNS) {
		struct loop_totals t;

		loop_totals(r->s.loop, &t);
		repl_dim(r, "[stopped after %d turns]", t.turns);
	} else if (ex == LOOP_BUDGET)
		repl_dim(r, "[stopped: the token budget is spent]");
	else if (ex == LOOP_COST)
		repl_dim(r, "[stopped: the next request would pass --max-cost]");
}

/*
 * The first run at a local server with several models and no default:
 * which one (ctx->choose_model), and, when the user has no config.yaml
 * yet, whether to keep the choice there (what `archie init` writes).  The
 * choice stays for the session (/agent reopens with it).
 */
static int choose_model(void *ud, const struct config_provider *p, const struct strvec *ids)
{
	struct repl *r = ud;
	struct strbuf ref = STRBUF_INIT, path = STRBUF_INIT, text = STRBUF_INIT;
	struct strbuf err = STRBUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	int pick = cli_pick_model(p, ids, stdin, stdout);

	if (pick < 0)
		goto out;
	strbuf_addf(&ref, "%s/%s", p->name, ids->v[pick]);
	r->ctx->model = strvec_push(&r->owned, ref.buf);
	config_user_file(NULL, NULL, &path);
	if (!path.len || !access(path.buf, F_OK)) {
		printf("(to keep it: --model %s, or default_model: %s in config.yaml)\n", ref.buf, ref.buf);
		goto out;
	}
	printf("keep %s as your default model in %s? [y/N] ", ref.buf, path.buf);
	fflush(stdout);
	if (getline(&line, &cap, stdin) > 0 && (line[0] == 'y' || line[0] == 'Y')) {
		config_init_text(p, ref.buf, &text);
		if (config_write_user(path.buf, text.buf, 0, &err))
			printf("archie: %s\n", err.buf);
		else
			printf("wrote %s\n", path.buf);
	}
out:
	free(line);
	strbuf_release(&ref);
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&err);
	return pick;
}

int cli_repl(struct cli_ctx *ctx)
{
	struct repl *r = xcalloc(1, sizeof(*r));
	struct strbuf err = STRBUF_INIT;
	struct sigaction sa;
	HistEvent ev;
	int rc = CLI_EXIT_OK;

	r->ctx = ctx;
	r->color = ctx->color;
	strvec_init(&r->owned);
	strbuf_init(&r->hist_path, 4096);
	render_init(&r->r, stdout, r->color);
	board_init(&r->board, stdout, 1, r->color);
	repl_ui_init(r);
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		ctx->choose_model = choose_model;
		ctx->choose_ud = r;
	}
	if (session_open(ctx, &r->s, &r->ui, &err)) {
		rc = cli_usage_error("%s", err.buf);
		session_close(&r->s);
		goto out;
	}

	r->hist = history_init();
	history(r->hist, &ev, H_SETSIZE, 1000);
	history(r->hist, &ev, H_SETUNIQUE, 1);
	history_path(&r->hist_path);
	if (r->hist_path.len)
		history(r->hist, &ev, H_LOAD, r->hist_path.buf);
	r->el = el_init("archie", stdin, stdout, stderr);
	el_set(r->el, EL_CLIENTDATA, r);
	el_set(r->el, EL_PROMPT, prompt_fn);
	el_set(r->el, EL_EDITOR, "emacs");
	el_set(r->el, EL_HIST, history, r->hist);
	/* the wide form: the narrow one copies its strings and never frees them */
	el_wset(r->el, EL_ADDFN, L"archie-mode", L"cycle the permission mode", key_mode);
	el_set(r->el, EL_BIND, "\033[Z", "archie-mode", NULL);	/* Shift-Tab */
	el_wset(r->el, EL_ADDFN, L"archie-complete", L"complete a slash command", key_complete);
	el_set(r->el, EL_BIND, "^I", "archie-complete", NULL);
	el_source(r->el, NULL);

	/* no SA_RESTART: a Ctrl-C at the prompt interrupts the read */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	printf("archie %s: agent %s, model %s/%s. /help for commands, Ctrl-D to exit.\n",
	       ARCHIE_VERSION_STRING, loop_agent(r->s.loop)->name,
	       loop_provider_name(r->s.loop), loop_model_id(r->s.loop));
	if (r->s.resume_id)
		resumed_summary(r->s.loop);
	fflush(stdout);
	for (;;) {
		int interrupted;
		char *prompt = read_prompt(r, &interrupted);

		if (!prompt) {
			if (interrupted && idle_interrupts < 2) {
				printf("\n(Ctrl-C again, or Ctrl-D, to exit)\n");
				fflush(stdout);
				continue;
			}
			printf("\n");
			break;
		}
		idle_interrupts = 0;
		if (!*prompt) {
			free(prompt);
			continue;
		}
		history(r->hist, &ev, H_ENTER, prompt);
		if (r->hist_path.len)
			history(r->hist, &ev, H_SAVE, r->hist_path.buf);
		if (prompt[0] == '/') {
			int quit = command(r, prompt);

			free(prompt);
			if (quit)
				break;
			continue;
		}
		if (strchr(prompt, '@')) {
			/* @server:uri: the resource goes with the prompt */
			struct strbuf with = STRBUF_INIT_CAP((size_t)10 << 20);

			session_mentions(&r->s, prompt, &with);
			run_prompt(r, with.buf, &err);
			strbuf_release(&with);
		} else {
			run_prompt(r, prompt, &err);
		}
		free(prompt);
		status_line(r);
		cancel_clear(&session_cancel);
		idle_interrupts = 0;
	}
	el_end(r->el);
	history_end(r->hist);
	session_close(&r->s);
out:
	ctx->choose_model = NULL;
	board_release(&r->board);
	render_release(&r->r);
	repl_ui_release(r);
	strvec_release(&r->owned);
	strbuf_release(&r->hist_path);
	strbuf_release(&err);
	free(r);
	return rc;
}
