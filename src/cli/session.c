/*
 * session: what running an agent needs, loaded once: the agents, the
 * configuration, the model and the loop.  Headless runs and the
 * interactive session share it.  See session.h.
 */
#include "cli/session.h"

#include "store/pgstore.h"
#include "store/ship.h"

#include "policy/childenv.h"

#include "agent/agent.h"
#include "agent/routing.h"
#include "hooks/hooks.h"
#include "mcp/mcp.h"
#include "provider/http.h"
#include "core/cancel.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/toolnames.h"
#include "tools/bgshell.h"
#include "checkpoint/checkpoint.h"
#include "core/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t session_cancel;

static void on_sigint(int sig)
{
	(void)sig;
	if (cancel_requested(&session_cancel))
		_exit(CLI_EXIT_INTERRUPTED);	/* a second Ctrl-C: now */
	cancel_set(&session_cancel);
}

void session_catch_sigint(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The record: a session that cannot be recorded still runs (it says why
 * once), so a read-only home never stops work; resuming needs it. */
static int open_store(struct cli_ctx *ctx, struct session *s, struct strbuf *err)
{
	struct strbuf serr = STRBUF_INIT;

	if (store_open(&s->store, ctx->state_dir, &serr)) {
		if (ctx->resume || ctx->cont) {
			strbuf_seterr(err, "cannot resume: %s", serr.buf);
			strbuf_release(&serr);
			return -1;
		}
		fprintf(stderr, "archie: warning: this session will not be recorded: %s\n",
			serr.buf);
	} else {
		s->store_ready = 1;
	}
	strbuf_release(&serr);
	return 0;
}

/* The session to continue, and its agent unless --agent says (its
 * conversation is loaded once, by loop_resume). */
static int find_resumed(struct cli_ctx *ctx, struct session *s, struct strbuf *err)
{
	struct strbuf id = STRBUF_INIT;
	json_t *info;

	if (store_find_session(&s->store, ctx->resume, ctx->resume ? NULL : s->root.buf,
			       &id, err))
		return -1;
	info = store_session_row(&s->store, id.buf);
	s->resume_id = strbuf_detach(&id, NULL);
	if (!ctx->agent && json_string_value(json_object_get(info, "agent")))
		s->resume_agent = xstrdup(json_string_value(json_object_get(info, "agent")));
	json_decref(info);
	return 0;
}

/* The agents, and the one this session runs. */
static const struct agent *load_agent(struct cli_ctx *ctx, struct session *s,
				      const char *name, struct strbuf *err)
{
	struct agent_search search;
	const struct agent *a;
	size_t i;

	memset(&search, 0, sizeof(search));
	search.extra_dirs = &ctx->agents_dirs;
	search.cwd = s->cwd;
	if (agent_registry_load(&s->reg, &search, err))
		return NULL;
	if (!ctx->agent && !s->resume_agent && ctx->agent_hint) {
		/* a command written for an agent (OpenCode's agent:) */
		if ((a = agent_registry_find(&s->reg, ctx->agent_hint)) != NULL) {
			/* a subagent's command is a subtask of the default */
			if (ctx->agent_hint_subtask != 1 &&
			    (a->mode != AGENT_MODE_SUBAGENT || ctx->agent_hint_subtask == -1))
				return a;
		} else {
			fprintf(stderr, "archie: note: the command asks for the agent '%s', which is not here; %s runs it\n",
				ctx->agent_hint, name);
		}
	}
	a = agent_registry_find(&s->reg, name);
	if (a)
		return a;
	strbuf_seterr(err, "no agent named '%s'", name);
	for (i = 0; i < s->reg.diags.nr; i++)
		if (s->reg.diags.v[i].severity == DIAG_ERROR) {
			strbuf_addstr(err, " (some agent files have errors; 'archie agents validate' shows them)");
			break;
		}
	strbuf_addstr(err, "; 'archie agents list' shows the agents");
	return NULL;
}

/* The configuration (or the local servers probed when it names none). */
static void print_errors(const struct diag_list *dl)
{
	size_t i;

	for (i = 0; i < dl->nr; i++)
		if (dl->v[i].severity == DIAG_ERROR) {
			struct strbuf d = STRBUF_INIT;

			diag_format(&dl->v[i], &d);
			fprintf(stderr, "archie: %s (left out)\n", d.buf);
			strbuf_release(&d);
		}
}

/* The custom commands and skills, on a thread of their own. */
static void *load_extensions(void *arg)
{
	struct session *s = arg;
	struct command_search ks;
	struct skill_search ss;

	memset(&ks, 0, sizeof(ks));
	ks.project_root = s->root.buf;
	command_set_load(&s->commands, &ks);
	memset(&ss, 0, sizeof(ss));
	ss.project_root = s->root.buf;
	skill_set_load(&s->skills, &ss);
	return NULL;
}

static int load_config(struct session *s, struct strbuf *err)
{
	struct config_search cs;
	size_t i;
	int rc;

	memset(&cs, 0, sizeof(cs));
	cs.project_root = s->root.buf;
	rc = config_load(&s->cfg, &cs);
	/* warnings (an unknown key, a typo) are said, not ignored */
	for (i = 0; i < s->cfg.diags.nr; i++)
		if (s->cfg.diags.v[i].severity != DIAG_ERROR) {
			struct strbuf d = STRBUF_INIT;

			diag_format(&s->cfg.diags.v[i], &d);
			fprintf(stderr, "archie: %s\n", d.buf);
			strbuf_release(&d);
		}
	if (rc) {
		struct strbuf d = STRBUF_INIT;
		size_t n = 0;

		/* every error at once: fixing one a run is slow */
		for (i = 0; i < s->cfg.diags.nr; i++) {
			if (s->cfg.diags.v[i].severity != DIAG_ERROR)
				continue;
			if (n++)
				strbuf_addstr(&d, "\n  ");
			diag_format(&s->cfg.diags.v[i], &d);
		}
		strbuf_seterr(err, "configuration error%s: %s", n > 1 ? "s" : "", d.buf);
		strbuf_release(&d);
		return -1;
	}
	if (!s->cfg.providers_nr && config_probe_local(&s->cfg, err))
		return -1;
	return 0;
}

/* The loop's options from the command line, the agent and the config. */
static int fill_opts(struct cli_ctx *ctx, struct session *s, const struct agent *a,
		     struct loop_opts *o, struct strbuf *err)
{
	o->agent = a;
	o->cfg = &s->cfg;
	o->model = ctx->model;
	o->max_turns = ctx->max_turns ? ctx->max_turns : a->max_turns ? (int)a->max_turns : 0;
	o->root = s->root.buf;
	o->cwd = s->cwd;
	if (ctx->sandbox && sandbox_mode_parse(ctx->sandbox, &o->sandbox))
		return strbuf_seterr(err, "--sandbox must be workspace-write, read-only or off, not '%s'",
				     ctx->sandbox);
	if (!ctx->sandbox)
		o->sandbox = SANDBOX_WORKSPACE_WRITE;
	o->network = ctx->network;
	/* delegation: the agents Task can run, the configured limits */
	o->agents = &s->reg;
	o->delegation.max_parallel = s->cfg.delegation.max_parallel;
	o->delegation.max_depth = s->cfg.delegation.max_depth;
	o->delegation.max_turns = s->cfg.delegation.max_turns;
	o->delegation.max_tokens = s->cfg.delegation.max_tokens;
	if (s->cfg.delegation.routing)
		agent_routing_parse(s->cfg.delegation.routing, &o->delegation.routing);
	if (ctx->routing && agent_routing_parse(ctx->routing, &o->delegation.routing))
		return strbuf_seterr(err, "--routing must be auto, suggest or off, not '%s'",
				     ctx->routing);
	o->allow = &ctx->allow;
	o->ask = &ctx->ask;
	o->deny = &ctx->deny;
	o->cancel = ctx->cancel ? ctx->cancel : &session_cancel;
	o->compact_at = ctx->compact_at;
	o->thinking = ctx->thinking;
	o->max_cost = ctx->max_cost;
	if (ctx->elicit) {
		json_error_t jerr;

		s->elicit = json_loads(ctx->elicit, 0, &jerr);
		if (!json_is_object(s->elicit))
			return strbuf_seterr(err, "--elicit must be a JSON object of answers (e.g. '{\"name\": \"x\"}'): %s",
					     s->elicit ? "it is not an object" : jerr.text);
		o->elicit_answers = s->elicit;
	}
	return 0;
}

/* The record keeps none of the configured keys and header values,
 * whatever their variables are called. */
static void redact_configured(struct session *s)
{
	size_t i, h;

	for (i = 0; i < s->cfg.providers_nr; i++) {
		const struct config_provider *p = &s->cfg.providers[i];

		if (p->api_key_env)
			redact_add_value(&s->store.red, getenv(p->api_key_env));
	}
	if (s->cfg.web_search.api_key_env)
		redact_add_value(&s->store.red, getenv(s->cfg.web_search.api_key_env));
	for (i = 0; i < s->cfg.providers_nr; i++) {
		const struct config_provider *p = &s->cfg.providers[i];

		for (h = 0; h < p->headers.nr; h++) {
			const char *c = strchr(p->headers.v[h], ':');

			if (c)
				redact_add_value(&s->store.red, c + 1 + strspn(c + 1, " \t"));
		}
	}
}

/* The team's record (store: {url}): the shipper copies this machine's
 * record there in the background; a database that is down stops nothing. */
static void start_sharing(struct cli_ctx *ctx, struct session *s, const struct loop_ui *ui)
{
	const char *url = config_store_url(&s->cfg);
	struct strbuf err = STRBUF_INIT;
	struct strvec secrets = STRVEC_INIT;
	size_t i;

	if (!url || !s->store_ready)
		return;
	pgstore_secrets(url, &secrets);
	for (i = 0; i < secrets.nr; i++)
		redact_add_value(&s->store.red, secrets.v[i]);
	strvec_release(&secrets);
	if (ctx->hosted)
		return;		/* archie serve runs one shipper for all its sessions */
	s->ship = ship_start(ctx->state_dir, url, ui->notice, ui->ud, &err);
	if (!s->ship)
		fprintf(stderr, "archie: warning: this session is not shared with the team's record: %s\n",
			err.buf);
	strbuf_release(&err);
}

/* Hooks (the user's commands around tool calls) and MCP servers, which
 * start now, in the background: the prompt does not wait for them; the
 * first request does, a bounded time.  Problems are said once, and what
 * parses still runs. */
static void start_extensions(struct cli_ctx *ctx, struct session *s, const struct loop_ui *ui)
{
	struct strbuf dir = STRBUF_INIT;
	size_t i;
	struct diag_list dl;

	diag_list_init(&dl);
	if (!ctx->hosted)
		childenv_configure(s->cfg.shell_env, &dl);
	diag_print(&dl, stderr);
	diag_list_release(&dl);
	hooks_load(&s->hooks, &s->cfg, s->root.buf, getenv("HOME"));
	diag_print(&s->hooks.diags, stderr);
	mcp_load(&s->mcp, &s->cfg, s->root.buf);
	/* the servers' roots: the workspace and the directories that count
	 * as it */
	strvec_push(&s->roots, s->root.buf);
	for (i = 0; i < s->cfg.extra_dirs.nr; i++)
		strvec_push(&s->roots, s->cfg.extra_dirs.v[i]);
	mcp_set_roots(&s->mcp, &s->roots);
	store_default_dir(ctx->state_dir, &dir);
	strbuf_addstr(&dir, "/mcp");
	s->mcp.log_dir = strbuf_detach(&dir, NULL);
	diag_print(&s->mcp.diags, stderr);
	store_default_dir(ctx->state_dir, &dir);
	strbuf_addstr(&dir, "/mcp-oauth.json");
	s->mcp.auth_file = strbuf_detach(&dir, NULL);
	mcp_load_tokens(&s->mcp);
	if (s->store_ready) {
		/* the servers' keys and tokens never reach the record */
		struct strvec secrets = STRVEC_INIT;

		mcp_secrets(&s->mcp, &secrets);
		for (i = 0; i < secrets.nr; i++)
			redact_add_value(&s->store.red, secrets.v[i]);
		strvec_release(&secrets);
	}
	/* what servers say between calls (a warning, a restart) */
	s->mcp.idle.notice = ui->notice;
	s->mcp.idle.ud = ui->ud;
	mcp_start(&s->mcp);
}

int session_open(struct cli_ctx *ctx, struct session *s, struct loop_ui *ui,
		 struct strbuf *err)
{
	struct loop_opts o;
	const struct agent *a;
	pthread_t extensions;
	int started;

	memset(s, 0, sizeof(*s));
	http_preload();		/* libcurl's libraries load while the rest is set up */
	strbuf_init(&s->root, PATH_MAX);
	agent_registry_init(&s->reg);
	config_init(&s->cfg);
	hooks_init(&s->hooks);
	mcp_init(&s->mcp);
	command_set_init(&s->commands);
	skill_set_init(&s->skills);
	if (open_store(ctx, s, err))
		return -1;
	if (ctx->workspace) {
		/* a hosted session's workspace is its root, not the
		 * repository around it: its neighbours are not its to touch */
		snprintf(s->cwd, sizeof(s->cwd), "%s", ctx->workspace);
		strbuf_addstr(&s->root, ctx->workspace);
	} else {
		if (!getcwd(s->cwd, sizeof(s->cwd)))
			return strbuf_seterr(err, "cannot get the working directory: %s",
					     strerror(errno));
		agent_project_root(s->cwd, &s->root);
	}
	/* commands and skills are found while the agents load */
	started = !pthread_create(&extensions, NULL, load_extensions, s);
	if (!started)
		load_extensions(s);
	if ((ctx->resume || ctx->cont) && find_resumed(ctx, s, err))
		goto fail;
	memset(&o, 0, sizeof(o));
	o.mode = POLICY_MODE_DEFAULT;
	if (ctx->permission_mode && policy_mode_parse(ctx->permission_mode, &o.mode)) {
		strbuf_seterr(err, "--permission-mode must be default, accept or plan, not '%s'",
			      ctx->permission_mode);
		goto fail;
	}
	a = load_agent(ctx, s, s->resume_agent ? s->resume_agent
				: ctx->agent ? ctx->agent : "backend-architect", err);
	if (!a || load_config(s, err))
		goto fail;
	/* a settings file's mode (Claude Code's defaultMode), unless the
	 * command line says */
	if (!ctx->permission_mode && s->cfg.permission_mode)
		policy_mode_parse(s->cfg.permission_mode, &o.mode);
	/* only when the default is what will be used: no --model, and an
	 * agent that names none of its own */
	if (!ctx->model && !s->cfg.default_model &&
	    (!a->model || !*a->model || !strcmp(a->model, "inherit"))) {
		/* OLLAMA_HOST or a keyless OPENAI_BASE_URL: the server's model */
		struct strbuf note = STRBUF_INIT;

		config_discover_default(&s->cfg, ctx->choose_model, ctx->choose_ud, &note);
		if (note.len && ui->notice)
			ui->notice(ui->ud, note.buf);
		strbuf_release(&note);
	}
	/* errors said here (what is left out); warnings by 'archie commands
	 * list', 'archie skills validate' and 'archie doctor' */
	if (started)
		pthread_join(extensions, NULL);
	print_errors(&s->commands.diags);
	print_errors(&s->skills.diags);
	if (fill_opts(ctx, s, a, &o, err))
		return -1;
	o.ui = *ui;
	if (s->store_ready) {
		o.store = &s->store;
		redact_configured(s);
	}
	start_sharing(ctx, s, ui);
	start_extensions(ctx, s, ui);
	o.hooks = &s->hooks;
	o.skills = &s->skills;
	o.mcp = &s->mcp;
	s->bg = bgshell_new();
	o.bg = s->bg;
	if (s->store_ready) {
		/* undo needs the record: no store, no snapshots */
		struct strbuf dir = STRBUF_INIT;

		store_default_dir(ctx->state_dir, &dir);
		s->checkpoints = checkpoint_open(s->root.buf, dir.buf);
		o.checkpoints = s->checkpoints;
		strbuf_release(&dir);
	}
	s->loop = loop_new(&o, err);
	if (!s->loop)
		return -1;
	if (s->resume_id && loop_resume(s->loop, s->resume_id, err))
		return -1;
	return 0;
fail:
	if (started)
		pthread_join(extensions, NULL);
	return -1;
}

void session_close(struct session *s)
{
	http_preload_join();
	/* the background shells end with the session, in its record */
	bgshell_stop_all(s->bg);
	if (s->loop)
		loop_record_background(s->loop);
	loop_free(s->loop);
	s->loop = NULL;
	bgshell_free(s->bg);
	s->bg = NULL;
	checkpoint_close(s->checkpoints);
	s->checkpoints = NULL;
	/* what the session recorded last, shipped if the team's record
	 * answers within the wait; else the next archie ships it */
	ship_stop(s->ship, SESSION_SHIP_WAIT_MS);
	s->ship = NULL;
	if (s->store_ready)
		store_close(&s->store);
	free(s->resume_id);
	free(s->resume_agent);
	hooks_release(&s->hooks);
	mcp_release(&s->mcp);
	json_decref(s->elicit);
	strvec_release(&s->roots);
	command_set_release(&s->commands);
	skill_set_release(&s->skills);
	free(s->turn_rules);
	free(s->turn_model);
	free(s->turn_subtask);
	s->turn_rules = s->turn_model = s->turn_subtask = NULL;
	config_release(&s->cfg);
	agent_registry_release(&s->reg);
	strbuf_release(&s->root);
}

/* command_io: a command's @file and !`cmd` as the session's own Read and
 * Bash calls, under its policy. */
static int io_call(void *loop, const char *tool, const char *arg, const char *value,
		   struct strbuf *out)
{
	json_t *args = json_pack("{s:s}", arg, value);
	char *text = json_dumps(args, 0);
	int rc = loop_run_tool(loop, tool, text, out);

	free(text);
	json_decref(args);
	return rc;
}

static int io_read(void *ud, const char *path, struct strbuf *out)
{
	return io_call(ud, "Read", "file_path", path, out);
}

static int io_run(void *ud, const char *cmd, struct strbuf *out)
{
	return io_call(ud, "Bash", "command", cmd, out);
}

/* A name a command could have: what is not one is a prompt ("/usr/bin is
 * full"). */
static int command_shaped(const char *name)
{
	return *name && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-:.") == strlen(name);
}

/* The session's agent may delegate (it has the Task tool). */
static int can_delegate(const struct session *s)
{
	size_t i;

	for (i = 0; i < loop_tools_nr(s->loop); i++)
		if (!strcmp(toolname_lookup(loop_tool_name(s->loop, i)).canonical, "Task"))
			return 1;
	return 0;
}

/*
 * OpenCode's rule for a command's agent: and subtask: a command for
 * another agent runs as a subtask (a child with a fresh context, its
 * report the answer) unless subtask: false; subtask: true makes one even
 * of the session's own agent.  A command for an agent that is not here,
 * or a session whose agent cannot delegate, runs inline (the REPL says).
 */
static void command_subtask(struct session *s, const struct command *c)
{
	const struct agent *self = loop_agent(s->loop), *a = self;

	if (c->subtask < 0 || !can_delegate(s))
		return;
	if (c->agent && *c->agent) {
		if (!(a = agent_registry_find(&s->reg, c->agent)))
			return;
		if (a == self && c->subtask != 1)
			return;
	} else if (c->subtask != 1) {
		return;
	}
	free(s->turn_subtask);
	s->turn_subtask = xstrfmt("/%s", c->name);
	s->subtask_agent = a->name;
	loop_set_subtask(s->loop, a->name, s->turn_subtask);
}

int session_add_dir(struct session *s, const char *dir, struct strbuf *err)
{
	char real[PATH_MAX];
	const char *home = getenv("HOME");
	char rhome[PATH_MAX];

	if (!realpath(dir, real) || !file_is_dir(real))
		return strbuf_seterr(err, "%s is not a directory", dir);
	/* as for additionalDirectories: never the whole home, or / */
	if (!strcmp(real, "/") ||
	    (home && realpath(home, rhome) && !strncmp(rhome, real, strlen(real)) &&
	     (rhome[strlen(real)] == '/' || !rhome[strlen(real)])))
		return strbuf_seterr(err, "%s is or holds your home directory; name a project directory", real);
	if (strvec_find(&s->roots, real) >= 0)
		return strbuf_seterr(err, "%s counts as the workspace already", real);
	strvec_push(&s->roots, real);
	loop_add_root(s->loop, real);
	/* the servers hear it (notifications/roots/list_changed) */
	mcp_set_roots(&s->mcp, &s->roots);
	return 0;
}

void session_mentions(struct session *s, const char *input, struct strbuf *prompt)
{
	struct strbuf attached = STRBUF_INIT;

	if (!s->mcp.nr || !strchr(input, '@') || !strchr(input, ':')) {
		strbuf_addstr(prompt, input);
		return;
	}
	mcp_wait(&s->mcp, s->mcp.start_timeout_ms > 0 ? s->mcp.start_timeout_ms : 10000);
	mcp_expand_mentions(&s->mcp, input, NULL, prompt, &attached);
	strbuf_add(prompt, attached.buf, attached.len);
	strbuf_release(&attached);
}

int session_prompt(struct session *s, const char *input, struct strbuf *prompt,
		   struct strbuf *err)
{
	struct command_io io = { io_read, io_run, NULL };
	struct strbuf src = STRBUF_INIT, model = STRBUF_INIT;
	const struct command *c;
	char *line = xstrdup(input), *name, *args;
	int rc = 0;

	if (!command_split(line, &name, &args) || !command_shaped(name)) {
		session_mentions(s, input, prompt);
		goto out;
	}
	if (!(c = command_get(&s->commands, name, err))) {
		const struct skill *sk = skill_find(&s->skills, name);

		if (err->len) {		/* a command whose file has errors */
			rc = -1;
			goto out;
		}

		/* /mcp__server__prompt: an MCP server's prompt */
		if (!strncmp(name, "mcp__", 5)) {
			mcp_wait(&s->mcp, s->mcp.start_timeout_ms > 0 ? s->mcp.start_timeout_ms : 10000);
			rc = mcp_prompt_command(&s->mcp, name, args, NULL, prompt, err) ? -1 : 1;
			goto out;
		}
		/* /NAME of a skill: its instructions are the prompt */
		if (sk) {
			rc = skill_body(sk, args, prompt, err) ? -1 : 1;
			if (rc > 0)
				loop_activate_skill(s->loop, sk);
			goto out;
		}
		rc = strbuf_seterr(err, "unknown command /%s; 'archie commands list' and 'archie skills list' show the custom commands and skills (a prompt that starts with '/' goes after --)",
				   name);
		goto out;
	}
	io.ud = s->loop;
	strbuf_addf(&src, "command /%s (%s)", c->name, c->path);
	if (c->allowed_tools.nr && loop_allow_rules(s->loop, src.buf, &c->allowed_tools, err)) {
		rc = -1;
		goto out;
	}
	if (c->allowed_tools.nr)
		s->turn_rules = strbuf_detach(&src, NULL);
	if (c->model && *c->model) {
		strbuf_addf(&model, "%s/%s", loop_provider_name(s->loop), loop_model_id(s->loop));
		struct strbuf why = STRBUF_INIT;

		if (loop_set_model(s->loop, c->model, &why)) {
			session_prompt_done(s);
			rc = strbuf_seterr(err, "/%s names the model '%s': %s", c->name, c->model, why.buf);
			strbuf_release(&why);
			goto out;
		}
		strbuf_release(&why);
		s->turn_model = strbuf_detach(&model, NULL);
	}
	if (command_expand(c, args, &io, prompt, err)) {
		session_prompt_done(s);
		rc = -1;
		goto out;
	}
	command_subtask(s, c);
	rc = 1;
out:
	free(line);
	strbuf_release(&src);
	strbuf_release(&model);
	return rc;
}

void session_prompt_done(struct session *s)
{
	struct strbuf err = STRBUF_INIT;

	if (s->turn_rules)
		loop_drop_rules(s->loop, s->turn_rules);
	if (s->turn_model)
		loop_set_model(s->loop, s->turn_model, &err);
	free(s->turn_rules);
	free(s->turn_model);
	free(s->turn_subtask);
	s->turn_rules = s->turn_model = s->turn_subtask = NULL;
	s->subtask_agent = NULL;
	if (s->loop)
		loop_set_subtask(s->loop, NULL, NULL);
	strbuf_release(&err);
}
