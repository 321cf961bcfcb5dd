/*
 * show: a tool call and its result, for people.  See show.h.
 */
#include "cli/show.h"

#include "core/fileio.h"
#include "core/proc.h"
#include "core/xalloc.h"
#include "policy/childenv.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RED "\033[31m"
#define GREEN "\033[32m"
#define CYAN "\033[36m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

/* The longest file a preview reads to diff against. */
#define PREVIEW_MAX ((size_t)8 << 20)
/* A new file's preview: its first lines. */
#define NEW_FILE_LINES 20
/* A diff longer than this is cut, saying how much is left. */
#define DIFF_LINES 80

static size_t count_lines(const char *s, size_t n)
{
	size_t i, lines = 0;

	for (i = 0; i < n; i++)
		lines += s[i] == '\n';
	return lines + (n && s[n - 1] != '\n');
}

/* Text from the model or a file, safe on a terminal: control characters
 * (an escape sequence could rewrite the screen) and invalid UTF-8 shown
 * as \xNN, tabs as four spaces (code is full of them). */
static void add_safe(struct strbuf *out, const char *s, size_t n)
{
	const char *end = s + n, *tab;

	while (s < end) {
		tab = memchr(s, '\t', (size_t)(end - s));
		strbuf_add_printable(out, s, (size_t)((tab ? tab : end) - s));
		if (!tab)
			break;
		strbuf_addstr(out, "    ");
		s = tab + 1;
	}
}

/* One line of text into out, cut to width columns (bytes; a cut is
 * marked), then '\n'. */
static void add_line(struct strbuf *out, const char *color, const char *s, size_t n, size_t width)
{
	if (color)
		strbuf_addstr(out, color);
	if (width && n > width) {
		add_safe(out, s, width - 1);
		strbuf_addstr(out, "…");
	} else {
		add_safe(out, s, n);
	}
	if (color)
		strbuf_addstr(out, RESET);
	strbuf_addch(out, '\n');
}

/* The diff's lines, coloured by their first character, at most DIFF_LINES. */
static void add_diff_lines(const char *d, size_t len, int color, size_t width,
			   struct strbuf *out)
{
	const char *p = d, *end = d + len;
	size_t shown = 0, total = count_lines(d, len);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *c = NULL;

		if (shown == DIFF_LINES) {
			strbuf_addf(out, "%s... %zu more lines of the diff%s\n", color ? DIM : "",
				    total - shown, color ? RESET : "");
			return;
		}
		if (color)
			c = !strncmp(p, "+++", 3) || !strncmp(p, "---", 3) ? BOLD
			    : *p == '+' ? GREEN : *p == '-' ? RED : *p == '@' ? CYAN : NULL;
		add_line(out, c, p, n, width);
		shown++;
		p += n + 1;
	}
}

int show_diff(const char *path, const char *before, size_t before_len, const char *after,
	      size_t after_len, int color, struct strbuf *out)
{
	const char *tmpdir = getenv("TMPDIR");
	struct strbuf tmp = STRBUF_INIT, err = STRBUF_INIT, d = STRBUF_INIT_CAP(PREVIEW_MAX);
	struct strvec env = STRVEC_INIT;
	struct proc p;
	int fd, rc = -1;

	/* diff(1) is Essential in Debian; a hand-written diff would be a
	 * worse one.  The old text goes on stdin, the new in a file. */
	strbuf_addf(&tmp, "%s/archie-diff-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(tmp.buf);
	if (fd < 0 || file_write_all(fd, after, after_len)) {
		strbuf_addstr(out, "(no preview: cannot write a temporary file)\n");
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	proc_init(&p);
	strvec_push(&p.argv, "diff");
	strvec_push(&p.argv, "-u");
	strvec_pushf(&p.argv, "--label=a/%s", path);
	strvec_pushf(&p.argv, "--label=b/%s", path);
	strvec_push(&p.argv, "-");
	strvec_push(&p.argv, tmp.buf);
	childenv_build(&env, NULL);	/* no secrets for diff either */
	p.envp = (const char *const *)env.v;
	p.input = before;
	p.input_len = before_len;
	p.head_cap = PREVIEW_MAX;
	p.timeout_ms = 10000;
	if (proc_run(&p, &err) || p.exit_code > 1) {
		strbuf_addf(out, "(no diff: %s)\n", err.len ? err.buf : "diff failed");
	} else {
		headtail_render(&p.out_buf, "the middle of the diff was cut", &d);
		if (!d.len)
			strbuf_addstr(out, "(no change)\n");
		add_diff_lines(d.buf, d.len, color, 0, out);
		rc = 0;
	}
	proc_release(&p);
	strvec_release(&env);
	unlink(tmp.buf);
out:
	strbuf_release(&tmp);
	strbuf_release(&err);
	strbuf_release(&d);
	return rc;
}

/* s with its first (or every) occurrence of from replaced; NULL when from
 * is not there. */
static char *replace(const char *s, const char *from, const char *to, int all)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = s, *hit;
	size_t n = strlen(from);

	if (!n || !strstr(s, from))
		return NULL;
	while ((hit = strstr(p, from)) != NULL) {
		strbuf_add(&out, p, (size_t)(hit - p));
		strbuf_addstr(&out, to);
		p = hit + n;
		if (!all)
			break;
	}
	strbuf_addstr(&out, p);
	return strbuf_detach(&out, NULL);
}

/* The file's text after an Edit or MultiEdit, or NULL (with why). */
static char *edited(const char *before, json_t *args, int multi, struct strbuf *why)
{
	json_t *edits = multi ? json_object_get(args, "edits") : NULL, *e;
	char *text = xstrdup(before);
	size_t i, n = multi ? json_array_size(edits) : 1;

	for (i = 0; i < n; i++) {
		char *next;

		e = multi ? json_array_get(edits, i) : args;
		next = replace(text, json_string_value(json_object_get(e, "old_string")) ?: "",
			       json_string_value(json_object_get(e, "new_string")) ?: "",
			       json_is_true(json_object_get(e, "replace_all")));
		if (!next) {
			strbuf_addf(why, "edit %zu: its old_string is not in the file (the call will fail)",
				    i + 1);
			free(text);
			return NULL;
		}
		free(text);
		text = next;
	}
	return text;
}

/* Edit, MultiEdit, Write: the diff against the file as it is now. */
static void show_file_change(const char *tool, json_t *args, int color, size_t width,
			     struct strbuf *out)
{
	const char *path = json_string_value(json_object_get(args, "path"));
	struct strbuf before = STRBUF_INIT, why = STRBUF_INIT;
	char *after = NULL;
	int exists;

	if (!path) {
		strbuf_addstr(out, "(no path given)\n");
		return;
	}
	exists = !file_read(path, PREVIEW_MAX, &before, &why);
	if (!strcmp(tool, "Write")) {
		const char *content = json_string_value(json_object_get(args, "content")) ?: "";
		size_t len = strlen(content), lines = count_lines(content, len);

		if (!exists) {
			const char *p = content;
			size_t i;

			strbuf_addf(out, "%snew file %s (%zu line%s)%s\n", color ? BOLD : "", path,
				    lines, lines == 1 ? "" : "s", color ? RESET : "");
			for (i = 0; i < NEW_FILE_LINES && *p; i++) {
				size_t n = strcspn(p, "\n");

				add_line(out, color ? GREEN : NULL, p, n, width);
				p += n + (p[n] == '\n');
			}
			if (lines > NEW_FILE_LINES)
				strbuf_addf(out, "%s... %zu more lines%s\n", color ? DIM : "",
					    lines - NEW_FILE_LINES, color ? RESET : "");
			goto out;
		}
		after = xstrdup(content);
	} else {
		if (!exists) {
			strbuf_addf(out, "%s: %s (the call will fail)\n", path, why.buf);
			goto out;
		}
		strbuf_reset(&why);
		after = edited(before.buf, args, !strcmp(tool, "MultiEdit"), &why);
		if (!after) {
			strbuf_addf(out, "%s: %s\n", path, why.buf);
			goto out;
		}
	}
	show_diff(path, before.buf, before.len, after, strlen(after), color, out);
out:
	free(after);
	strbuf_release(&before);
	strbuf_release(&why);
}

void show_call(const char *tool, const char *args_json, const char *root, int color,
	       size_t width, struct strbuf *out)
{
	json_error_t jerr;
	json_t *args = json_loads(args_json ? args_json : "", 0, &jerr), *v;
	const char *key, *s;

	if (!json_is_object(args)) {
		add_line(out, NULL, args_json ? args_json : "", args_json ? strlen(args_json) : 0,
			 width);
		json_decref(args);
		return;
	}
	if (!strcmp(tool, "Edit") || !strcmp(tool, "MultiEdit") || !strcmp(tool, "Write")) {
		show_file_change(tool, args, color, width, out);
	} else if (!strcmp(tool, "ApplyPatch") &&
		   (s = json_string_value(json_object_get(args, "patch")))) {
		add_diff_lines(s, strlen(s), color, width, out);
	} else if (!strcmp(tool, "Bash") && (s = json_string_value(json_object_get(args, "command")))) {
		const char *cwd = json_string_value(json_object_get(args, "cwd"));
		const char *p = s;

		/* the command as typed: its own lines, not JSON escapes */
		while (*p) {
			size_t n = strcspn(p, "\n");

			strbuf_addstr(out, p == s ? "$ " : "  ");
			add_line(out, color ? BOLD : NULL, p, n, width);
			p += n + (p[n] == '\n');
		}
		if (cwd && *cwd && (!root || strcmp(cwd, root)) && strcmp(cwd, "."))
			strbuf_addf(out, "  in %s\n", cwd);
	} else if ((s = json_string_value(json_object_get(args, "url")))) {
		add_line(out, color ? BOLD : NULL, s, strlen(s), width);
	} else {
		/* anything else: its arguments as key: value lines */
		json_object_foreach(args, key, v) {
			char *val = json_is_string(v) ? NULL
				    : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			const char *t = val ? val : json_string_value(v);
			size_t n = strcspn(t, "\n");

			strbuf_addf(out, "%s: ", key);
			add_line(out, NULL, t, n, width > strlen(key) + 2 ? width - strlen(key) - 2 : 0);
			free(val);
		}
	}
	json_decref(args);
}

const char *show_bash_status(const char *result, size_t *out_len)
{
	static const char *const starts[] = {
		"[exit code ", "[timed out", "[killed by signal", "[interrupted",
	};
	const char *p = result, *found = NULL;
	size_t i;

	/* the last status line: a failure's sandbox note may follow it */
	for (; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		for (i = 0; i < sizeof(starts) / sizeof(*starts); i++)
			if (!strncmp(p, starts[i], strlen(starts[i])))
				found = p;
	*out_len = found ? (size_t)(found - result) : strlen(result);
	return found;
}


/* +added -removed of an edit: its lines less the unchanged ones at both
 * ends. */
static void edit_counts(const char *old, const char *new, size_t *add, size_t *del)
{
	size_t lo = count_lines(old, strlen(old)), ln = count_lines(new, strlen(new));
	size_t pre = 0, post = 0;
	const char *a = old, *b = new;

	while (*a && *b) {
		size_t na = strcspn(a, "\n"), nb = strcspn(b, "\n");

		if (na != nb || memcmp(a, b, na) || pre >= lo || pre >= ln)
			break;
		pre++;
		a += na + (a[na] == '\n');
		b += nb + (b[nb] == '\n');
	}
	{
		const char *ea = old + strlen(old), *eb = new + strlen(new);

		while (post + pre < lo && post + pre < ln) {
			const char *sa = ea, *sb = eb;

			while (sa > old && sa[-1] != '\n')
				sa--;
			while (sb > new && sb[-1] != '\n')
				sb--;
			if (ea - sa != eb - sb || memcmp(sa, sb, (size_t)(ea - sa)))
				break;
			post++;
			ea = sa > old ? sa - 1 : sa;
			eb = sb > new ? sb - 1 : sb;
		}
	}
	*del += lo - pre - post;
	*add += ln - pre - post;
}

void show_result_line(const char *tool, const char *args_json, const char *result,
		      int is_error, struct strbuf *out)
{
	json_error_t jerr;
	json_t *args = json_loads(args_json ? args_json : "", 0, &jerr);
	size_t lines = count_lines(result, strlen(result)), n;
	const char *status = !strcmp(tool, "Bash") ? show_bash_status(result, &n) : NULL;

	if (status) {
		lines = count_lines(result, n);
		if (!strncmp(status, "[exit code ", 11))
			strbuf_addf(out, "exit %ld", strtol(status + 11, NULL, 10));
		else
			strbuf_add(out, status + 1, strcspn(status + 1, "]\n"));
		strbuf_addf(out, " · %zu line%s of output", lines, lines == 1 ? "" : "s");
	} else if (is_error) {
		const char *r = !strncmp(result, "error: ", 7) ? result + 7 : result;

		strbuf_add_printable(out, r, strcspn(r, "\n"));
	} else if (!strcmp(tool, "Read")) {
		strbuf_addf(out, "read %zu line%s", lines, lines == 1 ? "" : "s");
	} else if (!strcmp(tool, "Grep") || !strcmp(tool, "Glob") || !strcmp(tool, "LS")) {
		strbuf_addf(out, "%zu %s", lines, !strcmp(tool, "Grep") ? "matching lines"
						 : lines == 1 ? "entry" : "entries");
	} else if (!strcmp(tool, "Edit") || !strcmp(tool, "MultiEdit")) {
		size_t add = 0, del = 0, i;
		json_t *edits = json_object_get(args, "edits");

		if (!strcmp(tool, "Edit"))
			edit_counts(json_string_value(json_object_get(args, "old_string")) ?: "",
				    json_string_value(json_object_get(args, "new_string")) ?: "",
				    &add, &del);
		for (i = 0; i < json_array_size(edits); i++)
			edit_counts(json_string_value(json_object_get(json_array_get(edits, i),
								      "old_string")) ?: "",
				    json_string_value(json_object_get(json_array_get(edits, i),
								      "new_string")) ?: "",
				    &add, &del);
		strbuf_addf(out, "+%zu -%zu", add, del);
	} else if (!strcmp(tool, "Write")) {
		const char *c = json_string_value(json_object_get(args, "content")) ?: "";

		strbuf_addf(out, "wrote %zu line%s", count_lines(c, strlen(c)),
			    count_lines(c, strlen(c)) == 1 ? "" : "s");
	} else {
		strbuf_add_printable(out, result, strcspn(result, "\n") > 100 ? 100
						  : strcspn(result, "\n"));
	}
	json_decref(args);
}

void show_tail(const char *tool, const char *result, size_t n, size_t indent,
	       struct strbuf *out, size_t *more)
{
	size_t len = strlen(result), total, skip, i;
	const char *p = result;

	if (!strcmp(tool, "Bash"))
		show_bash_status(result, &len);
	while (len && result[len - 1] == '\n')
		len--;
	total = count_lines(result, len);
	skip = total > n ? total - n : 0;
	*more = skip;
	for (i = 0; i < skip; i++)
		p = strchr(p, '\n') + 1;
	while (p < result + len) {
		const char *nl = memchr(p, '\n', (size_t)(result + len - p));
		size_t k = nl ? (size_t)(nl - p) : (size_t)(result + len - p);

		strbuf_addf(out, "%*s", (int)indent, "");
		add_safe(out, p, k);
		strbuf_addch(out, '\n');
		p += k + 1;
	}
}

void show_result_body(const char *tool, const char *result, int is_error, size_t ok_lines,
		      size_t indent, struct strbuf *out, size_t *more)
{
	const char *rest = strchr(result, '\n');
	size_t n;

	*more = 0;
	if (!strcmp(tool, "Bash") && show_bash_status(result, &n))
		show_tail(tool, result, is_error ? SHOW_TAIL_LINES : ok_lines, indent, out, more);
	else if (is_error && rest && rest[1])
		show_tail(tool, rest + 1, SHOW_ERROR_LINES, indent, out, more);
}
