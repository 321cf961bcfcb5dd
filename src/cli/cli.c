/*
 * cli: global option parsing, dispatch through the command table, and the
 * help and man page generated from it.  See cli.h.
 */
#include "cli/cli.h"

#include "core/log.h"
#include "core/xalloc.h"
#include "core/strbuf.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const struct cmd_entry *const commands[] = {
	&cmd_init_entry,
	&cmd_agents_entry,
	&cmd_commands_entry,
	&cmd_skills_entry,
	&cmd_models_entry,
	&cmd_config_entry,
	&cmd_doctor_entry,
	&cmd_policy_entry,
	&cmd_sandbox_entry,
	&cmd_design_entry,
	&cmd_mcp_entry,
	&cmd_check_design_entry,
	&cmd_sessions_entry,
	&cmd_audit_entry,
	&cmd_store_entry,
	&cmd_serve_entry,
	&cmd_stats_entry,
	&cmd_undo_entry,
	&cmd_checkpoints_entry,
	&cmd_version_entry,
	&cmd_help_entry,
	NULL,
};

static const struct cmd_option global_options[] = {
	{ "-p, --print [PROMPT]", "run headless: work on PROMPT (or standard input) and exit" },
	{ "--agent NAME", "the agent to run (default: backend-architect)" },
	{ "--model MODEL", "override the agent's model (see 'archie models')" },
	{ "--max-turns N", "stop after N model requests (default 100)" },
	{ "--thinking N", "let Anthropic models think first, with a budget of N tokens (off: never)" },
	{ "--compact-at PCT", "compact the conversation when it fills PCT% of the context window (default 80; off: never)" },
	{ "--output-format F", "headless output: text (default), json or stream-json" },
	{ "-y, --yes", "allow what the policy would ask about (denials still hold)" },
	{ "--permission-mode M", "default (ask before changes), accept, or plan (read-only)" },
	{ "--allow RULE", "allow what RULE names, e.g. 'Bash(npm test:*)' (also --ask, --deny; repeatable)" },
	{ "--sandbox MODE", "how commands are confined: workspace-write (default), read-only or off" },
	{ "--network", "let sandboxed commands use the network" },
	{ "--routing MODE", "the agent's routing table: auto (run matched specialists first), suggest or off" },
	{ "--elicit JSON", "headless: answers to MCP servers' questions (elicitation), e.g. '{\"name\": \"x\"}'; without it they are declined" },
	{ "--max-cost USD", "stop before a request would take the run (subagents too) past this cost (exit 4; the model needs a price)" },
	{ "--report FILE", "after a headless run, write what it changed and what was denied: FILE.sarif (SARIF 2.1.0) or FILE.xml (JUnit)" },
	{ "--agents-dir DIR", "also load agents from DIR (highest priority; repeatable)" },
	{ "--cwd DIR", "run as if started in DIR" },
	{ "-c, --continue", "continue the latest session of this project" },
	{ "-r, --resume ID", "continue session ID (a unique prefix will do; see 'archie sessions list')" },
	{ "--state-dir DIR", "where sessions are recorded (default $ARCHIE_STATE_DIR, else ~/.local/state/archie)" },
	{ "--json", "print machine-readable JSON" },
	{ "-h, --help", "show help (for a command: archie COMMAND --help)" },
	{ "-V, --version", "print the version" },
	{ NULL, NULL },
};

const struct cmd_entry *const *cli_commands(void)
{
	return commands;
}

const struct cmd_entry *cli_find_command(const char *name)
{
	size_t i;

	for (i = 0; commands[i]; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static int vmsg(const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_vaddf(&sb, fmt, ap);
	fprintf(stderr, "archie: %s\n", sb.buf);
	strbuf_release(&sb);
	return 0;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return CLI_EXIT_USAGE;
}

int cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return CLI_EXIT_FAILURE;
}

void cli_print_json(json_t *value)
{
	char *s = value ? json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
			: NULL;

	if (!s) {
		/* Only a bug can get here (every string put into JSON is
		 * checked UTF-8); say so rather than print nothing. */
		cli_error("internal error: could not encode the JSON output; please report this");
		json_decref(value);
		return;
	}
	{
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(value);
}

/* ---- help, wrapped to the terminal ---------------------------------------------- */

/* The widest a help column of names gets: a longer name has the line to
 * itself, its description below. */
#define HELP_NAME_MAX 28

/* Columns to wrap help at: the terminal's, else 80. */
static size_t help_width(FILE *out)
{
	struct winsize ws;

	if (isatty(fileno(out)) && !ioctl(fileno(out), TIOCGWINSZ, &ws) && ws.ws_col >= 40)
		return ws.ws_col;
	return 80;
}

/* Bytes of s that display as one column each but UTF-8's continuation
 * bytes: its width in columns, near enough for help text. */
static size_t columns(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* text wrapped at width, every line after the first indented to col
 * (the first starts at *at); never breaks a word. */
static void wrap(FILE *out, const char *text, size_t col, size_t width, size_t at)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, " "), w = columns(p, n);

		if (at > col && at + 1 + w > width) {
			fprintf(out, "\n%*s", (int)col, "");
			at = col;
		} else if (at > col) {
			fputc(' ', out);
			at++;
		}
		fwrite(p, 1, n, out);
		at += w;
		p += n;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

/* "  NAME  description" rows: names in a column of at most
 * HELP_NAME_MAX, descriptions wrapped to the terminal and indented. */
static void help_row(FILE *out, const char *prefix, const char *name, const char *text,
		     size_t name_w, size_t width)
{
	size_t lead = 2 + strlen(prefix), col = lead + name_w + 2, nw = columns(name, strlen(name));

	if (nw > name_w) {
		fprintf(out, "  %s", prefix);
		wrap(out, name, lead + 4, width, lead);
		fprintf(out, "%*s", (int)col, "");
		wrap(out, text, col, width, col);
		return;
	}
	fprintf(out, "  %s%s%*s", prefix, name, (int)(name_w - nw + 2), "");
	wrap(out, text, col, width, col);
}

static size_t name_width(const char *const *names, size_t n)
{
	size_t w = 0, i;

	for (i = 0; i < n; i++)
		if (columns(names[i], strlen(names[i])) > w &&
		    columns(names[i], strlen(names[i])) <= HELP_NAME_MAX)
			w = columns(names[i], strlen(names[i]));
	return w;
}

static size_t usage_width(void)
{
	const char *names[256];
	size_t n = 0, i, j;

	for (i = 0; commands[i]; i++)
		for (j = 0; commands[i]->usage[j].synopsis && n < 200; j++)
			names[n++] = commands[i]->usage[j].synopsis;
	for (i = 0; global_options[i].spelling && n < 256; i++)
		names[n++] = global_options[i].spelling;
	return name_width(names, n);
}

void cli_print_help(FILE *out)
{
	size_t i, j, w = usage_width(), width = help_width(out);

	fprintf(out, "usage: archie [options]                 start an interactive session\n"
		     "       archie [options] -p PROMPT       run headless and exit\n"
		     "       archie [options] <command> [args]\n\n");
	wrap(out, "archie is a backend-architect agent: it designs, reviews and builds backend "
		  "systems with a language model, grounded in your repository.", 0, width, 0);
	fprintf(out, "\ncommands:\n");
	for (i = 0; commands[i]; i++)
		for (j = 0; commands[i]->usage[j].synopsis; j++)
			help_row(out, "", commands[i]->usage[j].synopsis,
				 commands[i]->usage[j].summary, w, width);
	fprintf(out, "\noptions:\n");
	for (i = 0; global_options[i].spelling; i++)
		help_row(out, "", global_options[i].spelling, global_options[i].summary, w, width);
	fprintf(out, "\nenvironment:\n");
	help_row(out, "", "ARCHIE_LOG=LEVEL", "error, warn (default), info or debug", w, width);
	help_row(out, "", "ARCHIE_LOG_FILE=PATH", "write the log there instead of stderr", w, width);
	help_row(out, "", "NO_COLOR", "never use colour", w, width);
	fprintf(out, "\n'archie help COMMAND' shows a command's options; 'man archie' the manual.\n");
}

void cli_print_command_help(const struct cmd_entry *cmd, FILE *out)
{
	const char *names[128];
	size_t j, n = 0, w, width = help_width(out);

	for (j = 0; cmd->usage[j].synopsis && n < 64; j++)
		names[n++] = cmd->usage[j].synopsis;
	for (j = 0; cmd->options && cmd->options[j].spelling && n < 128; j++)
		names[n++] = cmd->options[j].spelling;
	w = name_width(names, n);
	fprintf(out, "usage:\n");
	for (j = 0; cmd->usage[j].synopsis; j++)
		help_row(out, "archie ", cmd->usage[j].synopsis, cmd->usage[j].summary, w, width);
	if (cmd->description) {
		fputc('\n', out);
		wrap(out, cmd->description, 0, width, 0);
	}
	if (cmd->options && cmd->options[0].spelling) {
		fprintf(out, "\noptions:\n");
		for (j = 0; cmd->options[j].spelling; j++)
			help_row(out, "", cmd->options[j].spelling, cmd->options[j].summary, w, width);
	}
}

/* roff needs backslashes and leading dots/quotes escaped. */
static void man_text(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
		if (*s == '\n' && (s[1] == '.' || s[1] == '\''))
			fputs("\\&", out);
	}
}

static void man_slash(void *ud, const char *name, const char *args, const char *summary)
{
	FILE *out = ud;

	fprintf(out, ".TP\n.B ");
	man_text(out, name);
	if (args && *args) {
		fputc(' ', out);
		man_text(out, args);
	}
	fputc('\n', out);
	man_text(out, summary);
	fputc('\n', out);
}

void cli_print_man(FILE *out)
{
	size_t i, j;

	fprintf(out, ".\\\" Generated by 'archie help --man' from the command table; do not edit.\n"
		     ".TH ARCHIE 1 \"\" \"archie %s\" \"User Commands\"\n"
		     ".SH NAME\narchie \\- a backend\\-architect agent\n"
		     ".SH SYNOPSIS\n.B archie\n[\\fIoptions\\fR] \\fIcommand\\fR [\\fIargs\\fR]\n"
		     ".SH DESCRIPTION\n"
		     "archie designs, reviews and builds backend systems with a language model,\n"
		     "grounded in evidence read from the repository it runs in.\n"
		     "Agents are Markdown files with optional YAML frontmatter, in the formats of\n"
		     "Claude Code, OpenCode and Gemini CLI, or plain Markdown.\n",
		ARCHIE_VERSION_STRING);
	fprintf(out, ".SH COMMANDS\n");
	for (i = 0; commands[i]; i++) {
		for (j = 0; commands[i]->usage[j].synopsis; j++) {
			fprintf(out, ".TP\n.B ");
			man_text(out, commands[i]->usage[j].synopsis);
			fputc('\n', out);
			man_text(out, commands[i]->usage[j].summary);
			fputc('\n', out);
		}
		if (commands[i]->description) {
			fprintf(out, ".IP\n");
			man_text(out, commands[i]->description);
			fputc('\n', out);
		}
		for (j = 0; commands[i]->options && commands[i]->options[j].spelling; j++) {
			fprintf(out, ".RS\n.TP\n.B ");
			man_text(out, commands[i]->options[j].spelling);
			fputc('\n', out);
			man_text(out, commands[i]->options[j].summary);
			fprintf(out, "\n.RE\n");
		}
	}
	fprintf(out, ".SH OPTIONS\n");
	for (i = 0; global_options[i].spelling; i++) {
		fprintf(out, ".TP\n.B ");
		man_text(out, global_options[i].spelling);
		fputc('\n', out);
		man_text(out, global_options[i].summary);
		fputc('\n', out);
	}
	fprintf(out, ".SH SLASH COMMANDS\n"
		     "In an interactive session, a line that starts with / is a command:\n");
	cli_repl_slashes(man_slash, out);
	fprintf(out, ".SH AGENT SEARCH PATH\n"
		     "Later directories override earlier ones by agent name: the built\\-in agents,\n"
		     "\\fI~/.config/archie/agents/\\fR, then in the project \\fI.claude/agents/\\fR,\n"
		     "\\fI.opencode/agent/\\fR, \\fI.opencode/agents/\\fR, \\fI.gemini/agents/\\fR,\n"
		     "\\fI.archie/agents/\\fR, then each \\fB\\-\\-agents\\-dir\\fR.\n"
		     ".SH ENVIRONMENT\n"
		     ".TP\n.B ARCHIE_LOG\nerror, warn (default), info or debug.\n"
		     ".TP\n.B ARCHIE_LOG_FILE\nwrite the log to this file instead of standard error.\n"
		     ".TP\n.B NO_COLOR\nnever use colour.\n"
		     ".SH EXIT STATUS\n"
		     ".TP\n.B 0\nsuccess\n"
		     ".TP\n.B 1\nthe command ran and found errors (a design that does not pass, invalid agent files)\n"
		     ".TP\n.B 2\na usage or configuration error\n"
		     ".TP\n.B 3\nan agent run: the model provider failed\n"
		     ".TP\n.B 4\nan agent run: \\-\\-max\\-turns was reached\n"
		     ".TP\n.B 5\nan agent run: a tool call was denied\n"
		     ".TP\n.B 130\ninterrupted (Ctrl\\-C)\n"
		     ".SH SEE ALSO\nThe README and docs/ in archie's source tree.\n");
}

/* Takes the value of an option given as "--opt VALUE" or "--opt=VALUE". */
const char *cli_opt_value(const char *opt, int argc, char **argv, int *i)
{
	size_t n = strlen(opt);

	if (!strncmp(argv[*i], opt, n) && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (!strcmp(argv[*i], opt)) {
		if (*i + 1 >= argc)
			return NULL;
		return argv[++*i];
	}
	return NULL;
}

int cli_is_opt(const char *arg, const char *opt)
{
	size_t n = strlen(opt);

	return arg && !strncmp(arg, opt, n) && (arg[n] == '\0' || arg[n] == '=');
}

/* ---- strict options ------------------------------------------------------------ */

/* The names a spelling gives ("-n, --limit N": -n and --limit), up to max,
 * and whether a value follows them. */
struct opt_name {
	char name[48];
	int value;
};

static size_t spelling_names(const char *spelling, struct opt_name *out, size_t max)
{
	size_t n = 0, i, len;
	int value = 0;
	const char *p = spelling;

	while (*p) {
		p += strspn(p, " ,");
		len = strcspn(p, " ,");
		if (!len)
			break;
		if (*p == '-' && n < max) {
			snprintf(out[n].name, sizeof(out[n].name), "%.*s", (int)len, p);
			n++;
		} else if (*p != '-') {
			value = 1;	/* N, DIR, [PROMPT]: a value follows */
		}
		p += len;
	}
	for (i = 0; i < n; i++)
		out[i].value = value;
	return n;
}

/* Edits between a and b (insert, delete, change, swap two neighbours),
 * stopping early past 3: only small ones are suggested. */
static size_t edits(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[48][48];

	if (la >= 48 || lb >= 48)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

static void consider(const char *arg, size_t arglen, const char *spelling, const char **best,
		     size_t *best_d, char (*buf)[48])
{
	struct opt_name names[4];
	size_t n = spelling_names(spelling, names, 4), i, d;
	char a[48];

	snprintf(a, sizeof(a), "%.*s", (int)(arglen < 47 ? arglen : 47), arg);
	for (i = 0; i < n; i++) {
		if (strlen(names[i].name) < 3)
			continue;	/* -p, -y: any typo is within two edits */
		d = edits(a, names[i].name);
		/* a prefix of a longer option (--mod) is one edit away */
		if (strlen(a) >= 4 && !strncmp(names[i].name, a, strlen(a)))
			d = 1;
		if (d < *best_d && d <= 2 && d * 3 <= strlen(names[i].name)) {
			*best_d = d;
			memcpy(*buf, names[i].name, sizeof(*buf));
			*best = *buf;
		}
	}
}

const char *cli_closest_option(const char *arg, const struct cmd_option *extra)
{
	static char buf[48];
	const char *best = NULL;
	size_t best_d = 99, i, arglen = strcspn(arg, "=");

	/* the command's own first: on a tie, it is the likelier one */
	for (i = 0; extra && extra[i].spelling; i++)
		consider(arg, arglen, extra[i].spelling, &best, &best_d, &buf);
	for (i = 0; global_options[i].spelling; i++)
		consider(arg, arglen, global_options[i].spelling, &best, &best_d, &buf);
	return best;
}

/* Whether arg is one of the command's options; *value: a separate value
 * follows it. */
static int known_option(const struct cmd_option *opts, const char *arg, int *value)
{
	size_t i, k, n;

	for (i = 0; opts && opts[i].spelling; i++) {
		struct opt_name names[4];

		n = spelling_names(opts[i].spelling, names, 4);
		for (k = 0; k < n; k++)
			if (cli_is_opt(arg, names[k].name)) {
				*value = names[k].value && !strchr(arg, '=');
				return 1;
			}
	}
	return 0;
}

static int unknown_option(const char *arg, const struct cmd_entry *cmd)
{
	const char *near = cli_closest_option(arg, cmd ? cmd->options : NULL);
	struct strbuf hint = STRBUF_INIT;
	int rc;

	if (near)
		strbuf_addf(&hint, "; did you mean %s?", near);
	if (cmd)
		strbuf_addf(&hint, " (see 'archie help %s')", cmd->name);
	else
		strbuf_addstr(&hint, " (see 'archie --help'; a prompt that starts with '-' goes after '--': archie -p -- '-x ...')");
	rc = cli_usage_error("unknown option '%.*s'%s", (int)strcspn(arg, "="), arg, hint.buf);
	strbuf_release(&hint);
	return rc;
}

/* Every option left on the command line (the global ones were taken) must
 * be the command's: a typo is an error, never an argument or prompt text.
 * Words after "--" are never options; negative numbers are not options. */
static int check_options(const struct cmd_entry *cmd, const struct strvec *rest)
{
	size_t i;

	for (i = cmd ? 1 : 0; i < rest->nr; i++) {
		const char *a = rest->v[i];
		int value = 0;

		if (!strcmp(a, "--"))
			return 0;
		if (a[0] != '-' || !a[1] || (a[1] >= '0' && a[1] <= '9'))
			continue;
		if (cmd && cmd->free_args && i >= 2)
			return 0;
		if (!cmd || !known_option(cmd->options, a, &value))
			return unknown_option(a, cmd);
		if (value)
			i++;
	}
	return 0;
}

/* ---- global options ----------------------------------------------------------- */

/* What the global options set besides the context. */
struct globals {
	struct cli_ctx *ctx;
	int help, version;
};

static int set_string(struct globals *g, const char *name, const char *v)
{
	struct cli_ctx *c = g->ctx;
	const char **slot = !strcmp(name, "--agent") ? &c->agent
			  : !strcmp(name, "--model") ? &c->model
			  : !strcmp(name, "--output-format") ? &c->output_format
			  : !strcmp(name, "--permission-mode") ? &c->permission_mode
			  : !strcmp(name, "--routing") ? &c->routing
			  : !strcmp(name, "--sandbox") ? &c->sandbox
			  : !strcmp(name, "--resume") ? &c->resume
			  : !strcmp(name, "--elicit") ? &c->elicit
			  : !strcmp(name, "--report") ? &c->report
			  : &c->state_dir;

	*slot = v;
	return 0;
}

static int set_rule(struct globals *g, const char *name, const char *v)
{
	strvec_push(!strcmp(name, "--allow") ? &g->ctx->allow
		    : !strcmp(name, "--ask") ? &g->ctx->ask : &g->ctx->deny, v);
	return 0;
}

static int set_agents_dir(struct globals *g, const char *name, const char *v)
{
	(void)name;
	strvec_push(&g->ctx->agents_dirs, v);
	return 0;
}

static int set_cwd(struct globals *g, const char *name, const char *v)
{
	(void)name;
	if (chdir(v) < 0)
		return cli_usage_error("--cwd %s: %s", v, strerror(errno));
	g->ctx->cwd = v;
	return 0;
}

static int set_max_turns(struct globals *g, const char *name, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	(void)name;
	if (*end || n < 1 || n > 100000)
		return cli_usage_error("--max-turns must be a number from 1 to 100000, not '%s'", v);
	g->ctx->max_turns = (int)n;
	return 0;
}

static int set_max_cost(struct globals *g, const char *name, const char *v)
{
	char *end;
	double d = strtod(v, &end);

	(void)name;
	if (end == v || *end || !(d > 0) || d > 1e6)
		return cli_usage_error("--max-cost must be an amount in US dollars above 0, e.g. --max-cost 0.50, not '%s'", v);
	g->ctx->max_cost = d;
	return 0;
}

static int set_compact_at(struct globals *g, const char *name, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	(void)name;
	if (!strcmp(v, "off") || !strcmp(v, "never")) {
		g->ctx->compact_at = -1;
		return 0;
	}
	if (*end == '%')
		end++;
	if (*end || n < 10 || n > 99)
		return cli_usage_error("--compact-at must be a percentage of the context window from 10 to 99, or off, not '%s'", v);
	g->ctx->compact_at = (int)n;
	return 0;
}

static int set_thinking(struct globals *g, const char *name, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	(void)name;
	if (!strcmp(v, "off")) {
		g->ctx->thinking = -1;
		return 0;
	}
	if (*end || n < 1024 || n > 10000000)
		return cli_usage_error("--thinking must be a budget of 1024 tokens or more, or off, not '%s'", v);
	g->ctx->thinking = n;
	return 0;
}

static int set_flag(struct globals *g, const char *name, const char *v)
{
	struct cli_ctx *c = g->ctx;

	(void)v;
	if (!strcmp(name, "--json"))
		c->json = 1;
	else if (!strcmp(name, "--network"))
		c->network = 1;
	else if (!strcmp(name, "--continue"))
		c->cont = 1;
	else if (!strcmp(name, "--yes"))
		c->permission_mode = "accept";
	else if (!strcmp(name, "--help"))
		g->help = 1;
	else
		g->version = 1;
	return 0;
}

/* The options archie takes anywhere before "--", whatever the command. */
static const struct global_opt {
	const char *name;		/* the long spelling */
	const char *alias;		/* a short one, or NULL */
	const char *missing;		/* a value is needed: what to say without it */
	int (*set)(struct globals *g, const char *name, const char *value);
} global_opts[] = {
	{ "--agents-dir", NULL, "--agents-dir needs a directory", set_agents_dir },
	{ "--cwd", NULL, "--cwd needs a directory", set_cwd },
	{ "--agent", NULL, "--agent needs a value", set_string },
	{ "--model", NULL, "--model needs a value", set_string },
	{ "--output-format", NULL, "--output-format needs a value", set_string },
	{ "--permission-mode", NULL, "--permission-mode needs a value", set_string },
	{ "--max-turns", NULL, "--max-turns needs a value", set_max_turns },
	{ "--thinking", NULL, "--thinking needs a token budget, e.g. --thinking 8000", set_thinking },
	{ "--compact-at", NULL, "--compact-at needs a percentage of the context window, e.g. --compact-at 70", set_compact_at },
	{ "--allow", NULL, "--allow needs a rule, e.g. --allow 'Bash(npm test:*)'", set_rule },
	{ "--ask", NULL, "--ask needs a rule, e.g. --ask 'Bash(npm test:*)'", set_rule },
	{ "--deny", NULL, "--deny needs a rule, e.g. --deny 'Bash(npm test:*)'", set_rule },
	{ "--routing", NULL, "--routing needs a mode: auto, suggest or off", set_string },
	{ "--elicit", NULL, "--elicit needs a JSON object of answers, e.g. --elicit '{\"name\": \"x\"}'", set_string },
	{ "--max-cost", NULL, "--max-cost needs an amount in US dollars, e.g. --max-cost 0.50", set_max_cost },
	{ "--report", NULL, "--report needs a file: run.sarif (SARIF) or run.xml (JUnit)", set_string },
	{ "--sandbox", NULL, "--sandbox needs a mode: workspace-write, read-only or off", set_string },
	{ "--resume", "-r", "--resume needs a session id ('archie sessions list' shows them)", set_string },
	{ "--state-dir", NULL, "--state-dir needs a directory", set_string },
	{ "--json", NULL, NULL, set_flag },
	{ "--network", NULL, NULL, set_flag },
	{ "--continue", "-c", NULL, set_flag },
	{ "--yes", "-y", NULL, set_flag },
	{ "--help", "-h", NULL, set_flag },
	{ "--version", "-V", NULL, set_flag },
};

/* -p/--print: the prompt is optional (it may come on stdin). */
static int print_opt(struct cli_ctx *ctx, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (!strcmp(a, "-p") || !strcmp(a, "--print")) {
		ctx->print = 1;
		if (*i + 1 < argc && argv[*i + 1][0] != '-')
			ctx->prompt = argv[++*i];
		return 1;
	}
	if (!strncmp(a, "--print=", 8)) {
		ctx->print = 1;
		ctx->prompt = a + 8;
		return 1;
	}
	return 0;
}

/* argv[*i] as a global option: 1 taken (its value too), 0 not one, or
 * an exit status (a usage error, said). */
static int global_opt(struct globals *g, int argc, char **argv, int *i, int *rc)
{
	const char *a = argv[*i], *v = NULL;
	size_t k;

	if (print_opt(g->ctx, argc, argv, i))
		return 1;
	for (k = 0; k < ARRAY_SIZE(global_opts); k++) {
		const struct global_opt *o = &global_opts[k];
		int is_alias = o->alias && !strcmp(a, o->alias);

		if (!is_alias && !(o->missing ? cli_is_opt(a, o->name) : !strcmp(a, o->name)))
			continue;
		if (o->missing && !(v = cli_opt_value(is_alias ? o->alias : o->name, argc, argv, i))) {
			*rc = cli_usage_error("%s", o->missing);
			return -1;
		}
		if (o->set(g, o->name, v)) {
			*rc = CLI_EXIT_USAGE;
			return -1;
		}
		return 1;
	}
	return 0;
}

/* Runs what the rest of the command line names. */
static int dispatch(struct cli_ctx *ctx, const struct globals *g, struct strvec *rest)
{
	const struct cmd_entry *cmd;

	if (g->version && !rest->nr) {
		printf("archie %s\n", ARCHIE_VERSION_STRING);
		return CLI_EXIT_OK;
	}
	if (g->help && !rest->nr) {
		cli_print_help(stdout);
		return CLI_EXIT_OK;
	}
	if (!rest->nr || ctx->print) {	/* no command: run the agent */
		size_t i;

		if (check_options(NULL, rest))
			return CLI_EXIT_USAGE;
		/* "--" ends the options; it is not prompt text */
		for (i = 0; i < rest->nr; i++)
			if (!strcmp(rest->v[i], "--")) {
				free(rest->v[i]);
				memmove(rest->v + i, rest->v + i + 1, (rest->nr - i) * sizeof(*rest->v));
				rest->nr--;
				break;
			}
		return cli_run(ctx, (int)rest->nr, rest->v);
	}
	cmd = cli_find_command(rest->v[0]);
	if (!cmd)
		return cli_usage_error("'%s' is not an archie command; see 'archie --help'",
				       rest->v[0]);
	if (g->help) {
		cli_print_command_help(cmd, stdout);
		return CLI_EXIT_OK;
	}
	if (check_options(cmd, rest))
		return CLI_EXIT_USAGE;
	return cmd->exec(ctx, (int)rest->nr, rest->v);
}

int cli_main(int argc, char **argv)
{
	struct cli_ctx ctx;
	struct globals g;
	struct strvec rest = STRVEC_INIT;
	int i, rc = CLI_EXIT_OK, seen_dashdash = 0;
	const char *nc = getenv("NO_COLOR");

	log_init();
	memset(&ctx, 0, sizeof(ctx));
	strvec_init(&ctx.agents_dirs);
	strvec_init(&ctx.allow);
	strvec_init(&ctx.ask);
	strvec_init(&ctx.deny);
	ctx.color = isatty(STDOUT_FILENO) && !(nc && *nc);
	memset(&g, 0, sizeof(g));
	g.ctx = &ctx;

	/* Global options may appear anywhere before "--"; the rest, in order,
	 * is the command and its arguments. */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (seen_dashdash || a[0] != '-' || !a[1]) {
			strvec_push(&rest, a);
			continue;
		}
		if (!strcmp(a, "--")) {
			seen_dashdash = 1;
			strvec_push(&rest, a);
			continue;
		}
		switch (global_opt(&g, argc, argv, &i, &rc)) {
		case -1:
			goto out;
		case 0:
			strvec_push(&rest, a);	/* the command's own option */
			break;
		}
	}
	rc = dispatch(&ctx, &g, &rest);
out:
	fflush(stdout);
	if (ferror(stdout) && rc == CLI_EXIT_OK)
		rc = cli_error("error writing to standard output");
	strvec_release(&rest);
	strvec_release(&ctx.agents_dirs);
	strvec_release(&ctx.allow);
	strvec_release(&ctx.ask);
	strvec_release(&ctx.deny);
	log_release();
	return rc;
}
