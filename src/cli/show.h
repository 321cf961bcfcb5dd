/*
 * show: a tool call and its result, for people.
 *
 * What a call will do, as its approval shows it (a unified diff for the
 * file tools, the command line for Bash, the URL for WebFetch), and what
 * it did, as the line under it says (Bash's exit status and last lines,
 * Read's line count, Grep and Glob's matches, Edit's +n -m).  Both the
 * REPL and headless text output use it, so they say the same things.
 *
 * Ownership: everything is appended to the caller's buffers; colour is
 * ANSI escapes when asked for, else none.
 */
#ifndef ARCHIE_SHOW_H
#define ARCHIE_SHOW_H

#include "core/strbuf.h"

#include <stddef.h>

/* The call as the user should judge it, several lines, each ending in
 * '\n'.  cwd: the project root (a Bash call's own directory is shown when
 * it differs).  Lines are cut to width columns (0: not cut). */
void show_call(const char *tool, const char *args_json, const char *root, int color,
	       size_t width, struct strbuf *out);

/* One line saying what the call did: "exit 1 · 42 lines", "read 120
 * lines", "3 files", "+4 -2", or the error's first line.  No '\n'. */
void show_result_line(const char *tool, const char *args_json, const char *result,
		      int is_error, struct strbuf *out);

/* A Bash result's status line ("[exit code 1]", "[timed out ...]"), or
 * NULL when the command did not run; *out_len: the output before it. */
const char *show_bash_status(const char *result, size_t *out_len);

/* The result's last n lines (Bash's output without its status line),
 * each ending in '\n', indented by indent spaces; *more: lines before. */
void show_tail(const char *tool, const char *result, size_t n, size_t indent,
	       struct strbuf *out, size_t *more);

/* A failed call's lines shown under it; a command's last lines. */
#define SHOW_ERROR_LINES 40
#define SHOW_TAIL_LINES 10

/* What goes under a call's result line, indented: a command that ran,
 * its last lines (SHOW_TAIL_LINES when it failed, ok_lines when not); a
 * failure's other lines, to SHOW_ERROR_LINES.  *more: lines left out. */
void show_result_body(const char *tool, const char *result, int is_error, size_t ok_lines,
		      size_t indent, struct strbuf *out, size_t *more);

/* The unified diff of before and after, as `diff -u` writes it (labels
 * a/path and b/path), coloured when asked; 0, or -1 when diff could not
 * run (then out holds why). */
int show_diff(const char *path, const char *before, size_t before_len, const char *after,
	      size_t after_len, int color, struct strbuf *out);

#endif
