/*
 * cmd_init: `archie init`, a config.yaml for the provider that is there.
 *
 * What a new user has is an environment variable or a local server;
 * init finds it as every run does (ANTHROPIC_API_KEY, OPENAI_API_KEY,
 * OPENAI_BASE_URL, OPENROUTER_API_KEY, OLLAMA_HOST, then a running
 * Ollama or llama.cpp), asks which of the server's models to use when it
 * lists several (or takes --model), and writes the provider and the
 * default model, never a key, to the user's config.yaml.
 */
#include "cli/cli.h"

#include "agent/registry.h"
#include "config/config.h"
#include "core/strbuf.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How many of a server's models the menu shows (OpenRouter lists
 * hundreds: the rest are chosen by name). */
#define PICK_SHOWN 20

int cli_pick_model(const struct config_provider *p, const struct strvec *ids, FILE *in,
		   FILE *out)
{
	char *line = NULL;
	size_t cap = 0, i, len;
	int tries, pick = -1;

	fprintf(out, "%s (%s) lists %zu models:\n", p->name, p->base_url, ids->nr);
	for (i = 0; i < ids->nr && i < PICK_SHOWN; i++)
		fprintf(out, "  %2zu. %s\n", i + 1, ids->v[i]);
	if (ids->nr > PICK_SHOWN)
		fprintf(out, "  ... and %zu more (type a name)\n", ids->nr - PICK_SHOWN);
	for (tries = 0; tries < 5 && pick < 0; tries++) {
		char *end;
		long n;

		fprintf(out, "which model? [1-%zu or a name, Enter: 1] ",
			ids->nr < PICK_SHOWN ? ids->nr : (size_t)PICK_SHOWN);
		fflush(out);
		if (getline(&line, &cap, in) < 0)
			break;
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (!len) {
			pick = 0;
			break;
		}
		n = strtol(line, &end, 10);
		if (!*end && n >= 1 && (size_t)n <= ids->nr) {
			pick = (int)(n - 1);
			break;
		}
		for (i = 0; i < ids->nr; i++) {
			size_t pl = strlen(p->name);

			/* "qwen2.5" or "ollama/qwen2.5" */
			if (!strcmp(line, ids->v[i]) ||
			    (!strncmp(line, p->name, pl) && line[pl] == '/' && !strcmp(line + pl + 1, ids->v[i])))
				pick = (int)i;
		}
		if (pick < 0)
			fprintf(out, "'%s' is not one of them; a number, or a name as listed\n", line);
	}
	free(line);
	return pick;
}

/* The provider to write: the one --model names, else the first the
 * environment or a running server gives (asking among several when there
 * is someone to ask). */
static const struct config_provider *which_provider(const struct config *cfg, int ask)
{
	size_t i;
	char *line = NULL;
	size_t cap = 0;
	long n;

	if (cfg->providers_nr == 1 || !ask)
		return &cfg->providers[0];
	printf("providers found:\n");
	for (i = 0; i < cfg->providers_nr; i++)
		printf("  %zu. %s (%s, from %s)\n", i + 1, cfg->providers[i].name,
		       cfg->providers[i].base_url, cfg->providers[i].source);
	printf("which provider? [1-%zu, Enter: 1] ", cfg->providers_nr);
	fflush(stdout);
	n = getline(&line, &cap, stdin) > 0 ? strtol(line, NULL, 10) : 1;
	free(line);
	return &cfg->providers[n >= 1 && (size_t)n <= cfg->providers_nr ? n - 1 : 0];
}

/* The model to make the default for p: its server's (one, or the one the
 * user picks), else what archie uses for p already. */
static int which_model(const struct config *cfg, const struct config_provider *p, int ask,
		       struct strbuf *ref, struct strbuf *err)
{
	struct strvec ids = STRVEC_INIT;
	int pick = 0, rc = 0;

	if (!config_server_models(p, &ids) && ids.nr) {
		if (ids.nr > 1 && ask)
			pick = cli_pick_model(p, &ids, stdin, stdout);
		else if (ids.nr > 1)
			printf("archie: note: %s lists %zu models; taking the first, %s (name another with --model %s/NAME)\n",
			       p->name, ids.nr, ids.v[0], p->name);
		if (pick < 0) {
			rc = strbuf_seterr(err, "no model chosen; nothing written");
		} else {
			strbuf_addf(ref, "%s/%s", p->name, ids.v[pick]);
		}
	} else if (cfg->default_model) {
		strbuf_addstr(ref, cfg->default_model);
	} else {
		rc = strbuf_seterr(err, "%s does not say which models it serves, and archie has no default for it: name one with --model %s/MODEL",
				   p->name, p->name);
	}
	strvec_release(&ids);
	return rc;
}

/* A model named for a server that lists its models must be one of them:
 * a default it does not serve would fail every run. */
static int check_served(const struct config_provider *p, const char *id, struct strbuf *err)
{
	struct strvec ids = STRVEC_INIT;
	size_t i;
	int rc = 0;

	if (config_server_chooses(p) && !config_server_models(p, &ids) && ids.nr) {
		for (i = 0; i < ids.nr && strcmp(ids.v[i], id); i++)
			;
		if (i == ids.nr) {
			strbuf_addf(err, "%s does not serve a model '%s'; it lists ", p->name, id);
			for (i = 0; i < ids.nr && i < 10; i++)
				strbuf_addf(err, "%s%s", i ? ", " : "", ids.v[i]);
			strbuf_addstr(err, ids.nr > 10 ? ", ..." : "");
			rc = -1;
		}
	}
	strvec_release(&ids);
	return rc;
}

static int cmd_init_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct config cfg;
	struct config_search s;
	struct config_resolved def;
	struct strbuf root = STRBUF_INIT, err = STRBUF_INIT, ref = STRBUF_INIT;
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	const struct config_provider *p;
	char cwd[PATH_MAX];
	int force = 0, ask = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	int rc = CLI_EXIT_USAGE, i, have_def = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = 1;
		else
			return cli_usage_error("usage: archie init [--model REF] [--force]");
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return cli_error("cannot get the working directory");
	agent_project_root(cwd, &root);
	memset(&s, 0, sizeof(s));
	s.project_root = root.buf;
	config_init(&cfg);
	if (config_load(&cfg, &s)) {
		diag_print(&cfg.diags, stderr);
		fprintf(stderr, "archie: fix the configuration above first\n");
		goto out;
	}
	config_user_file(NULL, NULL, &path);
	if (!path.len) {
		cli_error("neither XDG_CONFIG_HOME nor HOME is set: nowhere to write config.yaml");
		goto out;
	}
	if (!force && !access(path.buf, F_OK)) {
		cli_usage_error("%s already exists; archie init does not replace it (--force does, keeping the old one as %s.bak); 'archie models' shows what it sets",
				path.buf, path.buf);
		goto out;
	}
	if (!cfg.providers_nr && config_probe_local(&cfg, &err)) {
		cli_error("%s", err.buf);
		rc = CLI_EXIT_FAILURE;
		goto out;
	}
	if (ctx->model) {
		/* the model the user named, at its provider */
		if (config_resolve_model(&cfg, ctx->model, NULL, &def, &err)) {
			cli_usage_error("%s", err.buf);
			goto out;
		}
		have_def = 1;
		p = def.provider;
		if (check_served(p, def.id, &err)) {
			cli_usage_error("%s", err.buf);
			goto out;
		}
		strbuf_addstr(&ref, ctx->model);
	} else {
		p = which_provider(&cfg, ask);
		if (which_model(&cfg, p, ask, &ref, &err)) {
			cli_error("%s", err.buf);
			rc = CLI_EXIT_FAILURE;
			goto out;
		}
	}
	config_init_text(p, ref.buf, &text);
	if (config_write_user(path.buf, text.buf, force, &err)) {
		cli_error("%s", err.buf);
		rc = CLI_EXIT_FAILURE;
		goto out;
	}
	printf("wrote %s:\n\n%s\nRun 'archie' to start, 'archie models' to see what it sets.\n",
	       path.buf, text.buf);
	rc = CLI_EXIT_OK;
out:
	if (have_def)
		config_resolved_release(&def);
	config_release(&cfg);
	strbuf_release(&root);
	strbuf_release(&err);
	strbuf_release(&ref);
	strbuf_release(&path);
	strbuf_release(&text);
	return rc;
}

static const struct cmd_usage usage[] = {
	{ "init [--model REF] [--force]", "write ~/.config/archie/config.yaml for the provider found" },
	{ NULL, NULL },
};

static const struct cmd_option init_options[] = {
	{ "--force", "replace an existing config.yaml (kept as config.yaml.bak)" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_init_entry = {
	"init", usage, init_options,
	"Finds a provider as every run does (ANTHROPIC_API_KEY, OPENAI_API_KEY, OPENAI_BASE_URL, "
	"OPENROUTER_API_KEY, OLLAMA_HOST, else a running Ollama or llama.cpp), asks which of a "
	"server's models to use when it lists several (or takes --model), and writes the "
	"provider and the default model to $XDG_CONFIG_HOME/archie/config.yaml "
	"(~/.config/archie/config.yaml). Keys are never written: the file names the variable "
	"that holds one.",
	cmd_init_exec, 0,
};
