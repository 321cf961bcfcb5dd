/*
 * config: loading and merging configuration, and resolving model
 * references.  See config.h.
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
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CONFIG_FILE_MAX ((size_t)1 << 20)

struct builtin_model {
	const char *name, *id;
	struct provider_price price;
};

/* Claude Code's aliases, as agent files use them. */
static const struct builtin_model builtin_models[] = {
	{ "sonnet", "claude-sonnet-4-5", { 3.0, 15.0, 0.30, 3.75 } },
	{ "opus", "claude-opus-4-1", { 15.0, 75.0, 1.50, 18.75 } },
	{ "haiku", "claude-haiku-4-5", { 1.0, 5.0, 0.10, 1.25 } },
};

/* Providers whose name is enough to know how to reach them. */
static const struct known_provider {
	const char *name;
	enum provider_api api;
	const char *base_url;
	const char *key_env;
} known_providers[] = {
	{ "anthropic", PROVIDER_API_ANTHROPIC, "https://api.anthropic.com", "ANTHROPIC_API_KEY" },
	{ "openai", PROVIDER_API_OPENAI, "https://api.openai.com/v1", "OPENAI_API_KEY" },
	{ "openrouter", PROVIDER_API_OPENAI, "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY" },
	{ "ollama", PROVIDER_API_OPENAI, "http://127.0.0.1:11434/v1", NULL },
	{ "llamacpp", PROVIDER_API_OPENAI, "http://127.0.0.1:8080/v1", NULL },
};

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strvec_init(&cfg->files);
	strvec_init(&cfg->peer_notes);
	strvec_init(&cfg->extra_dirs);
	strvec_init(&cfg->instructions);
	diag_list_init(&cfg->diags);
}

static void provider_release(struct config_provider *p)
{
	free(p->name);
	free(p->base_url);
	free(p->api_key_env);
	free(p->api_version);
	strvec_release(&p->headers);
	free(p->source);
}

static void model_release(struct config_model *m)
{
	free(m->name);
	free(m->provider);
	free(m->id);
	strvec_release(&m->aliases);
	free(m->source);
	free(m->reasoning_effort);
	json_decref(m->extra_body);
}

void config_release(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->providers_nr; i++)
		provider_release(&cfg->providers[i]);
	free(cfg->providers);
	for (i = 0; i < cfg->models_nr; i++)
		model_release(&cfg->models[i]);
	free(cfg->models);
	for (i = 0; i < cfg->rules_nr; i++) {
		size_t j;

		for (j = 0; j < cfg->rules[i].nr; j++) {
			free(cfg->rules[i].v[j].tool);
			free(cfg->rules[i].v[j].pattern);
		}
		free(cfg->rules[i].v);
		free(cfg->rules[i].file);
	}
	free(cfg->rules);
	free(cfg->default_model);
	free(cfg->permission_mode);
	free(cfg->permission_mode_source);
	strvec_release(&cfg->peer_notes);
	strvec_release(&cfg->extra_dirs);
	strvec_release(&cfg->instructions);
	free(cfg->delegation.routing);
	config_web_search_release(&cfg->web_search);
	free(cfg->store_url);
	free(cfg->store_url_source);
	json_decref(cfg->hooks);
	json_decref(cfg->shell_env);
	json_decref(cfg->mcp_servers);
	free(cfg->default_model_source);
	strvec_release(&cfg->files);
	diag_list_release(&cfg->diags);
	config_init(cfg);
}

void config_set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup_or_null(v);
}

const struct config_provider *config_provider(const struct config *cfg,
					      const char *name)
{
	size_t i;

	for (i = 0; i < cfg->providers_nr; i++)
		if (!strcmp(cfg->providers[i].name, name))
			return &cfg->providers[i];
	return NULL;
}

struct config_provider *config_get_provider(struct config *cfg,
					     const char *name, const char *source)
{
	struct config_provider *p = (struct config_provider *)config_provider(cfg, name);
	size_t i;

	if (p) {
		config_set_str(&p->source, source);
		return p;
	}
	ALLOC_GROW(cfg->providers, cfg->providers_nr + 1, cfg->providers_alloc);
	p = &cfg->providers[cfg->providers_nr++];
	memset(p, 0, sizeof(*p));
	strvec_init(&p->headers);
	p->name = xstrdup(name);
	p->source = xstrdup(source);
	p->api = PROVIDER_API_OPENAI;
	for (i = 0; i < ARRAY_SIZE(known_providers); i++)
		if (!strcmp(known_providers[i].name, name)) {
			p->api = known_providers[i].api;
			p->base_url = xstrdup(known_providers[i].base_url);
			p->api_key_env = xstrdup_or_null(known_providers[i].key_env);
		}
	return p;
}

static struct config_model *find_model(const struct config *cfg,
				       const char *name)
{
	size_t i;

	for (i = 0; i < cfg->models_nr; i++)
		if (!strcmp(cfg->models[i].name, name))
			return &cfg->models[i];
	return NULL;
}

struct config_model *config_get_model(struct config *cfg, const char *name, const char *source)
{
	struct config_model *m = find_model(cfg, name);

	if (m) {
		config_set_str(&m->source, source);
		return m;
	}
	ALLOC_GROW(cfg->models, cfg->models_nr + 1, cfg->models_alloc);
	m = &cfg->models[cfg->models_nr++];
	memset(m, 0, sizeof(*m));
	m->vision = -1;	/* the family's, unless vision: says */
	strvec_init(&m->aliases);
	m->name = xstrdup(name);
	m->id = xstrdup(name);
	m->source = xstrdup(source);
	return m;
}

/* ---- files ---------------------------------------------------------------- */


static int freport(struct file_ctx *fc, enum diag_severity sev,
		   struct fy_node *at, struct fy_node *fb, const char *fmt,
		   va_list ap)
{
	struct strbuf msg = STRBUF_INIT;
	int line, col;

	yamldoc_node_pos(&fc->yd, at, fb, &line, &col);
	strbuf_vaddf(&msg, fmt, ap);
	diag_add(&fc->cfg->diags, sev, fc->path, line, col, "%s", msg.buf);
	strbuf_release(&msg);
	return -1;
}

int config_ferr(struct file_ctx *fc, struct fy_node *at, struct fy_node *fb,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	freport(fc, DIAG_ERROR, at, fb, fmt, ap);
	va_end(ap);
	return -1;
}

void config_fwarn(struct file_ctx *fc, struct fy_node *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	freport(fc, DIAG_WARNING, at, NULL, fmt, ap);
	va_end(ap);
}

void config_source_of(struct file_ctx *fc, struct fy_node *n, struct strbuf *out)
{
	int line, col;

	yamldoc_node_pos(&fc->yd, n, NULL, &line, &col);
	strbuf_addf(out, "%s:%d", fc->path, line);
}

int config_want_string(struct file_ctx *fc, const char *what, struct fy_node *k,
		       struct fy_node *v, char **out)
{
	if (!v || fy_node_get_type(v) != FYNT_SCALAR || fy_node_is_alias(v) ||
	    yamldoc_is_null(v)) {
		config_ferr(fc, v, k, "'%s' must be a string, not %s", what,
		     yamldoc_type_name(v));
		return -1;
	}
	config_set_str(out, NULL);
	*out = yamldoc_scalar_dup(v);
	return *out ? 0 : -1;
}

int config_want_number(struct file_ctx *fc, const char *what, struct fy_node *k,
		       struct fy_node *v, double *out)
{
	enum yamldoc_scalar ys = v && fy_node_get_type(v) == FYNT_SCALAR
				 ? yamldoc_classify(v) : YAMLDOC_STRING;
	char *s;

	*out = 0;
	if (ys != YAMLDOC_INT && ys != YAMLDOC_FLOAT)
		return config_ferr(fc, v, k, "'%s' must be a number, not %s", what,
			    yamldoc_type_name(v));
	s = yamldoc_scalar_dup(v);
	*out = strtod(s, NULL);
	free(s);
	if (*out < 0)
		return config_ferr(fc, v, k, "'%s' must not be negative", what);
	return 0;
}

int config_want_bool(struct file_ctx *fc, const char *what, struct fy_node *k,
		     struct fy_node *v, int *out)
{
	enum yamldoc_scalar ys = yamldoc_classify(v);

	if (!v || fy_node_get_type(v) != FYNT_SCALAR ||
	    (ys != YAMLDOC_TRUE && ys != YAMLDOC_FALSE))
		return config_ferr(fc, v, k, "'%s' must be true or false, not %s", what,
			    yamldoc_type_name(v));
	*out = ys == YAMLDOC_TRUE;
	return 0;
}


/* Calls fn for each key of map (which must be a mapping). */
int config_each_pair(struct file_ctx *fc, const char *what, struct fy_node *k,
		     struct fy_node *map, pair_fn fn, void *obj)
{
	struct fy_node_pair *pr;
	void *it = NULL;
	int rc = 0;

	if (yamldoc_is_null(map))
		return 0;
	if (fy_node_get_type(map) != FYNT_MAPPING)
		return config_ferr(fc, map, k, "'%s' must be a map, not %s", what,
			    yamldoc_type_name(map));
	while ((pr = fy_node_mapping_iterate(map, &it)) != NULL) {
		struct fy_node *pk = fy_node_pair_key(pr);
		char *key = yamldoc_scalar_dup(pk);

		if (!key) {
			rc = config_ferr(fc, pk, k, "keys of '%s' must be names", what);
			continue;
		}
		if (fn(fc, obj, key, pk, fy_node_pair_value(pr)))
			rc = -1;
		free(key);
	}
	return rc;
}

static int retry_key(struct file_ctx *fc, void *obj, const char *key,
		     struct fy_node *k, struct fy_node *v)
{
	struct config_provider *p = obj;
	double d;

	if (config_want_number(fc, key, k, v, &d))
		return -1;
	if (!strcmp(key, "attempts"))
		p->max_attempts = d < 1 ? 1 : (int)d;
	else if (!strcmp(key, "base_ms"))
		p->backoff_base_ms = (long)d;
	else if (!strcmp(key, "max_ms"))
		p->backoff_max_ms = (long)d;
	else
		config_fwarn(fc, k, "unknown key 'retry.%s' (attempts, base_ms, max_ms); ignored", key);
	return 0;
}

static int timeout_key(struct file_ctx *fc, void *obj, const char *key,
		       struct fy_node *k, struct fy_node *v)
{
	struct config_provider *p = obj;
	double d;

	if (config_want_number(fc, key, k, v, &d))
		return -1;
	if (!strcmp(key, "connect"))
		p->connect_timeout_ms = (long)(d * 1000);
	else if (!strcmp(key, "idle"))
		p->idle_timeout_ms = (long)(d * 1000);
	else if (!strcmp(key, "total"))
		p->total_timeout_ms = (long)(d * 1000);
	else
		config_fwarn(fc, k, "unknown key 'timeouts.%s' (connect, idle, total, in seconds); ignored", key);
	return 0;
}

static int header_key(struct file_ctx *fc, void *obj, const char *key,
		      struct fy_node *k, struct fy_node *v)
{
	struct config_provider *p = obj;
	char *val = NULL;

	if (config_want_string(fc, key, k, v, &val))
		return -1;
	strvec_pushf(&p->headers, "%s: %s", key, val);
	free(val);
	return 0;
}

/* quirks: [short_tool_ids, no_stream_options]: replaces what an earlier
 * file said. */
static int quirks_key(struct file_ctx *fc, struct fy_node *k, struct fy_node *v,
		      struct config_provider *p)
{
	struct fy_node *item;
	void *it = NULL;
	unsigned bits = 0;

	if (fy_node_get_type(v) != FYNT_SEQUENCE)
		return config_ferr(fc, v, k, "'quirks' must be a list, e.g. quirks: [short_tool_ids]; known: %s",
			    wire_quirk_names());
	while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
		char *s = yamldoc_scalar_dup(item);
		unsigned bit = s ? wire_quirk_parse(s) : 0;

		if (!bit) {
			config_ferr(fc, item, k, "unknown quirk '%s'; known: %s", s ? s : "?",
			     wire_quirk_names());
			free(s);
			return -1;
		}
		bits |= bit;
		free(s);
	}
	p->quirks = bits;
	return 0;
}

static int provider_key(struct file_ctx *fc, void *obj, const char *key,
			struct fy_node *k, struct fy_node *v)
{
	struct config_provider *p = obj;
	char *s = NULL;

	if (!strcmp(key, "api")) {
		if (config_want_string(fc, "api", k, v, &s))
			return -1;
		if (!strcmp(s, "openai"))
			p->api = PROVIDER_API_OPENAI;
		else if (!strcmp(s, "anthropic"))
			p->api = PROVIDER_API_ANTHROPIC;
		else if (!strcmp(s, "openai-responses") || !strcmp(s, "responses"))
			p->api = PROVIDER_API_RESPONSES;
		else if (!strcmp(s, "azure"))
			p->api = PROVIDER_API_AZURE;
		else {
			config_ferr(fc, v, k, "'api' must be openai, openai-responses, azure or anthropic, not '%s'", s);
			free(s);
			return -1;
		}
		free(s);
		return 0;
	}
	if (!strcmp(key, "base_url"))
		return config_want_string(fc, key, k, v, &p->base_url);
	if (!strcmp(key, "api_key_env"))
		return config_want_string(fc, key, k, v, &p->api_key_env);
	if (!strcmp(key, "api_version"))
		return config_want_string(fc, key, k, v, &p->api_version);
	if (!strcmp(key, "max_completion_tokens")) {
		int on = 0;

		if (config_want_bool(fc, key, k, v, &on))
			return -1;
		p->quirks = on ? p->quirks | QUIRK_MAX_COMPLETION_TOKENS
			       : p->quirks & ~QUIRK_MAX_COMPLETION_TOKENS;
		return 0;
	}
	if (!strcmp(key, "quirks"))
		return quirks_key(fc, k, v, p);
	if (!strcmp(key, "headers"))
		return config_each_pair(fc, "headers", k, v, header_key, p);
	if (!strcmp(key, "retry"))
		return config_each_pair(fc, "retry", k, v, retry_key, p);
	if (!strcmp(key, "timeouts"))
		return config_each_pair(fc, "timeouts", k, v, timeout_key, p);
	if (!strcmp(key, "api_key"))
		return config_ferr(fc, k, NULL, "keys are not written in config files; put the key in an environment variable and name it with 'api_key_env'");
	config_fwarn(fc, k, "unknown provider key '%s'; ignored", key);
	return 0;
}

static int delegation_key(struct file_ctx *fc, void *obj, const char *key,
			  struct fy_node *k, struct fy_node *v)
{
	struct config_delegation *d = &fc->cfg->delegation;
	static const struct { const char *key; double min, max; } nums[] = {
		{ "max_parallel", 1, 64 }, { "max_depth", 1, 10 },
		{ "max_turns", 1, 100000 }, { "max_tokens", 1000, 1e12 },
	};
	size_t i;
	double n;

	(void)obj;
	if (!strcmp(key, "routing")) {
		enum agent_routing m;
		char *s = NULL;

		if (config_want_string(fc, "delegation.routing", k, v, &s))
			return -1;
		if (agent_routing_parse(s, &m)) {
			config_ferr(fc, v, k, "'delegation.routing' must be auto, suggest or off, not '%s'", s);
			free(s);
			return -1;
		}
		free(d->routing);
		d->routing = s;
		return 0;
	}
	for (i = 0; i < sizeof(nums) / sizeof(*nums); i++) {
		if (strcmp(key, nums[i].key))
			continue;
		if (config_want_number(fc, key, k, v, &n))
			return -1;
		if (n != (double)(long long)n || n < nums[i].min || n > nums[i].max)
			return config_ferr(fc, v, k, "'delegation.%s' must be a whole number from %.0f to %.0f",
				    key, nums[i].min, nums[i].max);
		if (i == 0)
			d->max_parallel = (int)n;
		else if (i == 1)
			d->max_depth = (int)n;
		else if (i == 2)
			d->max_turns = (int)n;
		else
			d->max_tokens = (long long)n;
		return 0;
	}
	config_fwarn(fc, k, "unknown delegation key '%s' (it has max_parallel, max_depth, max_turns, max_tokens, routing); ignored",
	      key);
	return 0;
}

static int provider_entry(struct file_ctx *fc, void *obj, const char *name,
			  struct fy_node *k, struct fy_node *v)
{
	struct strbuf src = STRBUF_INIT;
	struct config_provider *p;
	int rc;

	(void)obj;
	config_source_of(fc, k, &src);
	p = config_get_provider(fc->cfg, name, src.buf);
	strbuf_release(&src);
	rc = config_each_pair(fc, name, k, v, provider_key, p);
	if (!p->base_url)
		rc = config_ferr(fc, k, NULL, "provider '%s' needs a base_url", name);
	return rc;
}

static int price_key(struct file_ctx *fc, void *obj, const char *key,
		     struct fy_node *k, struct fy_node *v)
{
	struct config_model *m = obj;
	double d;

	if (config_want_number(fc, key, k, v, &d))
		return -1;
	m->has_price = 1;
	if (!strcmp(key, "input"))
		m->price.input = d;
	else if (!strcmp(key, "output"))
		m->price.output = d;
	else if (!strcmp(key, "cache_read"))
		m->price.cache_read = d;
	else if (!strcmp(key, "cache_write"))
		m->price.cache_write = d;
	else
		config_fwarn(fc, k, "unknown key 'price.%s' (input, output, cache_read, cache_write per million tokens); ignored", key);
	return 0;
}

/* extra_body: {provider: {order: [...]}}: vendor options added to every
 * request's body.  The keys that make the request are archie's. */
static int extra_body_key(struct file_ctx *fc, struct fy_node *k, struct fy_node *v,
			  struct config_model *m)
{
	static const char *const owned[] = {
		"model", "messages", "input", "tools", "stream", "system", "instructions",
	};
	json_t *j;
	size_t i;

	if (fy_node_get_type(v) != FYNT_MAPPING)
		return config_ferr(fc, v, k, "'extra_body' must be a mapping of body keys, e.g. extra_body: {top_k: 20}, not %s",
			    yamldoc_type_name(v));
	for (i = 0; i < sizeof(owned) / sizeof(*owned); i++) {
		struct fy_node *kn = fy_node_mapping_lookup_key_by_string(v, owned[i], -1);

		if (kn)
			return config_ferr(fc, kn, k, "'extra_body' cannot set '%s': archie writes it from the conversation",
				    owned[i]);
	}
	j = yamldoc_to_json(v);
	if (!json_is_object(j)) {
		json_decref(j);
		return config_ferr(fc, v, k, "'extra_body' could not be read as JSON (nested too deep?)");
	}
	json_decref(m->extra_body);
	m->extra_body = j;
	return 0;
}

static int model_key(struct file_ctx *fc, void *obj, const char *key,
		     struct fy_node *k, struct fy_node *v)
{
	struct config_model *m = obj;

	if (!strcmp(key, "provider"))
		return config_want_string(fc, key, k, v, &m->provider);
	if (!strcmp(key, "id"))
		return config_want_string(fc, key, k, v, &m->id);
	if (!strcmp(key, "price"))
		return config_each_pair(fc, "price", k, v, price_key, m);
	if (!strcmp(key, "max_tokens") || !strcmp(key, "max_output") || !strcmp(key, "context")) {
		double d;

		if (config_want_number(fc, key, k, v, &d))
			return -1;
		if (d < 1 || d > 1e8)
			return config_ferr(fc, v, k, "'%s' must be a number of tokens from 1 to 100000000", key);
		if (!strcmp(key, "context"))
			m->context = (long)d;
		else
			m->max_tokens = (long)d;
		return 0;
	}
	if (!strcmp(key, "thinking")) {
		double d;

		/* thinking: 8000, or thinking: {budget_tokens: 8000} */
		if (fy_node_get_type(v) == FYNT_MAPPING) {
			struct fy_node *b = fy_node_mapping_lookup_by_string(v, "budget_tokens", -1);

			if (!b)
				return config_ferr(fc, v, k, "'thinking' needs budget_tokens, e.g. thinking: {budget_tokens: 8000}");
			v = b;
		}
		if (config_want_number(fc, key, k, v, &d))
			return -1;
		if (d && (d < 1024 || d > 1e7))
			return config_ferr(fc, v, k, "'thinking' must be a budget of 1024 tokens or more (0: off)");
		m->thinking = (long)d;
		return 0;
	}
	if (!strcmp(key, "vision")) {
		const char *t = fy_node_get_type(v) == FYNT_SCALAR ? fy_node_get_scalar0(v) : NULL;

		if (!t || (strcmp(t, "true") && strcmp(t, "false")))
			return config_ferr(fc, v, k, "'vision' must be true or false");
		m->vision = !strcmp(t, "true");
		return 0;
	}
	if (!strcmp(key, "reasoning_effort")) {
		if (config_want_string(fc, key, k, v, &m->reasoning_effort))
			return -1;
		if (strcmp(m->reasoning_effort, "minimal") && strcmp(m->reasoning_effort, "low") &&
		    strcmp(m->reasoning_effort, "medium") && strcmp(m->reasoning_effort, "high"))
			return config_ferr(fc, v, k, "'reasoning_effort' must be minimal, low, medium or high, not '%s'",
				    m->reasoning_effort);
		return 0;
	}
	if (!strcmp(key, "extra_body"))
		return extra_body_key(fc, k, v, m);
	if (!strcmp(key, "aliases")) {
		struct fy_node *item;
		void *it = NULL;

		if (fy_node_get_type(v) == FYNT_SCALAR) {
			char *s = yamldoc_scalar_dup(v);

			strvec_push_nodup(&m->aliases, s ? s : xstrdup(""));
			return 0;
		}
		if (fy_node_get_type(v) != FYNT_SEQUENCE)
			return config_ferr(fc, v, k, "'aliases' must be a list of names, not %s",
				    yamldoc_type_name(v));
		while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
			char *s = yamldoc_scalar_dup(item);

			if (!s)
				return config_ferr(fc, item, k, "each alias must be a name");
			strvec_push_nodup(&m->aliases, s);
		}
		return 0;
	}
	config_fwarn(fc, k, "unknown model key '%s'; ignored", key);
	return 0;
}

static int model_entry(struct file_ctx *fc, void *obj, const char *name,
		       struct fy_node *k, struct fy_node *v)
{
	struct strbuf src = STRBUF_INIT;
	struct config_model *m;

	(void)obj;
	config_source_of(fc, k, &src);
	m = config_get_model(fc->cfg, name, src.buf);
	strbuf_release(&src);
	return config_each_pair(fc, name, k, v, model_key, m);
}

static int top_key(struct file_ctx *fc, void *obj, const char *key,
		   struct fy_node *k, struct fy_node *v)
{
	(void)obj;
	if (!strcmp(key, "default_model")) {
		struct strbuf src = STRBUF_INIT;
		int rc = config_want_string(fc, key, k, v, &fc->cfg->default_model);

		config_source_of(fc, k, &src);
		config_set_str(&fc->cfg->default_model_source, src.buf);
		strbuf_release(&src);
		return rc;
	}
	if (!strcmp(key, "delegation"))
		return config_each_pair(fc, "delegation", k, v, delegation_key, NULL);
	if (!strcmp(key, "web_search"))
		return config_web_search(fc, k, v);
	if (!strcmp(key, "store"))
		return config_store(fc, k, v);
	if (!strcmp(key, "hooks") || !strcmp(key, "mcpServers") || !strcmp(key, "mcp_servers") ||
	    !strcmp(key, "shell_environment")) {
		json_t **to = !strcmp(key, "hooks") ? &fc->cfg->hooks :
			      !strcmp(key, "shell_environment") ? &fc->cfg->shell_env
								: &fc->cfg->mcp_servers;

		if (!*to)
			*to = json_array();
		json_array_append_new(*to, json_pack("{s:s, s:o}", "file", fc->path, "value",
						     yamldoc_to_json(v)));
		return 0;
	}
	if (!strcmp(key, "providers"))
		return config_each_pair(fc, "providers", k, v, provider_entry, NULL);
	if (!strcmp(key, "models"))
		return config_each_pair(fc, "models", k, v, model_entry, NULL);
	if (!strcmp(key, "permission") || !strcmp(key, "permissions")) {
		struct config *cfg = fc->cfg;
		struct config_rules *cr = config_rules_for(cfg, fc->path);
		struct rules_ctx rc;

		memset(&rc, 0, sizeof(rc));
		rc.yd = &fc->yd;
		rc.path = fc->path;
		rc.diags = &cfg->diags;
		rc.v = &cr->v;
		rc.nr = &cr->nr;
		rc.alloc = &cr->alloc;
		/* groups must not collide with an earlier key's */
		rc.group = (int)cr->nr * 1000;
		return !strcmp(key, "permission") ? rules_yaml_opencode(&rc, k, v)
						  : rules_yaml_claude(&rc, k, v);
	}
	/* Sections other subsystems read (permissions, mcpServers, hooks,
	 * ...) are theirs to check. */
	return 0;
}

struct config_rules *config_rules_for(struct config *cfg, const char *file)
{
	struct config_rules *cr;
	size_t i;

	for (i = 0; i < cfg->rules_nr; i++)
		if (!strcmp(cfg->rules[i].file, file))
			return &cfg->rules[i];
	ALLOC_GROW(cfg->rules, cfg->rules_nr + 1, cfg->rules_alloc);
	cr = &cfg->rules[cfg->rules_nr++];
	memset(cr, 0, sizeof(*cr));
	cr->file = xstrdup(file);
	return cr;
}

int config_load_text(struct config *cfg, const char *path, const char *text,
		     size_t len)
{
	struct file_ctx fc;
	size_t errors = cfg->diags.errors;

	memset(&fc, 0, sizeof(fc));
	fc.cfg = cfg;
	fc.path = path;
	fc.project = cfg->reading_project;
	strvec_push(&cfg->files, path);
	if (yamldoc_parse(&fc.yd, path, "config file", text, len, 1, &cfg->diags))
		return -1;
	if (fc.yd.root) {
		struct fy_node_pair *pr;
		void *it = NULL;

		while ((pr = fy_node_mapping_iterate(fc.yd.root, &it)) != NULL) {
			char *key = yamldoc_scalar_dup(fy_node_pair_key(pr));

			if (key)
				top_key(&fc, NULL, key, fy_node_pair_key(pr),
					fy_node_pair_value(pr));
			free(key);
		}
	}
	yamldoc_release(&fc.yd);
	return cfg->diags.errors > errors ? -1 : 0;
}

static int load_file(struct config *cfg, const char *path)
{
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT;
	int rc = 0;

	if (access(path, F_OK))
		goto out;
	if (file_read(path, CONFIG_FILE_MAX, &data, &err)) {
		diag_add(&cfg->diags, DIAG_ERROR, path, 0, 0, "%s", err.buf);
		rc = -1;
		goto out;
	}
	rc = config_load_text(cfg, path, data.buf, data.len);
out:
	strbuf_release(&data);
	strbuf_release(&err);
	return rc;
}

/* ---- environment ----------------------------------------------------------- */

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static void load_env(struct config *cfg)
{
	struct config_provider *p;
	const char *v;

	if (env("ANTHROPIC_API_KEY") || env("ANTHROPIC_BASE_URL")) {
		p = config_get_provider(cfg, "anthropic", env("ANTHROPIC_API_KEY")
			? "env ANTHROPIC_API_KEY" : "env ANTHROPIC_BASE_URL");
		if ((v = env("ANTHROPIC_BASE_URL")) != NULL)
			config_set_str(&p->base_url, v);
	}
	if (env("OPENAI_API_KEY") || env("OPENAI_BASE_URL")) {
		p = config_get_provider(cfg, "openai", env("OPENAI_API_KEY")
			? "env OPENAI_API_KEY" : "env OPENAI_BASE_URL");
		if ((v = env("OPENAI_BASE_URL")) != NULL)
			config_set_str(&p->base_url, v);
	}
	if (env("OPENROUTER_API_KEY"))
		config_get_provider(cfg, "openrouter", "env OPENROUTER_API_KEY");
	if ((v = env("OLLAMA_HOST")) != NULL) {
		struct strbuf url = STRBUF_INIT;

		/* OLLAMA_HOST is "host:port" or a URL, without /v1. */
		if (!strstr(v, "://"))
			strbuf_addstr(&url, "http://");
		strbuf_addstr(&url, v);
		while (url.len && url.buf[url.len - 1] == '/')
			strbuf_setlen(&url, url.len - 1);
		strbuf_addstr(&url, "/v1");
		p = config_get_provider(cfg, "ollama", "env OLLAMA_HOST");
		config_set_str(&p->base_url, url.buf);
		strbuf_release(&url);
	}
}

static void load_builtins(struct config *cfg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(builtin_models); i++) {
		struct config_model *m = config_get_model(cfg, builtin_models[i].name, "built-in");

		config_set_str(&m->provider, "anthropic");
		config_set_str(&m->id, builtin_models[i].id);
		m->price = builtin_models[i].price;
		m->has_price = 1;
	}
}

int config_load(struct config *cfg, const struct config_search *s)
{
	struct strbuf path = STRBUF_INIT;
	const char *home = s->home ? s->home : getenv("HOME");
	const char *ch = s->config_home ? s->config_home : getenv("XDG_CONFIG_HOME");
	int rc = 0;

	load_builtins(cfg);
	if (!s->no_env)
		load_env(cfg);
	config_user_file(ch, home, &path);
	if (path.len)
		rc |= load_file(cfg, path.buf);
	if (s->project_root) {
		strbuf_reset(&path);
		file_join(&path, s->project_root, ".archie/config.yaml");
		cfg->reading_project = 1;
		rc |= load_file(cfg, path.buf);
		cfg->reading_project = 0;
	}
	strbuf_release(&path);
	if (!s->no_env)
		rc |= config_load_peers(cfg, s);
	if (!cfg->default_model) {
		/* The usual default for what is configured. */
		if (config_provider(cfg, "anthropic"))
			cfg->default_model = xstrdup("sonnet");
		/* OpenAI's own model, only where OpenAI serves: a server at
		 * OPENAI_BASE_URL (vLLM, LM Studio) names its own models, and
		 * config_discover_default asks it */
		else if (config_provider(cfg, "openai") && env("OPENAI_API_KEY") &&
			 (!env("OPENAI_BASE_URL") || strstr(env("OPENAI_BASE_URL"), "://api.openai.com")))
			cfg->default_model = xstrdup("openai/gpt-4o");
		if (cfg->default_model)
			cfg->default_model_source = xstrdup("built-in");
	}
	return rc ? -1 : 0;
}
