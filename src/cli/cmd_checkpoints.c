/*
 * cmd_checkpoints: `archie undo [N]` and `archie checkpoints
 * list|show|restore`: what the agent changed, by the user's prompts, put
 * back headless (the REPL's /rewind does the same).  See
 * src/checkpoint/ and docs/checkpoints.md.
 */
#include "cli/cli.h"

#include "agent/registry.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/rewind.h"
#include "core/strbuf.h"
#include "store/store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The store, the project root and its checkpoints. */
struct ctx {
	struct store st;
	struct strbuf root;
	struct checkpoint *cp;
	char session[128];	/* the session chosen (a UUID) */
};

static int open_all(struct cli_ctx *ctx, struct ctx *c, const char *session_ref)
{
	struct strbuf err = STRBUF_INIT, dir = STRBUF_INIT, id = STRBUF_INIT;
	char cwd[PATH_MAX];
	json_t *list;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	strbuf_init(&c->root, 4096);
	if (!getcwd(cwd, sizeof(cwd))) {
		cli_error("cannot find the working directory");
		goto out;
	}
	agent_project_root(cwd, &c->root);
	if (store_open(&c->st, ctx->state_dir, &err)) {
		cli_error("%s", err.buf);
		goto out;
	}
	store_default_dir(ctx->state_dir, &dir);
	c->cp = checkpoint_open(c->root.buf, dir.buf);
	if (session_ref) {
		if (store_find_session(&c->st, session_ref, NULL, &id, &err)) {
			cli_error("%s", err.buf);
			goto out;
		}
		snprintf(c->session, sizeof(c->session), "%s", id.buf);
	} else {
		/* the project's latest session with changes */
		list = store_change_sessions(&c->st, c->root.buf, 1);
		if (json_array_size(list))
			snprintf(c->session, sizeof(c->session), "%s", jstr(json_array_get(list, 0), "session"));
		json_decref(list);
		if (!c->session[0]) {
			printf("no changes by the agent are recorded in %s\n", c->root.buf);
			rc = 1;
			goto out;
		}
	}
	rc = 0;
out:
	strbuf_release(&err);
	strbuf_release(&dir);
	strbuf_release(&id);
	return rc;
}

static void close_all(struct ctx *c)
{
	checkpoint_close(c->cp);
	store_close(&c->st);
	strbuf_release(&c->root);
}

static void print_prompts(json_t *prompts)
{
	json_t *p, *f;
	size_t i, k;

	json_array_foreach(prompts, i, p) {
		printf("%2zu. %s%s\n", i + 1, jstr(p, "text"),
		       json_is_true(json_object_get(p, "undone")) ? "   [undone]" : "");
		json_array_foreach(json_object_get(p, "files"), k, f)
			printf("      %s\n", json_string_value(f));
	}
}

/* Restores from the n-th prompt (1-based, as listed) on. */
static int restore_from(struct ctx *c, json_t *prompts, size_t n)
{
	struct strbuf report = STRBUF_INIT, err = STRBUF_INIT;
	long from = (long)json_integer_value(json_object_get(json_array_get(prompts, n - 1), "prompt"));
	int done = rewind_to(&c->st, c->cp, c->session, from, &report, &err);

	fputs(report.buf, stdout);
	if (done < 0)
		cli_error("%s", err.buf);
	else
		printf("%d file%s put back as they were before: %s\n", done, done == 1 ? "" : "s",
		       jstr(json_array_get(prompts, n - 1), "text"));
	strbuf_release(&report);
	strbuf_release(&err);
	return done < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

/* The option --session ID, taken out of argv. */
static const char *session_opt(int *argc, char **argv)
{
	int k;

	for (k = 1; k + 1 < *argc; k++)
		if (!strcmp(argv[k], "--session")) {
			const char *v = argv[k + 1];

			memmove(&argv[k], &argv[k + 2], (size_t)(*argc - k - 2) * sizeof(*argv));
			*argc -= 2;
			return v;
		}
	return NULL;
}

static int cmd_undo_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *session = session_opt(&argc, argv);
	struct ctx c;
	json_t *prompts, *p;
	size_t i, last = 0;
	long n = 1;
	int rc;

	if (argc > 2 || (argc == 2 && (n = strtol(argv[1], NULL, 10)) < 1))
		return cli_usage_error("usage: archie undo [N] [--session ID]");
	if ((rc = open_all(ctx, &c, session))) {
		close_all(&c);
		return rc < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
	}
	prompts = rewind_prompts(&c.st, c.session);
	/* the latest prompts whose changes are not undone yet: undo goes
	 * back one prompt a run (never forward) */
	json_array_foreach(prompts, i, p)
		if (!json_is_true(json_object_get(p, "undone")))
			last = i + 1;
	if (!last) {
		printf("nothing left to undo in session %.8s (every change there is undone)\n", c.session);
		rc = CLI_EXIT_OK;
	} else {
		size_t from = last >= (size_t)n ? last - (size_t)n + 1 : 1;

		rc = restore_from(&c, prompts, from);
	}
	json_decref(prompts);
	close_all(&c);
	return rc;
}

static int cmd_checkpoints_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *session = session_opt(&argc, argv);
	const char *sub = argc > 1 ? argv[1] : "list";
	struct ctx c;
	json_t *prompts;
	int rc;

	if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "restore"))
		return cli_usage_error("usage: archie checkpoints list|show|restore N [--session ID]");
	if (!strcmp(sub, "list") && !session) {
		struct ctx l;
		json_t *list, *s;
		size_t i;

		if ((rc = open_all(ctx, &l, NULL))) {
			close_all(&l);
			return rc < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
		}
		list = store_change_sessions(&l.st, l.root.buf, 20);
		if (ctx->json) {
			cli_print_json(list);
		} else {
			json_array_foreach(list, i, s)
				printf("%.8s  %3lld prompts, %3lld files, %s  %s\n", jstr(s, "session"),
				       (long long)json_integer_value(json_object_get(s, "prompts")),
				       (long long)json_integer_value(json_object_get(s, "files")),
				       json_integer_value(json_object_get(s, "pending")) ? "undoable" : "undone  ",
				       jstr(s, "title"));
			json_decref(list);
		}
		close_all(&l);
		return CLI_EXIT_OK;
	}
	if ((rc = open_all(ctx, &c, session))) {
		close_all(&c);
		return rc < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
	}
	prompts = rewind_prompts(&c.st, c.session);
	if (!strcmp(sub, "restore")) {
		long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0;

		if (n < 1 || (size_t)n > json_array_size(prompts))
			rc = cli_usage_error("archie checkpoints restore N: N is a prompt's number in 'archie checkpoints show' (1 to %zu)",
					     json_array_size(prompts));
		else
			rc = restore_from(&c, prompts, (size_t)n);
	} else if (ctx->json) {
		cli_print_json(json_incref(prompts));
		rc = CLI_EXIT_OK;
	} else {
		printf("session %s: the prompts that changed files\n", c.session);
		print_prompts(prompts);
		rc = CLI_EXIT_OK;
	}
	json_decref(prompts);
	close_all(&c);
	return rc;
}

static const struct cmd_usage undo_usage[] = {
	{ "undo [N] [--session ID]", "put back what the agent changed after the latest prompt (N: the latest N prompts); again: the prompt before it" },
	{ NULL, NULL },
};

static const struct cmd_option undo_options[] = {
	{ "--session ID", "that session (default: this project's latest with changes)" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_undo_entry = {
	"undo", undo_usage, undo_options,
	"Files the agent changed since then are put back byte for byte (created ones removed, deleted ones restored); a file changed by someone else since the agent's change is left alone and named. Never a redo.",
	cmd_undo_exec, 0,
};

static const struct cmd_usage checkpoints_usage[] = {
	{ "checkpoints list", "this project's sessions with changes by the agent" },
	{ "checkpoints show [--session ID]", "a session's prompts and the files each changed" },
	{ "checkpoints restore N [--session ID]", "put the files back as they were before prompt N" },
	{ NULL, NULL },
};

static const struct cmd_option checkpoints_options[] = {
	{ "--session ID", "that session (default: this project's latest with changes)" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_checkpoints_entry = {
	"checkpoints", checkpoints_usage, checkpoints_options, NULL, cmd_checkpoints_exec, 0,
};
