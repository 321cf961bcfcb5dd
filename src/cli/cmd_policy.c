/*
 * cmd_policy: `archie policy explain TOOL ARGUMENT`, how a call would be
 * decided: its subjects, every rule that matched (with its source and
 * line), the defaults and floors, and the verdict.
 */
#include "cli/cli.h"

#include "agent/agent.h"
#include "agent/registry.h"
#include "config/config.h"
#include "core/strbuf.h"
#include "policy/policy.h"
#include "core/toolnames.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

static int cmd_policy_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct agent_registry reg;
	struct agent_search search;
	struct config cfg;
	struct config_search cs;
	struct policy p;
	struct policy_decision d;
	struct strbuf root = STRBUF_INIT, err = STRBUF_INIT, name = STRBUF_INIT;
	struct toolname_info info;
	const struct agent *a = NULL;
	enum policy_mode mode = POLICY_MODE_DEFAULT;
	char cwd[PATH_MAX];
	const char *tool;
	json_t *args;
	size_t i, j;
	int rc = CLI_EXIT_OK, cfg_rc;

	if (argc != 4 || strcmp(argv[1], "explain"))
		return cli_usage_error("usage: archie policy explain TOOL ARGUMENT   (e.g. archie policy explain Bash 'git status && rm -rf x')");
	info = toolname_lookup(argv[2]);
	tool = info.kind == TOOLNAME_CANONICAL ? info.canonical : argv[2];
	if (!getcwd(cwd, sizeof(cwd)))
		return cli_error("cannot get the working directory: %s", strerror(errno));
	if (ctx->permission_mode && policy_mode_parse(ctx->permission_mode, &mode))
		return cli_usage_error("--permission-mode must be default, accept or plan");
	agent_project_root(cwd, &root);
	agent_registry_init(&reg);
	config_init(&cfg);
	memset(&search, 0, sizeof(search));
	search.extra_dirs = &ctx->agents_dirs;
	memset(&cs, 0, sizeof(cs));
	cs.project_root = root.buf;
	if (agent_registry_load(&reg, &search, &err)) {
		rc = cli_usage_error("%s", err.buf);
		goto out_noplc;
	}
	cfg_rc = config_load(&cfg, &cs);
	diag_print(&cfg.diags, stderr);		/* its warnings too */
	if (cfg_rc) {
		rc = cli_usage_error("configuration errors: fix them and try again");
		goto out_noplc;
	}
	a = agent_registry_find(&reg, ctx->agent ? ctx->agent : "backend-architect");
	if (!a) {
		rc = cli_usage_error("no agent named '%s'", ctx->agent);
		goto out_noplc;
	}

	/* the same sources, in the same way, as a session (loop.c) */
	if (!ctx->permission_mode && cfg.permission_mode)
		policy_mode_parse(cfg.permission_mode, &mode);
	policy_init(&p, root.buf);
	p.mode = mode;
	for (i = 0; i < cfg.extra_dirs.nr; i++)
		policy_add_root(&p, cfg.extra_dirs.v[i]);
	for (i = 0; i < cfg.rules_nr; i++) {
		strbuf_reset(&name);
		strbuf_addf(&name, "config %s", cfg.rules[i].file);
		policy_add_source(&p, name.buf, cfg.rules[i].v, cfg.rules[i].nr);
	}
	strbuf_reset(&name);
	strbuf_addf(&name, "agent %s (%s)", a->name, a->path);
	policy_add_source(&p, name.buf, a->rules, a->rules_nr);
	{
		const struct strvec *flags[3] = { &ctx->allow, &ctx->ask, &ctx->deny };
		static const enum rule_action acts[3] = { RULE_ALLOW, RULE_ASK, RULE_DENY };

		for (j = 0; j < 3; j++)
			for (i = 0; i < flags[j]->nr; i++)
				if (policy_add_rule(&p, "command-line flags", flags[j]->v[i], acts[j], &err)) {
					rc = cli_usage_error("%s", err.buf);
					goto out;
				}
	}
	args = policy_args_from_text(tool, argv[3]);
	policy_decision_init(&d);
	policy_decide(&p, tool, args, cwd, &d);
	json_decref(args);

	if (ctx->json) {
		json_t *out = policy_decision_json(&d);

		json_object_set_new(out, "tool", json_string(tool));
		cli_print_json(out);
	} else {
		printf("%s %s\n", tool, argv[3]);
		for (i = 0; i < d.nr; i++) {
			const struct policy_subject *s = &d.subj[i];

			printf("  %-7s %s%s -> %s\n", policy_subject_kind_name(s->kind), s->text,
			       s->outside ? " (outside the workspace)" : "",
			       policy_verdict_name(s->verdict));
			for (j = 0; j < s->notes.nr; j++)
				printf("          %s\n", s->notes.v[j]);
		}
		printf("verdict: %s", policy_verdict_name(d.verdict));
		if (d.verdict != d.raw)
			printf(" (%s before the permission mode)", policy_verdict_name(d.raw));
		printf("\n  because %s\n", d.why);
		printf("permission mode: %s (%s)\n", policy_mode_name(mode),
		       ctx->permission_mode ? "--permission-mode"
		       : cfg.permission_mode_source ? cfg.permission_mode_source : "the default");
	}
	policy_decision_release(&d);
out:
	policy_release(&p);
out_noplc:
	config_release(&cfg);
	agent_registry_release(&reg);
	strbuf_release(&root);
	strbuf_release(&err);
	strbuf_release(&name);
	return rc;
}

static const struct cmd_usage usage[] = {
	{ "policy explain TOOL ARG", "how a call would be decided: subjects, rules, verdict" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_policy_entry = {
	"policy", usage, NULL,
	"ARG is the command for Bash, the URL for WebFetch, the path for file tools, or the "
	"call's JSON arguments. The agent (--agent), flags (--allow, --ask, --deny, "
	"--permission-mode) and config files are those a session would use.",
	cmd_policy_exec, 1,
};
