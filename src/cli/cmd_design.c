/*
 * cmd_design: `archie check-design FILE.md`, the offline checker of the
 * seven-section design document (src/design/), with its exports.
 * `archie design "REQUIREMENTS"` (the agent writing a design and repairing
 * it until the checker passes) lives in cmd_design_run.c.
 */
#include "cli/cli.h"

#include "core/fileio.h"
#include "core/strbuf.h"
#include "design/design.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (file_read(strcmp(file, "-") ? file : "/dev/stdin", (size_t)4 << 20, &data, &err)) {
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
	rc = r.errors ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
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
	{ NULL, NULL },
};

const struct cmd_entry cmd_check_design_entry = {
	"check-design", usage, options,
	"Works offline, with no model. Problems are printed as FILE:LINE: error: MESSAGE. "
	"The Data Schema's SQL runs on a throwaway PostgreSQL cluster (Debian's postgresql "
	"package) when there is one, else on SQLite in memory. See docs/design.md.",
	check_design_exec,
};
