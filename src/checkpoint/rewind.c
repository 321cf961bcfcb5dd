/*
 * rewind: undoing what the agent changed after a prompt, from the
 * session's record of changes (store.h) and the snapshots' contents
 * (checkpoint.h).  Shared by /rewind, `archie undo` and `archie
 * checkpoints`.
 */
#include "checkpoint/checkpoint.h"
#include "checkpoint/rewind.h"

#include "core/xalloc.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

json_t *rewind_prompts(struct store *st, const char *session)
{
	json_t *rows = store_changes(st, session), *out = json_array(), *r, *cur = NULL;
	size_t i;

	json_array_foreach(rows, i, r) {
		long p = (long)json_integer_value(json_object_get(r, "prompt"));
		json_t *files;

		if (!cur || json_integer_value(json_object_get(cur, "prompt")) != p) {
			cur = json_pack("{s:I, s:s, s:I, s:b, s:[]}", "prompt", (json_int_t)p,
					"text", str(r, "prompt_text"), "ts",
					json_integer_value(json_object_get(r, "ts")),
					"undone", json_integer_value(json_object_get(r, "undone")) != 0,
					"files");
			json_array_append_new(out, cur);
		}
		files = json_object_get(cur, "files");
		{
			size_t k;
			json_t *f;
			int seen = 0;

			json_array_foreach(files, k, f)
				seen |= !strcmp(json_string_value(f), str(r, "path"));
			if (!seen)
				json_array_append_new(files, json_string(str(r, "path")));
		}
	}
	json_decref(rows);
	return out;
}

int rewind_to(struct store *st, struct checkpoint *cp, const char *session, long from,
	      struct strbuf *report, struct strbuf *err)
{
	json_t *rows = store_changes(st, session), *r;
	struct checkpoint_change *v = NULL;
	size_t nr = 0, alloc = 0, i, k;
	int done;

	/* each path: its content before the first change from that prompt
	 * on, and what the agent's last change left */
	json_array_foreach(rows, i, r) {
		const char *path = str(r, "path");

		if (json_integer_value(json_object_get(r, "prompt")) < from ||
		    json_integer_value(json_object_get(r, "undone")))
			continue;
		for (k = 0; k < nr && strcmp(v[k].path, path); k++)
			;
		if (k == nr) {
			ALLOC_GROW(v, nr + 1, alloc);
			memset(&v[nr], 0, sizeof(v[nr]));
			v[nr].path = xstrdup(path);
			snprintf(v[nr].before, sizeof(v[nr].before), "%s", str(r, "before"));
			v[nr].before_mode = (unsigned)json_integer_value(json_object_get(r, "before_mode"));
			nr++;
		}
		snprintf(v[k].after, sizeof(v[k].after), "%s", str(r, "after"));
	}
	json_decref(rows);
	if (!nr) {
		strbuf_addstr(report, "nothing to undo: the agent changed no file from that prompt on\n");
		free(v);
		return 0;
	}
	done = checkpoint_restore(cp, v, nr, report);
	checkpoint_changes_free(v, nr);
	if (store_changes_undone(st, session, from))
		return strbuf_seterr(err, "the files were restored, but the record could not be updated");
	return done;
}
