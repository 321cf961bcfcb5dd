/*
 * cmd_agents: `archie agents list|show|validate`.
 *
 * list and show load the whole search path (registry.h); validate checks
 * either the search path or the files and directories it is given, and
 * exits 1 when it finds an error.
 */
#include "cli/cli.h"

#include "agent/agent.h"
#include "agent/registry.h"
#include "agent/routing.h"
#include "core/diag.h"
#include "delegate/delegate.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* A path for people: relative to the working directory when inside it,
 * ~/... under HOME; unprintable bytes escaped. */
static void display_path(const char *path, struct strbuf *out)
{
	char cwd[PATH_MAX];
	const char *home = getenv("HOME");
	size_t n;

	if (getcwd(cwd, sizeof(cwd)) && (n = strlen(cwd)) &&
	    !strncmp(path, cwd, n) && path[n] == '/')
		path += n + 1;
	else if (home && (n = strlen(home)) > 1 && !strncmp(path, home, n) &&
		 path[n] == '/') {
		strbuf_addch(out, '~');
		path += n;
	}
	strbuf_add_printable(out, path, strlen(path));
}

static json_t *diags_json(const struct diag_list *dl)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < dl->nr; i++) {
		struct strbuf f = STRBUF_INIT;
		const struct diag *d = &dl->v[i];

		strbuf_add_printable(&f, d->file, strlen(d->file));
		json_array_append_new(arr, json_pack("{s:s, s:i, s:i, s:s, s:s}",
			"file", f.buf, "line", d->line, "column", d->col,
			"severity", d->severity == DIAG_ERROR ? "error" : "warning",
			"message", d->msg));
		strbuf_release(&f);
	}
	return arr;
}

/* Errors met while loading the search path: shown so a broken file is
 * never silently missing from a listing. */
static void report_load_errors(const struct agent_registry *reg)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < reg->diags.nr; i++) {
		if (reg->diags.v[i].severity != DIAG_ERROR)
			continue;
		strbuf_reset(&sb);
		diag_format(&reg->diags.v[i], &sb);
		fprintf(stderr, "%s\n", sb.buf);
	}
	if (reg->diags.errors)
		fprintf(stderr, "archie: agent files with errors were skipped; 'archie agents validate' checks them\n");
	strbuf_release(&sb);
}

static int load_registry(struct cli_ctx *ctx, struct agent_registry *reg)
{
	struct agent_search search;
	struct strbuf err = STRBUF_INIT;
	int rc;

	memset(&search, 0, sizeof(search));
	search.extra_dirs = &ctx->agents_dirs;
	agent_registry_init(reg);
	rc = agent_registry_load(reg, &search, &err);
	if (rc) {
		cli_usage_error("%s", err.buf);
		agent_registry_release(reg);
	}
	strbuf_release(&err);
	return rc;
}

static int terminal_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) &&
	    ws.ws_col >= 40)
		return ws.ws_col;
	return 0;
}

static void source_label(const struct agent *a, struct strbuf *out)
{
	if (a->builtin)
		strbuf_addstr(out, "builtin");
	else
		display_path(a->path, out);
}

/* ---- list ------------------------------------------------------------- */

static int agents_list(struct cli_ctx *ctx, int argc, char **argv)
{
	struct agent_registry reg;
	struct strbuf sb = STRBUF_INIT;
	size_t i, j, wname = 4, wsrc = 6, wmode = 4, wmodel = 5;
	int show_all = 0, width, used;

	for (i = 2; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--all"))
			show_all = 1;
		else
			return cli_usage_error("agents list: unknown argument '%s'",
					       argv[i]);
	}
	if (load_registry(ctx, &reg))
		return CLI_EXIT_USAGE;
	report_load_errors(&reg);

	if (ctx->json) {
		json_t *arr = json_array();

		for (i = 0; i < reg.nr; i++) {
			const struct agent_entry *e = &reg.entries[i];
			json_t *o = agent_to_json(e->agent, 0), *ov = json_array();

			for (j = 0; j < e->shadowed_nr; j++)
				json_array_append_new(ov, json_string(e->shadowed[j]->path));
			json_object_set_new(o, "overrides", ov);
			json_array_append_new(arr, o);
		}
		cli_print_json(json_pack("{s:o, s:o}", "agents", arr,
					 "diagnostics", diags_json(&reg.diags)));
		agent_registry_release(&reg);
		return CLI_EXIT_OK;
	}

	for (i = 0; i < reg.nr; i++) {
		const struct agent *a = reg.entries[i].agent;

		strbuf_reset(&sb);
		source_label(a, &sb);
		if (reg.entries[i].shadowed_nr)
			strbuf_addf(&sb, " (overrides %zu)", reg.entries[i].shadowed_nr);
		if (sb.len > wsrc)
			wsrc = sb.len;
		if (strlen(a->name) > wname)
			wname = strlen(a->name);
		if (strlen(agent_mode_name(a->mode)) > wmode)
			wmode = strlen(agent_mode_name(a->mode));
		if (a->model && strlen(a->model) > wmodel)
			wmodel = strlen(a->model);
	}
	width = terminal_width();
	used = (int)(wname + wsrc + wmode + wmodel + 8);
	printf("%-*s  %-*s  %-*s  %-*s  %s\n", (int)wname, "NAME", (int)wsrc,
	       "SOURCE", (int)wmode, "MODE", (int)wmodel, "MODEL", "DESCRIPTION");
	for (i = 0; i < reg.nr; i++) {
		const struct agent_entry *e = &reg.entries[i];
		const struct agent *a = e->agent;
		struct strbuf desc = STRBUF_INIT;

		strbuf_reset(&sb);
		source_label(a, &sb);
		if (e->shadowed_nr)
			strbuf_addf(&sb, " (overrides %zu)", e->shadowed_nr);
		agent_short_description(a, width && width - used > 20
					    ? (size_t)(width - used) : 100, &desc);
		printf("%-*s  %-*s  %-*s  %-*s  %s\n", (int)wname, a->name,
		       (int)wsrc, sb.buf, (int)wmode, agent_mode_name(a->mode),
		       (int)wmodel, a->model ? a->model : "-", desc.buf);
		strbuf_release(&desc);
		for (j = 0; show_all && j < e->shadowed_nr; j++) {
			strbuf_reset(&sb);
			source_label(e->shadowed[e->shadowed_nr - 1 - j], &sb);
			printf("%-*s  %s (overridden)\n", (int)wname, "", sb.buf);
		}
	}
	strbuf_release(&sb);
	agent_registry_release(&reg);
	return CLI_EXIT_OK;
}

/* ---- show ------------------------------------------------------------- */

static void print_list(const char *label, const struct strvec *sv)
{
	size_t i;

	printf("%-13s", label);
	if (!sv->nr)
		printf("-");
	for (i = 0; i < sv->nr; i++)
		printf("%s%s", i ? ", " : "", sv->v[i]);
	printf("\n");
}

/* Levenshtein distance, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, *row, res;

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	row = xcalloc(lb + 1, sizeof(*row));
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	res = row[lb];
	free(row);
	return res;
}

static int no_such_agent(const struct agent_registry *reg, const char *name)
{
	const char *best = NULL;
	size_t i, bestd = 3;

	for (i = 0; i < reg->nr; i++) {
		size_t d = edit_distance(name, reg->entries[i].agent->name);

		if (d < bestd) {
			bestd = d;
			best = reg->entries[i].agent->name;
		}
	}
	if (best)
		return cli_error("no agent named '%s'; did you mean '%s'? ('archie agents list' shows them all)",
				 name, best);
	return cli_error("no agent named '%s'; 'archie agents list' shows the agents",
			 name);
}

static void print_agent(const struct agent_entry *e)
{
	const struct agent *a = e->agent;
	struct agent_tools tools;
	struct strbuf sb = STRBUF_INIT;
	const char *key;
	json_t *val;
	size_t i, lines = 0;
	const char *p;

	agent_tools_init(&tools);
	agent_resolve_tools(a, &tools);
	printf("%-13s%s\n", "name:", a->name);
	printf("%-13s%s\n", "description:", a->description ? a->description : "-");
	source_label(a, &sb);
	printf("%-13s%s\n", "source:", sb.buf);
	for (i = 0; i < e->shadowed_nr; i++) {
		strbuf_reset(&sb);
		source_label(e->shadowed[e->shadowed_nr - 1 - i], &sb);
		printf("%-13s%s\n", i ? "" : "overrides:", sb.buf);
	}
	printf("%-13s%s\n", "format:", a->format);
	printf("%-13s%s\n", "mode:", agent_mode_name(a->mode));
	printf("%-13s%s\n", "model:", a->model ? a->model : "- (the configured default)");
	if (a->has_temperature)
		printf("%-13s%g\n", "temperature:", a->temperature);
	if (a->color)
		printf("%-13s%s\n", "color:", a->color);
	if (a->max_turns)
		printf("%-13s%ld\n", "max turns:", a->max_turns);
	if (a->timeout_mins)
		printf("%-13s%g min\n", "timeout:", a->timeout_mins);
	print_list("tools:", &tools.enabled);
	if (tools.mcp.nr)
		print_list("mcp tools:", &tools.mcp);
	print_list("unavailable:", &tools.unavailable);
	printf("%-13s%s\n", "permissions:", a->rules_nr ? "" : "-");
	for (i = 0; i < a->rules_nr; i++) {
		const struct policy_rule *r = &a->rules[i];

		strbuf_reset(&sb);
		strbuf_addstr(&sb, r->tool);
		if (r->pattern)
			strbuf_addf(&sb, " \"%s\"", r->pattern);
		printf("  %-5s %-30s (%s, line %d)\n", rule_action_name(r->action),
		       sb.buf, r->syntax, r->line);
	}
	if (a->routes_nr || a->routing != AGENT_ROUTING_DEFAULT) {
		printf("%-13s%s", "routing:", agent_routing_name(agent_routing_effective(a)));
		if (a->routes_nr)
			printf(", routes from the %s (lines %d-%d)", a->routes_from,
			       a->routes[0].line, a->routes[a->routes_nr - 1].line);
		printf("\n");
		/* the routes alone, so both ways of writing them read the same */
		for (i = 0; i < a->routes_nr; i++) {
			const struct agent_route *r = &a->routes[i];
			size_t k;

			strbuf_reset(&sb);
			for (k = 0; k < r->keywords.nr; k++)
				strbuf_addf(&sb, "%s%s", k ? ", " : "", r->keywords.v[k]);
			printf("  %-22s <- %s\n", r->agent, sb.buf);
		}
	}
	if (json_object_size(a->extra)) {
		printf("%-13s\n", "other keys:");
		json_object_foreach(a->extra, key, val) {
			char *s = json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT);

			printf("  %s: %s\n", key, s ? s : "?");
			free(s);
		}
	}
	for (p = a->prompt; *p; p++)
		lines += *p == '\n';
	if (*a->prompt)
		lines++;
	printf("%-13s%zu bytes, %zu lines, ~%zu tokens\n", "prompt:",
	       strlen(a->prompt), lines, (strlen(a->prompt) + 3) / 4);
	agent_tools_release(&tools);
	strbuf_release(&sb);
}

static int agents_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct agent_registry reg;
	const struct agent_entry *e;
	int rc = CLI_EXIT_OK;

	if (argc != 3)
		return cli_usage_error("usage: archie agents show NAME");
	if (load_registry(ctx, &reg))
		return CLI_EXIT_USAGE;
	report_load_errors(&reg);
	e = agent_registry_entry(&reg, argv[2]);
	if (!e) {
		rc = no_such_agent(&reg, argv[2]);
	} else if (ctx->json) {
		json_t *o = agent_to_json(e->agent, 1), *ov = json_array();
		size_t j;

		for (j = 0; j < e->shadowed_nr; j++)
			json_array_append_new(ov, json_string(e->shadowed[j]->path));
		json_object_set_new(o, "overrides", ov);
		cli_print_json(o);
	} else {
		print_agent(e);
	}
	agent_registry_release(&reg);
	return rc;
}

/* ---- validate --------------------------------------------------------- */

/* Length of path's directory part ("" for a bare name). */
static size_t dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) : 0;
}

static int by_dir_then_path(const void *pa, const void *pb)
{
	const struct agent *a = *(struct agent *const *)pa, *b = *(struct agent *const *)pb;
	size_t la = dir_len(a->path), lb = dir_len(b->path);
	int c = strncmp(a->path, b->path, la < lb ? la : lb);

	if (c || la != lb)
		return c ? c : (la < lb ? -1 : 1);
	return strcmp(a->path, b->path);
}

/* Checks the files and directories named on the command line.  Files in
 * the same directory must not share a name, as in a search directory. */
static size_t validate_args(int argc, char **argv, struct diag_list *diags,
			    struct agent ***all, size_t *nr, size_t *alloc)
{
	struct agent **loose = NULL;
	size_t files = 0, lnr = 0, lalloc = 0, i, j;
	int n, k;

	for (n = 0; n < argc; n++) {
		struct agent *a;

		if (file_is_dir(argv[n])) {
			files += agent_registry_load_dir(argv[n], all, nr, alloc, diags);
			continue;
		}
		for (k = 0; k < n && strcmp(argv[k], argv[n]); k++)
			;
		if (k < n)
			continue;	/* the same file named twice */
		files++;
		a = agent_load_file(argv[n], diags);
		if (!a)
			continue;
		ALLOC_GROW(*all, *nr + 1, *alloc);
		(*all)[(*nr)++] = a;
		ALLOC_GROW(loose, lnr + 1, lalloc);
		loose[lnr++] = a;
	}
	/* the registry's check, one directory at a time */
	if (lnr > 1)
		qsort(loose, lnr, sizeof(*loose), by_dir_then_path);
	for (i = 0; i < lnr; i = j) {
		for (j = i + 1; j < lnr && dir_len(loose[j]->path) == dir_len(loose[i]->path) &&
			     !strncmp(loose[j]->path, loose[i]->path, dir_len(loose[i]->path)); j++)
			;
		agent_registry_check_duplicates(loose + i, j - i, diags);
	}
	free(loose);
	return files;
}

/* Routes to agents the search path does not have: a warning each (the
 * session says so too, once, when a prompt matches one). */
static void check_routes(const struct agent_registry *reg, struct diag_list *diags)
{
	size_t i, r, k;

	for (i = 0; i < reg->nr; i++) {
		const struct agent *a = reg->entries[i].agent;

		for (r = 0; r < a->routes_nr; r++) {
			const struct agent_route *rt = &a->routes[r];
			int seen = 0;

			for (k = 0; k < r && !seen; k++)
				seen = !strcmp(a->routes[k].agent, rt->agent);
			if (seen || delegate_find_agent(reg, rt->agent))
				continue;
			diag_add(diags, DIAG_WARNING, a->path, rt->line ? rt->line : 1, 1,
				 "the routing table names '%s', but there is no agent of that name; prompts matching it are not routed",
				 rt->agent);
		}
	}
}

static int agents_validate(struct cli_ctx *ctx, int argc, char **argv)
{
	struct diag_list diags = DIAG_LIST_INIT;
	struct agent_registry reg;
	struct agent **list = NULL;
	size_t nr = 0, alloc = 0, files, i, agents;
	int rc;

	agent_registry_init(&reg);
	if (argc > 2) {
		files = validate_args(argc - 2, argv + 2, &diags, &list, &nr, &alloc);
		agents = nr;
	} else {
		if (load_registry(ctx, &reg))
			return CLI_EXIT_USAGE;
		diag_list_move(&diags, &reg.diags);
		check_routes(&reg, &diags);
		files = reg.files;
		agents = reg.nr;
	}
	diag_list_sort(&diags);
	rc = diags.errors ? CLI_EXIT_FAILURE : CLI_EXIT_OK;

	if (ctx->json) {
		cli_print_json(json_pack("{s:b, s:I, s:I, s:I, s:I, s:o}",
			"ok", !diags.errors, "files", (json_int_t)files,
			"agents", (json_int_t)agents,
			"errors", (json_int_t)diags.errors,
			"warnings", (json_int_t)diags.warnings,
			"diagnostics", diags_json(&diags)));
	} else {
		diag_print(&diags, stdout);
		printf("%zu file%s checked: %zu error%s, %zu warning%s\n", files,
		       files == 1 ? "" : "s", diags.errors,
		       diags.errors == 1 ? "" : "s", diags.warnings,
		       diags.warnings == 1 ? "" : "s");
	}
	for (i = 0; i < nr; i++)
		agent_free(list[i]);
	free(list);
	diag_list_release(&diags);
	agent_registry_release(&reg);
	return rc;
}

static int cmd_agents_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "list"))
		return agents_list(ctx, argc < 2 ? 2 : argc, argv);
	if (!strcmp(argv[1], "show"))
		return agents_show(ctx, argc, argv);
	if (!strcmp(argv[1], "validate"))
		return agents_validate(ctx, argc, argv);
	return cli_usage_error("agents: unknown subcommand '%s' (list, show or validate)",
			       argv[1]);
}

static const struct cmd_usage usage[] = {
	{ "agents list [--all]", "list the agents on the search path" },
	{ "agents show NAME", "show an agent's resolved tools, permissions and model" },
	{ "agents validate [FILE|DIR...]", "check agent files; exit 1 on errors" },
	{ NULL, NULL },
};

static const struct cmd_option options[] = {
	{ "--all", "list: also show the definitions each agent overrides" },
	{ "--json", "print JSON instead of text" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_agents_entry = {
	"agents", usage, options,
	"Agents are Markdown files with optional YAML frontmatter, in the formats of "
	"Claude Code, OpenCode, Gemini CLI or plain Markdown. Later directories of the "
	"search path override earlier ones by name. Without FILE arguments, validate "
	"checks every file on the search path.",
	cmd_agents_exec, 0,
};
