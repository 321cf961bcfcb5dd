/*
 * cmd_mcp: `archie mcp` — the configured MCP servers and what they offer
 * (list, get, resources, read, prompts, prompt, call: for seeing and
 * debugging a server), and `add` / `remove`, which edit the project's
 * .mcp.json or the user's config.yaml as `claude mcp add` does.  See
 * src/mcp/mcp.h and docs/mcp.md.
 */
#include "cli/cli.h"

#include "agent/registry.h"
#include "config/config.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/toolnames.h"
#include "mcp/mcp.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The project's root (where .mcp.json is). */
static int project_root(struct strbuf *root)
{
	char cwd[4096];

	if (!getcwd(cwd, sizeof(cwd)))
		return cli_error("cannot get the working directory");
	agent_project_root(cwd, root);
	return 0;
}

/* Loads the configuration and the servers of the project; only (when
 * not NULL) names the one server to start. */
static int load(struct cli_ctx *ctx, struct config *cfg, struct mcp *m, const char *only,
		int start)
{
	struct config_search cs;
	struct strbuf root = STRBUF_INIT, dir = STRBUF_INIT;
	struct strvec roots = STRVEC_INIT;
	size_t i;
	int found = !only;

	if (project_root(&root))
		return -1;
	memset(&cs, 0, sizeof(cs));
	cs.project_root = root.buf;
	config_load(cfg, &cs);
	mcp_load(m, cfg, root.buf);
	store_default_dir(ctx->state_dir, &dir);
	strbuf_addstr(&dir, "/mcp");
	m->log_dir = strbuf_detach(&dir, NULL);
	store_default_dir(ctx->state_dir, &dir);
	strbuf_addstr(&dir, "/mcp-oauth.json");
	m->auth_file = strbuf_detach(&dir, NULL);
	diag_print(&m->diags, stderr);
	strvec_push(&roots, root.buf);
	for (i = 0; i < cfg->extra_dirs.nr; i++)
		strvec_push(&roots, cfg->extra_dirs.v[i]);
	mcp_set_roots(m, &roots);
	strvec_release(&roots);
	strbuf_release(&root);
	for (i = 0; only && i < m->nr; i++)
		if (strcmp(m->v[i].name, only) && m->v[i].state == MCP_CONFIGURED)
			m->v[i].state = MCP_FAILED;	/* only the one asked for starts */
		else if (!strcmp(m->v[i].name, only))
			found = 1;
	if (!found)
		return cli_error("no MCP server named '%s'; 'archie mcp list' shows them", only);
	if (!start)
		return 0;
	mcp_start(m);
	mcp_wait(m, 15000);
	for (i = 0; only && i < m->nr; i++)
		if (!strcmp(m->v[i].name, only) && m->v[i].state != MCP_READY)
			return cli_error("MCP server '%s' is unavailable: %s", only,
					 m->v[i].error ? m->v[i].error : "failed");
	return 0;
}

/* What a server says while a command runs: on stderr. */
static void say(void *ud, const char *line)
{
	(void)ud;
	fprintf(stderr, "archie: %s\n", line);
}

static const struct mcp_client cli_client = { .progress = say, .notice = say };

/* One line of a server's text on the user's terminal: its first line, at
 * most 80 characters (not cut inside a character), control characters
 * shown as spaces. */
static void print_line(const char *d)
{
	size_t n = strcspn(d, "\r\n"), j, cut = n < 80 ? n : 80;

	while (cut < n && cut > 0 && ((unsigned char)d[cut] & 0xC0) == 0x80)
		cut--;
	for (j = 0; j < cut; j++)
		putchar((unsigned char)d[j] < 0x20 || d[j] == 0x7f ? ' ' : d[j]);
	printf("%s\n", cut < n || d[n] ? " ..." : "");
}

static json_t *parsed(const char *text)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;

	return j ? j : json_null();
}

static json_t *server_json(const struct mcp_server *s)
{
	json_t *tools = json_array(), *prompts = json_array();
	size_t k;

	for (k = 0; k < s->tools_nr; k++) {
		const struct mcp_tool *t = &s->tools[k];
		json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:b}", "name", t->full,
				      "server_name", t->name, "description",
				      t->description ? t->description : "", "input_schema",
				      parsed(t->schema), "annotations", parsed(t->annotations),
				      "offered", !t->task_required);

		if (t->task_required)
			json_object_set_new(o, "not_offered_because",
					    json_string("it runs only as a task (execution.taskSupport: required), which archie does not create"));
		json_array_append_new(tools, o);
	}
	for (k = 0; k < s->prompts_nr; k++)
		json_array_append_new(prompts, json_pack("{s:s, s:s, s:o}", "name", s->prompts[k].name,
			"description", s->prompts[k].description ? s->prompts[k].description : "",
			"arguments", parsed(s->prompts[k].arguments)));
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:O, s:O, s:o, s:o, s:o}", "name", s->name,
		"source", s->source, "transport", mcp_transport_name(s->transport),
		"status", mcp_state_name(s->state),
		"protocol", s->protocol ? json_string(s->protocol) : json_null(),
		"error", s->error ? json_string(s->error) : json_null(),
		"capabilities", s->capabilities ? s->capabilities : json_null(),
		"server_info", s->server_info ? s->server_info : json_null(),
		"instructions", s->instructions ? json_string(s->instructions) : json_null(),
		"tools", tools, "prompts", prompts);
}

static void print_server(const struct mcp_server *s, int full)
{
	size_t k;

	printf("%s  %s  %s  (%s)\n", s->name, mcp_state_name(s->state),
	       mcp_transport_name(s->transport), s->source);
	if (s->error)
		printf("  %s\n", s->error);
	if (full) {
		if (s->command)
			printf("  command: %s%s", s->command, s->args.nr ? "" : "\n");
		for (k = 0; k < s->args.nr; k++)
			printf(" %s%s", s->args.v[k], k + 1 == s->args.nr ? "\n" : "");
		if (s->url)
			printf("  url: %s\n", s->url);
		for (k = 0; k < s->env.nr; k++)
			printf("  env: %.*s=...\n", (int)strcspn(s->env.v[k], "="), s->env.v[k]);
		if (s->protocol)
			printf("  protocol: %s\n", s->protocol);
		if (s->instructions) {
			printf("  instructions: ");
			print_line(s->instructions);
		}
	}
	for (k = 0; k < s->tools_nr; k++) {
		printf("  %s  ", s->tools[k].full);
		if (s->tools[k].task_required)
			printf("(not offered: it runs only as a task, which archie does not create)\n");
		else
			print_line(s->tools[k].description ? s->tools[k].description : "");
	}
	for (k = 0; k < s->prompts_nr; k++) {
		char offered[TOOLNAME_MCP_MAX + 1];

		toolname_mcp_offer(s->name, s->prompts[k].name, 0, offered);
		printf("  prompt /%s  ", offered);
		print_line(s->prompts[k].description ? s->prompts[k].description : "");
	}
}

static int mcp_list(struct cli_ctx *ctx, const char *only)
{
	struct config cfg;
	struct mcp m;
	json_t *arr = json_array();
	size_t i;
	int rc = CLI_EXIT_OK;

	config_init(&cfg);
	mcp_init(&m);
	if (load(ctx, &cfg, &m, only, 1)) {
		rc = only ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE;
		if (only && ctx->json)
			goto print;	/* the failure, as JSON too */
		goto out;
	}
print:
	for (i = 0; i < m.nr; i++)
		if (!only || !strcmp(m.v[i].name, only))
			json_array_append_new(arr, server_json(&m.v[i]));
	if (ctx->json) {
		/* (cli_print_json takes the reference it is given) */
		cli_print_json(json_incref(only && json_array_size(arr) ? json_array_get(arr, 0) : arr));
	} else {
		if (!m.nr)
			printf("no MCP servers are configured (.mcp.json, or mcpServers: in config.yaml; `archie mcp add` adds one)\n");
		for (i = 0; i < m.nr; i++)
			if (!only || !strcmp(m.v[i].name, only))
				print_server(&m.v[i], only != NULL);
	}
out:
	json_decref(arr);
	mcp_release(&m);
	config_release(&cfg);
	return rc;
}

/* call, read, prompt, resources, prompts: one server started, one
 * request, its answer printed. */
static int one_request(struct cli_ctx *ctx, const char *what, int argc, char **argv)
{
	struct config cfg;
	struct mcp m;
	struct strbuf out = STRBUF_INIT_CAP((size_t)64 << 20), err = STRBUF_INIT;
	int rc = CLI_EXIT_FAILURE, is_error = 0;

	config_init(&cfg);
	mcp_init(&m);
	if (load(ctx, &cfg, &m, argv[2], 1))
		goto out;
	if (!strcmp(what, "call")) {
		rc = mcp_call_tool(&m, argv[2], argv[3], argc > 4 ? argv[4] : "{}", &out, &is_error,
				   NULL, &cli_client);
		printf("%s\n", out.buf);
		rc = rc || is_error ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
	} else if (!strcmp(what, "read")) {
		rc = mcp_read_resource(&m, argv[2], argv[3], &cli_client, &out);
		printf("%s\n", out.buf);
		rc = rc ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
	} else if (!strcmp(what, "prompt")) {
		struct strbuf name = STRBUF_INIT, args = STRBUF_INIT;
		int i;

		strbuf_addf(&name, "mcp__%s__%s", argv[2], argv[3]);
		for (i = 4; i < argc; i++)
			strbuf_addf(&args, "%s\"%s\"", i > 4 ? " " : "", argv[i]);
		rc = mcp_prompt_command(&m, name.buf, args.buf, &cli_client, &out, &err);
		if (rc)
			fprintf(stderr, "archie: %s\n", err.buf);
		else
			printf("%s\n", out.buf);
		rc = rc ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
		strbuf_release(&name);
		strbuf_release(&args);
	} else {
		int res = !strcmp(what, "resources");
		const char *method = res ? "resources/list" : "prompts/list";
		const char *key = res ? "resources" : "prompts";
		json_t *a = NULL, *t = NULL, *e;
		size_t i;

		if (!mcp_server_has(&m, argv[2], key)) {
			rc = cli_error("MCP server '%s' offers no %s", argv[2], key);
			goto out;
		}
		if (mcp_request(&m, argv[2], method, NULL, key, &cli_client, &a, &err)) {
			rc = cli_error("MCP server '%s': %s", argv[2], err.buf);
			goto out;
		}
		if (res)
			mcp_request(&m, argv[2], "resources/templates/list", NULL, "resourceTemplates",
				    &cli_client, &t, &err);
		if (ctx->json) {
			json_t *o = json_pack("{s:O}", key, json_object_get(a, key));

			if (res)
				json_object_set(o, "resourceTemplates",
						t ? json_object_get(t, "resourceTemplates") : json_array());
			cli_print_json(o);	/* (takes o) */
		} else {
			json_array_foreach(json_object_get(a, key), i, e) {
				const char *d = json_string_value(json_object_get(e, "description"));

				printf("%s  ", json_string_value(json_object_get(e, res ? "uri" : "name"))
					      ? json_string_value(json_object_get(e, res ? "uri" : "name")) : "?");
				print_line(d ? d : json_string_value(json_object_get(e, "name"))
						   ? json_string_value(json_object_get(e, "name")) : "");
			}
			json_array_foreach(t ? json_object_get(t, "resourceTemplates") : NULL, i, e) {
				printf("%s  (template) ",
				       json_string_value(json_object_get(e, "uriTemplate"))
				       ? json_string_value(json_object_get(e, "uriTemplate")) : "?");
				print_line(json_string_value(json_object_get(e, "name"))
					   ? json_string_value(json_object_get(e, "name")) : "");
			}
		}
		json_decref(a);
		json_decref(t);
		rc = CLI_EXIT_OK;
	}
out:
	mcp_release(&m);
	config_release(&cfg);
	strbuf_release(&out);
	strbuf_release(&err);
	return rc;
}

/* `mcp login NAME` / `mcp logout NAME`: OAuth for a remote server. */
static int mcp_login(struct cli_ctx *ctx, const char *name, int out)
{
	struct config cfg;
	struct mcp m;
	struct strbuf err = STRBUF_INIT;
	struct mcp_server *s = NULL;
	size_t i;
	int rc = CLI_EXIT_FAILURE;

	config_init(&cfg);
	mcp_init(&m);
	if (load(ctx, &cfg, &m, name, 0))
		goto done;
	for (i = 0; i < m.nr; i++)
		if (!strcmp(m.v[i].name, name))
			s = &m.v[i];
	if (!s || !s->url) {	/* (load found it; a stdio server has no URL) */
		rc = cli_error("'%s' is a stdio server; OAuth is for remote (http, sse) ones", name);
		goto done;
	}
	if (out) {
		int r = mcp_oauth_logout(&m, s->url, &err);

		if (r < 0)
			rc = cli_error("%s", err.buf);
		else if (r > 0)
			rc = cli_error("no OAuth tokens are kept for '%s'", name);
		else
			printf("forgot the OAuth tokens of '%s'\n", name);
		rc = r ? rc : CLI_EXIT_OK;
		goto done;
	}
	if (mcp_oauth_login(&m, s, &cli_client, &err)) {
		rc = cli_error("MCP server '%s': authorization failed: %s", name, err.buf);
		goto done;
	}
	printf("authorised archie for the MCP server '%s' (the token is kept in %s, readable by you only)\n",
	       name, m.auth_file);
	rc = CLI_EXIT_OK;
done:
	mcp_release(&m);
	config_release(&cfg);
	strbuf_release(&err);
	return rc;
}

/* The file a scope names: the project's .mcp.json, or the user's
 * config.yaml. */
static int scope_file(const char *scope, struct strbuf *file)
{
	struct strbuf root = STRBUF_INIT;

	if (!scope || !strcmp(scope, "project")) {
		if (project_root(&root))
			return -1;
		file_join(file, root.buf, ".mcp.json");
		strbuf_release(&root);
		return 0;
	}
	if (!strcmp(scope, "user")) {
		config_user_file(NULL, NULL, file);
		return file->len ? 0 : cli_error("neither XDG_CONFIG_HOME nor HOME is set");
	}
	return cli_usage_error("--scope must be project (.mcp.json) or user (config.yaml), not '%s'",
			       scope);
}

static int mcp_add(int argc, char **argv)
{
	const char *scope = NULL, *transport = NULL, *name = NULL;
	json_t *def = json_object(), *env = json_object(), *hdrs = json_object(), *args = json_array();
	struct strbuf file = STRBUF_INIT, err = STRBUF_INIT;
	int i, rc = CLI_EXIT_USAGE, rest = 0;

	/* options, then NAME, then the command (or URL) and its arguments,
	 * which may start with '-' (npx -y ...); after -- all are words */
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		int have = json_object_get(def, "command") || json_object_get(def, "url");

		if (!rest && !have && !strcmp(a, "--")) {
			rest = 1;
		} else if (!rest && !have && a[0] == '-') {
			if ((!strcmp(a, "--scope") || !strcmp(a, "-s")) && i + 1 < argc) {
				scope = argv[++i];
			} else if ((!strcmp(a, "--transport") || !strcmp(a, "-t")) && i + 1 < argc) {
				transport = argv[++i];
			} else if ((!strcmp(a, "--env") || !strcmp(a, "-e")) && i + 1 < argc &&
				   strchr(argv[i + 1], '=')) {
				const char *kv = argv[++i], *eq = strchr(kv, '=');
				char *k = strndup(kv, (size_t)(eq - kv));

				json_object_set_new(env, k, json_string(eq + 1));
				free(k);
			} else if ((!strcmp(a, "--header") || !strcmp(a, "-H")) && i + 1 < argc &&
				   strchr(argv[i + 1], ':')) {
				const char *hv = argv[++i], *colon = strchr(hv, ':');
				char *k = strndup(hv, (size_t)(colon - hv));

				json_object_set_new(hdrs, k, json_string(colon + 1 + strspn(colon + 1, " ")));
				free(k);
			} else {
				cli_usage_error("mcp add: unknown option '%s' (or it lacks its value)", a);
				goto out;
			}
		} else if (!name) {
			name = a;
		} else if (!have) {
			json_object_set_new(def, transport && strcmp(transport, "stdio") ? "url" : "command",
					    json_string(a));
		} else {
			json_array_append_new(args, json_string(a));
		}
	}
	if (!name || (!json_object_get(def, "command") && !json_object_get(def, "url"))) {
		cli_usage_error("usage: archie mcp add [--scope project|user] [-e KEY=VALUE] NAME -- COMMAND [ARGS...]\n"
				"       archie mcp add --transport http|sse [-H 'Name: value'] NAME URL");
		goto out;
	}
	if (transport && strcmp(transport, "stdio") && strcmp(transport, "http") && strcmp(transport, "sse")) {
		cli_usage_error("--transport must be stdio, http or sse, not '%s'", transport);
		goto out;
	}
	if (transport && strcmp(transport, "stdio")) {
		/* "type" first, as people write it */
		json_t *typed = json_pack("{s:s}", "type", transport);

		json_object_update(typed, def);
		json_decref(def);
		def = typed;
	}
	if (json_array_size(args))
		json_object_set(def, "args", args);
	if (json_object_size(env))
		json_object_set(def, "env", env);
	if (json_object_size(hdrs))
		json_object_set(def, "headers", hdrs);
	if (scope_file(scope, &file))
		goto out;
	if (mcp_config_add(file.buf, name, def, &err)) {
		rc = cli_error("%s", err.buf);
		goto out;
	}
	printf("added MCP server '%s' to %s\n", name, file.buf);
	rc = CLI_EXIT_OK;
out:
	json_decref(def);
	json_decref(env);
	json_decref(hdrs);
	json_decref(args);
	strbuf_release(&file);
	strbuf_release(&err);
	return rc;
}

/* `mcp add-json [--scope S] NAME JSON`, as `claude mcp add-json`. */
static int mcp_add_json(int argc, char **argv)
{
	struct strbuf file = STRBUF_INIT, err = STRBUF_INIT;
	const char *scope = NULL, *name = NULL, *text = NULL;
	json_error_t jerr;
	json_t *def;
	int i, rc = CLI_EXIT_USAGE;

	for (i = 2; i < argc; i++)
		if ((!strcmp(argv[i], "--scope") || !strcmp(argv[i], "-s")) && i + 1 < argc)
			scope = argv[++i];
		else if (!name)
			name = argv[i];
		else
			text = argv[i];
	if (!name || !text)
		return cli_usage_error("usage: archie mcp add-json [--scope project|user] NAME '{\"command\": ...}'");
	def = json_loads(text, 0, &jerr);
	if (!json_is_object(def) || !(json_is_string(json_object_get(def, "command")) ||
				      json_is_string(json_object_get(def, "url")))) {
		json_decref(def);
		return cli_usage_error("mcp add-json: the definition must be a JSON object with \"command\" (stdio) or \"url\" (http, sse)%s%s",
				       jerr.text[0] ? ": " : "", jerr.text);
	}
	if (!scope_file(scope, &file)) {
		if (mcp_config_add(file.buf, name, def, &err))
			rc = cli_error("%s", err.buf);
		else {
			printf("added MCP server '%s' to %s\n", name, file.buf);
			rc = CLI_EXIT_OK;
		}
	}
	json_decref(def);
	strbuf_release(&file);
	strbuf_release(&err);
	return rc;
}

static int mcp_remove(int argc, char **argv)
{
	struct strbuf file = STRBUF_INIT, err = STRBUF_INIT;
	const char *scope = NULL, *name = NULL;
	int i, rc;

	for (i = 2; i < argc; i++)
		if ((!strcmp(argv[i], "--scope") || !strcmp(argv[i], "-s")) && i + 1 < argc)
			scope = argv[++i];
		else
			name = argv[i];
	if (!name)
		return cli_usage_error("usage: archie mcp remove [--scope project|user] NAME");
	if (scope_file(scope, &file))
		return CLI_EXIT_USAGE;
	rc = mcp_config_remove(file.buf, name, &err);
	if (rc < 0)
		rc = cli_error("%s", err.buf);
	else if (rc > 0)
		rc = cli_error("%s has no MCP server named '%s'%s", file.buf, name,
			       scope ? "" : " (--scope user for config.yaml's)");
	else
		printf("removed MCP server '%s' from %s\n", name, file.buf);
	strbuf_release(&file);
	strbuf_release(&err);
	return rc;
}

static int cmd_mcp_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *sub = argc < 2 ? "list" : argv[1];

	if (!strcmp(sub, "list"))
		return mcp_list(ctx, NULL);
	if (!strcmp(sub, "get"))
		return argc == 3 ? mcp_list(ctx, argv[2])
				 : cli_usage_error("usage: archie mcp get NAME");
	if (!strcmp(sub, "add"))
		return mcp_add(argc, argv);
	if (!strcmp(sub, "add-json"))
		return mcp_add_json(argc, argv);
	if (!strcmp(sub, "remove"))
		return mcp_remove(argc, argv);
	if (!strcmp(sub, "login") || !strcmp(sub, "logout"))
		return argc != 3 ? cli_usage_error("usage: archie mcp %s NAME", sub)
				 : mcp_login(ctx, argv[2], !strcmp(sub, "logout"));
	if (!strcmp(sub, "call"))
		return argc < 4 || argc > 5 ? cli_usage_error("usage: archie mcp call SERVER TOOL [JSON]")
					    : one_request(ctx, sub, argc, argv);
	if (!strcmp(sub, "read"))
		return argc != 4 ? cli_usage_error("usage: archie mcp read SERVER URI")
				 : one_request(ctx, sub, argc, argv);
	if (!strcmp(sub, "prompt"))
		return argc < 4 ? cli_usage_error("usage: archie mcp prompt SERVER PROMPT [ARG|NAME=VALUE...]")
				: one_request(ctx, sub, argc, argv);
	if (!strcmp(sub, "resources") || !strcmp(sub, "prompts"))
		return argc != 3 ? cli_usage_error("usage: archie mcp %s SERVER", sub)
				 : one_request(ctx, sub, argc, argv);
	return cli_usage_error("mcp: unknown subcommand '%s' (list, get, add, add-json, remove, login, logout, call, resources, read, prompts, prompt)",
			       sub);
}

static const struct cmd_usage usage[] = {
	{ "mcp list", "the configured MCP servers: status, transport, tools and prompts (or why they failed)" },
	{ "mcp get NAME", "one server: its definition, capabilities, instructions, tools, prompts" },
	{ "mcp add [-s project|user] [-e K=V] NAME -- CMD [ARGS]", "add a stdio server to .mcp.json (or config.yaml)" },
	{ "mcp add -t http|sse [-H 'N: V'] NAME URL", "add a remote server" },
	{ "mcp add-json [-s project|user] NAME JSON", "add a server given as its JSON definition" },
	{ "mcp remove [-s project|user] NAME", "remove a server" },
	{ "mcp login NAME", "authorise archie for a remote server that requires OAuth (opens a browser)" },
	{ "mcp logout NAME", "forget a remote server's OAuth tokens" },
	{ "mcp call SERVER TOOL [JSON]", "call one tool of one server, for debugging" },
	{ "mcp resources SERVER", "the resources and resource templates a server offers" },
	{ "mcp read SERVER URI", "read one resource, as the model would see it" },
	{ "mcp prompts SERVER", "the prompts a server offers (/mcp__SERVER__PROMPT in a session)" },
	{ "mcp prompt SERVER PROMPT [ARGS]", "get one prompt, filled in" },
	{ NULL, NULL },
};

static const struct cmd_option options[] = {
	{ "-s, --scope SCOPE", "add/remove: project (.mcp.json, the default) or user (config.yaml)" },
	{ "-t, --transport KIND", "add: stdio (the default), http or sse" },
	{ "-e, --env KEY=VALUE", "add: a variable for the server (repeatable)" },
	{ "-H, --header 'NAME: VALUE'", "add: a header for a remote server (repeatable)" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_mcp_entry = {
	"mcp", usage, options,
	"MCP servers come from the project's .mcp.json ({\"mcpServers\": {NAME: {\"command\", "
	"\"args\", \"env\"} or {\"type\": \"http\"|\"sse\", \"url\", \"headers\"}}}) and "
	"mcpServers: in config.yaml. Their stderr goes to ~/.local/state/archie/mcp/NAME.log. "
	"See docs/mcp.md.",
	cmd_mcp_exec, 0,
};
