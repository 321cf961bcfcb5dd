/*
 * cmd_store: the team's shared record.  `archie store status` (where it
 * is, whether it answers, what waits to be shipped), `archie store sync
 * [--all]` (ship now; --all: the sessions recorded before sharing was on
 * too) and `archie store setup-sql` (what an administrator runs once).
 * See docs/team.md.
 */
#include "cli/cli.h"

#include "agent/registry.h"
#include "config/config.h"
#include "core/strbuf.h"
#include "store/pgstore.h"
#include "store/ship.h"
#include "store/store.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli_team_url(struct strbuf *url)
{
	struct config cfg;
	struct config_search cs;
	struct strbuf root = STRBUF_INIT;
	char cwd[PATH_MAX];
	const char *u;

	config_init(&cfg);
	memset(&cs, 0, sizeof(cs));
	if (getcwd(cwd, sizeof(cwd))) {
		agent_project_root(cwd, &root);
		cs.project_root = root.buf;
	}
	/* a broken config still names its store (its errors are said by
	 * the commands that run sessions) */
	config_load(&cfg, &cs);
	u = config_store_url(&cfg);
	if (u)
		strbuf_addstr(url, u);
	config_release(&cfg);
	strbuf_release(&root);
	return u != NULL;
}

int cli_team_open(struct pgstore *pg, const char *url)
{
	struct strbuf err = STRBUF_INIT;
	int rc = pgstore_connect(pg, url, &err);

	if (rc)
		cli_error("%s", err.buf);
	strbuf_release(&err);
	return rc;
}

static int open_local(struct cli_ctx *ctx, struct store *st)
{
	struct strbuf err = STRBUF_INIT;
	int rc = store_open(st, ctx->state_dir, &err);

	if (rc)
		cli_error("%s", err.buf);
	strbuf_release(&err);
	return rc;
}

static int store_status(struct cli_ctx *ctx, const char *url)
{
	struct strbuf where = STRBUF_INIT, err = STRBUF_INIT;
	struct pgstore pg;
	struct store st;
	long long queued = -1;
	int up;
	json_t *o;

	if (!open_local(ctx, &st)) {
		queued = ship_queued(&st);
		store_close(&st);
	}
	pgstore_describe(url, &where);
	up = !pgstore_connect(&pg, url, &err);
	o = json_pack("{s:s, s:b, s:I}", "store", where.buf, "reachable", up,
		      "queued", (json_int_t)queued);
	if (up) {
		json_object_set_new(o, "tls", json_boolean(pg.tls));
		json_object_set_new(o, "schema_version", json_integer(PGSTORE_SCHEMA_VERSION));
		pgstore_close(&pg);
	} else {
		json_object_set_new(o, "error", json_string(err.buf));
	}
	if (ctx->json) {
		cli_print_json(o);
	} else {
		printf("shared record: %s\n", where.buf);
		if (up)
			printf("  reachable%s, schema version %d\n",
			       json_is_true(json_object_get(o, "tls")) ? " over TLS" : " (no TLS)",
			       PGSTORE_SCHEMA_VERSION);
		else
			printf("  not reachable: %s\n", err.buf);
		printf("  %lld rows wait in the local record to be shipped\n", queued);
		json_decref(o);
	}
	strbuf_release(&where);
	strbuf_release(&err);
	return up ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static int store_sync(struct cli_ctx *ctx, const char *url, int all)
{
	struct strbuf err = STRBUF_INIT;
	struct pgstore pg;
	struct store st;
	long long shipped = 0, queued = 0;
	int rc = CLI_EXIT_FAILURE;

	if (open_local(ctx, &st))
		return CLI_EXIT_FAILURE;
	if (ship_enable(&st, &err) || (all && (queued = ship_queue_all(&st, &err)) < 0)) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (cli_team_open(&pg, url))
		goto out;
	if (ship_drain(&st, &pg, &shipped, &err))
		cli_error("%s (%lld rows shipped before; the rest stay queued)", err.buf, shipped);
	else
		rc = CLI_EXIT_OK;
	pgstore_close(&pg);
	if (ctx->json)
		cli_print_json(json_pack("{s:I, s:I, s:I}", "queued", (json_int_t)queued,
					 "shipped", (json_int_t)shipped, "left",
					 (json_int_t)ship_queued(&st)));
	else if (!rc)
		printf("shipped %lld rows to the shared record; %lld left\n", shipped, ship_queued(&st));
out:
	store_close(&st);
	strbuf_release(&err);
	return rc;
}

static int cmd_store_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct strbuf url = STRBUF_INIT;
	const char *sub = argc > 1 ? argv[1] : "status";
	int all = 0, rc, i;

	for (i = 2; i < argc; i++) {
		if (!strcmp(sub, "sync") && !strcmp(argv[i], "--all"))
			all = 1;
		else
			return cli_usage_error("usage: archie store status | sync [--all] | setup-sql");
	}
	if (!strcmp(sub, "setup-sql")) {
		fputs(pgstore_setup_sql(), stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "status") && strcmp(sub, "sync"))
		return cli_usage_error("'%s' is not a store command: status, sync or setup-sql", sub);
	if (!cli_team_url(&url)) {
		strbuf_release(&url);
		return cli_error("no shared record is configured: set store: {url: postgresql://...} in ~/.config/archie/config.yaml, or ARCHIE_STORE_URL (docs/team.md)");
	}
	rc = !strcmp(sub, "status") ? store_status(ctx, url.buf) : store_sync(ctx, url.buf, all);
	strbuf_release(&url);
	return rc;
}

static const struct cmd_usage usage[] = {
	{ "store [status]", "the team's shared record: where, whether it answers, what waits to be shipped" },
	{ "store sync [--all]", "ship what waits now (--all: every session recorded here, those from before sharing was on too)" },
	{ "store setup-sql", "the SQL an administrator runs once: schema, roles, grants, row-level security" },
	{ NULL, NULL },
};

static const struct cmd_option options[] = {
	{ "--all", "sync: every recorded session, not only what waits" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_store_entry = {
	"store", usage, options,
	"With store: {url: postgresql://...} in ~/.config/archie/config.yaml (or ARCHIE_STORE_URL), "
	"every session is recorded locally first and shipped to PostgreSQL in the background, "
	"exactly once, whether or not the server is up when it runs; 'archie audit', "
	"'sessions list --all' and 'stats --all' then read the team's record (--local: this "
	"machine's). See docs/team.md.",
	cmd_store_exec, 0,
};
