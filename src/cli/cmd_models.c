/*
 * cmd_models: `archie models`, what providers and models are configured,
 * and where each setting came from.
 */
#include "cli/cli.h"

#include "agent/registry.h"
#include "config/config.h"
#include "core/strbuf.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The api: value, which is the protocol's name. */
static const char *api_name(enum provider_api api)
{
	return wire_for(api)->name;
}

static int key_is_set(const struct config_provider *p)
{
	const char *v = p->api_key_env ? getenv(p->api_key_env) : NULL;

	return v && *v;
}

static void key_state(const struct config_provider *p, struct strbuf *out)
{
	if (!p->api_key_env) {
		strbuf_addstr(out, "none");
		return;
	}
	strbuf_addf(out, "%s (%s)", p->api_key_env, key_is_set(p) ? "set" : "NOT SET");
}

/* A configured model's window and output limit. */
static void limits_of(const struct config_model *m, struct config_limits *out)
{
	struct config_resolved r;

	memset(&r, 0, sizeof(r));
	r.model = m;
	r.id = m->id;
	config_model_limits(&r, out);
}

static json_t *to_json(const struct config *cfg, const struct config_resolved *def)
{
	json_t *providers = json_array(), *models = json_array();
	size_t i, j;

	for (i = 0; i < cfg->providers_nr; i++) {
		const struct config_provider *p = &cfg->providers[i];
		json_t *h = json_array();

		for (j = 0; j < p->headers.nr; j++) {
			/* Header values can be secrets: show the names only. */
			const char *colon = strchr(p->headers.v[j], ':');

			json_array_append_new(h, json_stringn(p->headers.v[j],
				colon ? (size_t)(colon - p->headers.v[j]) : strlen(p->headers.v[j])));
		}
		json_array_append_new(providers, json_pack("{s:s, s:s, s:s, s:o, s:b, s:o, s:s}",
			"name", p->name, "api", api_name(p->api), "base_url", p->base_url,
			"api_key_env", p->api_key_env ? json_string(p->api_key_env) : json_null(),
			"api_key_set", key_is_set(p),
			"headers", h, "source", p->source));
	}
	for (i = 0; i < cfg->models_nr; i++) {
		const struct config_model *m = &cfg->models[i];
		json_t *al = json_array();

		struct config_limits lim;
		json_t *mo;

		limits_of(m, &lim);
		for (j = 0; j < m->aliases.nr; j++)
			json_array_append_new(al, json_string(m->aliases.v[j]));
		mo = json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:s, s:b}",
			"name", m->name,
			"provider", m->provider ? json_string(m->provider) : json_null(),
			"id", m->id, "aliases", al,
			"price", m->has_price ? json_pack("{s:f, s:f, s:f, s:f}",
				"input", m->price.input, "output", m->price.output,
				"cache_read", m->price.cache_read, "cache_write", m->price.cache_write)
				: json_null(),
			"max_tokens", m->max_tokens ? json_integer(m->max_tokens) : json_null(),
			"source", m->source,
			"available", m->provider && config_provider(cfg, m->provider) != NULL);
		json_object_set_new(mo, "context", json_integer(lim.context));
		json_object_set_new(mo, "max_output", json_integer(lim.max_output));
		json_object_set_new(mo, "limits_from", json_string(lim.how));
		json_array_append_new(models, mo);
	}
	return json_pack("{s:o, s:o, s:{s:o, s:o, s:o, s:o}}",
		"providers", providers, "models", models, "default_model",
		"ref", cfg->default_model ? json_string(cfg->default_model) : json_null(),
		"source", cfg->default_model_source ? json_string(cfg->default_model_source) : json_null(),
		"provider", def && def->provider ? json_string(def->provider->name) : json_null(),
		"id", def && def->id ? json_string(def->id) : json_null());
}

/* A local or custom server's own models (Ollama, vLLM, LM Studio, a
 * gateway): what --model PROVIDER/ID can name. */
static void server_models(const struct config_provider *p)
{
	struct strvec ids = STRVEC_INIT;
	size_t i;

	if (!config_server_chooses(p))
		return;
	if (config_server_models(p, &ids))
		printf("    (the server did not list its models)\n");
	else
		for (i = 0; i < ids.nr; i++)
			printf("    %s/%s\n", p->name, ids.v[i]);
	strvec_release(&ids);
}

static int cmd_models_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct config cfg;
	struct config_search s;
	struct config_resolved def;
	struct strbuf root = STRBUF_INIT, err = STRBUF_INIT, sb = STRBUF_INIT;
	char cwd[PATH_MAX];
	int rc = CLI_EXIT_OK, have_def;
	size_t i;

	(void)argv;
	if (argc > 1)
		return cli_usage_error("usage: archie models");
	if (!getcwd(cwd, sizeof(cwd)))
		return cli_error("cannot get the working directory");
	agent_project_root(cwd, &root);
	memset(&s, 0, sizeof(s));
	s.project_root = root.buf;
	config_init(&cfg);
	if (config_load(&cfg, &s))
		rc = CLI_EXIT_USAGE;
	diag_print(&cfg.diags, stderr);
	if (!cfg.providers_nr && config_probe_local(&cfg, &err))
		fprintf(stderr, "archie: %s\n", err.buf);
	strbuf_reset(&err);
	config_discover_default(&cfg, NULL, NULL, &err);
	if (err.len && !ctx->json)
		fprintf(stderr, "archie: note: %s\n", err.buf);
	strbuf_reset(&err);
	have_def = !config_resolve_model(&cfg, NULL, NULL, &def, &err);

	if (ctx->json) {
		cli_print_json(to_json(&cfg, have_def ? &def : NULL));
		goto out;
	}
	printf("providers:\n");
	if (!cfg.providers_nr)
		printf("  (none)\n");
	for (i = 0; i < cfg.providers_nr; i++) {
		const struct config_provider *p = &cfg.providers[i];

		strbuf_reset(&sb);
		key_state(p, &sb);
		printf("  %-12s %-9s %-36s key: %-30s from %s\n", p->name, api_name(p->api),
		       p->base_url, sb.buf, p->source);
		server_models(p);
	}
	printf("models:\n");
	for (i = 0; i < cfg.models_nr; i++) {
		const struct config_model *m = &cfg.models[i];
		int avail = m->provider && config_provider(&cfg, m->provider);

		struct config_limits lim;
		char window[64];

		strbuf_reset(&sb);
		if (m->has_price)
			strbuf_addf(&sb, "$%.2f/$%.2f per Mtok", m->price.input, m->price.output);
		else
			strbuf_addstr(&sb, "no price");
		limits_of(m, &lim);
		snprintf(window, sizeof(window), "%ldk context%s", lim.context / 1000,
			 !strcmp(lim.how, "guess") ? " (a guess: set context:)" : "");
		printf("  %-12s %-12s %-28s %-24s %-16s from %s%s\n", m->name,
		       m->provider ? m->provider : "-", m->id, sb.buf, window, m->source,
		       avail ? "" : " (provider not configured)");
	}
	if (have_def)
		printf("default model: %s -> %s/%s (from %s)\n", cfg.default_model,
		       def.provider->name, def.id,
		       cfg.default_model_source ? cfg.default_model_source : "built-in");
	else
		printf("default model: none (%s)\n", err.buf);
	for (i = 0; i < cfg.files.nr; i++)
		printf("config file: %s\n", cfg.files.v[i]);
out:
	if (have_def)
		config_resolved_release(&def);
	config_release(&cfg);
	strbuf_release(&root);
	strbuf_release(&err);
	strbuf_release(&sb);
	return rc;
}

static const struct cmd_usage usage[] = {
	{ "models", "list configured providers and models, and where each setting came from" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_models_entry = {
	"models", usage, NULL,
	"Providers come from ~/.config/archie/config.yaml, the project's .archie/config.yaml "
	"and the environment (ANTHROPIC_API_KEY, OPENAI_API_KEY, OPENAI_BASE_URL, OLLAMA_HOST); "
	"with none, a local Ollama or llama.cpp server is looked for.",
	cmd_models_exec, 0,
};
