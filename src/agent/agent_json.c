/*
 * agent_json: agents defined in OpenCode's opencode.json(c), under
 * "agent": {NAME: {description, mode, model, prompt, tools, permission,
 * ...}}, the same keys as its Markdown frontmatter.  Each becomes the
 * Markdown agent it describes (the definition as YAML frontmatter, which
 * JSON is, and the prompt as the body), parsed by agent_parse like any
 * other, so the rules and the diagnostics are the same.  A prompt may be
 * "{file:./prompts/x.txt}", read beside the JSON file.  An entry without
 * a prompt tunes one of OpenCode's own agents (build, plan): there is no
 * such agent here, so it is left out, silently as OpenCode would.
 */
#include "agent/agent.h"

#include "core/diag.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "core/yamldoc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JSON_FILE_MAX ((size_t)4 << 20)
#define PROMPT_FILE_MAX ((size_t)1 << 20)

/* The prompt's text: the string, or the file {file:PATH} names. */
static int prompt_text(const char *file, const char *prompt, struct strbuf *out, struct strbuf *err)
{
	size_t n = strlen(prompt);
	struct strbuf path = STRBUF_INIT;
	const char *slash = strrchr(file, '/');
	int rc;

	if (strncmp(prompt, "{file:", 6) || prompt[n - 1] != '}') {
		strbuf_addstr(out, prompt);
		return 0;
	}
	if (prompt[6] == '/')
		strbuf_add(&path, prompt + 6, n - 7);
	else {
		if (slash)
			strbuf_add(&path, file, (size_t)(slash - file + 1));
		strbuf_add(&path, prompt + 6, n - 7);
	}
	rc = file_read(path.buf, PROMPT_FILE_MAX, out, err);
	strbuf_release(&path);
	return rc;
}

int agent_load_opencode_json(const char *file, struct agent ***out, size_t *nr, size_t *alloc,
			     struct diag_list *diags)
{
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT;
	struct yamldoc yd;
	struct fy_node *agents;
	struct fy_node_pair *p;
	void *it = NULL;
	int files = 0;

	if (access(file, F_OK))
		return 0;
	if (file_read(file, JSON_FILE_MAX, &data, &err)) {
		diag_add(diags, DIAG_ERROR, file, 0, 0, "%s", err.buf);
		goto out;
	}
	if (yamldoc_parse_opts(&yd, file, "OpenCode settings", data.buf, data.len, 1, YAMLDOC_JSONC,
			       diags))
		goto out;
	agents = yd.root ? fy_node_mapping_lookup_by_string(yd.root, "agent", FY_NT) : NULL;
	while (agents && fy_node_get_type(agents) == FYNT_MAPPING &&
	       (p = fy_node_mapping_iterate(agents, &it)) != NULL) {
		char *name = yamldoc_scalar_dup(fy_node_pair_key(p));
		json_t *def = yamldoc_to_json(fy_node_pair_value(p)), *fm;
		const char *prompt = json_string_value(json_object_get(def, "prompt"));
		struct strbuf md = STRBUF_INIT, body = STRBUF_INIT, path = STRBUF_INIT;
		char *text;
		struct agent *a;
		int line, col;

		yamldoc_node_pos(&yd, fy_node_pair_key(p), NULL, &line, &col);
		if (!name || !json_is_object(def) || !prompt ||
		    json_is_true(json_object_get(def, "disable"))) {
			free(name);
			json_decref(def);
			continue;
		}
		files++;
		strbuf_reset(&err);
		if (prompt_text(file, prompt, &body, &err)) {
			diag_add(diags, DIAG_ERROR, file, line, col, "agent '%s': its prompt: %s", name, err.buf);
			goto next;
		}
		fm = json_deep_copy(def);
		json_object_del(fm, "prompt");
		if (!json_object_get(fm, "name"))
			json_object_set_new(fm, "name", json_string(name));
		text = json_dumps(fm, JSON_COMPACT);
		json_decref(fm);
		strbuf_addf(&md, "---\n%s\n---\n%s\n", text ? text : "{}", body.buf);
		free(text);
		/* named for where it is, read as OpenCode reads its agents */
		strbuf_addf(&path, "%s (agent %s)", file, name);
		a = agent_parse(path.buf, md.buf, md.len, diags);
		if (a) {
			a->format = "opencode";
			ALLOC_GROW(*out, *nr + 1, *alloc);
			(*out)[(*nr)++] = a;
		}
next:
		strbuf_release(&md);
		strbuf_release(&body);
		strbuf_release(&path);
		free(name);
		json_decref(def);
	}
	yamldoc_release(&yd);
out:
	strbuf_release(&data);
	strbuf_release(&err);
	return files;
}
