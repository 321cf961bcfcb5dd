/*
 * repl_work: the REPL's slash commands about the workspace the agent
 * works in: /bashes, the background shells it started (tools/bgshell.h),
 * and /rewind, what it changed, put back by the user's prompts
 * (checkpoint/rewind.h), and /add-dir, another directory that counts as
 * the workspace.
 */
#include "cli/repl_int.h"

#include "checkpoint/rewind.h"
#include "cli/show.h"
#include "core/strbuf.h"
#include "tools/bgshell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* /bashes: the background shells; /bashes kill ID stops one. */
int repl_bashes(struct repl *r, const char *arg)
{
	struct strbuf sb = STRBUF_INIT;

	if (arg && !strncmp(arg, "kill", 4) && (arg[4] == ' ' || !arg[4])) {
		const char *id = arg + 4;

		while (*id == ' ')
			id++;
		bgshell_kill(r->s.bg, id, &sb);
	} else if (arg && *arg) {
		strbuf_addstr(&sb, "usage: /bashes [kill ID]");
	} else {
		bgshell_list(r->s.bg, &sb);
		if (!sb.len)
			strbuf_addstr(&sb, "no background shells (the agent starts them with Bash run_in_background)");
	}
	{
		/* through show_tail: commands and their ids may hold escapes */
		struct strbuf all = STRBUF_INIT;
		size_t more;

		show_tail("", sb.buf, (size_t)-1, 0, &all, &more);
		printf("%s%s", all.buf, all.len && all.buf[all.len - 1] != '\n' ? "\n" : "");
		strbuf_release(&all);
	}
	strbuf_release(&sb);
	return 0;
}

/* /rewind: the prompts that changed files, numbered; /rewind N puts the
 * files back as they were before prompt N (a file changed since by
 * someone else is left, and named); /rewind N conversation also takes
 * the conversation back to before that prompt. */
int repl_rewind(struct repl *r, const char *arg)
{
	const char *session = loop_session_id(r->s.loop);
	struct strbuf report = STRBUF_INIT, err = STRBUF_INIT;
	json_t *prompts, *p, *f;
	size_t i, k, n = 0;
	char *end = NULL;
	int conversation = 0;

	if (!r->s.store_ready || !r->s.checkpoints) {
		printf("no checkpoints in this session: the session store is not available\n");
		return 0;
	}
	if (arg && *arg) {
		n = strtoul(arg, &end, 10);
		while (end && *end == ' ')
			end++;
		conversation = end && !strcmp(end, "conversation");
		if (!n || (end && *end && !conversation)) {
			printf("usage: /rewind [N [conversation]]\n");
			return 0;
		}
	}
	prompts = rewind_prompts(&r->s.store, session);
	if (!n) {
		if (!json_array_size(prompts))
			printf("the agent has changed no file in this session\n");
		json_array_foreach(prompts, i, p) {
			printf("%2zu. %s%s\n", i + 1, json_string_value(json_object_get(p, "text")),
			       json_is_true(json_object_get(p, "undone")) ? "   [undone]" : "");
			json_array_foreach(json_object_get(p, "files"), k, f)
				repl_dim(r, "      %s", json_string_value(f));
		}
		if (json_array_size(prompts))
			printf("/rewind N puts the files back as they were before prompt N; /rewind N conversation also forgets the conversation from there\n");
	} else if (n > json_array_size(prompts)) {
		printf("there is no prompt %zu; /rewind lists them (1 to %zu)\n", n, json_array_size(prompts));
	} else {
		long from = (long)json_integer_value(json_object_get(json_array_get(prompts, n - 1), "prompt"));
		int done = rewind_to(&r->s.store, r->s.checkpoints, session, from, &report, &err);

		fputs(report.buf, stdout);
		if (done < 0)
			printf("archie: %s\n", err.buf);
		else
			printf("%d file%s put back as before: %s\n", done, done == 1 ? "" : "s",
			       json_string_value(json_object_get(json_array_get(prompts, n - 1), "text")));
		if (conversation && loop_rewind(r->s.loop, from, &err))
			printf("archie: the conversation could not be taken back: %s\n", err.buf);
		else if (conversation)
			printf("the conversation goes on from before that prompt\n");
	}
	json_decref(prompts);
	strbuf_release(&report);
	strbuf_release(&err);
	return 0;
}

/* /add-dir PATH: another directory that counts as the workspace (the
 * policy decides its files as the project's; MCP servers get it as a
 * root). */
int repl_add_dir(struct repl *r, const char *arg)
{
	struct strbuf err = STRBUF_INIT;

	if (!arg || !*arg) {
		size_t i;

		printf("the workspace:\n");
		for (i = 0; i < r->s.roots.nr; i++)
			printf("  %s\n", r->s.roots.v[i]);
		printf("usage: /add-dir PATH adds one\n");
	} else if (session_add_dir(&r->s, arg, &err)) {
		printf("archie: %s\n", err.buf);
	} else {
		printf("%s counts as the workspace now (reads and writes there are decided as in the project; Bash's sandbox is unchanged)\n",
		       r->s.roots.v[r->s.roots.nr - 1]);
	}
	strbuf_release(&err);
	return 0;
}
