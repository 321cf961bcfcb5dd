/*
 * config_peers: the settings users of other runtimes already have.
 *
 * A Claude Code user's `deny` rules protect files from every agent they
 * run; archie honours them as it honours its own.  Read here, after
 * archie's config files, weakest first:
 *
 *   ~/.claude/settings.json ($CLAUDE_CONFIG_DIR/settings.json)   user
 *   PROJECT/.claude/settings.json                                 project
 *   PROJECT/.claude/settings.local.json                           local
 *   /etc/claude-code/managed-settings.json                        managed
 *     ($ARCHIE_CLAUDE_MANAGED_SETTINGS replaces the path, for tests)
 *
 * permissions.allow/ask/deny become rules of a source named for the file
 * (their file:line in `archie policy explain`); across all sources the
 * strictest verdict wins, deny over ask over allow, as in Claude Code.
 * permissions.defaultMode sets the permission mode (the strongest file's;
 * --permission-mode overrides it); bypassPermissions is refused.  `env`
 * reaches the commands archie runs, less secret-looking names.  What was
 * read, and what was not and why, is kept for `archie doctor`.
 */
#include "config/config_int.h"

#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/yamldoc.h"
#include "policy/childenv.h"
#include "policy/rules.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SETTINGS_MAX ((size_t)4 << 20)

void config_peer_note(struct config *cfg, const char *file, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "%s: ", file);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strvec_push(&cfg->peer_notes, sb.buf);
	strbuf_release(&sb);
}

static struct fy_node *lookup(struct fy_node *map, const char *key)
{
	return map && fy_node_get_type(map) == FYNT_MAPPING ? fy_node_mapping_lookup_by_string(map, key, FY_NT)
							     : NULL;
}

void config_peer_mode(struct config *cfg, const char *mode, const char *file, int line,
		      int trusted)
{
	struct strbuf src = STRBUF_INIT;

	/* a repository's file may make the mode stricter, never looser: a
	 * cloned project must not turn asking off */
	if (!trusted && !strcmp(mode, "accept")) {
		diag_add(&cfg->diags, DIAG_WARNING, file, line, 1,
			 "the permission mode 'accept' is not taken from a file in the project (a repository must not turn asking off); set it in your own settings or pass --yes");
		config_peer_note(cfg, file, "permission mode: ignored (accept, from the project)");
		return;
	}
	strbuf_addf(&src, "%s:%d", file, line);
	config_set_str(&cfg->permission_mode, mode);
	config_set_str(&cfg->permission_mode_source, src.buf);
	strbuf_release(&src);
}

/* permissions.defaultMode: Claude Code's names for archie's modes. */
static void default_mode(struct config *cfg, struct yamldoc *yd, const char *file,
			 struct fy_node *v, int trusted)
{
	static const struct { const char *claude, *archie; } modes[] = {
		{ "default", "default" }, { "acceptEdits", "accept" }, { "plan", "plan" },
	};
	char *m = yamldoc_scalar_dup(v);
	int line, col;
	size_t i;

	yamldoc_node_pos(yd, v, NULL, &line, &col);
	for (i = 0; m && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(m, modes[i].claude)) {
			config_peer_note(cfg, file, "permissions.defaultMode: read (%s)", modes[i].archie);
			config_peer_mode(cfg, modes[i].archie, file, line, trusted);
			break;
		}
	if (m && i == sizeof(modes) / sizeof(modes[0])) {
		if (!strcmp(m, "bypassPermissions"))
			diag_add(&cfg->diags, DIAG_WARNING, file, line, col,
				 "defaultMode bypassPermissions is not honoured: archie never turns its checks off from a file; --yes allows what would ask, for one run");
		config_peer_note(cfg, file, "permissions.defaultMode: ignored ('%s' has no archie equivalent)", m);
	}
	free(m);
}

/* env: for the commands archie runs, as a shell_environment `set`; never
 * a secret-looking name, nor Claude Code's own settings. */
static void env_section(struct config *cfg, const char *file, struct fy_node *v)
{
	json_t *all = yamldoc_to_json(v), *set = json_object(), *val;
	const char *name;

	json_object_foreach(all, name, val) {
		if (!json_is_string(val) && !json_is_number(val) && !json_is_boolean(val))
			continue;
		if (childenv_secret_name(name, strlen(name)) || !strncmp(name, "CLAUDE_", 7) ||
		    !strncmp(name, "ANTHROPIC_", 10)) {
			config_peer_note(cfg, file, "env.%s: ignored (a secret or Claude Code's own setting never reaches a command)", name);
			continue;
		}
		if (json_is_string(val)) {
			json_object_set(set, name, val);
		} else {
			char *text = json_dumps(val, JSON_ENCODE_ANY);

			json_object_set_new(set, name, json_string(text ? text : ""));
			free(text);
		}
		config_peer_note(cfg, file, "env.%s: read (set for commands)", name);
	}
	if (json_object_size(set)) {
		if (!cfg->shell_env)
			cfg->shell_env = json_array();
		json_array_append_new(cfg->shell_env,
				      json_pack("{s:s, s:{s:o}}", "file", file, "value", "set", set));
	} else {
		json_decref(set);
	}
	json_decref(all);
}

/* permissions.additionalDirectories: more directories that count as the
 * workspace; relative ones from the project, "~/" from home. */
/* Whether dir (resolved) is /, the home directory or one above it. */
static int holds_home(const char *dir, const char *home)
{
	char rd[PATH_MAX], rh[PATH_MAX];
	size_t n;

	if (!realpath(dir, rd))
		return 1;	/* unresolvable: not taken */
	if (!strcmp(rd, "/"))
		return 1;
	if (!home || !realpath(home, rh))
		return 0;
	n = strlen(rd);
	return !strncmp(rh, rd, n) && (rh[n] == '/' || !rh[n]);
}

static void extra_dirs(struct config *cfg, const char *file, struct fy_node *v, const char *root)
{
	struct fy_node *item;
	void *it = NULL;
	size_t n = 0;

	while (fy_node_get_type(v) == FYNT_SEQUENCE && (item = fy_node_sequence_iterate(v, &it)) != NULL) {
		char *d = yamldoc_scalar_dup(item);
		struct strbuf abs = STRBUF_INIT;
		const char *home = getenv("HOME");

		if (!d || !*d) {
			free(d);
			continue;
		}
		if (d[0] == '~' && (d[1] == '/' || !d[1]) && home)
			file_join(&abs, home, d[1] ? d + 2 : "");
		else if (d[0] != '/' && root)
			file_join(&abs, root, d);
		else
			strbuf_addstr(&abs, d);
		if (!file_is_dir(abs.buf)) {
			config_peer_note(cfg, file, "permissions.additionalDirectories: '%s' ignored (not a directory)", d);
		} else if (holds_home(abs.buf, home)) {
			/* the home directory holds the keys and the shell's
			 * start-up files: it is never "the workspace" */
			config_peer_note(cfg, file, "permissions.additionalDirectories: '%s' ignored (it is or holds your home directory)", d);
		} else {
			strvec_push(&cfg->extra_dirs, abs.buf);
			n++;
		}
		free(d);
		strbuf_release(&abs);
	}
	config_peer_note(cfg, file, "permissions.additionalDirectories: read (%zu director%s counted as the workspace)",
			 n, n == 1 ? "y" : "ies");
}

/* trusted: the user's or the administrator's file, not the project's (a
 * repository may add rules, and make the mode stricter, but not widen
 * the workspace, loosen the mode or set the commands' environment). */
static int claude_settings(struct config *cfg, const char *file, const char *root, int trusted)
{
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT;
	struct yamldoc yd;
	struct fy_node *perms, *v;
	struct fy_node_pair *pr;
	void *it = NULL;
	int rc = 0;

	if (access(file, F_OK))
		goto out;
	if (file_read(file, SETTINGS_MAX, &data, &err)) {
		diag_add(&cfg->diags, DIAG_WARNING, file, 0, 0, "not read: %s", err.buf);
		config_peer_note(cfg, file, "not read: %s", err.buf);
		goto out;
	}
	if (yamldoc_parse_opts(&yd, file, "Claude Code settings", data.buf, data.len, 1,
			       YAMLDOC_JSON, &cfg->diags)) {
		/* fail closed: its deny rules cannot be known */
		config_peer_note(cfg, file, "could not be parsed: nothing in it is honoured");
		rc = -1;
		goto out;
	}
	strvec_push(&cfg->files, file);
	perms = lookup(yd.root, "permissions");
	while (perms && fy_node_get_type(perms) == FYNT_MAPPING &&
	       (pr = fy_node_mapping_iterate(perms, &it)) != NULL) {
		char *key = yamldoc_scalar_dup(fy_node_pair_key(pr));
		enum rule_action act;

		v = fy_node_pair_value(pr);
		if (key && !rules_parse_action(key, &act)) {
			struct config_rules *cr = config_rules_for(cfg, file);
			struct rules_ctx rctx;
			size_t before = cr->nr;

			memset(&rctx, 0, sizeof(rctx));
			rctx.yd = &yd;
			rctx.path = file;
			rctx.diags = &cfg->diags;
			rctx.v = &cr->v;
			rctx.nr = &cr->nr;
			rctx.alloc = &cr->alloc;
			rctx.group = (int)cr->nr * 1000;
			rules_claude_list(&rctx, fy_node_pair_key(pr), v, act);
			config_peer_note(cfg, file, "permissions.%s: read (%zu rules)", key, cr->nr - before);
		} else if (key && !strcmp(key, "defaultMode")) {
			default_mode(cfg, &yd, file, v, trusted);
		} else if (key && !strcmp(key, "additionalDirectories") && !trusted) {
			config_peer_note(cfg, file, "permissions.additionalDirectories: ignored (a repository's settings may not widen the workspace; put it in ~/.claude/settings.json)");
		} else if (key && !strcmp(key, "additionalDirectories")) {
			extra_dirs(cfg, file, v, root);
		} else {
			config_peer_note(cfg, file, "permissions.%s: ignored (archie has no such setting)",
			     key ? key : "?");
		}
		free(key);
	}
	it = NULL;
	while (yd.root && (pr = fy_node_mapping_iterate(yd.root, &it)) != NULL) {
		char *key = yamldoc_scalar_dup(fy_node_pair_key(pr));

		if (key && !strcmp(key, "env") && !trusted)
			config_peer_note(cfg, file, "env: ignored (a repository's settings may not set the commands' environment: PATH or LD_PRELOAD would run its programs; put it in ~/.claude/settings.json)");
		else if (key && !strcmp(key, "env"))
			env_section(cfg, file, fy_node_pair_value(pr));
		else if (key && strcmp(key, "permissions"))
			config_peer_note(cfg, file, "%s: ignored (a Claude Code setting archie does not use)", key);
		free(key);
	}
	yamldoc_release(&yd);
out:
	strbuf_release(&data);
	strbuf_release(&err);
	return rc;
}

int config_load_peers(struct config *cfg, const struct config_search *s)
{
	int rc = 0;

	struct strbuf path = STRBUF_INIT;
	const char *home = s->home ? s->home : getenv("HOME");
	const char *dir = getenv("CLAUDE_CONFIG_DIR");
	const char *managed = getenv("ARCHIE_CLAUDE_MANAGED_SETTINGS");

	if (dir && *dir)
		file_join(&path, dir, "settings.json");
	else if (home && *home)
		file_join(&path, home, ".claude/settings.json");
	if (path.len)
		rc |= claude_settings(cfg, path.buf, s->project_root, 1);
	if (s->project_root) {
		strbuf_reset(&path);
		file_join(&path, s->project_root, ".claude/settings.json");
		rc |= claude_settings(cfg, path.buf, s->project_root, 0);
		strbuf_reset(&path);
		file_join(&path, s->project_root, ".claude/settings.local.json");
		rc |= claude_settings(cfg, path.buf, s->project_root, 0);
	}
	rc |= claude_settings(cfg, managed && *managed ? managed : "/etc/claude-code/managed-settings.json",
			      s->project_root, 1);
	strbuf_release(&path);
	rc |= config_load_runtimes(cfg, s);
	return rc;
}
