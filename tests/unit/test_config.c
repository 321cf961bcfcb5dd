/*
 * Unit tests for config/config: files (with located errors), merging of
 * user and project files, providers from the environment, model reference
 * resolution, and the local-server probe (against the fake LLM server).
 */
#include "fakellm.h"

#include "config/config.h"
#include "core/strbuf.h"

static const char *user_yaml =
	"default_model: fast\n"
	"providers:\n"
	"  local:\n"
	"    api: openai\n"
	"    base_url: http://127.0.0.1:9/v1\n"
	"    headers:\n"
	"      X-Team: backend\n"
	"    retry: {attempts: 6, base_ms: 100, max_ms: 2000}\n"
	"    timeouts: {connect: 2, idle: 30, total: 300}\n"
	"  gateway:\n"
	"    api: anthropic\n"
	"    base_url: https://gw.example/anthropic\n"
	"    api_key_env: GW_KEY\n"
	"    max_completion_tokens: true\n"
	"models:\n"
	"  fast:\n"
	"    provider: local\n"
	"    id: llama3.1:8b\n"
	"    aliases: [quick, l3]\n"
	"    price: {input: 0.1, output: 0.2}\n"
	"    max_tokens: 4096\n"
	"  sonnet:\n"
	"    provider: gateway\n"
	"    id: claude-sonnet-4-5-gw\n";

static void load_user(struct config *cfg)
{
	config_init(cfg);
	assert_int_equal(config_load_text(cfg, "user.yaml", user_yaml, strlen(user_yaml)), 0);
}

static void test_parse(void **state)
{
	struct config cfg;
	const struct config_provider *p;
	size_t i;
	const struct config_model *fast = NULL;

	(void)state;
	load_user(&cfg);
	assert_int_equal(cfg.diags.nr, 0);
	assert_string_equal(cfg.default_model, "fast");
	assert_string_equal(cfg.default_model_source, "user.yaml:1");
	p = config_provider(&cfg, "local");
	assert_non_null(p);
	assert_int_equal(p->api, PROVIDER_API_OPENAI);
	assert_string_equal(p->base_url, "http://127.0.0.1:9/v1");
	assert_string_equal(p->headers.v[0], "X-Team: backend");
	assert_int_equal(p->max_attempts, 6);
	assert_int_equal(p->backoff_base_ms, 100);
	assert_int_equal(p->backoff_max_ms, 2000);
	assert_int_equal(p->connect_timeout_ms, 2000);
	assert_int_equal(p->idle_timeout_ms, 30000);
	assert_int_equal(p->total_timeout_ms, 300000);
	assert_string_equal(p->source, "user.yaml:3");
	p = config_provider(&cfg, "gateway");
	assert_int_equal(p->api, PROVIDER_API_ANTHROPIC);
	assert_string_equal(p->api_key_env, "GW_KEY");
	assert_true(p->quirks & QUIRK_MAX_COMPLETION_TOKENS);
	for (i = 0; i < cfg.models_nr; i++)
		if (!strcmp(cfg.models[i].name, "fast"))
			fast = &cfg.models[i];
	assert_non_null(fast);
	assert_string_equal(fast->id, "llama3.1:8b");
	assert_int_equal(fast->aliases.nr, 2);
	assert_true(fast->has_price);
	assert_true(fast->price.output > 0.19 && fast->price.output < 0.21);
	assert_int_equal(fast->max_tokens, 4096);
	config_release(&cfg);
}

static void test_errors_located(void **state)
{
	static const struct { const char *text; int line, col; const char *msg; } cases[] = {
		{ "providers:\n  x:\n    api: grpc\n    base_url: u\n", 3, 10, "'api' must be openai, openai-responses, azure or anthropic, not 'grpc'" },
		{ "providers:\n  openai:\n    api_key: sk-123\n", 3, 5, "keys are not written in config files" },
		{ "providers:\n  custom:\n    api: openai\n", 2, 3, "provider 'custom' needs a base_url" },
		{ "models:\n  m:\n    price: {input: cheap}\n", 3, 20, "'input' must be a number, not a string" },
		{ "models:\n  m:\n    aliases: {a: 1}\n", 3, 15, "'aliases' must be a list of names" },
		{ "providers: [a, b]\n", 1, 13, "'providers' must be a map, not a list" },
		{ "default_model: [x]\n", 1, 17, "'default_model' must be a string" },
		{ "providers:\n\tx: 1\n", 2, 1, "a tab is used for indentation" },
		{ "- just\n- a list\n", 1, 3, "config file must be a mapping" },
		{ "providers:\n  openai:\n    quirks: [short_tool_ids, mistral_ids]\n", 3, 30,
		  "unknown quirk 'mistral_ids'; known: max_completion_tokens" },
		{ "providers:\n  openai:\n    quirks: no_temperature\n", 3, 13, "'quirks' must be a list" },
		{ "models:\n  m:\n    extra_body: {top_k: 20, messages: []}\n", 3, 29,
		  "'extra_body' cannot set 'messages'" },
		{ "models:\n  m:\n    extra_body: [1]\n", 3, 18, "'extra_body' must be a mapping" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct config cfg;

		config_init(&cfg);
		assert_int_equal(config_load_text(&cfg, "c.yaml", cases[i].text,
						  strlen(cases[i].text)), -1);
		if (!cfg.diags.nr || cfg.diags.v[0].line != cases[i].line ||
		    cfg.diags.v[0].col != cases[i].col ||
		    !strstr(cfg.diags.v[0].msg, cases[i].msg))
			fail_msg("case %zu: got %d:%d: %s", i,
				 cfg.diags.nr ? cfg.diags.v[0].line : -1,
				 cfg.diags.nr ? cfg.diags.v[0].col : -1,
				 cfg.diags.nr ? cfg.diags.v[0].msg : "(nothing)");
		config_release(&cfg);
	}
}

static void test_files_and_env(void **state)
{
	char *dir = tu_mkdtemp(), ch[4200], proj[4200];
	struct config cfg;
	struct config_search s;
	const struct config_provider *p;

	(void)state;
	tu_write_str(dir, "conf/archie/config.yaml", user_yaml);
	/* the project overrides the user's default model and one field */
	tu_write_str(dir, "proj/.archie/config.yaml",
		     "default_model: openai/gpt-4.1\nproviders:\n  local:\n    base_url: http://127.0.0.1:10/v1\n");
	snprintf(ch, sizeof(ch), "%s/conf", dir);
	snprintf(proj, sizeof(proj), "%s/proj", dir);
	setenv("ANTHROPIC_API_KEY", "sk-ant-test", 1);
	setenv("OPENAI_API_KEY", "sk-test", 1);
	setenv("OPENAI_BASE_URL", "http://127.0.0.1:11/v1", 1);
	setenv("OLLAMA_HOST", "10.0.0.5:11434", 1);
	memset(&s, 0, sizeof(s));
	s.config_home = ch;
	s.project_root = proj;
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, &s), 0);
	assert_string_equal(cfg.default_model, "openai/gpt-4.1");
	assert_non_null(strstr(cfg.default_model_source, "proj/.archie/config.yaml:1"));
	p = config_provider(&cfg, "local");
	assert_string_equal(p->base_url, "http://127.0.0.1:10/v1");
	assert_int_equal(p->max_attempts, 6);	/* kept from the user file */
	p = config_provider(&cfg, "anthropic");
	assert_non_null(p);
	assert_string_equal(p->source, "env ANTHROPIC_API_KEY");
	assert_string_equal(p->base_url, "https://api.anthropic.com");
	p = config_provider(&cfg, "openai");
	assert_string_equal(p->base_url, "http://127.0.0.1:11/v1");
	p = config_provider(&cfg, "ollama");
	assert_string_equal(p->base_url, "http://10.0.0.5:11434/v1");
	assert_int_equal(cfg.files.nr, 2);
	config_release(&cfg);
	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("OPENAI_API_KEY");
	unsetenv("OPENAI_BASE_URL");
	unsetenv("OLLAMA_HOST");
	tu_rmrf(dir);
	free(dir);
}

static void expect_resolve(const struct config *cfg, const char *ref,
			   const char *inherit, const char *provider,
			   const char *id)
{
	struct config_resolved r;
	struct strbuf err = STRBUF_INIT;

	if (config_resolve_model(cfg, ref, inherit, &r, &err))
		fail_msg("%s: %s", ref ? ref : "(null)", err.buf);
	assert_string_equal(r.provider->name, provider);
	assert_string_equal(r.id, id);
	config_resolved_release(&r);
	strbuf_release(&err);
}

static void test_resolve(void **state)
{
	struct config cfg;
	struct config_resolved r;
	struct strbuf err = STRBUF_INIT;

	(void)state;
	load_user(&cfg);
	expect_resolve(&cfg, "fast", NULL, "local", "llama3.1:8b");
	expect_resolve(&cfg, "quick", NULL, "local", "llama3.1:8b");	/* alias */
	expect_resolve(&cfg, "llama3.1:8b", NULL, "local", "llama3.1:8b");	/* id */
	expect_resolve(&cfg, "sonnet", NULL, "gateway", "claude-sonnet-4-5-gw");
	expect_resolve(&cfg, "gateway/claude-opus-x", NULL, "gateway", "claude-opus-x");
	/* OpenRouter-style ids keep their slashes after the provider */
	expect_resolve(&cfg, "local/meta/llama-3", NULL, "local", "meta/llama-3");
	/* inherit: the parent's model, else the default */
	expect_resolve(&cfg, "inherit", "sonnet", "gateway", "claude-sonnet-4-5-gw");
	expect_resolve(&cfg, "inherit", NULL, "local", "llama3.1:8b");
	expect_resolve(&cfg, NULL, NULL, "local", "llama3.1:8b");
	expect_resolve(&cfg, "", NULL, "local", "llama3.1:8b");
	/* a bare unknown id goes to the default model's provider */
	expect_resolve(&cfg, "qwen2.5-coder", NULL, "local", "qwen2.5-coder");
	config_release(&cfg);

	/* built-in aliases need an Anthropic provider */
	config_init(&cfg);
	{
		struct config_search s;

		memset(&s, 0, sizeof(s));
		s.config_home = "/nonexistent";
		s.no_env = 1;
		config_load(&cfg, &s);
	}
	assert_int_equal(config_resolve_model(&cfg, "opus", NULL, &r, &err), -1);
	assert_non_null(strstr(err.buf, "model 'opus' needs provider 'anthropic', which is not configured: set ANTHROPIC_API_KEY"));
	assert_int_equal(config_resolve_model(&cfg, NULL, NULL, &r, &err), -1);
	assert_non_null(strstr(err.buf, "no provider is configured"));
	config_release(&cfg);
	strbuf_release(&err);
}

static void test_provider_setup(void **state)
{
	struct config cfg;
	struct provider_config pc;
	struct strvec models = STRVEC_INIT;
	struct config_resolved r;

	(void)state;
	memset(&r, 0, sizeof(r));
	load_user(&cfg);
	setenv("GW_KEY", "sk-gw", 1);
	r.provider = config_provider(&cfg, "gateway");
	r.id = "claude-sonnet-4-5-gw";
	config_provider_setup(&cfg, &r, &pc, &models);
	assert_string_equal(pc.api_key, "sk-gw");
	assert_string_equal(pc.api_key_env, "GW_KEY");
	assert_int_equal(pc.api, PROVIDER_API_ANTHROPIC);
	assert_int_equal(pc.quirks, QUIRK_MAX_COMPLETION_TOKENS);
	assert_int_equal(models.nr, 1);
	assert_string_equal(models.v[0], "sonnet");
	unsetenv("GW_KEY");
	strvec_release(&models);
	config_release(&cfg);
}

/* The servers known to need a quirk get it without asking; OpenAI's
 * Responses-only models speak the Responses API. */
static void test_known_quirks(void **state)
{
	static const char yaml[] =
		"providers:\n"
		"  openai: {}\n"
		"  mistral: {api: openai, base_url: 'https://api.mistral.ai/v1', quirks: [content_string]}\n"
		"  proxy: {api: openai, base_url: 'https://api.openai.com.evil.example/v1'}\n"
		"models:\n"
		"  codestral: {provider: mistral, id: codestral-latest,\n"
		"              extra_body: {safe_prompt: false, provider: {order: [a, b]}}}\n";
	static const struct { const char *provider, *id; enum provider_api api; unsigned quirks; } cases[] = {
		{ "openai", "gpt-4o", PROVIDER_API_OPENAI, QUIRK_MAX_COMPLETION_TOKENS },
		{ "openai", "gpt-5-codex", PROVIDER_API_RESPONSES,
		  QUIRK_MAX_COMPLETION_TOKENS | QUIRK_NO_TEMPERATURE },
		{ "openai", "o3-pro", PROVIDER_API_RESPONSES,
		  QUIRK_MAX_COMPLETION_TOKENS | QUIRK_NO_TEMPERATURE },
		{ "openai", "o4-mini", PROVIDER_API_OPENAI,
		  QUIRK_MAX_COMPLETION_TOKENS | QUIRK_NO_TEMPERATURE },
		{ "openai", "gpt-5-chat-latest", PROVIDER_API_OPENAI, QUIRK_MAX_COMPLETION_TOKENS },
		{ "mistral", "codestral-latest", PROVIDER_API_OPENAI,
		  QUIRK_SHORT_TOOL_IDS | QUIRK_CONTENT_STRING },
		{ "proxy", "gpt-5-codex", PROVIDER_API_OPENAI, 0 },	/* not OpenAI's host */
	};
	struct config cfg;
	size_t i;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_text(&cfg, "c.yaml", yaml, strlen(yaml)), 0);
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct config_resolved r;
		struct provider_config pc;

		memset(&r, 0, sizeof(r));
		r.provider = config_provider(&cfg, cases[i].provider);
		assert_non_null(r.provider);
		r.id = (char *)cases[i].id;
		config_provider_setup(&cfg, &r, &pc, NULL);
		if (pc.api != cases[i].api || pc.quirks != cases[i].quirks)
			fail_msg("%s %s: api %d quirks %#x", cases[i].provider, cases[i].id,
				 pc.api, pc.quirks);
	}
	for (i = 0; i < cfg.models_nr; i++)
		if (!strcmp(cfg.models[i].name, "codestral")) {
			char *s = json_dumps(cfg.models[i].extra_body, JSON_COMPACT | JSON_SORT_KEYS);

			assert_string_equal(s, "{\"provider\":{\"order\":[\"a\",\"b\"]},\"safe_prompt\":false}");
			free(s);
		}
	config_release(&cfg);
}

static void test_probe_local(void **state)
{
	struct fakellm f;
	struct config cfg;
	struct strbuf err = STRBUF_INIT, list = STRBUF_INIT;
	struct config_resolved r;

	(void)state;
	fakellm_start(&f, "{\"responses\":[]}");
	/* the first address refuses; the second is the fake server */
	strbuf_addf(&list, "ollama=http://127.0.0.1:1,llamacpp=http://127.0.0.1:%d", f.port);
	setenv("ARCHIE_LOCAL_SERVERS", list.buf, 1);
	config_init(&cfg);
	assert_int_equal(config_probe_local(&cfg, &err), 0);
	assert_non_null(config_provider(&cfg, "llamacpp"));
	assert_null(config_provider(&cfg, "ollama"));
	assert_string_equal(cfg.default_model, "llamacpp/fake-model");
	assert_int_equal(config_resolve_model(&cfg, NULL, NULL, &r, &err), 0);
	assert_string_equal(r.id, "fake-model");
	config_resolved_release(&r);
	config_release(&cfg);

	/* nothing answers: the message lists every way to configure one */
	setenv("ARCHIE_LOCAL_SERVERS", "ollama=http://127.0.0.1:1", 1);
	config_init(&cfg);
	assert_int_equal(config_probe_local(&cfg, &err), -1);
	assert_non_null(strstr(err.buf, "ANTHROPIC_API_KEY"));
	assert_non_null(strstr(err.buf, "OPENAI_API_KEY"));
	assert_non_null(strstr(err.buf, "OLLAMA_HOST"));
	assert_non_null(strstr(err.buf, "config.yaml"));
	config_release(&cfg);
	unsetenv("ARCHIE_LOCAL_SERVERS");
	strbuf_release(&err);
	strbuf_release(&list);
	fakellm_stop(&f);
}

/* What archie init writes loads back as written, whatever the address
 * holds (quotes, a colon, a '#'), and never holds a key. */
static void test_init_text(void **state)
{
	struct config cfg, back;
	struct config_provider p;
	struct config_resolved r;
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.name = "gw";
	p.api = PROVIDER_API_ANTHROPIC;
	p.base_url = "http://h:1/x#y?q=\"a: b\"";
	p.api_key_env = "GW_KEY";
	config_init(&cfg);
	config_init_text(&p, "gw/model: one", &text);
	assert_null(strstr(text.buf, "sk-"));
	config_init(&back);
	assert_int_equal(config_load_text(&back, "/c.yaml", text.buf, text.len), 0);
	assert_string_equal(back.default_model, "gw/model: one");
	assert_non_null(config_provider(&back, "gw"));
	assert_string_equal(config_provider(&back, "gw")->base_url, p.base_url);
	assert_string_equal(config_provider(&back, "gw")->api_key_env, "GW_KEY");
	assert_int_equal(config_provider(&back, "gw")->api, PROVIDER_API_ANTHROPIC);
	assert_int_equal(config_resolve_model(&back, NULL, NULL, &r, &err), 0);
	assert_string_equal(r.id, "model: one");
	config_resolved_release(&r);
	config_release(&back);
	config_release(&cfg);
	strbuf_release(&text);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors_located),
		cmocka_unit_test(test_files_and_env),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_provider_setup),
		cmocka_unit_test(test_known_quirks),
		cmocka_unit_test(test_probe_local),
		cmocka_unit_test(test_init_text),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
