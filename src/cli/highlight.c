/*
 * highlight: code blocks coloured by GNU source-highlight.  See
 * highlight.h for why a program and not a library.
 */
#include "cli/highlight.h"

#include "core/fileio.h"
#include "core/proc.h"
#include "core/strvec.h"
#include "policy/childenv.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>

#define HL_PROGRAM "source-highlight"
#define HL_LANG_MAP "/usr/share/source-highlight/lang.map"
#define HL_OUT_MAX ((size_t)4 << 20)
#define HL_TIMEOUT_MS 3000

/* What source-highlight's lang.map lists (its names: "python", "sh",
 * "rs", ...), read once. */
static struct strvec known = STRVEC_INIT;
static pthread_once_t known_once = PTHREAD_ONCE_INIT;

static void known_load(void)
{
	struct strbuf map = STRBUF_INIT, err = STRBUF_INIT, prog = STRBUF_INIT;
	char *line, *save = NULL;

	if (file_which(HL_PROGRAM, &prog) || file_read(HL_LANG_MAP, (size_t)1 << 20, &map, &err))
		goto out;
	for (line = strtok_r(map.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strcspn(line, " \t=");

		if (n && line[0] != '#' && strchr(line, '='))
			strvec_pushf(&known, "%.*s", (int)n, line);
	}
out:
	strbuf_release(&map);
	strbuf_release(&err);
	strbuf_release(&prog);
}

/* The names models write after ``` that source-highlight spells
 * otherwise, or lacks but a near language reads well enough. */
static const struct { const char *fence, *lang; } aliases[] = {
	{ "rust", "rs" }, { "typescript", "javascript" }, { "ts", "javascript" },
	{ "tsx", "javascript" }, { "jsx", "javascript" }, { "mjs", "javascript" },
	{ "golang", "go" }, { "zsh", "sh" }, { "console", "sh" }, { "shell-session", "sh" },
	{ "c++", "cpp" }, { "python3", "python" }, { "postgresql", "sql" },
	{ "postgres", "sql" }, { "pgsql", "sql" }, { "plpgsql", "sql" }, { "mysql", "sql" },
	{ "sqlite", "sql" }, { "toml", "ini" }, { "kotlin", "java" }, { "kt", "java" },
	{ "jsonc", "json" }, { "patch", "diff" },
};

int highlight_lang(const char *info, char *lang, size_t cap)
{
	char word[32];
	size_t n = 0, i;

	/* the info string's first word, its letters only: "python {.x}" */
	while (*info == ' ' || *info == '\t')
		info++;
	while (info[n] && (isalnum((unsigned char)info[n]) || strchr("+-_#", info[n])) &&
	       n < sizeof(word) - 1) {
		word[n] = (char)tolower((unsigned char)info[n]);
		n++;
	}
	word[n] = '\0';
	if (!n)
		return 0;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(word, aliases[i].fence)) {
			snprintf(word, sizeof(word), "%s", aliases[i].lang);
			break;
		}
	pthread_once(&known_once, known_load);
	for (i = 0; i < known.nr; i++)
		if (!strcmp(known.v[i], word) && strlen(word) < cap) {
			memcpy(lang, word, strlen(word) + 1);
			return 1;
		}
	return 0;
}

void highlight_defuse(const char *s, size_t n, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			strbuf_addf(out, "^%c", c == 0x7f ? '?' : c + '@');
		else
			strbuf_addch(out, (char)c);
	}
}

int highlight_code(const char *lang, const char *code, size_t n, const char *indent,
		   struct strbuf *out)
{
	struct strbuf in = STRBUF_INIT, err = STRBUF_INIT, got = STRBUF_INIT;
	struct strvec env = STRVEC_INIT;
	struct proc p;
	const char *s, *nl;
	int rc = -1;

	highlight_defuse(code, n, &in);
	proc_init(&p);
	strvec_push(&p.argv, HL_PROGRAM);
	strvec_pushf(&p.argv, "--src-lang=%s", lang);
	strvec_push(&p.argv, "--out-format=esc");
	/* its esc.style: comments cyan, no black on a dark terminal */
	strvec_push(&p.argv, "--style-file=esc.style");
	childenv_build(&env, NULL);
	p.envp = (const char *const *)env.v;
	p.input = in.buf;
	p.input_len = in.len;
	p.head_cap = HL_OUT_MAX;
	p.tail_cap = 1;
	p.timeout_ms = HL_TIMEOUT_MS;
	if (proc_run(&p, &err) || p.exit_code || p.out_buf.total > HL_OUT_MAX)
		goto out;
	headtail_render(&p.out_buf, "", &got);
	for (s = got.buf; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		strbuf_addstr(out, indent);
		if (!nl) {
			strbuf_addstr(out, s);
			strbuf_addch(out, '\n');
			break;
		}
		strbuf_add(out, s, (size_t)(nl + 1 - s));
	}
	rc = 0;
out:
	proc_release(&p);
	strvec_release(&env);
	strbuf_release(&in);
	strbuf_release(&err);
	strbuf_release(&got);
	return rc;
}
