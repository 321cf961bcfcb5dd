/*
 * tool: the registry, argument normalisation and schema validation.
 * See tool.h.
 */
#include "tools/tool.h"

#include "core/fileio.h"
#include "core/xalloc.h"
#include "policy/sensitive.h"

#include <limits.h>
#include <math.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

static const struct tool *const tools[] = {
	&tool_read, &tool_write, &tool_edit, &tool_multiedit, &tool_applypatch,
	&tool_ls, &tool_glob, &tool_grep, &tool_readmany, &tool_bash,
	&tool_bashoutput, &tool_killshell, &tool_todowrite, &tool_todoread, &tool_webfetch, &tool_websearch, &tool_savememory,
	&tool_checkdesign, &tool_task, &tool_skill, NULL,
};

const struct tool *const *tool_all(void)
{
	return tools;
}

const struct tool *tool_find(const char *canonical)
{
	size_t i;

	for (i = 0; tools[i]; i++)
		if (!strcmp(tools[i]->name, canonical))
			return tools[i];
	return NULL;
}

json_t *tool_schema(const struct tool *t)
{
	json_error_t jerr;
	json_t *j = json_loads(t->schema, 0, &jerr);

	if (!j) {
		/* A tool's own schema is code; it is tested to parse. */
		fprintf(stderr, "archie: internal error: schema of %s: %s\n",
			t->name, jerr.text);
		abort();
	}
	return j;
}

void tool_attachments_release(struct tool_attachments *a)
{
	size_t i;

	for (i = 0; i < a->nr; i++) {
		free(a->v[i].media_type);
		free(a->v[i].data);
	}
	free(a->v);
	memset(a, 0, sizeof(*a));
}

void tool_path(const struct tool_env *env, const char *arg, struct strbuf *out)
{
	if (arg[0] == '/') {
		strbuf_addstr(out, arg);
	} else if (arg[0] == '~' && (arg[1] == '/' || !arg[1]) && getenv("HOME")) {
		strbuf_addstr(out, getenv("HOME"));
		strbuf_addstr(out, arg + 1);
	} else if (!strcmp(arg, ".") || !*arg) {
		strbuf_addstr(out, env->cwd);
	} else {
		file_join(out, env->cwd, arg);
	}
}

int tool_refuse_link(const char *path, const char *arg, struct strbuf *out)
{
	struct stat st;
	char real[PATH_MAX];

	if (lstat(path, &st) || !S_ISLNK(st.st_mode))
		return 0;
	strbuf_addf(out, "error: %s is a symbolic link%s%s; change the target itself, the link was not followed",
		    arg, realpath(path, real) ? " to " : "", realpath(path, real) ? real : "");
	return -1;
}

static const char *json_type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static int type_ok(const char *type, json_t *v)
{
	if (!strcmp(type, "object"))
		return json_is_object(v);
	if (!strcmp(type, "array"))
		return json_is_array(v);
	if (!strcmp(type, "string"))
		return json_is_string(v);
	if (!strcmp(type, "integer"))
		return json_is_integer(v) ||
		       (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v));
	if (!strcmp(type, "number"))
		return json_is_number(v);
	if (!strcmp(type, "boolean"))
		return json_is_boolean(v);
	return 1;
}

int tool_schema_validate(json_t *schema, json_t *value, const char *where,
			 struct strbuf *err)
{
	const char *type = json_string_value(json_object_get(schema, "type"));
	json_t *en = json_object_get(schema, "enum"), *min;
	struct strbuf sub = STRBUF_INIT;
	int rc = -1;

	if (type && !type_ok(type, value)) {
		strbuf_seterr(err, "%s must be %s %s, not %s", where,
			      !strcmp(type, "integer") || !strcmp(type, "object") ||
			      !strcmp(type, "array") ? "an" : "a", type,
			      json_type_name(value));
		goto out;
	}
	if (en) {
		size_t i;
		int found = 0;

		for (i = 0; i < json_array_size(en); i++)
			found |= json_equal(json_array_get(en, i), value);
		if (!found) {
			char *allowed = json_dumps(en, JSON_COMPACT);

			strbuf_seterr(err, "%s must be one of %s", where, allowed ? allowed : "?");
			free(allowed);
			goto out;
		}
	}
	min = json_object_get(schema, "minimum");
	if (min && json_is_number(value) && json_number_value(value) < json_number_value(min)) {
		strbuf_seterr(err, "%s must be at least %g", where, json_number_value(min));
		goto out;
	}
	if (json_is_object(value)) {
		json_t *props = json_object_get(schema, "properties");
		json_t *req = json_object_get(schema, "required"), *v;
		const char *key;
		size_t i;

		for (i = 0; i < json_array_size(req); i++) {
			const char *r = json_string_value(json_array_get(req, i));

			if (r && !json_object_get(value, r)) {
				strbuf_seterr(err, "%s: the required argument '%s' is missing", where, r);
				goto out;
			}
		}
		json_object_foreach(value, key, v) {
			json_t *ps = json_object_get(props, key);

			if (!ps) {
				if (json_is_false(json_object_get(schema, "additionalProperties"))) {
					strbuf_seterr(err, "%s: unknown argument '%s'", where, key);
					goto out;
				}
				continue;
			}
			strbuf_reset(&sub);
			strbuf_addf(&sub, "'%s'", key);
			if (tool_schema_validate(ps, v, sub.buf, err))
				goto out;
		}
	}
	if (json_is_array(value)) {
		json_t *items = json_object_get(schema, "items");
		size_t i;

		for (i = 0; items && i < json_array_size(value); i++) {
			strbuf_reset(&sub);
			strbuf_addf(&sub, "%s[%zu]", where, i);
			if (tool_schema_validate(items, json_array_get(value, i), sub.buf, err))
				goto out;
		}
	}
	rc = 0;
out:
	strbuf_release(&sub);
	return rc;
}

int tool_is_secret(const char *path)
{
	char real[PATH_MAX];
	const char *base, *home = getenv("HOME");

	if (!realpath(path, real))
		return 0;
	base = strrchr(real, '/');
	return sensitive_secret_name(base ? base + 1 : real) ||
	       sensitive_secret(home ? home : "", real);
}

/* Argument names of other runtimes' tools, renamed to archie's. */
static void normalise(const struct tool *t, json_t *args)
{
	static const struct { const char *from, *to; } renames[] = {
		{ "file_path", "path" }, { "absolute_path", "path" },
		{ "filename", "path" }, { "dir_path", "path" },
		{ "directory", "path" }, { "old_str", "old_string" },
		{ "new_str", "new_string" }, { "cmd", "command" },
		{ "file_paths", "paths" }, { "input", "patch" },
		{ "is_background", "run_in_background" }, { "task_id", "bash_id" },
		{ "task_id", "shell_id" },
	};
	json_t *props = NULL, *schema = tool_schema(t);
	size_t i;

	props = json_object_get(schema, "properties");
	for (i = 0; i < sizeof(renames) / sizeof(*renames); i++) {
		json_t *v = json_object_get(args, renames[i].from);

		if (v && json_object_get(props, renames[i].to) &&
		    !json_object_get(props, renames[i].from) &&
		    !json_object_get(args, renames[i].to)) {
			json_object_set(args, renames[i].to, v);
			json_object_del(args, renames[i].from);
		}
	}
	json_decref(schema);
}

int tool_call(const struct tool *t, const struct tool_env *env,
	      const char *arguments_json, struct strbuf *out)
{
	json_error_t jerr;
	json_t *args, *schema;
	struct strbuf err = STRBUF_INIT;
	int rc = -1;

	args = json_loads(arguments_json && *arguments_json ? arguments_json : "{}",
			  0, &jerr);
	if (!json_is_object(args)) {
		strbuf_addf(out, "error: the arguments for %s are not a JSON object%s%s; the call was not run",
			    t->name, args ? "" : ": ", args ? "" : jerr.text);
		json_decref(args);
		return -1;
	}
	/* archie's own tools: other runtimes' argument names accepted, the
	 * schema checked here.  An MCP server checks its own schema (which
	 * may use more of JSON Schema than tools do); a delegation reads its
	 * own arguments, as each runtime names them. */
	schema = t->kind == TOOL_BUILTIN ? tool_schema(t) : NULL;
	if (schema)
		normalise(t, args);
	if (schema && tool_schema_validate(schema, args, "arguments", &err)) {
		strbuf_addf(out, "error: invalid arguments for %s: %s; the call was not run",
			    t->name, err.buf);
		goto out;
	}
	if (!t->run) {
		strbuf_addf(out, "error: %s cannot run here (only the agent loop runs subagents)",
			    t->name);
		goto out;
	}
	rc = t->run(t, env, args, out);
out:
	json_decref(schema);
	json_decref(args);
	strbuf_release(&err);
	return rc;
}
