/*
 * hooks: loading and running hooks.  See hooks.h.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "hooks/hooks.h"

#include "config/config.h"
#include "core/fileio.h"
#include "core/proc.h"
#include "core/xalloc.h"
#include "policy/childenv.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOOK_DEFAULT_TIMEOUT_MS 60000L

static const char *const event_names[HOOK_EVENTS] = {
	"PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop", "SubagentStop", "SessionStart",
};

const char *hook_event_name(enum hook_event e)
{
	return event_names[e];
}

void hooks_init(struct hooks *h)
{
	memset(h, 0, sizeof(*h));
	diag_list_init(&h->diags);
}

void hooks_release(struct hooks *h)
{
	size_t i;

	for (i = 0; i < h->nr; i++) {
		free(h->v[i].matcher);
		free(h->v[i].command);
		free(h->v[i].source);
		pcre2_code_free(h->v[i].re);
	}
	free(h->v);
	diag_list_release(&h->diags);
	memset(h, 0, sizeof(*h));
}

/* ---- loading --------------------------------------------------------------------- */

static void add_hook(struct hooks *h, enum hook_event ev, const char *matcher,
		     json_t *cmd, const char *file)
{
	const char *command = json_string_value(json_object_get(cmd, "command"));
	const char *type = json_string_value(json_object_get(cmd, "type"));
	json_t *timeout = json_object_get(cmd, "timeout");
	struct hook *k;

	if (json_is_string(cmd))
		command = json_string_value(cmd);
	if (type && strcmp(type, "command")) {
		diag_add(&h->diags, DIAG_WARNING, file, 0, 0,
			 "%s hook of type '%s' is not supported (only \"command\"); ignored",
			 event_names[ev], type);
		return;
	}
	if (!command || !*command) {
		diag_add(&h->diags, DIAG_ERROR, file, 0, 0, "a %s hook has no \"command\"",
			 event_names[ev]);
		return;
	}
	ALLOC_GROW(h->v, h->nr + 1, h->alloc);
	k = &h->v[h->nr++];
	memset(k, 0, sizeof(*k));
	k->event = ev;
	k->command = xstrdup(command);
	k->source = xstrdup(file);
	/* Claude Code's timeout is in seconds */
	k->timeout_ms = json_is_number(timeout) && json_number_value(timeout) > 0
			? (long)(json_number_value(timeout) * 1000) : HOOK_DEFAULT_TIMEOUT_MS;
	if (matcher && *matcher && strcmp(matcher, "*")) {
		struct strbuf re = STRBUF_INIT;
		int err;
		PCRE2_SIZE off;

		k->matcher = xstrdup(matcher);
		strbuf_addf(&re, "^(?:%s)$", matcher);
		k->re = pcre2_compile((PCRE2_SPTR)re.buf, re.len, PCRE2_UTF, &err, &off, NULL);
		if (!k->re) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(err, msg, sizeof(msg));
			diag_add(&h->diags, DIAG_ERROR, file, 0, 0,
				 "the %s matcher '%s' is not a valid regular expression: %s; the hook never runs",
				 event_names[ev], matcher, (const char *)msg);
			free(k->command);
			free(k->source);
			free(k->matcher);
			h->nr--;
		}
		strbuf_release(&re);
	}
}

/* One file's hooks object: {"PreToolUse": [{"matcher", "hooks": [...]}], ...} */
static void load_object(struct hooks *h, json_t *obj, const char *file)
{
	const char *key;
	json_t *list;

	if (!json_is_object(obj)) {
		if (obj && !json_is_null(obj))
			diag_add(&h->diags, DIAG_ERROR, file, 0, 0,
				 "'hooks' must be a map of events (PreToolUse, PostToolUse, ...)");
		return;
	}
	json_object_foreach(obj, key, list) {
		int ev = -1, i;
		size_t g, c;
		json_t *group, *cmds, *cmd;

		for (i = 0; i < HOOK_EVENTS; i++)
			if (!strcmp(key, event_names[i]))
				ev = i;
		if (ev < 0) {
			diag_add(&h->diags, DIAG_WARNING, file, 0, 0,
				 "unknown hook event '%s' (archie runs PreToolUse, PostToolUse, UserPromptSubmit, Stop, SubagentStop, SessionStart); ignored",
				 key);
			continue;
		}
		if (!json_is_array(list)) {
			diag_add(&h->diags, DIAG_ERROR, file, 0, 0, "hooks.%s must be a list", key);
			continue;
		}
		json_array_foreach(list, g, group) {
			const char *matcher = json_string_value(json_object_get(group, "matcher"));

			cmds = json_object_get(group, "hooks");
			if (!cmds && json_object_get(group, "command")) {
				/* the short form: {matcher, command} */
				add_hook(h, (enum hook_event)ev, matcher, group, file);
				continue;
			}
			json_array_foreach(cmds, c, cmd)
				add_hook(h, (enum hook_event)ev, matcher, cmd, file);
		}
	}
}

static void load_settings(struct hooks *h, const char *path)
{
	struct strbuf data = STRBUF_INIT_CAP((size_t)1 << 20), err = STRBUF_INIT;
	json_error_t jerr;
	json_t *j;

	if (access(path, R_OK) || file_read(path, (size_t)1 << 20, &data, &err)) {
		strbuf_release(&data);
		strbuf_release(&err);
		return;
	}
	j = json_loadb(data.buf, data.len, 0, &jerr);
	if (!j)
		diag_add(&h->diags, DIAG_ERROR, path, jerr.line, jerr.column,
			 "invalid JSON: %s; its hooks are not used", jerr.text);
	else
		load_object(h, json_object_get(j, "hooks"), path);
	json_decref(j);
	strbuf_release(&data);
	strbuf_release(&err);
}

void hooks_load(struct hooks *h, const struct config *cfg, const char *root, const char *home)
{
	struct strbuf p = STRBUF_INIT;
	size_t i;
	json_t *e;

	json_array_foreach(cfg ? cfg->hooks : NULL, i, e)
		load_object(h, json_object_get(e, "value"), json_string_value(json_object_get(e, "file")));
	if (home && *home) {
		file_join(&p, home, ".claude/settings.json");
		load_settings(h, p.buf);
	}
	if (root) {
		strbuf_reset(&p);
		file_join(&p, root, ".claude/settings.json");
		load_settings(h, p.buf);
		strbuf_reset(&p);
		file_join(&p, root, ".claude/settings.local.json");
		load_settings(h, p.buf);
	}
	strbuf_release(&p);
}

/* ---- running ------------------------------------------------------------------------ */

static int matches(const struct hook *k, const char *tool)
{
	pcre2_match_data *md;
	int rc;

	if (!k->re)
		return 1;
	if (!tool)
		return 0;
	md = pcre2_match_data_create_from_pattern(k->re, NULL);
	rc = pcre2_match(k->re, (PCRE2_SPTR)tool, strlen(tool), 0, 0, md, NULL) >= 0;
	pcre2_match_data_free(md);
	return rc;
}

int hooks_any(const struct hooks *h, enum hook_event ev, const char *tool)
{
	size_t i;

	for (i = 0; h && i < h->nr; i++)
		if (h->v[i].event == ev && matches(&h->v[i], tool))
			return 1;
	return 0;
}

static json_t *input_json(enum hook_event ev, const struct hook_input *in)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "session_id", in->session ? in->session : "",
			      "cwd", in->cwd ? in->cwd : "", "hook_event_name", event_names[ev],
			      "transcript_path", "");
	json_error_t jerr;

	if (in->agent)
		json_object_set_new(o, "agent", json_string(in->agent));
	if (in->tool)
		json_object_set_new(o, "tool_name", json_string(in->tool));
	if (in->tool_input) {
		json_t *a = json_loads(in->tool_input, 0, &jerr);

		json_object_set_new(o, "tool_input", a ? a : json_string(in->tool_input));
	}
	if (in->tool_response) {
		json_object_set_new(o, "tool_response", json_string(in->tool_response));
		json_object_set_new(o, "is_error", json_boolean(in->tool_error));
	}
	if (in->prompt)
		json_object_set_new(o, "prompt", json_string(in->prompt));
	if (ev == HOOK_STOP || ev == HOOK_SUBAGENT_STOP)
		json_object_set_new(o, "stop_hook_active", json_false());
	return o;
}

static void add_line(struct strbuf *sb, const char *s, size_t n)
{
	if (!n)
		return;
	if (sb->len)
		strbuf_addch(sb, '\n');
	strbuf_add(sb, s, n);
}

/* A hook's JSON output (Claude Code's form): a decision, a reason,
 * context for the model. */
static void json_output(json_t *res, struct hook_outcome *out, const char **outcome,
			struct strbuf *note)
{
	json_t *hso = json_object_get(res, "hookSpecificOutput");
	const char *dec = json_string_value(json_object_get(res, "decision"));
	const char *pd = json_string_value(json_object_get(hso, "permissionDecision"));
	const char *why = json_string_value(json_object_get(res, "reason"));
	const char *ctx = json_string_value(json_object_get(hso, "additionalContext"));

	if (!why)
		why = json_string_value(json_object_get(hso, "permissionDecisionReason"));
	if (!ctx)
		ctx = json_string_value(json_object_get(res, "additionalContext"));
	if ((dec && !strcmp(dec, "block")) || (pd && !strcmp(pd, "deny")) ||
	    json_is_false(json_object_get(res, "continue"))) {
		const char *sr = json_string_value(json_object_get(res, "stopReason"));

		*outcome = "block";
		out->block = 1;
		why = why ? why : sr ? sr : "blocked by a hook";
		add_line(&out->reason, why, strlen(why));
		strbuf_addstr(note, why);
	} else if ((dec && !strcmp(dec, "approve")) || (pd && !strcmp(pd, "allow"))) {
		out->allow = 1;
	}
	if (ctx && *ctx) {
		add_line(&out->context, ctx, strlen(ctx));
		if (strcmp(*outcome, "block"))
			*outcome = "context";
	}
}

void hooks_run(const struct hooks *h, enum hook_event ev, const struct hook_input *in,
	       struct hook_outcome *out,
	       void (*record)(void *ud, const struct hook_run *r), void *ud)
{
	json_t *input = NULL;
	char *text = NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	strbuf_init(&out->reason, (size_t)64 << 10);
	strbuf_init(&out->context, (size_t)256 << 10);
	strbuf_init(&out->problems, (size_t)64 << 10);
	for (i = 0; h && i < h->nr; i++) {
		const struct hook *k = &h->v[i];
		struct strbuf err = STRBUF_INIT, o = STRBUF_INIT_CAP((size_t)1 << 20),
			      e = STRBUF_INIT_CAP((size_t)64 << 10), note = STRBUF_INIT;
		struct hook_run run;
		struct proc p;
		struct strvec env = STRVEC_INIT;
		json_error_t jerr;
		json_t *res;
		const char *outcome = "allow";
		int failed = 0;

		if (k->event != ev || !matches(k, in->tool))
			continue;
		if (!input) {
			input = input_json(ev, in);
			text = json_dumps(input, JSON_COMPACT);
		}
		proc_init(&p);
		strvec_push(&p.argv, "/bin/sh");
		strvec_push(&p.argv, "-c");
		strvec_push(&p.argv, k->command);
		/* hooks may come from the repository's .claude/settings.json:
		 * they get a scrubbed environment, like commands */
		childenv_build(&env, NULL);
		p.envp = (const char *const *)env.v;
		p.cwd = in->cwd;
		p.timeout_ms = k->timeout_ms;
		p.input = text;
		p.input_len = strlen(text);
		p.cancel = in->cancel;
		out->ran++;
		if (proc_run(&p, &err)) {
			failed = 1;
			outcome = "error";
			strbuf_addf(&note, "could not run: %s", err.buf);
		} else {
			headtail_render(&p.out_buf, NULL, &o);
			headtail_render(&p.err_buf, NULL, &e);
			strbuf_rtrim(&o);
			strbuf_rtrim(&e);
			if (p.timed_out) {
				failed = 1;
				outcome = "timeout";
				strbuf_addf(&note, "timed out after %ld ms", k->timeout_ms);
			} else if (p.exit_code == 2) {
				outcome = "block";
				out->block = 1;
				add_line(&out->reason, e.len ? e.buf : o.buf, e.len ? e.len : o.len);
				if (!out->reason.len)
					strbuf_addstr(&out->reason, "blocked by a hook");
				strbuf_addstr(&note, out->reason.buf);
			} else if (p.exit_code != 0) {
				failed = 1;
				outcome = "error";
				if (p.exit_code < 0)
					strbuf_addf(&note, "killed by signal %d", p.term_signal);
				else
					strbuf_addf(&note, "exit code %d", p.exit_code);
				if (e.len)
					strbuf_addf(&note, ": %.300s", e.buf);
			} else if (o.len && o.buf[0] == '{' && (res = json_loadb(o.buf, o.len, 0, &jerr))) {
				json_output(res, out, &outcome, &note);
				json_decref(res);
			} else if (o.len && (ev == HOOK_USER_PROMPT_SUBMIT || ev == HOOK_SESSION_START)) {
				/* plain output of these events is context */
				add_line(&out->context, o.buf, o.len);
				outcome = "context";
			}
		}
		if (failed) {
			if (ev == HOOK_PRE_TOOL_USE) {
				/* fails closed: a check that cannot run does not pass */
				out->block = 1;
				strbuf_addf(&out->reason, "%sthe hook '%s' (%s) failed: %s; the call is blocked until it works",
					    out->reason.len ? "\n" : "", k->command, k->source, note.buf);
			} else {
				strbuf_addf(&out->problems, "%sthe %s hook '%s' (%s) failed: %s",
					    out->problems.len ? "\n" : "", event_names[ev], k->command,
					    k->source, note.buf);
			}
		}
		memset(&run, 0, sizeof(run));
		run.hook = k;
		run.event = event_names[ev];
		run.outcome = outcome;
		run.exit_code = p.exit_code;
		run.duration_ms = p.duration_ms;
		run.detail = note.len ? note.buf : out->context.len ? out->context.buf : NULL;
		if (record)
			record(ud, &run);
		proc_release(&p);
		strvec_release(&env);
		strbuf_release(&err);
		strbuf_release(&o);
		strbuf_release(&e);
		strbuf_release(&note);
		if (out->block && ev == HOOK_PRE_TOOL_USE)
			break;		/* the call will not run: later hooks need not judge it */
	}
	json_decref(input);
	free(text);
}

void hook_outcome_release(struct hook_outcome *o)
{
	strbuf_release(&o->reason);
	strbuf_release(&o->context);
	strbuf_release(&o->problems);
}
