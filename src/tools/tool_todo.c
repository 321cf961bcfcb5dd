/*
 * tool_todo: TodoWrite and TodoRead, the agent's plan for the session.
 */
#include "tools/tool.h"

#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

void todo_list_release(struct todo_list *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		free(t->items[i].content);
		free(t->items[i].status);
		free(t->items[i].active_form);
	}
	free(t->items);
	memset(t, 0, sizeof(*t));
}

void todo_list_render(const struct todo_list *t, struct strbuf *out)
{
	size_t i, done = 0;

	if (!t->nr) {
		strbuf_addstr(out, "(the plan is empty)\n");
		return;
	}
	for (i = 0; i < t->nr; i++) {
		const char *s = t->items[i].status;

		done += !strcmp(s, "completed");
		strbuf_addf(out, "%s %s\n",
			    !strcmp(s, "completed") ? "[x]" : !strcmp(s, "in_progress") ? "[>]" : "[ ]",
			    t->items[i].content);
	}
	strbuf_addf(out, "(%zu of %zu done)\n", done, t->nr);
}

size_t todo_list_from_json(json_t *todos, struct todo_list *out)
{
	size_t i, in_progress = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < json_array_size(todos); i++) {
		json_t *t = json_array_get(todos, i);
		const char *af = json_string_value(json_object_get(t, "activeForm"));
		const char *content = json_string_value(json_object_get(t, "content"));
		const char *status = json_string_value(json_object_get(t, "status"));
		struct todo_item *it;

		ALLOC_GROW(out->items, out->nr + 1, out->alloc);
		it = &out->items[out->nr++];
		it->content = xstrdup(content ? content : "");
		it->status = xstrdup(status ? status : "pending");
		it->active_form = xstrdup_or_null(af);
		in_progress += !strcmp(it->status, "in_progress");
	}
	return in_progress;
}

static int run_write(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	struct todo_list fresh;
	size_t in_progress;

	(void)self;
	if (!env->todos) {
		strbuf_addstr(out, "error: no plan is kept in this session");
		return -1;
	}
	in_progress = todo_list_from_json(json_object_get(args, "todos"), &fresh);
	todo_list_release(env->todos);
	*env->todos = fresh;
	if (env->on_todos)
		env->on_todos(env->ud, env->todos);
	strbuf_addstr(out, "the plan is now:\n");
	todo_list_render(env->todos, out);
	if (in_progress > 1)
		strbuf_addstr(out, "note: keep exactly one item in_progress at a time\n");
	return 0;
}

static int run_read(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	(void)self;
	(void)args;
	if (!env->todos) {
		strbuf_addstr(out, "(no plan is kept in this session)\n");
		return 0;
	}
	todo_list_render(env->todos, out);
	return 0;
}

const struct tool tool_todowrite = {
	"TodoWrite",
	"Replace the plan for this task: a list of items, each pending, "
	"in_progress or completed. Use it for any task of more than two steps; "
	"keep exactly one item in_progress, and mark items completed as soon as "
	"they are done. The user sees the plan whenever it changes.",
	"{\"type\":\"object\",\"properties\":{"
	"\"todos\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
	"\"content\":{\"type\":\"string\",\"description\":\"What to do\"},"
	"\"status\":{\"type\":\"string\",\"enum\":[\"pending\",\"in_progress\",\"completed\"]},"
	"\"activeForm\":{\"type\":\"string\",\"description\":\"The same in the present continuous, shown while in progress\"},"
	"\"id\":{\"type\":\"string\"}},"
	"\"required\":[\"content\",\"status\"],\"additionalProperties\":false}}},"
	"\"required\":[\"todos\"],\"additionalProperties\":false}",
	0, run_write, TOOL_BUILTIN, NULL,
};

const struct tool tool_todoread = {
	"TodoRead",
	"Show the current plan.",
	"{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}",
	1, run_read, TOOL_BUILTIN, NULL,
};
