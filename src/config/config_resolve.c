/*
 * config_resolve: from a model reference to a provider and an id to send
 * ("provider/model", names, aliases, sonnet/opus/haiku, inherit, bare ids),
 * the provider's settings for a request, and the local servers probed
 * when nothing is configured.  See config.h; reading the files is
 * config.c's.
 */
#include "config/config_int.h"

#include "agent/routing.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "core/yamldoc.h"
#include "policy/rules.h"
#include "provider/http.h"

#include <stdarg.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- resolution -------------------------------------------------------------- */

void config_resolved_release(struct config_resolved *r)
{
	free(r->id);
	memset(r, 0, sizeof(*r));
}

static const struct config_model *model_by_name(const struct config *cfg,
						const char *ref)
{
	size_t i;

	for (i = 0; i < cfg->models_nr; i++)
		if (!strcmp(cfg->models[i].name, ref) ||
		    strvec_find(&cfg->models[i].aliases, ref) >= 0)
			return &cfg->models[i];
	return NULL;
}

static void list_configured(const struct config *cfg, struct strbuf *err)
{
	size_t i;

	if (!cfg->providers_nr || !cfg->providers) {
		strbuf_addstr(err, "; no provider is configured: set ANTHROPIC_API_KEY, OPENAI_API_KEY or OLLAMA_HOST, or add providers to ~/.config/archie/config.yaml");
		return;
	}
	strbuf_addstr(err, "; providers: ");
	for (i = 0; i < cfg->providers_nr; i++)
		strbuf_addf(err, "%s%s", i ? ", " : "", cfg->providers[i].name);
	strbuf_addstr(err, " ('archie models' lists the models)");
}

static int use_model(const struct config *cfg, const struct config_model *m,
		     const char *how, struct config_resolved *out,
		     struct strbuf *err)
{
	out->provider = m->provider ? config_provider(cfg, m->provider) : NULL;
	if (!out->provider) {
		strbuf_seterr(err, "model '%s' needs provider '%s', which is not configured",
			      m->name, m->provider ? m->provider : "(none)");
		if (m->provider && !strcmp(m->provider, "anthropic"))
			strbuf_addstr(err, ": set ANTHROPIC_API_KEY, or map it to another provider's model in config.yaml");
		list_configured(cfg, err);
		return -1;
	}
	out->model = m;
	out->id = xstrdup(m->id);
	out->how = how;
	return 0;
}

/* Well-known model families: a substring of the id sent (lower case)
 * and its window and output limit, most specific first.  From the
 * providers' model pages; a configured `context:` always wins. */
static const struct {
	const char *family;
	long context, max_output;
	int vision;
} families[] = {
	{ "claude-sonnet-4", 200000, 64000, 1 }, { "claude-opus-4", 200000, 32000, 1 },
	{ "claude-3-7", 200000, 64000, 1 }, { "claude-haiku-4", 200000, 64000, 1 },
	{ "claude", 200000, 8192, 1 },
	{ "gpt-4.1", 1047576, 32768, 1 }, { "gpt-5", 400000, 128000, 1 },
	{ "gpt-4o", 128000, 16384, 1 }, { "gpt-4-turbo", 128000, 4096, 1 },
	{ "gpt-3.5", 16385, 4096, 0 }, { "gpt-4", 8192, 8192, 0 },
	{ "o1", 200000, 100000, 1 }, { "o3", 200000, 100000, 1 }, { "o4", 200000, 100000, 1 },
	{ "codex", 400000, 128000, 1 },
	{ "gemini", 1048576, 65536, 1 },
	{ "deepseek", 128000, 8192, 0 },
	{ "qwen3-coder", 262144, 65536, 0 }, { "qwen", 32768, 8192, 0 },
	{ "llama-3.1", 131072, 8192, 0 }, { "llama-3.2", 131072, 8192, 0 },
	{ "llama-3.3", 131072, 8192, 0 }, { "llama3.1", 131072, 8192, 0 },
	{ "llama3.2", 131072, 8192, 0 }, { "llama3.3", 131072, 8192, 0 },
	{ "llama-4", 1048576, 8192, 1 }, { "llama", 8192, 4096, 0 },
	{ "codestral", 256000, 8192, 0 }, { "mistral-large", 131072, 8192, 0 },
	{ "mistral", 32768, 8192, 0 }, { "mixtral", 32768, 8192, 0 },
	{ "grok-4", 256000, 16384, 1 }, { "grok", 131072, 16384, 0 },
	{ "kimi", 131072, 16384, 1 }, { "glm", 131072, 16384, 0 },
	{ "gpt-oss", 131072, 32768, 0 },
};

/* Where nothing is known: small enough for most local servers. */
#define GUESS_CONTEXT 32768
#define GUESS_MAX_OUTPUT 8192

void config_model_limits(const struct config_resolved *r, struct config_limits *out)
{
	char id[256];
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; r->id && r->id[i] && i < sizeof(id) - 1; i++)
		id[i] = (char)tolower((unsigned char)r->id[i]);
	id[i] = '\0';
	if (r->model && r->model->context) {
		out->context = r->model->context;
		out->how = "config";
		/* the family's vision, unless vision: says */
		for (i = 0; i < sizeof(families) / sizeof(*families); i++)
			if (strstr(id, families[i].family)) {
				out->vision = families[i].vision;
				break;
			}
	}
	if (r->model && r->model->max_tokens)
		out->max_output = r->model->max_tokens;
	for (i = 0; i < sizeof(families) / sizeof(*families) && !out->how; i++)
		if (strstr(id, families[i].family)) {
			out->context = families[i].context;
			if (!out->max_output)
				out->max_output = families[i].max_output;
			out->how = "built-in";
			out->vision = families[i].vision;
		}
	if (!out->how) {
		out->context = GUESS_CONTEXT;
		out->how = "guess";
	}
	if (!out->max_output)
		out->max_output = GUESS_MAX_OUTPUT;
	if (r->model && r->model->vision >= 0)
		out->vision = r->model->vision;
	/* the answer must leave room for a prompt */
	if (out->max_output > out->context / 2)
		out->max_output = out->context / 2;
}

int config_resolve_model(const struct config *cfg, const char *ref,
			 const char *inherit, struct config_resolved *out,
			 struct strbuf *err)
{
	const struct config_model *m;
	const char *slash;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!ref || !*ref || !strcmp(ref, "inherit")) {
		if (inherit && *inherit && strcmp(inherit, "inherit"))
			ref = inherit;
		else
			ref = cfg->default_model;
	}
	if (!ref) {
		strbuf_seterr(err, "no model given and no default model; choose one with --model NAME (or default_model: in config.yaml)");
		list_configured(cfg, err);
		return -1;
	}
	if ((m = model_by_name(cfg, ref)) != NULL)
		return use_model(cfg, m, "name", out, err);
	slash = strchr(ref, '/');
	if (slash) {
		char *pname = xstrndup(ref, (size_t)(slash - ref));
		const struct config_provider *p = config_provider(cfg, pname);

		free(pname);
		if (p) {
			out->provider = p;
			out->id = xstrdup(slash + 1);
			out->how = "provider/model";
			for (i = 0; i < cfg->models_nr; i++)
				if (cfg->models[i].provider &&
				    !strcmp(cfg->models[i].provider, p->name) &&
				    !strcmp(cfg->models[i].id, out->id))
					out->model = &cfg->models[i];
			return 0;
		}
	}
	for (i = 0; i < cfg->models_nr; i++)
		if (!strcmp(cfg->models[i].id, ref) && cfg->models[i].provider &&
		    config_provider(cfg, cfg->models[i].provider))
			return use_model(cfg, &cfg->models[i], "id", out, err);

	/* A bare id: the default model's provider, or the only one. */
	if (cfg->default_model && strcmp(cfg->default_model, ref)) {
		struct config_resolved def;
		struct strbuf ignored = STRBUF_INIT;

		if (!config_resolve_model(cfg, cfg->default_model, NULL, &def, &ignored)) {
			out->provider = def.provider;
			config_resolved_release(&def);
		}
		strbuf_release(&ignored);
	}
	if (!out->provider && cfg->providers_nr == 1)
		out->provider = &cfg->providers[0];
	if (!out->provider) {
		strbuf_seterr(err, "model '%s' is not configured and archie cannot tell which provider serves it; write it as provider/model",
			      ref);
		list_configured(cfg, err);
		return -1;
	}
	out->id = xstrdup(ref);
	out->how = "bare id";
	return 0;
}

/* OpenAI serves these only through the Responses API. */
static int responses_only(const char *id)
{
	size_t n = strlen(id);

	return strstr(id, "codex") || strstr(id, "deep-research") ||
	       strstr(id, "computer-use") || strstr(id, "-pro-") ||
	       (n > 4 && !strcmp(id + n - 4, "-pro"));
}

/* OpenAI's reasoning models refuse any temperature but the default. */
static int openai_reasoning(const char *id)
{
	return (id[0] == 'o' && (id[1] == '1' || id[1] == '3' || id[1] == '4')) ||
	       (!strncmp(id, "gpt-5", 5) && !strstr(id, "-chat"));
}

static int at_host(const struct config_provider *p, const char *host)
{
	const char *s = p->base_url ? strstr(p->base_url, "://") : NULL;

	return s && !strncmp(s + 3, host, strlen(host)) &&
	       (s[3 + strlen(host)] == '/' || s[3 + strlen(host)] == '\0' ||
		s[3 + strlen(host)] == ':');
}

void config_provider_setup(const struct config *cfg, const struct config_resolved *r,
			   struct provider_config *out, struct strvec *models)
{
	const struct config_provider *p = r->provider;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->name = p->name;
	out->api = p->api;
	out->quirks = p->quirks;
	if (at_host(p, "api.openai.com")) {
		if (p->api == PROVIDER_API_OPENAI && r->id && responses_only(r->id))
			out->api = PROVIDER_API_RESPONSES;
		/* Chat Completions' max_tokens is deprecated there, and the
		 * reasoning models refuse it */
		out->quirks |= QUIRK_MAX_COMPLETION_TOKENS;
		if (r->id && openai_reasoning(r->id))
			out->quirks |= QUIRK_NO_TEMPERATURE;
	}
	if (at_host(p, "api.mistral.ai"))
		out->quirks |= QUIRK_SHORT_TOOL_IDS;
	out->base_url = p->base_url;
	out->api_key_env = p->api_key_env;
	out->api_key = p->api_key_env ? getenv(p->api_key_env) : NULL;
	out->headers = &p->headers;
	out->api_version = p->api_version;
	out->max_attempts = p->max_attempts;
	out->backoff_base_ms = p->backoff_base_ms;
	out->backoff_max_ms = p->backoff_max_ms;
	out->connect_timeout_ms = p->connect_timeout_ms;
	out->idle_timeout_ms = p->idle_timeout_ms;
	out->total_timeout_ms = p->total_timeout_ms;
	for (i = 0; models && i < cfg->models_nr; i++)
		if (cfg->models[i].provider && !strcmp(cfg->models[i].provider, p->name))
			strvec_push(models, cfg->models[i].name);
	out->models = models;
}

/* ---- local servers ---------------------------------------------------------- */

static int collect(void *ud, const char *data, size_t len)
{
	return strbuf_add(ud, data, len) ? -1 : 0;
}

/* Ollama's window for a model: num_ctx in its parameters, else what the
 * model was trained with (model_info's *.context_length), from
 * POST /api/show.  0 if it does not say. */
static long ollama_window(const char *base, const char *id)
{
	struct strbuf url = STRBUF_INIT, out = STRBUF_INIT_CAP((size_t)4 << 20);
	struct http_request req;
	struct http_response resp;
	json_t *body = json_pack("{s:s}", "model", id), *j, *v;
	char *text = json_dumps(body, JSON_COMPACT);
	json_error_t jerr;
	const char *key, *params;
	long n = 0;

	strbuf_addf(&url, "%s/api/show", base);
	memset(&req, 0, sizeof(req));
	req.url = url.buf;
	req.body = text;
	req.body_len = strlen(text);
	req.connect_timeout_ms = 500;
	req.idle_timeout_ms = 1000;
	req.total_timeout_ms = 2000;
	req.on_data = collect;
	req.ud = &out;
	http_response_init(&resp);
	if (!http_post(&req, &resp) && resp.status == 200 &&
	    (j = json_loadb(out.buf, out.len, 0, &jerr)) != NULL) {
		params = json_string_value(json_object_get(j, "parameters"));
		if (params && strstr(params, "num_ctx"))
			n = strtol(strstr(params, "num_ctx") + 7, NULL, 10);
		json_object_foreach(json_object_get(j, "model_info"), key, v)
			if (!n && strstr(key, ".context_length") && json_is_integer(v))
				n = (long)json_integer_value(v);
		json_decref(j);
	}
	http_response_release(&resp);
	json_decref(body);
	free(text);
	strbuf_release(&url);
	strbuf_release(&out);
	return n;
}

/* The window the server itself runs the model with, when it says: vLLM's
 * max_model_len and OpenRouter's context_length in /v1/models, llama.cpp's
 * n_ctx in /props, Ollama's num_ctx in /api/show.  Recorded as a model of its own, so it wins over the
 * family table (a local server is often started with a smaller window). */
static void server_window(struct config *cfg, const char *provider, const char *base,
			  const char *id, json_t *model)
{
	struct strbuf url = STRBUF_INIT, body = STRBUF_INIT_CAP((size_t)1 << 20), name = STRBUF_INIT;
	json_int_t n = json_integer_value(json_object_get(model, "max_model_len"));
	struct config_model *m;

	if (!n)
		n = json_integer_value(json_object_get(model, "context_length"));
	if (!n && !strcmp(provider, "ollama"))
		n = ollama_window(base, id);
	if (!n) {
		json_error_t jerr;
		json_t *props;

		strbuf_addf(&url, "%s/props", base);
		if (!http_get(url.buf, NULL, 500, 1000, &body) &&
		    (props = json_loadb(body.buf, body.len, 0, &jerr)) != NULL) {
			n = json_integer_value(json_object_get(json_object_get(props,
				"default_generation_settings"), "n_ctx"));
			if (!n)
				n = json_integer_value(json_object_get(props, "n_ctx"));
			json_decref(props);
		}
	}
	if (n > 0) {
		strbuf_addf(&name, "%s/%s", provider, id);
		m = config_get_model(cfg, name.buf, "the local server's own window");
		config_set_str(&m->provider, provider);
		config_set_str(&m->id, id);
		m->context = (long)n;
	}
	strbuf_release(&url);
	strbuf_release(&body);
	strbuf_release(&name);
}

int config_probe_local(struct config *cfg, struct strbuf *err)
{
	const char *list = getenv("ARCHIE_LOCAL_SERVERS");
	struct strvec entries = STRVEC_INIT;
	char *copy, *save = NULL, *tok;
	size_t i;
	int rc = -1;

	if (cfg->providers_nr)
		return 0;
	if (!list || !*list)
		list = "ollama=http://127.0.0.1:11434,llamacpp=http://127.0.0.1:8080";
	copy = xstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		strvec_push(&entries, tok);
	free(copy);
	for (i = 0; i < entries.nr; i++) {
		char *eq = strchr(entries.v[i], '=');
		struct strbuf url = STRBUF_INIT, body = STRBUF_INIT_CAP(1 << 20);
		json_error_t jerr;
		json_t *j, *first;
		const char *id;

		if (!eq)
			continue;
		*eq = '\0';
		strbuf_addf(&url, "%s/v1/models", eq + 1);
		if (!http_get(url.buf, NULL, 500, 2000, &body) &&
		    (j = json_loadb(body.buf, body.len, 0, &jerr)) != NULL) {
			first = json_array_get(json_object_get(j, "data"), 0);
			id = json_string_value(json_object_get(first, "id"));
			if (id) {
				struct config_provider *p;
				struct strbuf src = STRBUF_INIT;

				strbuf_addf(&src, "found running at %s", eq + 1);
				p = config_get_provider(cfg, entries.v[i], src.buf);
				strbuf_reset(&url);
				strbuf_addf(&url, "%s/v1", eq + 1);
				config_set_str(&p->base_url, url.buf);
				strbuf_reset(&src);
				strbuf_addf(&src, "%s/%s", entries.v[i], id);
				server_window(cfg, entries.v[i], eq + 1, id, first);
				config_set_str(&cfg->default_model, src.buf);
				config_set_str(&cfg->default_model_source, "the local server's first model");
				strbuf_release(&src);
				rc = 0;
			}
			json_decref(j);
		}
		strbuf_release(&url);
		strbuf_release(&body);
		if (!rc)
			break;
	}
	strvec_release(&entries);
	if (rc)
		strbuf_seterr(err, "no model provider is configured, and no local server answered (Ollama at 127.0.0.1:11434, llama.cpp at 127.0.0.1:8080). Set ANTHROPIC_API_KEY, OPENAI_API_KEY (and OPENAI_BASE_URL for vLLM, LM Studio or a gateway), OPENROUTER_API_KEY or OLLAMA_HOST, or add providers to ~/.config/archie/config.yaml (see 'archie models' and docs/providers.md)");
	return rc;
}

int config_server_models(const struct config_provider *p, struct strvec *ids)
{
	struct strbuf url = STRBUF_INIT, body = STRBUF_INIT_CAP((size_t)4 << 20);
	const char *key = p->api_key_env ? getenv(p->api_key_env) : NULL;
	json_error_t jerr;
	json_t *j, *m;
	size_t i;
	int rc = -1;

	if (!p->base_url || p->api == PROVIDER_API_ANTHROPIC || p->api == PROVIDER_API_AZURE)
		return -1;
	strbuf_addf(&url, "%s/models", p->base_url);
	if (!http_get(url.buf, key, 1000, 3000, &body) &&
	    (j = json_loadb(body.buf, body.len, 0, &jerr)) != NULL) {
		json_array_foreach(json_object_get(j, "data"), i, m)
			if (json_string_value(json_object_get(m, "id")))
				strvec_push(ids, json_string_value(json_object_get(m, "id")));
		rc = 0;
		json_decref(j);
	}
	strbuf_release(&url);
	strbuf_release(&body);
	return rc;
}

int config_server_chooses(const struct config_provider *p)
{
	return p->base_url && p->api != PROVIDER_API_ANTHROPIC && p->api != PROVIDER_API_AZURE &&
	       !at_host(p, "api.openai.com") && !at_host(p, "openrouter.ai");
}

int config_discover_default(struct config *cfg, config_choose_fn choose, void *ud,
			    struct strbuf *note)
{
	size_t i, k;
	int pick;

	if (cfg->default_model)
		return 0;
	for (i = 0; i < cfg->providers_nr; i++) {
		const struct config_provider *p = &cfg->providers[i];
		struct strvec ids = STRVEC_INIT;
		struct strbuf ref = STRBUF_INIT;

		if (!config_server_chooses(p) || config_server_models(p, &ids) || !ids.nr) {
			strvec_release(&ids);
			continue;
		}
		pick = ids.nr > 1 && choose ? choose(ud, p, &ids) : -1;
		if (pick >= 0 && (size_t)pick < ids.nr) {
			strbuf_addf(&ref, "%s/%s", p->name, ids.v[pick]);
			config_set_str(&cfg->default_model, ref.buf);
			config_set_str(&cfg->default_model_source, "your choice of the server's models");
			strbuf_release(&ref);
			strvec_release(&ids);
			return 0;
		}
		strbuf_addf(&ref, "%s/%s", p->name, ids.v[0]);
		config_set_str(&cfg->default_model, ref.buf);
		config_set_str(&cfg->default_model_source, ids.nr == 1 ? "the server's only model"
							    : "the server's first model");
		if (ids.nr > 1) {
			strbuf_addf(note, "using %s, the first of the %zu models %s lists (", ref.buf,
				    ids.nr, p->base_url);
			for (k = 1; k < ids.nr && k < 6; k++)
				strbuf_addf(note, "%s%s", k > 1 ? ", " : "", ids.v[k]);
			strbuf_addf(note, "%s); choose one with --model %s/NAME or default_model: in config.yaml",
				    ids.nr > 6 ? ", ..." : "", p->name);
		}
		strbuf_release(&ref);
		strvec_release(&ids);
		return 0;
	}
	return 0;
}
