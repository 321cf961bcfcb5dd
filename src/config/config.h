/*
 * config: providers, models and defaults, from files and the environment.
 *
 * Sources, later overriding earlier field by field:
 *   1. built-in defaults (the Claude aliases sonnet, opus, haiku)
 *   2. providers found in the environment: ANTHROPIC_API_KEY
 *      (+ ANTHROPIC_BASE_URL), OPENAI_API_KEY (+ OPENAI_BASE_URL),
 *      OLLAMA_HOST
 *   3. ~/.config/archie/config.yaml ($XDG_CONFIG_HOME)
 *   4. the project's .archie/config.yaml
 * Every setting remembers where it came from ("file:line", "env NAME",
 * "built-in"), which `archie models` shows.
 *
 * With no provider at all, config_probe_local() looks for a local Ollama
 * (127.0.0.1:11434) or llama.cpp server (127.0.0.1:8080).
 *
 * Ownership: a config owns everything in it; pointers into it are valid
 * until config_release().
 */
#ifndef ARCHIE_CONFIG_H
#define ARCHIE_CONFIG_H

#include "agent/agent.h"
#include "core/diag.h"
#include "core/strvec.h"
#include "provider/provider.h"

struct config_provider {
	char *name;
	enum provider_api api;
	char *base_url;
	char *api_key_env;	/* the variable holding the key */
	char *api_version;	/* Azure's api-version */
	struct strvec headers;	/* "Name: value" */
	unsigned quirks;	/* enum wire_quirk bits (`quirks:`) */
	int max_attempts;
	long backoff_base_ms, backoff_max_ms;
	long connect_timeout_ms, idle_timeout_ms, total_timeout_ms;
	char *source;
};

struct config_model {
	char *name;		/* what users write: "sonnet", "local-llama" */
	char *provider;
	char *id;		/* what the API is sent */
	struct strvec aliases;
	int has_price;
	struct provider_price price;
	long max_tokens;	/* the output limit (`max_tokens` or `max_output`); 0: not set */
	long context;		/* the context window in tokens (`context`); 0: not set */
	long thinking;		/* Anthropic extended thinking's budget (`thinking`); 0: off */
	char *reasoning_effort;	/* OpenAI-compatible `reasoning_effort`, or NULL */
	int vision;		/* `vision:` 1 yes, 0 no, -1 not set (the family's) */
	json_t *extra_body;	/* `extra_body:` (an object), or NULL */
	char *source;
};

/* The permission rules of one config file. */
struct config_rules {
	char *file;
	struct policy_rule *v;
	size_t nr, alloc;
};

/* Delegation settings (`delegation:`); 0 / NULL: not set. */
struct config_delegation {
	int max_parallel;
	int max_depth;
	int max_turns;
	long long max_tokens;
	char *routing;		/* auto, suggest, off */
};

/* The WebSearch tool's backend (`web_search:`); backend NULL: none, and
 * the tool is not offered.  Only the user's own config sets it: a
 * repository must not choose where queries and keys go. */
struct config_web_search {
	char *backend;		/* searxng, brave, tavily, anthropic */
	char *url;		/* the endpoint (searxng: required) */
	char *api_key_env;	/* the variable holding the key (brave, tavily) */
	int max_results;	/* 0: 8 */
	char *source;		/* FILE:LINE of the section */
};

struct config {
	struct config_rules *rules;	/* one per file with rules, in load order */
	size_t rules_nr, rules_alloc;
	struct config_provider *providers;
	size_t providers_nr, providers_alloc;
	struct config_model *models;
	size_t models_nr, models_alloc;
	char *default_model;
	char *default_model_source;
	/* the permission mode a settings file asks for (Claude Code's
	 * permissions.defaultMode: default, accept, plan), with where; the
	 * strongest source's (managed, then local, project, user) */
	char *permission_mode;
	char *permission_mode_source;
	/* more directories that count as the workspace (Claude Code's
	 * permissions.additionalDirectories), absolute */
	struct strvec extra_dirs;
	/* more instruction files for the system prompt (OpenCode's
	 * `instructions`, Gemini CLI's context.fileName): absolute paths or
	 * glob patterns */
	struct strvec instructions;
	struct config_delegation delegation;
	struct config_web_search web_search;
	/* the team's shared record (`store: {url}`; the user's config only) */
	char *store_url;
	char *store_url_source;
	int reading_project;		/* while the project's file is read */
	/* sections other subsystems read, as JSON: [{"file": F, "value": V}] */
	json_t *hooks;			/* `hooks:` (src/hooks/) */
	json_t *mcp_servers;		/* `mcpServers:` (src/mcp/) */
	json_t *shell_env;		/* `shell_environment:` (policy/childenv.h) */
	struct strvec files;		/* config files read */
	/* what was read from other runtimes' settings and what was not
	 * (`archie doctor`): "FILE: KEY: read|ignored: why" lines */
	struct strvec peer_notes;
	struct diag_list diags;
};

struct config_search {
	const char *project_root;	/* NULL: no project file */
	const char *config_home;	/* NULL: $XDG_CONFIG_HOME or ~/.config */
	const char *home;		/* NULL: $HOME */
	int no_env;			/* tests: ignore the environment */
};

/* The shared record's connection string: ARCHIE_STORE_URL, else the
 * config's store.url, else NULL (no sharing). */
const char *config_store_url(const struct config *cfg);

void config_init(struct config *cfg);
void config_release(struct config *cfg);

/* Loads every source.  Returns 0, or -1 when a config file has errors
 * (all of them in cfg->diags). */
int config_load(struct config *cfg, const struct config_search *s);

/* Parses one config file's text into cfg (merging). */
int config_load_text(struct config *cfg, const char *path, const char *text,
		     size_t len);

const struct config_provider *config_provider(const struct config *cfg,
					      const char *name);

/* What a model reference resolves to. */
struct config_resolved {
	const struct config_provider *provider;
	const struct config_model *model;	/* NULL for an unlisted id */
	char *id;				/* owned: the id to send */
	const char *how;			/* "alias", "provider/model", ... */
};

/*
 * Resolves a model reference as agent files write it: "provider/model", a
 * configured name or alias, a bare id, or sonnet/opus/haiku; "inherit",
 * NULL and "" mean `inherit` (the parent's), else the default model.
 * Returns 0, or -1 with a message that lists what is configured.
 */
/* A model's context window and output limit: the configuration's, else
 * a built-in table of well-known model families (by the id sent), else
 * a conservative guess.  how: "config", "built-in" or "guess". */
struct config_limits {
	long context;
	long max_output;
	const char *how;
	int vision;		/* the model takes images */
};
void config_model_limits(const struct config_resolved *r, struct config_limits *out);

int config_resolve_model(const struct config *cfg, const char *ref,
			 const char *inherit, struct config_resolved *out,
			 struct strbuf *err);
void config_resolved_release(struct config_resolved *r);

/* Fills a provider_config for the resolved model's provider (strings
 * borrowed from cfg and from the environment; key read from
 * p->api_key_env).  The protocol and quirks are the provider's, and for
 * servers known to need them also: OpenAI's Responses-only models
 * (gpt-5-codex, o3-pro, ...) speak the Responses API; api.openai.com takes
 * max_completion_tokens and its reasoning models (o1, o3, o4, gpt-5) no
 * temperature; api.mistral.ai takes short tool call ids. */
void config_provider_setup(const struct config *cfg, const struct config_resolved *r,
			   struct provider_config *out, struct strvec *models);

/*
 * With no provider configured: looks for local servers (Ollama, then
 * llama.cpp; ARCHIE_LOCAL_SERVERS="name=url,..." replaces the list) and
 * adds the first that answers, with its first model as the default.
 * Returns 0 if one was found; otherwise -1 with a message listing the
 * ways to configure a provider.
 */
int config_probe_local(struct config *cfg, struct strbuf *err);

/* The model ids provider p's server lists (GET {base_url}/models, with
 * its key), appended to ids in its order: 0, or -1 when it does not
 * answer (or speaks a protocol without such a list). */
int config_server_models(const struct config_provider *p, struct strvec *ids);

/* Whether p's server chooses the model: one at an address of the user's
 * (OLLAMA_HOST, OPENAI_BASE_URL, a config's base_url), not a hosted API
 * (OpenAI, OpenRouter, Anthropic, Azure) with models of its own. */
int config_server_chooses(const struct config_provider *p);

/* Asks the user which of the models p's server lists to use: the index,
 * or -1 for the first (nobody to ask). */
typedef int (*config_choose_fn)(void *ud, const struct config_provider *p,
				const struct strvec *ids);

/* With no default model, and a provider whose server chooses the model
 * (OLLAMA_HOST, a keyless or custom OPENAI_BASE_URL, a local base_url in
 * config.yaml): one of its server's models becomes the default: the one
 * choose picks when it lists several (choose may be NULL), else the
 * first, and then note says which was taken and how to choose.  0. */
int config_discover_default(struct config *cfg, config_choose_fn choose, void *ud,
			    struct strbuf *note);

/*
 * Writing the user's config (`archie init`, the REPL's first run).
 */
/* Where the user's config.yaml is: $XDG_CONFIG_HOME/archie/config.yaml, or
 * ~/.config/archie/config.yaml (NULLs: the environment's). */
void config_user_file(const char *config_home, const char *home, struct strbuf *out);
/* A config.yaml naming provider p (its api, address and the variable that
 * holds its key, never a key) and model_ref as the default model. */
void config_init_text(const struct config_provider *p, const char *model_ref,
		      struct strbuf *out);
/* Writes text to path (mode 0600, directories made), after checking that
 * it loads.  An existing file is an error unless force: then it is kept
 * as path.bak.  0, or -1 with err. */
int config_write_user(const char *path, const char *text, int force, struct strbuf *err);

#endif
