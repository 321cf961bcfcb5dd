/*
 * tool_checkdesign: CheckDesign, archie's design-document checker offered
 * to the model, so it can verify a draft before answering (src/design/).
 */
#include "tools/tool.h"

#include "design/design.h"

#include <string.h>

static int run(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	const char *path = json_string_value(json_object_get(args, "path"));
	struct strbuf full = STRBUF_INIT, err = STRBUF_INIT;
	struct design_report r;
	int rc = -1;

	(void)self;
	tool_path(env, path, &full);
	design_report_init(&r);
	if (design_check_file(full.buf, NULL, &r, &err)) {
		strbuf_addf(out, "error: %s", err.buf);
		goto out;
	}
	design_report_text(&r, path, out);
	if (!r.diags.errors)
		strbuf_addstr(out, "The document passes the check.\n");
	/* problems are a result to act on, not a failed call */
	rc = 0;
out:
	design_report_release(&r);
	strbuf_release(&full);
	strbuf_release(&err);
	return rc;
}

const struct tool tool_checkdesign = {
	"CheckDesign",
	"Check a seven-section design document (Markdown) the way archie does: sections "
	"present and in order, every endpoint with a request body, success and error "
	"responses and real status codes, JSON that parses, one error envelope, the Data "
	"Schema's SQL run on a real database (primary keys, indexed foreign keys, no "
	"duplicate indexes), alternatives in the technology rationale, and the four key "
	"considerations with a 10x plan. Returns file:line diagnostics.",
	"{\"type\":\"object\",\"properties\":{"
	"\"path\":{\"type\":\"string\",\"description\":\"The design document (Markdown)\"}},"
	"\"required\":[\"path\"],\"additionalProperties\":false}",
	1, run, TOOL_BUILTIN, NULL,
};
