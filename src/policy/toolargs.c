/*
 * toolargs: the subjects of the file tools, WebFetch, and Bash's own
 * arguments (its commands are subjects.c's).
 *
 * The arguments are read under every name the tool accepts (file_path,
 * absolute_path, cmd, input...), before the tool renames them, so the
 * policy decides on what the tool will really use.
 */
#include "policy/policy_int.h"

#include "core/glob.h"
#include "core/strbuf.h"
#include "core/strvec.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every string an argument holds under any name the tool accepts. */
static void each_arg(json_t *args, const char *const *names, struct strvec *out)
{
	size_t i, k;

	for (i = 0; names[i]; i++) {
		json_t *v = json_object_get(args, names[i]);

		if (json_is_string(v))
			strvec_push(out, json_string_value(v));
		for (k = 0; json_is_array(v) && k < json_array_size(v); k++)
			if (json_is_string(json_array_get(v, k)))
				strvec_push(out, json_string_value(json_array_get(v, k)));
	}
}

static const char *const path_names[] = {
	"path", "file_path", "absolute_path", "filename", "dir_path", "directory",
	"notebook_path", "target_file", NULL,
};

static void patch_subjects(struct builder *b, const char *s)
{
	static const char *const heads[] = {
		"*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: ",
		"+++ ", "--- ",
	};

	while (s && *s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s), k;

		for (k = 0; k < sizeof(heads) / sizeof(*heads); k++) {
			size_t hn = strlen(heads[k]);

			if (n > hn && !strncmp(s, heads[k], hn)) {
				char *p = xstrndup(s + hn, n - hn);

				/* unified diffs: a/ b/ prefixes, /dev/null, a tab and a date */
				p[strcspn(p, "\t")] = '\0';
				if (k >= 4 && (!strncmp(p, "a/", 2) || !strncmp(p, "b/", 2)))
					memmove(p, p + 2, strlen(p + 2) + 1);
				if (strcmp(p, "/dev/null"))
					policy_subject_path(b, POLICY_SUBJ_WRITE, p);
				free(p);
			}
		}
		s += n + (nl ? 1 : 0);
	}
}

static void tool_subjects(struct builder *b, const char *tool, json_t *args)
{
	struct strvec v = STRVEC_INIT;
	size_t i;

	if (!strcmp(tool, "Bash")) {
		static const char *const cwd_names[] = { "cwd", "workdir", "dir", NULL };
		static const char *const cmd_names[] = { "command", "cmd", NULL };

		each_arg(args, cwd_names, &v);
		for (i = 0; i < v.nr; i++) {
			struct strbuf r = STRBUF_INIT;

			policy_resolve_path(b->p, b->cwd, v.v[i], &r);
			snprintf(b->cwd, sizeof(b->cwd), "%s", r.buf);
			strbuf_release(&r);
		}
		strvec_release(&v);
		strvec_init(&v);
		each_arg(args, cmd_names, &v);
		for (i = 0; i < v.nr; i++)
			policy_subject_script(b, v.v[i]);
	} else if (!strcmp(tool, "Read") || !strcmp(tool, "LS") || !strcmp(tool, "Glob") ||
		   !strcmp(tool, "Grep") || !strcmp(tool, "CheckDesign")) {
		each_arg(args, path_names, &v);
		if (!v.nr)
			strvec_push(&v, ".");
		for (i = 0; i < v.nr; i++)
			policy_subject_path(b, POLICY_SUBJ_READ, v.v[i]);
	} else if (!strcmp(tool, "ReadManyFiles")) {
		static const char *const names[] = { "paths", "file_paths", "path", NULL };

		each_arg(args, names, &v);
		for (i = 0; i < v.nr; i++) {
			const char *s = v.v[i];
			struct strbuf lit = STRBUF_INIT;

			/* a glob reads under its literal directory (the tool
			 * itself never returns a secret's content) */
			strbuf_add(&lit, s, strcspn(s, "*?[{"));
			if (glob_has_magic(s) || strchr(s, '{')) {
				char *slash = strrchr(lit.buf, '/');

				strbuf_setlen(&lit, slash ? (size_t)(slash - lit.buf) : 0);
			}
			policy_subject_path(b, POLICY_SUBJ_READ, lit.len ? lit.buf : ".");
			strbuf_release(&lit);
		}
	} else if (!strcmp(tool, "Write") || !strcmp(tool, "Edit") || !strcmp(tool, "MultiEdit")) {
		each_arg(args, path_names, &v);
		for (i = 0; i < v.nr; i++)
			policy_subject_path(b, POLICY_SUBJ_WRITE, v.v[i]);
	} else if (!strcmp(tool, "ApplyPatch")) {
		static const char *const names[] = { "patch", "input", NULL };

		each_arg(args, names, &v);
		for (i = 0; i < v.nr; i++)
			patch_subjects(b, v.v[i]);
	} else if (!strcmp(tool, "WebFetch")) {
		const char *url = json_string_value(json_object_get(args, "url"));
		const char *h = url ? strstr(url, "://") : NULL;

		if (h) {
			char *host;

			h += 3;
			h += strcspn(h, "@/") < strcspn(h, "/") && strchr(h, '@') &&
			     strchr(h, '@') < h + strcspn(h, "/") ? (size_t)(strchr(h, '@') - h) + 1 : 0;
			host = xstrndup(h, strcspn(h, "/:?#"));
			policy_subject_add(b, POLICY_SUBJ_HOST, host, url);
			free(host);
		}
	} else if (!strcmp(tool, "WebSearch")) {
		/* a search limited to domains is about those domains: a rule
		 * denying one refuses it (the results of any search are
		 * filtered by the same rules, tool_websearch.c) */
		json_t *dom = json_object_get(args, "allowed_domains");
		size_t k;

		for (k = 0; k < json_array_size(dom); k++) {
			const char *d = json_string_value(json_array_get(dom, k));

			if (d && *d)
				policy_subject_add(b, POLICY_SUBJ_HOST, d, d);
		}
	}
	strvec_release(&v);
}

void policy_build_subjects(const struct policy *p, const char *tool, json_t *args,
			   const char *cwd, struct policy_decision *d)
{
	struct builder b;

	memset(&b, 0, sizeof(b));
	b.p = p;
	b.d = d;
	strvec_init(&b.vars);
	snprintf(b.cwd, sizeof(b.cwd), "%s", cwd ? cwd : p->root);
	policy_subject_add(&b, POLICY_SUBJ_TOOL, tool, NULL);
	tool_subjects(&b, tool, args);
	strvec_release(&b.vars);
}
