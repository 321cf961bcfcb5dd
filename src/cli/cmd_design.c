/*
 * cmd_design: `archie check-design FILE.md`, the offline checker of the
 * seven-section design document (src/design/), with its exports; and
 * `archie design "REQUIREMENTS"`, which has the agent write the document,
 * checks it, and sends the checker's report back for repair until it
 * passes or the repair rounds are spent.
 */
#include "cli/cli.h"

#include "cli/board.h"
#include "cli/session.h"
#include "cli/spinner.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "design/design.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int check_design_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct design_opts o;
	struct design_report r;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct strbuf data = STRBUF_INIT_CAP((size_t)4 << 20);
	const char *file = NULL, *export = NULL, *v;
	int k, rc;

	memset(&o, 0, sizeof(o));
	for (k = 1; k < argc; k++) {
		if (cli_is_opt(argv[k], "--export") && (v = cli_opt_value("--export", argc, argv, &k))) {
			if (strcmp(v, "openapi") && strcmp(v, "sql"))
				return cli_usage_error("--export must be openapi or sql, not '%s'", v);
			export = v;
		} else if (!strcmp(argv[k], "--sqlite")) {
			o.sqlite_only = 1;
		} else if (cli_is_opt(argv[k], "--pg-bindir") &&
			   (v = cli_opt_value("--pg-bindir", argc, argv, &k))) {
			o.pg_bindir = v;
		} else if (argv[k][0] == '-' && argv[k][1]) {
			return cli_usage_error("check-design: unknown option '%s'", argv[k]);
		} else if (!file) {
			file = argv[k];
		} else {
			return cli_usage_error("check-design takes one file");
		}
	}
	if (!file)
		return cli_usage_error("usage: archie check-design FILE.md [--json] [--export openapi|sql] [--sqlite]");
	if (file_read(strcmp(file, "-") ? file : "/dev/stdin", DESIGN_FILE_MAX, &data, &err)) {
		/* a refusal is a report too: --json readers get JSON */
		if (ctx->json && !export) {
			cli_print_json(json_pack("{s:s, s:b, s:i, s:i, s:s, s:[]}", "file", file, "ok", 0,
						 "errors", 1, "warnings", 0, "refused", err.buf,
						 "diagnostics"));
			rc = CLI_EXIT_FAILURE;
			goto out;
		}
		rc = cli_error("%s", err.buf);
		goto out;
	}
	if (export) {
		rc = !strcmp(export, "openapi")
		     ? design_export_openapi(file, data.buf, data.len, &out, &err)
		     : design_export_sql(file, data.buf, data.len, &out, &err);
		if (rc) {
			rc = cli_error("%s", err.buf);
			goto out;
		}
		fwrite(out.buf, 1, out.len, stdout);
		rc = CLI_EXIT_OK;
		goto out;
	}
	design_report_init(&r);
	if (design_check(file, data.buf, data.len, &o, &r, &err)) {
		rc = cli_error("%s", err.buf);
		design_report_release(&r);
		goto out;
	}
	if (ctx->json) {
		cli_print_json(design_report_json(&r, file));
	} else {
		design_report_text(&r, file, &out);
		fwrite(out.buf, 1, out.len, stdout);
	}
	rc = r.diags.errors ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
	design_report_release(&r);
out:
	strbuf_release(&data);
	strbuf_release(&out);
	strbuf_release(&err);
	return rc;
}

static const struct cmd_usage usage[] = {
	{ "check-design FILE.md", "check a seven-section design document; exit 1 on errors" },
	{ "check-design --export openapi FILE.md", "its API contracts as OpenAPI 3.1 (YAML)" },
	{ "check-design --export sql FILE.md", "its Data Schema's DDL" },
	{ NULL, NULL },
};

static const struct cmd_option options[] = {
	{ "--json", "print the report as JSON" },
	{ "--sqlite", "run the DDL on SQLite only (do not start PostgreSQL)" },
	{ "--pg-bindir DIR", "where PostgreSQL's initdb and postgres are (default: found)" },
	{ "--export FORMAT", "print the design's API as OpenAPI (openapi) or its schema as SQL (sql)" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_check_design_entry = {
	"check-design", usage, options,
	"Works offline, with no model. Problems are printed as FILE:LINE: error: MESSAGE. "
	"The Data Schema's SQL runs on a throwaway PostgreSQL cluster (Debian's postgresql "
	"package) when there is one, else on SQLite in memory. See docs/design.md.",
	check_design_exec, 0,
};

/* ---- archie design ------------------------------------------------------------------ */

#define DEFAULT_REPAIR_ROUNDS 2

/* What design shows while it works, on stderr: each call, subagents'
 * lines, and (on a terminal) a spinner while the model writes. */
struct design_ui {
	struct board board;
	struct spinner spin;
	long streamed;		/* characters the model has written this round */
};

static void dui_tool_start(void *ud, const char *id, const char *name, const char *args)
{
	struct design_ui *u = ud;
	struct strbuf sb = STRBUF_INIT;

	(void)id;
	spinner_pause(&u->spin);
	board_summarize_args(args, 100, &sb);
	fprintf(stderr, "  > %s %s\n", name, sb.buf);
	strbuf_release(&sb);
	spinner_run(&u->spin, "gathering evidence", 1);
}

static void dui_text(void *ud, const char *s, size_t n)
{
	struct design_ui *u = ud;

	(void)s;
	u->streamed += (long)n;
	spinner_run(&u->spin, "writing the design", 1);
	spinner_tokens(&u->spin, u->streamed / 4);
}

static void dui_child(void *ud, const struct loop_child_event *ev)
{
	struct design_ui *u = ud;

	spinner_pause(&u->spin);
	board_event(&u->board, ev);
}

static void dui_notice(void *ud, const char *msg)
{
	struct design_ui *u = ud;

	spinner_pause(&u->spin);
	fprintf(stderr, "archie: note: %s\n", msg);
}

static void dui_retry(void *ud, int attempt, long wait_ms, const char *reason)
{
	struct design_ui *u = ud;

	spinner_pause(&u->spin);
	fprintf(stderr, "archie: %s; retrying in %.1f s (attempt %d)\n", reason,
		(double)wait_ms / 1000, attempt + 1);
	spinner_run(&u->spin, "waiting for the model", 1);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* "Design the order service!" -> "design-the-order-service" */
static void slugify(const char *s, struct strbuf *out)
{
	size_t start = out->len;

	for (; *s && out->len - start < 60; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c))
			strbuf_addch(out, (char)tolower(c));
		else if (out->len > start && out->buf[out->len - 1] != '-')
			strbuf_addch(out, '-');
	}
	while (out->len > start && out->buf[out->len - 1] == '-')
		strbuf_setlen(out, out->len - 1);
	if (out->len == start)
		strbuf_addstr(out, "design");
}

/* The document in an answer: the content of a ```markdown fence when the
 * answer has one (a preamble before it is dropped), else everything from
 * the first "# " heading on. */
static void extract_document(const char *answer, struct strbuf *out)
{
	const char *p = answer, *open = NULL, *q;

	if (!answer)
		return;
	for (q = answer; q && *q; q = strchr(q, '\n'), q = q ? q + 1 : NULL)
		if (!strncmp(q, "```markdown", 11) || !strncmp(q, "```md\n", 6) ||
		    !strncmp(q, "````markdown", 12)) {
			open = q;
			break;
		}
	if (open) {
		const char *start = strchr(open, '\n'), *last = NULL, *more = start;

		/* the closing fence is the last one */
		while (more && (more = strstr(more, "\n```")) != NULL) {
			last = more;
			more += 4;
		}
		if (start && last && last > start) {
			strbuf_add(out, start + 1, (size_t)(last - start));
			return;
		}
	}
	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, "# ", 2)) {
		const char *h = strstr(p, "\n# ");

		if (h)
			p = h + 1;
	}
	strbuf_addstr(out, p);
	if (out->len && out->buf[out->len - 1] != '\n')
		strbuf_addch(out, '\n');
}

/* design's arguments: the requirements (its words, else -p's prompt),
 * the output, the repair rounds.  0, or an exit status (said). */
static int design_args(struct cli_ctx *ctx, int argc, char **argv, struct strbuf *req,
		       const char **out_path, long *rounds, struct design_opts *o)
{
	const char *v;
	int k;

	memset(o, 0, sizeof(*o));
	for (k = 1; k < argc; k++) {
		if (cli_is_opt(argv[k], "--repair-rounds") &&
		    (v = cli_opt_value("--repair-rounds", argc, argv, &k))) {
			char *end;

			*rounds = strtol(v, &end, 10);
			if (*end || *rounds < 0 || *rounds > 20)
				return cli_usage_error("--repair-rounds must be a number from 0 to 20, not '%s'", v);
		} else if (cli_is_opt(argv[k], "--out") && (v = cli_opt_value("--out", argc, argv, &k))) {
			*out_path = v;
		} else if (!strcmp(argv[k], "--sqlite")) {
			o->sqlite_only = 1;
		} else if (argv[k][0] == '-' && argv[k][1]) {
			return cli_usage_error("design: unknown option '%s'", argv[k]);
		} else {
			strbuf_addf(req, "%s%s", req->len ? " " : "", argv[k]);
		}
	}
	if (!req->len && ctx->prompt)
		strbuf_addstr(req, ctx->prompt);
	if (!req->len)
		return cli_usage_error("usage: archie design \"REQUIREMENTS\" [--repair-rounds N] [--out FILE]");
	return 0;
}

/* The first prompt: the requirements and the contract the document is
 * checked against. */
static void design_prompt(const char *req, const char *path, struct strbuf *prompt)
{
	strbuf_addf(prompt,
		"Design a backend system for these requirements:\n\n%s\n\n"
		"Work from this repository: gather evidence first. Deliver the design as one Markdown "
		"document with a '# ' title and exactly these seven sections, in this order, as level-2 "
		"headings: 1. Executive Summary, 2. Architecture Overview, 3. Service Definitions, "
		"4. API Contracts (each endpoint as a heading `### METHOD /path`, with a request body, a "
		"success response and at least one error response, each introduced by its status code, "
		"in ```json blocks; one error envelope), 5. Data Schema (```sql DDL that runs on "
		"PostgreSQL: primary keys, an index leading with every foreign key column), "
		"6. Technology Stack Rationale (each choice with the alternative it was compared with), "
		"7. Key Considerations (### Scalability with the plan for 10x load, ### Security, "
		"### Observability, ### Deployment & CI/CD). It will be written to %s and checked by "
		"archie's checker (the CheckDesign tool checks a draft file). Your final answer must be "
		"the document itself, from its '# ' title, and nothing else.",
		req, path);
}

static int design_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct strbuf req = STRBUF_INIT, err = STRBUF_INIT, path = STRBUF_INIT;
	struct strbuf prompt = STRBUF_INIT_CAP((size_t)4 << 20), doc = STRBUF_INIT_CAP((size_t)4 << 20);
	struct strbuf report = STRBUF_INIT_CAP((size_t)1 << 20);
	struct design_opts o;
	struct design_report r;
	struct design_ui u;
	struct loop_ui ui;
	struct session s;
	enum loop_exit ex;
	const char *out_path = NULL;
	long rounds = DEFAULT_REPAIR_ROUNDS;
	int round, rc;

	rc = design_args(ctx, argc, argv, &req, &out_path, &rounds, &o);
	if (rc) {
		strbuf_release(&req);
		return rc;
	}
	memset(&u, 0, sizeof(u));
	board_init(&u.board, stderr, isatty(STDERR_FILENO), 0);
	/* progress on a terminal only: a log keeps the lines alone */
	{
		const char *nc = getenv("NO_COLOR");

		spinner_init(&u.spin, stderr, isatty(STDERR_FILENO) && !(nc && *nc));
	}
	memset(&ui, 0, sizeof(ui));
	ui.tool_start = dui_tool_start;
	ui.text = dui_text;
	ui.retry = dui_retry;
	ui.child = dui_child;
	ui.notice = dui_notice;
	ui.ud = &u;
	if (session_open(ctx, &s, &ui, &err)) {
		rc = cli_usage_error("%s", err.buf);
		session_close(&s);
		goto out_noses;
	}
	session_catch_sigint();
	if (out_path) {
		strbuf_addstr(&path, out_path);
	} else {
		strbuf_addf(&path, "%s/docs/architecture/", s.root.buf);
		slugify(req.buf, &path);
		strbuf_addstr(&path, ".md");
	}
	design_prompt(req.buf, path.buf, &prompt);
	fprintf(stderr, "archie: designing with %s (%s/%s); the document goes to %s\n",
		loop_agent(s.loop)->name, loop_provider_name(s.loop), loop_model_id(s.loop), path.buf);
	for (round = 0;; round++) {
		strbuf_reset(&err);
		/* specialists are routed on the requirements, once */
		loop_set_route_text(s.loop, round ? "" : req.buf);
		u.streamed = 0;
		spinner_run(&u.spin, round ? "repairing the design" : "waiting for the model", 0);
		rc = loop_run(s.loop, prompt.buf, &ex, &err);
		spinner_pause(&u.spin);
		if (rc || ex == LOOP_INTERRUPTED ||
		    ex == LOOP_PROVIDER_ERROR) {
			fprintf(stderr, "archie: %s\n", ex == LOOP_INTERRUPTED ? "interrupted" : err.buf);
			rc = ex == LOOP_INTERRUPTED ? CLI_EXIT_INTERRUPTED : CLI_EXIT_PROVIDER;
			goto out;
		}
		strbuf_reset(&doc);
		extract_document(loop_last_text(s.loop), &doc);
		if (file_mkdirs_parent(path.buf, 0755, &err) ||
		    file_write_atomic(path.buf, doc.buf, doc.len, 0644, &err)) {
			rc = cli_error("cannot write the design: %s", err.buf);
			goto out;
		}
		fprintf(stderr, "archie: checking the draft (%zu lines; its SQL on %s)\n",
			count_lines(doc.buf), o.sqlite_only ? "SQLite" : "PostgreSQL when installed, else SQLite");
		design_report_init(&r);
		if (design_check(path.buf, doc.buf, doc.len, &o, &r, &err)) {
			rc = cli_error("%s", err.buf);
			design_report_release(&r);
			goto out;
		}
		strbuf_reset(&report);
		design_report_text(&r, path.buf, &report);
		if (!r.diags.errors || round >= rounds) {
			fwrite(report.buf, 1, report.len, stdout);
			printf("%s: %s after %d repair round%s\n", path.buf,
			       r.diags.errors ? "still failing the check" : "passes the check", round,
			       round == 1 ? "" : "s");
			rc = r.diags.errors ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
			design_report_release(&r);
			break;
		}
		fprintf(stderr, "archie: the draft has %zu error%s; asking for a repair (round %d of %ld)\n",
			r.diags.errors, r.diags.errors == 1 ? "" : "s", round + 1, rounds);
		strbuf_reset(&prompt);
		strbuf_addf(&prompt,
			"archie's checker found these problems in the design document (%s):\n\n%s\n"
			"Fix every error and answer with the complete corrected document only, from its "
			"'# ' title.", path.buf, report.buf);
		design_report_release(&r);
	}
out:
	session_close(&s);
out_noses:
	spinner_release(&u.spin);
	board_release(&u.board);
	strbuf_release(&req);
	strbuf_release(&err);
	strbuf_release(&path);
	strbuf_release(&prompt);
	strbuf_release(&doc);
	strbuf_release(&report);
	return rc;
}

static const struct cmd_usage design_usage[] = {
	{ "design \"REQUIREMENTS\"", "have the agent write a seven-section design, check it, repair it" },
	{ NULL, NULL },
};

static const struct cmd_option design_options[] = {
	{ "--repair-rounds N", "how often the checker's report goes back for repair (default 2)" },
	{ "--out FILE", "where the document goes (default docs/architecture/<slug>.md)" },
	{ "--sqlite", "check the DDL on SQLite only" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_design_entry = {
	"design", design_usage, design_options,
	"Runs the agent (--agent, default backend-architect, with its routed specialists) "
	"on the repository, writes its document, checks it like check-design, and sends "
	"the report back until it passes. Exit 0 when the final document passes, 1 when "
	"it does not. Tool calls that need approval are denied unless --yes.",
	design_exec, 0,
};
