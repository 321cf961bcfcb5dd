/*
 * cmd_config: `archie config show`, the configuration a session in this
 * directory would use, merged from every file (archie's config.yaml and
 * the other runtimes' settings), each value with the file and line it
 * came from.
 */
#include "cli/cli.h"

#include "agent/registry.h"
#include "config/config.h"
#include "core/strbuf.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static json_t *rules_json(const struct config *cfg)
{
	json_t *arr = json_array();
	size_t i, k;

	for (i = 0; i < cfg->rules_nr; i++)
		for (k = 0; k < cfg->rules[i].nr; k++) {
			const struct policy_rule *r = &cfg->rules[i].v[k];
			struct strbuf spec = STRBUF_INIT;

			strbuf_addstr(&spec, r->tool);
			if (r->pattern)
				strbuf_addf(&spec, "(%s)", r->pattern);
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:i}", "action",
							     rule_action_name(r->action), "rule", spec.buf,
							     "file", cfg->rules[i].file, "line", r->line));
			strbuf_release(&spec);
		}
	return arr;
}

/* Which files each section (hooks, MCP servers, shell environment) came
 * from, and the servers' names. */
static json_t *sections_json(json_t *sections, int names)
{
	json_t *arr = json_array(), *s;
	size_t i;

	json_array_foreach(sections, i, s) {
		json_t *o = json_pack("{s:O}", "file", json_object_get(s, "file"));

		if (names && json_is_object(json_object_get(s, "value"))) {
			json_t *n = json_array(), *v;
			const char *k;

			json_object_foreach(json_object_get(s, "value"), k, v)
				json_array_append_new(n, json_string(k));
			json_object_set_new(o, "names", n);
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *config_json(const struct config *cfg)
{
	json_t *o = json_object(), *providers = json_array(), *models = json_array(), *files = json_array();
	size_t i;

	json_object_set_new(o, "default_model", json_pack("{s:s?, s:s?}", "value", cfg->default_model,
							    "from", cfg->default_model_source));
	json_object_set_new(o, "permission_mode", json_pack("{s:s, s:s}", "value",
							      cfg->permission_mode ? cfg->permission_mode : "default",
							      "from", cfg->permission_mode_source ? cfg->permission_mode_source : "the default"));
	for (i = 0; i < cfg->providers_nr; i++) {
		const struct config_provider *p = &cfg->providers[i];

		json_array_append_new(providers, json_pack("{s:s, s:s, s:s?, s:s?, s:s}", "name", p->name,
							   "api", wire_for(p->api)->name, "base_url", p->base_url,
							   "api_key_env", p->api_key_env, "from", p->source));
	}
	for (i = 0; i < cfg->models_nr; i++) {
		const struct config_model *m = &cfg->models[i];

		if (!strcmp(m->source, "built-in"))
			continue;
		json_array_append_new(models, json_pack("{s:s, s:s?, s:s, s:s}", "name", m->name, "provider",
							m->provider, "id", m->id, "from", m->source));
	}
	json_object_set_new(o, "providers", providers);
	json_object_set_new(o, "models", models);
	json_object_set_new(o, "permission_rules", rules_json(cfg));
	json_object_set_new(o, "hooks", sections_json(cfg->hooks, 0));
	json_object_set_new(o, "mcp_servers", sections_json(cfg->mcp_servers, 1));
	json_object_set_new(o, "shell_environment", sections_json(cfg->shell_env, 0));
	if (cfg->delegation.routing || cfg->delegation.max_parallel || cfg->delegation.max_depth)
		json_object_set_new(o, "delegation", json_pack("{s:s?, s:i, s:i, s:i}", "routing",
							       cfg->delegation.routing, "max_parallel",
							       cfg->delegation.max_parallel, "max_depth",
							       cfg->delegation.max_depth, "max_turns",
							       cfg->delegation.max_turns));
	for (i = 0; i < cfg->files.nr; i++)
		json_array_append_new(files, json_string(cfg->files.v[i]));
	json_object_set_new(o, "files", files);
	return o;
}

static void print_text(json_t *o)
{
	json_t *x, *v;
	size_t i;

	x = json_object_get(o, "default_model");
	printf("default model:    %s  (from %s)\n",
	       json_string_value(json_object_get(x, "value")) ? json_string_value(json_object_get(x, "value")) : "none",
	       json_string_value(json_object_get(x, "from")) ? json_string_value(json_object_get(x, "from")) : "-");
	x = json_object_get(o, "permission_mode");
	printf("permission mode:  %s  (from %s)\n", json_string_value(json_object_get(x, "value")),
	       json_string_value(json_object_get(x, "from")));
	printf("providers:\n");
	json_array_foreach(json_object_get(o, "providers"), i, v)
		printf("  %-12s %-16s %-36s key %-22s from %s\n", json_string_value(json_object_get(v, "name")),
		       json_string_value(json_object_get(v, "api")),
		       json_string_value(json_object_get(v, "base_url")) ? json_string_value(json_object_get(v, "base_url")) : "-",
		       json_string_value(json_object_get(v, "api_key_env")) ? json_string_value(json_object_get(v, "api_key_env")) : "-",
		       json_string_value(json_object_get(v, "from")));
	printf("models:\n");
	json_array_foreach(json_object_get(o, "models"), i, v)
		printf("  %-12s %s/%s  from %s\n", json_string_value(json_object_get(v, "name")),
		       json_string_value(json_object_get(v, "provider")) ? json_string_value(json_object_get(v, "provider")) : "?",
		       json_string_value(json_object_get(v, "id")), json_string_value(json_object_get(v, "from")));
	printf("permission rules (the strictest verdict wins across all):\n");
	json_array_foreach(json_object_get(o, "permission_rules"), i, v)
		printf("  %-5s %-36s %s:%d\n", json_string_value(json_object_get(v, "action")),
		       json_string_value(json_object_get(v, "rule")), json_string_value(json_object_get(v, "file")),
		       (int)json_integer_value(json_object_get(v, "line")));
	printf("MCP servers:\n");
	json_array_foreach(json_object_get(o, "mcp_servers"), i, v) {
		json_t *n;
		size_t k;

		printf("  from %s:", json_string_value(json_object_get(v, "file")));
		json_array_foreach(json_object_get(v, "names"), k, n)
			printf(" %s", json_string_value(n));
		printf("\n");
	}
	json_array_foreach(json_object_get(o, "hooks"), i, v)
		printf("hooks from %s\n", json_string_value(json_object_get(v, "file")));
	json_array_foreach(json_object_get(o, "shell_environment"), i, v)
		printf("shell environment from %s\n", json_string_value(json_object_get(v, "file")));
	printf("files read:\n");
	json_array_foreach(json_object_get(o, "files"), i, v)
		printf("  %s\n", json_string_value(v));
}

static int cmd_config_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct config cfg;
	struct config_search cs;
	struct strbuf root = STRBUF_INIT;
	char cwd[PATH_MAX];
	json_t *o;
	int rc;

	if (argc != 2 || strcmp(argv[1], "show"))
		return cli_usage_error("usage: archie config show");
	if (!getcwd(cwd, sizeof(cwd)))
		return cli_error("cannot get the working directory");
	agent_project_root(cwd, &root);
	config_init(&cfg);
	memset(&cs, 0, sizeof(cs));
	cs.project_root = root.buf;
	rc = config_load(&cfg, &cs);
	diag_print(&cfg.diags, stderr);
	o = config_json(&cfg);
	if (ctx->json)
		cli_print_json(o);
	else {
		print_text(o);
		json_decref(o);
	}
	config_release(&cfg);
	strbuf_release(&root);
	return rc ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

static const struct cmd_usage usage[] = {
	{ "config show", "the merged configuration, each value with the file and line it came from" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_config_entry = {
	"config", usage, NULL,
	"Merges what a session here would read: ~/.config/archie/config.yaml, the project's "
	".archie/config.yaml, the environment, and the other runtimes' settings (Claude Code's "
	"settings.json files, opencode.json, .gemini/settings.json, .codex/config.toml); each "
	"value says where it came from. 'archie doctor' says what was ignored.",
	cmd_config_exec, 0,
};
