/*
 * config_runtimes: the settings of OpenCode, Gemini CLI and Codex that
 * archie honours (Claude Code's are in config_peers.c).
 *
 *   opencode.json(c) in the project and ~/.config/opencode/
 *       permission: its rules (edit, bash, webfetch, ... with patterns),
 *       as an agent's `permission:` is read; mcp: its servers
 *   .gemini/settings.json, ~/.gemini/settings.json
 *       tools.exclude (excludeTools): denied; tools.core (coreTools): the
 *       built-in tools not listed are denied; mcpServers
 *   .codex/config.toml, ~/.codex/config.toml ($CODEX_HOME)
 *       approval_policy and sandbox_mode: the permission mode;
 *       [mcp_servers.*]; [shell_environment_policy] (archie's own
 *       shell_environment is modelled on it)
 *
 * Everything else is noted as ignored, with why (`archie doctor`).  A file
 * that does not parse stops the run, as Claude Code's do: its denials
 * cannot be known.
 */
#include "config/config_int.h"

#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/toml.h"
#include "core/toolnames.h"
#include "core/xalloc.h"
#include "core/yamldoc.h"
#include "policy/rules.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SETTINGS_MAX ((size_t)4 << 20)

/* A settings file's text: 1, 0 when there is none (or it cannot be
 * read: a warning). */
static int read_text(struct config *cfg, const char *file, struct strbuf *data)
{
	struct strbuf err = STRBUF_INIT;

	if (access(file, F_OK))
		return 0;
	if (file_read(file, SETTINGS_MAX, data, &err)) {
		diag_add(&cfg->diags, DIAG_WARNING, file, 0, 0, "not read: %s", err.buf);
		config_peer_note(cfg, file, "not read: %s", err.buf);
		strbuf_release(&err);
		return 0;
	}
	strbuf_release(&err);
	return 1;
}

/* A JSON(C) settings file: 1 with yd (pointing into data), 0 when there
 * is none, -1 when it does not parse (an error, noted). */
static int read_json(struct config *cfg, const char *file, struct strbuf *data, struct yamldoc *yd)
{
	int rc = read_text(cfg, file, data);

	if (rc <= 0)
		return rc;
	if (yamldoc_parse_opts(yd, file, "settings", data->buf, data->len, 1, YAMLDOC_JSONC,
			       &cfg->diags)) {
		config_peer_note(cfg, file, "could not be parsed: nothing in it is honoured");
		return -1;
	}
	strvec_push(&cfg->files, file);
	return 1;
}

/* A TOML settings file, as JSON in *toml; as read_json. */
static int read_toml(struct config *cfg, const char *file, struct strbuf *data, json_t **toml)
{
	struct strbuf err = STRBUF_INIT;
	int line, col, rc = read_text(cfg, file, data);

	if (rc <= 0)
		return rc;
	if (!(*toml = toml_parse(data->buf, data->len, &line, &col, &err))) {
		diag_add(&cfg->diags, DIAG_ERROR, file, line, col, "invalid TOML: %s", err.buf);
		config_peer_note(cfg, file, "could not be parsed: nothing in it is honoured");
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	strvec_push(&cfg->files, file);
	return 1;
}

/* Servers in Claude Code's shape ({command, args, env} or {url,
 * headers}) for the MCP registry, archie's own config first. */
static void add_mcp(struct config *cfg, const char *file, json_t *servers)
{
	if (!json_is_object(servers) || !json_object_size(servers)) {
		json_decref(servers);
		return;
	}
	if (!cfg->mcp_servers)
		cfg->mcp_servers = json_array();
	json_array_append_new(cfg->mcp_servers, json_pack("{s:s, s:o}", "file", file, "value", servers));
}

static struct rules_ctx rules_of(struct config *cfg, struct yamldoc *yd, const char *file)
{
	struct config_rules *cr = config_rules_for(cfg, file);
	struct rules_ctx rc;

	memset(&rc, 0, sizeof(rc));
	rc.yd = yd;
	rc.path = file;
	rc.diags = &cfg->diags;
	rc.v = &cr->v;
	rc.nr = &cr->nr;
	rc.alloc = &cr->alloc;
	rc.group = (int)cr->nr * 1000;
	return rc;
}

/* ---- OpenCode ---------------------------------------------------------------- */

/* OpenCode's mcp: {name: {type: local, command: [...], environment}} or
 * {type: remote, url, headers}; enabled: false leaves one out. */
static json_t *opencode_mcp(json_t *mcp)
{
	json_t *out = json_object(), *def, *cmd;
	const char *name;

	json_object_foreach(mcp, name, def) {
		json_t *s = json_object();

		if (json_is_false(json_object_get(def, "enabled"))) {
			json_decref(s);
			continue;
		}
		cmd = json_object_get(def, "command");
		if (json_is_array(cmd) && json_array_size(cmd)) {
			json_object_set(s, "command", json_array_get(cmd, 0));
			json_object_set_new(s, "args", json_array());
			{
				size_t i;

				for (i = 1; i < json_array_size(cmd); i++)
					json_array_append(json_object_get(s, "args"), json_array_get(cmd, i));
			}
			if (json_is_object(json_object_get(def, "environment")))
				json_object_set(s, "env", json_object_get(def, "environment"));
		} else if (json_is_string(json_object_get(def, "url"))) {
			json_object_set(s, "url", json_object_get(def, "url"));
			if (json_is_object(json_object_get(def, "headers")))
				json_object_set(s, "headers", json_object_get(def, "headers"));
		}
		if (json_object_size(s))
			json_object_set_new(out, name, s);
		else
			json_decref(s);
	}
	return out;
}

/* Instruction file names or patterns, relative to root unless absolute. */
static void add_instructions(struct config *cfg, const char *root, json_t *names)
{
	json_t *v;
	size_t i;

	if (json_is_string(names)) {
		json_t *one = json_pack("[O]", names);

		add_instructions(cfg, root, one);
		json_decref(one);
		return;
	}
	json_array_foreach(names, i, v) {
		const char *n = json_string_value(v);
		struct strbuf p = STRBUF_INIT;

		if (!n || !*n)
			continue;
		if (n[0] == '/' || !root)
			strbuf_addstr(&p, n);
		else
			file_join(&p, root, n);
		strvec_push(&cfg->instructions, p.buf);
		strbuf_release(&p);
	}
}

static int opencode(struct config *cfg, const char *file, const char *root)
{
	struct strbuf data = STRBUF_INIT;
	struct fy_node_pair *p;
	struct yamldoc yd;
	void *it = NULL;
	int rc = read_json(cfg, file, &data, &yd);

	if (rc <= 0)
		goto out;
	while (yd.root && (p = fy_node_mapping_iterate(yd.root, &it)) != NULL) {
		char *key = yamldoc_scalar_dup(fy_node_pair_key(p));
		struct fy_node *v = fy_node_pair_value(p);

		if (key && !strcmp(key, "permission")) {
			struct rules_ctx rcx = rules_of(cfg, &yd, file);
			size_t before = *rcx.nr;

			rules_yaml_opencode(&rcx, fy_node_pair_key(p), v);
			config_peer_note(cfg, file, "permission: read (%zu rules)", *rcx.nr - before);
		} else if (key && !strcmp(key, "mcp")) {
			json_t *j = yamldoc_to_json(v);

			add_mcp(cfg, file, opencode_mcp(j));
			json_decref(j);
			config_peer_note(cfg, file, "mcp: read (its servers, as archie's)");
		} else if (key && !strcmp(key, "agent")) {
			config_peer_note(cfg, file, "agent: read (its agents are in 'archie agents list')");
		} else if (key && !strcmp(key, "instructions")) {
			json_t *j = yamldoc_to_json(v);

			add_instructions(cfg, root, j);
			json_decref(j);
			config_peer_note(cfg, file, "instructions: read (in the system prompt)");
		} else if (key && strcmp(key, "$schema")) {
			config_peer_note(cfg, file, "%s: ignored (%s)", key,
					 !strcmp(key, "agent") ? "read by the agent registry: 'archie agents list' shows them"
					 : !strcmp(key, "instructions") ? "archie reads AGENTS.md and the other memory files, not extra ones"
					 : "an OpenCode setting archie does not use");
		}
		free(key);
	}
	yamldoc_release(&yd);
	rc = 0;
out:
	strbuf_release(&data);
	return rc < 0 ? -1 : 0;
}

/* ---- Gemini CLI -------------------------------------------------------------- */

/* A Gemini tool spec ("run_shell_command(git push)", "write_file") as an
 * archie rule ("Bash(git push:*)", "Write"), or NULL for one archie does
 * not have. */
static char *gemini_rule(const char *spec)
{
	const char *paren = strchr(spec, '(');
	struct strbuf name = STRBUF_INIT, out = STRBUF_INIT;
	struct toolname_info info;

	strbuf_add(&name, spec, paren ? (size_t)(paren - spec) : strlen(spec));
	info = toolname_lookup(name.buf);
	strbuf_release(&name);
	if (info.kind != TOOLNAME_CANONICAL)
		return NULL;
	strbuf_addstr(&out, info.canonical);
	if (paren && !strcmp(info.canonical, "Bash")) {
		const char *end = strrchr(paren, ')');

		strbuf_addf(&out, "(%.*s:*)", (int)((end ? end : paren + strlen(paren)) - paren - 1),
			    paren + 1);
	}
	return strbuf_detach(&out, NULL);
}

static void gemini_tools(struct config *cfg, const char *file, struct yamldoc *yd,
			 struct fy_node *list, int core)
{
	struct config_rules *cr = config_rules_for(cfg, file);
	struct fy_node *item;
	struct strvec named = STRVEC_INIT;
	void *it = NULL;
	size_t before = cr->nr, i;
	int line = 0, col = 0;

	while ((item = fy_node_sequence_iterate(list, &it)) != NULL) {
		char *spec = yamldoc_scalar_dup(item), *rule = spec ? gemini_rule(spec) : NULL;
		struct policy_rule r;
		struct strbuf err = STRBUF_INIT;

		yamldoc_node_pos(yd, item, NULL, &line, &col);
		if (rule && core) {
			char *paren = strchr(rule, '(');

			if (paren)
				*paren = '\0';	/* a command-limited core tool: the tool stays */
			strvec_push(&named, rule);
		} else if (rule && !rules_parse_string(rule, RULE_DENY, &r, &err)) {
			r.line = line;
			r.col = col;
			r.syntax = "claude";
			ALLOC_GROW(cr->v, cr->nr + 1, cr->alloc);
			cr->v[cr->nr++] = r;
		} else if (spec) {
			config_peer_note(cfg, file, "tools entry '%s': ignored (not a tool archie has)", spec);
		}
		strbuf_release(&err);
		free(spec);
		free(rule);
	}
	if (core) {
		/* the built-in tools the list leaves out are denied */
		const char *const *d = toolname_defaults();
		struct strbuf err = STRBUF_INIT;

		for (i = 0; d[i]; i++) {
			struct policy_rule r;
			size_t k;

			for (k = 0; k < named.nr && strcmp(named.v[k], d[i]); k++)
				;
			if (k < named.nr || rules_parse_string(d[i], RULE_DENY, &r, &err))
				continue;
			r.line = line;
			r.col = 1;
			r.syntax = "claude";
			ALLOC_GROW(cr->v, cr->nr + 1, cr->alloc);
			cr->v[cr->nr++] = r;
		}
		strbuf_release(&err);
	}
	config_peer_note(cfg, file, "tools.%s: read (%zu tools denied)", core ? "core" : "exclude",
			 cr->nr - before);
	strvec_release(&named);
}

static int gemini(struct config *cfg, const char *file, const char *root)
{
	struct strbuf data = STRBUF_INIT;
	struct fy_node_pair *p;
	struct fy_node *tools;
	struct yamldoc yd;
	void *it = NULL;
	int rc = read_json(cfg, file, &data, &yd);

	if (rc <= 0)
		goto out;
	tools = yd.root ? fy_node_mapping_lookup_by_string(yd.root, "tools", FY_NT) : NULL;
	while (yd.root && (p = fy_node_mapping_iterate(yd.root, &it)) != NULL) {
		char *key = yamldoc_scalar_dup(fy_node_pair_key(p));
		struct fy_node *v = fy_node_pair_value(p), *x;

		if (!key) {
			continue;
		} else if (!strcmp(key, "tools") && fy_node_get_type(v) == FYNT_MAPPING) {
			if ((x = fy_node_mapping_lookup_by_string(v, "exclude", FY_NT)) &&
			    fy_node_get_type(x) == FYNT_SEQUENCE)
				gemini_tools(cfg, file, &yd, x, 0);
			if ((x = fy_node_mapping_lookup_by_string(v, "core", FY_NT)) &&
			    fy_node_get_type(x) == FYNT_SEQUENCE)
				gemini_tools(cfg, file, &yd, x, 1);
		} else if ((!strcmp(key, "excludeTools") || !strcmp(key, "coreTools")) &&
			   fy_node_get_type(v) == FYNT_SEQUENCE && !tools) {
			gemini_tools(cfg, file, &yd, v, !strcmp(key, "coreTools"));
		} else if (!strcmp(key, "mcpServers")) {
			add_mcp(cfg, file, yamldoc_to_json(v));
			config_peer_note(cfg, file, "mcpServers: read (its servers, as archie's)");
		} else if (!strcmp(key, "context") && fy_node_get_type(v) == FYNT_MAPPING &&
			   (x = fy_node_mapping_lookup_by_string(v, "fileName", FY_NT)) != NULL) {
			json_t *j = yamldoc_to_json(x);

			add_instructions(cfg, root, j);
			json_decref(j);
			config_peer_note(cfg, file, "context.fileName: read (the project's such files are in the system prompt)");
		} else {
			config_peer_note(cfg, file, "%s: ignored (a Gemini CLI setting archie does not use)", key);
		}
		free(key);
	}
	yamldoc_release(&yd);
	rc = 0;
out:
	strbuf_release(&data);
	return rc < 0 ? -1 : 0;
}

/* ---- Codex -------------------------------------------------------------------- */

/* trusted: the user's file (see config_peers.c) */
static int codex(struct config *cfg, const char *file, int trusted)
{
	struct strbuf data = STRBUF_INIT;
	json_t *t = NULL, *v;
	const char *key;
	int rc = read_toml(cfg, file, &data, &t);

	if (rc <= 0)
		goto out;
	json_object_foreach(t, key, v) {
		const char *s = json_string_value(v);

		if (!strcmp(key, "approval_policy") && s) {
			/* never asking is what archie's accept mode does, within
			 * the sandbox; the others ask */
			config_peer_mode(cfg, !strcmp(s, "never") ? "accept" : "default", file, 0, trusted);
			config_peer_note(cfg, file, "approval_policy: read (%s: %s mode)", s,
					 !strcmp(s, "never") ? "accept" : "default");
		} else if (!strcmp(key, "sandbox_mode") && s) {
			if (!strcmp(s, "read-only")) {
				config_peer_mode(cfg, "plan", file, 0, trusted);
				config_peer_note(cfg, file, "sandbox_mode: read (read-only: plan mode)");
			} else {
				config_peer_note(cfg, file, "sandbox_mode: %s (%s)",
						 !strcmp(s, "workspace-write") ? "read" : "ignored",
						 !strcmp(s, "workspace-write") ? "archie's sandbox writes only the workspace"
						 : "archie keeps its sandbox; --sandbox off is the way to leave it");
			}
		} else if (!strcmp(key, "mcp_servers")) {
			add_mcp(cfg, file, json_incref(v));
			config_peer_note(cfg, file, "mcp_servers: read (its servers, as archie's)");
		} else if (!strcmp(key, "shell_environment_policy") && !trusted) {
			config_peer_note(cfg, file, "shell_environment_policy: ignored (a repository's config may not set the commands' environment; put it in ~/.codex/config.toml)");
		} else if (!strcmp(key, "shell_environment_policy") && json_is_object(v)) {
			json_t *p = json_object();
			const char *k;
			json_t *x;

			json_object_foreach(v, k, x)
				if (!strcmp(k, "inherit") || !strcmp(k, "exclude") || !strcmp(k, "include_only") ||
				    !strcmp(k, "set"))
					json_object_set(p, k, x);
				else
					config_peer_note(cfg, file, "shell_environment_policy.%s: ignored", k);
			if (!cfg->shell_env)
				cfg->shell_env = json_array();
			json_array_append_new(cfg->shell_env, json_pack("{s:s, s:o}", "file", file, "value", p));
			config_peer_note(cfg, file, "shell_environment_policy: read");
		} else {
			config_peer_note(cfg, file, "%s: ignored (a Codex setting archie does not use)", key);
		}
	}
	rc = 0;
out:
	json_decref(t);
	strbuf_release(&data);
	return rc < 0 ? -1 : 0;
}

int config_load_runtimes(struct config *cfg, const struct config_search *s)
{
	struct strbuf path = STRBUF_INIT;
	const char *home = s->home ? s->home : getenv("HOME");
	const char *xdg = s->config_home ? s->config_home : getenv("XDG_CONFIG_HOME");
	const char *codex_home = getenv("CODEX_HOME");
	int rc = 0;

	/* the user's, then the project's: a later mode wins */
	if (codex_home && *codex_home)
		file_join(&path, codex_home, "config.toml");
	else if (home && *home)
		file_join(&path, home, ".codex/config.toml");
	if (path.len)
		rc |= codex(cfg, path.buf, 1);
	strbuf_reset(&path);
	if (home && *home) {
		file_join(&path, home, ".gemini/settings.json");
		rc |= gemini(cfg, path.buf, s->project_root);
	}
	strbuf_reset(&path);
	if (xdg && *xdg)
		file_join(&path, xdg, "opencode/opencode.json");
	else if (home && *home)
		file_join(&path, home, ".config/opencode/opencode.json");
	if (path.len)
		rc |= opencode(cfg, path.buf, s->project_root);
	if (s->project_root) {
		static const char *const files[] = { "opencode.json", "opencode.jsonc" };
		size_t i;

		for (i = 0; i < 2; i++) {
			strbuf_reset(&path);
			file_join(&path, s->project_root, files[i]);
			rc |= opencode(cfg, path.buf, s->project_root);
		}
		strbuf_reset(&path);
		file_join(&path, s->project_root, ".gemini/settings.json");
		rc |= gemini(cfg, path.buf, s->project_root);
		strbuf_reset(&path);
		file_join(&path, s->project_root, ".codex/config.toml");
		rc |= codex(cfg, path.buf, 0);
	}
	strbuf_release(&path);
	return rc ? -1 : 0;
}
