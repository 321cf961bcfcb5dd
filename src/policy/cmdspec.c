/*
 * cmdspec: option tables and the analysis of one command.  See cmdspec.h.
 *
 * Options are read the way GNU getopt reads them: anywhere among the
 * operands (wrappers stop at their first operand), short options in
 * clusters whose value may be attached (`-oFILE`, `-n5`), long options
 * with `=value` or the next word, and long options abbreviated to any
 * unambiguous prefix (so `--out` is `--output`; an abbreviation that could
 * stand for a dangerous option counts as it).  A table lists only the
 * options that take a value or do more than read: an option it does not
 * list is taken as a flag, which errs on the safe side (its operands are
 * still judged as files).
 */
#include "policy/cmdspec_int.h"

#include "core/strbuf.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

/* Option flags. */
#define V    0x0001	/* takes a value (attached, or the next word) */
#define OV   0x0002	/* an optional value, attached only (--color=x, sed -i.bak) */
#define RD   0x0004	/* the value is a file read */
#define WR   0x0008	/* the value is a file written; with no value: the operands are */
#define EX   0x0010	/* the value is a command line run */
#define RUN  0x0020	/* runs code that cannot be seen here: unsure */
#define PAT  0x0040	/* the pattern or program is in this option: operands are files */
#define DIR  0x0080	/* the value is the directory it runs in */
#define WRI  0x0100	/* changes something (not read-only), no file named */
#define V2   0x0200	/* takes two values (jq --arg NAME VALUE) */
#define REST 0x0400	/* the words up to ';' are a command it runs (fd -x) */
#define SCR  0x0800	/* the value is a program text (sed -e, awk -e) */
#define NOF  0x1000	/* its operands are not files (jq --args, rg --type-list) */
#define ONLYPATHS 0x2000	/* there is no pattern operand (rg --files, ag -g) */

struct opt {
	const char *name;
	unsigned f;
};

enum ops {
	OPS_NONE,	/* operands are text (echo, tr) */
	OPS_FILES,	/* operands are files read */
	OPS_PATTERN,	/* a pattern, then files (grep, rg, fd) */
	OPS_SED, OPS_AWK, OPS_JQ,
	OPS_IN_OUT,	/* [INPUT [OUTPUT]] (uniq, xxd) */
	OPS_FIND, OPS_GIT, OPS_TEST, OPS_PS, OPS_PAGER,
	OPS_SETS,	/* an operand changes the system (hostname NAME) */
	OPS_WRAP,	/* runs the command its operands name */
};

struct spec {
	const char *name;
	const struct opt *opts;
	enum ops ops;
	int skip;		/* wrappers: operands before the command (timeout's duration) */
};

/* ---- the tables ------------------------------------------------------------- */

static const struct opt o_ls[] = {
	{ "-I", V }, { "--ignore", V }, { "-w", V }, { "--width", V }, { "-T", V },
	{ "--tabsize", V }, { "--hide", V }, { "--block-size", V }, { "--format", V },
	{ "--quoting-style", V }, { "--sort", V }, { "--time", V }, { "--time-style", V },
	{ "--indicator-style", V }, { "--color", OV }, { "--hyperlink", OV }, { NULL, 0 } };
static const struct opt o_none[] = { { NULL, 0 } };
static const struct opt o_tac[] = { { "-s", V }, { "--separator", V }, { NULL, 0 } };
static const struct opt o_nl[] = {
	{ "-b", V }, { "-d", V }, { "-f", V }, { "-h", V }, { "-i", V }, { "-l", V },
	{ "-n", V }, { "-s", V }, { "-v", V }, { "-w", V }, { "--body-numbering", V },
	{ "--section-delimiter", V }, { "--footer-numbering", V }, { "--header-numbering", V },
	{ "--line-increment", V }, { "--join-blank-lines", V }, { "--number-format", V },
	{ "--number-separator", V }, { "--starting-line-number", V },
	{ "--number-width", V }, { NULL, 0 } };
static const struct opt o_headtail[] = {
	{ "-n", V }, { "-c", V }, { "--lines", V }, { "--bytes", V }, { "-s", V },
	{ "--sleep-interval", V }, { "--pid", V }, { "--max-unchanged-stats", V }, { NULL, 0 } };
static const struct opt o_wc[] = { { "--files0-from", V | RD }, { NULL, 0 } };
static const struct opt o_cut[] = {
	{ "-b", V }, { "-c", V }, { "-d", V }, { "-f", V }, { "--bytes", V },
	{ "--characters", V }, { "--delimiter", V }, { "--fields", V },
	{ "--output-delimiter", V }, { NULL, 0 } };
static const struct opt o_fold[] = {
	{ "-w", V }, { "--width", V }, { "-g", V }, { "--goal", V }, { "-p", V },
	{ "--prefix", V }, { NULL, 0 } };
static const struct opt o_expand[] = { { "-t", V }, { "--tabs", V }, { NULL, 0 } };
static const struct opt o_od[] = {
	{ "-A", V }, { "-j", V }, { "-N", V }, { "-S", V }, { "-t", V }, { "-w", OV },
	{ "--address-radix", V }, { "--skip-bytes", V }, { "--read-bytes", V },
	{ "--strings", OV }, { "--format", V }, { "--width", OV }, { NULL, 0 } };
static const struct opt o_hexdump[] = {
	{ "-e", V }, { "-n", V }, { "-s", V }, { "-f", V | RD }, { "--format", V },
	{ "--format-file", V | RD }, { "--length", V }, { "--skip", V }, { NULL, 0 } };
static const struct opt o_strings[] = {
	{ "-n", V }, { "-t", V }, { "-e", V }, { "-T", V }, { "-s", V }, { "--bytes", V },
	{ "--radix", V }, { "--encoding", V }, { "--target", V },
	{ "--output-separator", V }, { NULL, 0 } };
static const struct opt o_sum[] = {
	/* -c reads the files a list names: unknown here */
	{ "-c", RUN }, { "--check", RUN }, { NULL, 0 } };
static const struct opt o_column[] = {
	{ "-s", V }, { "-o", V }, { "-c", V }, { "-N", V }, { "-l", V }, { "-R", V },
	{ "-E", V }, { "-H", V }, { "-W", V }, { "-r", V }, { "-d", V },
	{ "--separator", V }, { "--output-separator", V }, { "--output-width", V },
	{ "--table-columns", V }, { "--table-name", V }, { NULL, 0 } };
static const struct opt o_comm[] = { { "--output-delimiter", V }, { NULL, 0 } };
static const struct opt o_cmp[] = {
	{ "-i", V }, { "-n", V }, { "--ignore-initial", V }, { "--bytes", V }, { NULL, 0 } };
static const struct opt o_diff[] = {
	{ "-I", V }, { "-F", V }, { "-x", V }, { "-S", V }, { "-L", V }, { "-W", V },
	{ "-X", V | RD }, { "--ignore-matching-lines", V }, { "--show-function-line", V },
	{ "--exclude", V }, { "--exclude-from", V | RD }, { "--starting-file", V },
	{ "--label", V }, { "--width", V }, { "--tabsize", V }, { "--from-file", V | RD },
	{ "--to-file", V | RD }, { "--color", OV }, { "--palette", V },
	{ "--horizon-lines", V }, { "--line-format", V }, { "--old-line-format", V },
	{ "--new-line-format", V }, { "--unchanged-line-format", V },
	{ "--old-group-format", V }, { "--new-group-format", V },
	{ "--changed-group-format", V }, { "--unchanged-group-format", V }, { NULL, 0 } };
static const struct opt o_realpath[] = {
	{ "--relative-to", V }, { "--relative-base", V }, { NULL, 0 } };
static const struct opt o_printf[] = {
	/* printf -v 'a[$(cmd)]': the subscript is evaluated, and runs cmd */
	{ "-v", RUN }, { NULL, 0 } };
static const struct opt o_date[] = {
	{ "-d", V }, { "--date", V }, { "-f", V | RD }, { "--file", V | RD },
	{ "-r", V | RD }, { "--reference", V | RD }, { "-s", V | WRI }, { "--set", V | WRI },
	{ "-I", OV }, { "--iso-8601", OV }, { "--rfc-3339", V }, { NULL, 0 } };
static const struct opt o_hostname[] = {
	{ "-F", V | RD | WRI }, { "--file", V | RD | WRI }, { NULL, 0 } };
static const struct opt o_grep[] = {
	{ "-e", V | PAT }, { "--regexp", V | PAT }, { "-f", V | RD | PAT },
	{ "--file", V | RD | PAT }, { "-m", V }, { "--max-count", V }, { "-A", V },
	{ "-B", V }, { "-C", V }, { "--context", V }, { "--after-context", V },
	{ "--before-context", V }, { "-d", V }, { "--directories", V }, { "-D", V },
	{ "--devices", V }, { "--include", V }, { "--exclude", V }, { "--exclude-dir", V },
	{ "--exclude-from", V | RD }, { "--label", V }, { "--binary-files", V },
	{ "--group-separator", V }, { "--color", OV }, { "--colour", OV }, { NULL, 0 } };
static const struct opt o_rg[] = {
	{ "-e", V | PAT }, { "--regexp", V | PAT }, { "-f", V | RD | PAT },
	{ "--file", V | RD | PAT }, { "--pre", V | EX }, { "--hostname-bin", V | EX },
	{ "--pre-glob", V }, { "-g", V }, { "--glob", V }, { "--iglob", V }, { "-t", V },
	{ "--type", V }, { "-T", V }, { "--type-not", V }, { "--type-add", V },
	{ "--type-clear", V }, { "-m", V }, { "--max-count", V }, { "-A", V }, { "-B", V },
	{ "-C", V }, { "--context", V }, { "--after-context", V }, { "--before-context", V },
	{ "-j", V }, { "--threads", V }, { "-M", V }, { "--max-columns", V }, { "-E", V },
	{ "--encoding", V }, { "--engine", V }, { "--color", V }, { "--colors", V },
	{ "--sort", V }, { "--sortr", V }, { "--path-separator", V }, { "-r", V },
	{ "--replace", V }, { "-d", V }, { "--max-depth", V }, { "--max-filesize", V },
	{ "--context-separator", V }, { "--field-context-separator", V },
	{ "--field-match-separator", V }, { "--dfa-size-limit", V },
	{ "--regex-size-limit", V }, { "--hyperlink-format", V }, { "--generate", V },
	{ "--ignore-file", V | RD }, { "--files", ONLYPATHS }, { "--type-list", NOF },
	{ NULL, 0 } };
static const struct opt o_ag[] = {
	{ "--pager", V | EX }, { "-A", V }, { "-B", V }, { "-C", V }, { "-G", V },
	{ "--file-search-regex", V }, { "-g", V | PAT | ONLYPATHS }, { "--ignore", V },
	{ "--ignore-dir", V }, { "-m", V }, { "--max-count", V }, { "--depth", V },
	{ "-p", V | RD }, { "--path-to-ignore", V | RD }, { "--workers", V }, { "-W", V },
	{ "--width", V }, { NULL, 0 } };
static const struct opt o_file[] = {
	{ "-m", V | RD }, { "--magic-file", V | RD }, { "-f", V | RUN },
	{ "--files-from", V | RUN }, { "-C", WRI }, { "--compile", WRI }, { "-F", V },
	{ "--separator", V }, { "-P", V }, { "--parameter", V }, { "-e", V },
	{ "--exclude", V }, { "--exclude-quiet", V }, { NULL, 0 } };
static const struct opt o_stat[] = {
	{ "-c", V }, { "--format", V }, { "--printf", V }, { NULL, 0 } };
static const struct opt o_du[] = {
	{ "-d", V }, { "--max-depth", V }, { "-B", V }, { "--block-size", V }, { "-t", V },
	{ "--threshold", V }, { "--time", OV }, { "--time-style", V }, { "--exclude", V },
	{ "-X", V | RD }, { "--exclude-from", V | RD }, { "--files0-from", V | RD }, { NULL, 0 } };
static const struct opt o_df[] = {
	{ "-B", V }, { "--block-size", V }, { "-t", V }, { "--type", V }, { "-x", V },
	{ "--exclude-type", V }, { "--output", OV }, { NULL, 0 } };
static const struct opt o_tree[] = {
	{ "-o", V | WR }, { "-R", WRI }, { "-L", V }, { "-P", V }, { "-I", V }, { "-H", V },
	{ "-T", V }, { "--charset", V }, { "--filelimit", V }, { "--timefmt", V },
	{ "--sort", V }, { "--gitfile", V | RD }, { "--infofile", V | RD }, { NULL, 0 } };
static const struct opt o_sort[] = {
	{ "-o", V | WR }, { "--output", V | WR }, { "--compress-program", V | EX },
	{ "-T", V | WR }, { "--temporary-directory", V | WR }, { "--files0-from", V | RD },
	{ "--random-source", V | RD }, { "-k", V }, { "--key", V }, { "-t", V },
	{ "--field-separator", V }, { "-S", V }, { "--buffer-size", V },
	{ "--batch-size", V }, { "--parallel", V }, { "--sort", V }, { NULL, 0 } };
static const struct opt o_uniq[] = {
	{ "-f", V }, { "-s", V }, { "-w", V }, { "--skip-fields", V }, { "--skip-chars", V },
	{ "--check-chars", V }, { "--group", OV }, { "--all-repeated", OV }, { NULL, 0 } };
static const struct opt o_xxd[] = {
	{ "-c", V }, { "-g", V }, { "-l", V }, { "-o", V }, { "-s", V }, { "-n", V },
	{ "-cols", V }, { "-groupsize", V }, { "-len", V }, { "-offset", V }, { "-seek", V },
	{ "-name", V }, { NULL, 0 } };
static const struct opt o_jq[] = {
	{ "--arg", V2 }, { "--argjson", V2 }, { "--slurpfile", V2 | RD },
	{ "--rawfile", V2 | RD }, { "-f", V | RD | PAT }, { "--from-file", V | RD | PAT },
	{ "-L", V }, { "--indent", V }, { "--args", NOF }, { "--jsonargs", NOF }, { NULL, 0 } };
static const struct opt o_pager[] = {
	{ "-o", V | WR }, { "--log-file", V | WR }, { "-O", V | WR }, { "--LOG-FILE", V | WR },
	{ "-k", V | RD }, { "--lesskey-file", V | RD }, { "--lesskey-src", V | RD },
	{ "--lesskey-content", V | RUN }, { "-p", V }, { "--pattern", V }, { "-t", V },
	{ "--tag", V }, { "-T", V | RD }, { "--tag-file", V | RD }, { "-x", V },
	{ "--tabs", V }, { "-y", V }, { "-z", V }, { "-b", V }, { "-h", V }, { "-j", V },
	{ "-P", V }, { "--prompt", V }, { NULL, 0 } };
static const struct opt o_man[] = {
	{ "-P", V | EX }, { "--pager", V | EX }, { "-H", OV | RUN }, { "--html", OV | RUN },
	{ "-p", V }, { "--preprocessor", V }, { "-M", V }, { "--manpath", V },
	{ "-C", V | RD }, { "--config-file", V | RD }, { "-S", V }, { "-s", V },
	{ "--sections", V }, { "-L", V }, { "--locale", V }, { "-m", V }, { "-E", V },
	{ "-R", V }, { "-r", V }, { "--prompt", V }, { "-X", OV | RUN }, { "-T", OV | RUN },
	{ "-Z", RUN }, { NULL, 0 } };
static const struct opt o_bat[] = {
	{ "--pager", V | EX }, { "-l", V }, { "--language", V }, { "-H", V },
	{ "--highlight-line", V }, { "--file-name", V }, { "--diff-context", V },
	{ "--tabs", V }, { "--wrap", V }, { "--terminal-width", V }, { "--theme", V },
	{ "--style", V }, { "--color", V }, { "--decorations", V }, { "--paging", V },
	{ "--italic-text", V }, { "-m", V }, { "--map-syntax", V }, { "--ignored-suffix", V },
	{ "-r", V }, { "--line-range", V }, { "--nonprintable-notation", V },
	{ "--binary", V }, { "--squeeze-limit", V }, { "--config-file", V | RD }, { NULL, 0 } };
static const struct opt o_zcat[] = { { "-S", V }, { "--suffix", V }, { NULL, 0 } };
static const struct opt o_fd[] = {
	{ "-x", REST }, { "--exec", REST }, { "-X", REST }, { "--exec-batch", REST },
	{ "-e", V }, { "--extension", V }, { "-E", V }, { "--exclude", V }, { "-t", V },
	{ "--type", V }, { "-d", V }, { "--max-depth", V }, { "--min-depth", V },
	{ "--exact-depth", V }, { "-S", V }, { "--size", V }, { "--changed-within", V },
	{ "--changed-before", V }, { "--newer", V }, { "--older", V }, { "-j", V },
	{ "--threads", V }, { "-c", V }, { "--color", V }, { "--ignore-file", V | RD },
	{ "--base-directory", V | DIR }, { "--search-path", V | RD },
	{ "--path-separator", V }, { "-o", V }, { "--owner", V }, { "--max-results", V },
	{ "--format", V }, { "--batch-size", V }, { "--hyperlink", OV }, { NULL, 0 } };
static const struct opt o_sed[] = {
	{ "-e", V | SCR }, { "--expression", V | SCR }, { "-f", V | RUN | PAT },
	{ "--file", V | RUN | PAT }, { "-i", OV | WR }, { "--in-place", OV | WR },
	{ "-l", V }, { "--line-length", V }, { NULL, 0 } };
static const struct opt o_awk[] = {
	{ "-f", V | RUN | PAT }, { "--file", V | RUN | PAT }, { "-E", V | RUN | PAT },
	{ "--exec", V | RUN | PAT }, { "-i", V | RUN }, { "--include", V | RUN },
	{ "-l", V | RUN }, { "--load", V | RUN }, { "-v", V }, { "--assign", V },
	{ "-F", V }, { "--field-separator", V }, { "-e", V | SCR }, { "--source", V | SCR },
	{ "-o", OV | WRI }, { "--pretty-print", OV | WRI }, { "-p", OV | WRI },
	{ "--profile", OV | WRI }, { "-d", OV | WRI }, { "--dump-variables", OV | WRI },
	{ "-D", OV | RUN }, { "--debug", OV | RUN }, { "-W", V | RUN }, { NULL, 0 } };
static const struct opt o_ps[] = {
	{ "-o", V }, { "-O", V }, { "-p", V }, { "-u", V }, { "-U", V }, { "-g", V },
	{ "-G", V }, { "-C", V }, { "-t", V }, { "-s", V }, { "--pid", V }, { "--ppid", V },
	{ "--sort", V }, { "--format", V }, { "--user", V }, { "--cols", V },
	{ "--columns", V }, { "--width", V }, { "--rows", V }, { "--lines", V }, { NULL, 0 } };

/* Wrappers: the command after their options (and `skip` operands) runs. */
static const struct opt o_env[] = {
	{ "-u", V }, { "--unset", V }, { "-C", V | DIR }, { "--chdir", V | DIR },
	{ "-S", V | EX }, { "--split-string", V | EX }, { "--block-signal", OV },
	{ "--default-signal", OV }, { "--ignore-signal", OV }, { NULL, 0 } };
static const struct opt o_timeout[] = {
	{ "-s", V }, { "--signal", V }, { "-k", V }, { "--kill-after", V }, { NULL, 0 } };
static const struct opt o_nice[] = { { "-n", V }, { "--adjustment", V }, { NULL, 0 } };
static const struct opt o_ionice[] = {
	{ "-c", V }, { "--class", V }, { "-n", V }, { "--classdata", V }, { "-p", V | RUN },
	{ "-P", V | RUN }, { "-u", V | RUN }, { NULL, 0 } };
static const struct opt o_stdbuf[] = {
	{ "-i", V }, { "-o", V }, { "-e", V }, { "--input", V }, { "--output", V },
	{ "--error", V }, { NULL, 0 } };
static const struct opt o_time[] = {
	{ "-o", V | WR }, { "--output", V | WR }, { "-f", V }, { "--format", V }, { NULL, 0 } };
static const struct opt o_exec[] = { { "-a", V }, { NULL, 0 } };
static const struct opt o_xargs[] = {
	{ "-a", V | RD }, { "--arg-file", V | RD }, { "--process-slot-var", V },
	{ "-E", V }, { "-e", OV }, { "--eof", OV }, { "-i", OV }, { "--replace", OV },
	{ "-I", V }, { "-l", OV }, { "--max-lines", OV }, { "-L", V }, { "-n", V },
	{ "--max-args", V }, { "-P", V }, { "--max-procs", V }, { "-s", V },
	{ "--max-chars", V }, { "-d", V }, { "--delimiter", V }, { NULL, 0 } };
static const struct opt o_sudo[] = {
	{ "-u", V }, { "--user", V }, { "-g", V }, { "--group", V }, { "-C", V },
	{ "--close-from", V }, { "-D", V | DIR }, { "--chdir", V | DIR }, { "-h", V },
	{ "--host", V }, { "-p", V }, { "--prompt", V }, { "-r", V }, { "--role", V },
	{ "-t", V }, { "--type", V }, { "-U", V }, { "--other-user", V }, { "-T", V },
	{ "--command-timeout", V }, { "-R", V | RUN }, { "--chroot", V | RUN }, { NULL, 0 } };
static const struct opt o_doas[] = { { "-u", V }, { "-C", V | RD }, { NULL, 0 } };
static const struct opt o_pkexec[] = { { "--user", V }, { NULL, 0 } };
static const struct opt o_su[] = {
	{ "-c", V | EX }, { "--command", V | EX }, { "-s", V | EX }, { "--shell", V | EX },
	{ "-g", V }, { "-G", V }, { "--group", V }, { "--supp-group", V },
	{ "-w", V }, { "--whitelist-environment", V }, { NULL, 0 } };
static const struct opt o_flock[] = {
	{ "-c", V | EX }, { "--command", V | EX }, { "-E", V }, { "--conflict-exit-code", V },
	{ "-w", V }, { "--timeout", V }, { NULL, 0 } };
static const struct opt o_script[] = {
	{ "-c", V | EX }, { "--command", V | EX }, { "-O", V | WR }, { "--log-out", V | WR },
	{ "-I", V | WR }, { "--log-in", V | WR }, { "-B", V | WR }, { "--log-io", V | WR },
	{ "-T", V | WR }, { "--log-timing", V | WR }, { "-t", OV | WR }, { "--timing", OV | WR },
	{ "-E", V }, { "--echo", V }, { "-o", V }, { "--output-limit", V }, { "-m", V },
	{ "--logging-format", V }, { NULL, 0 } };
static const struct opt o_watch[] = {
	{ "-n", V }, { "--interval", V }, { "-d", OV }, { "--differences", OV },
	{ "-q", V }, { "--equexit", V }, { NULL, 0 } };
static const struct opt o_unshare[] = {
	{ "-R", V | RUN }, { "--root", V | RUN }, { "-w", V | DIR }, { "--wd", V | DIR },
	{ "-S", V }, { "--setuid", V }, { "-G", V }, { "--setgid", V }, { "--map-user", V },
	{ "--map-group", V }, { "--map-users", V }, { "--map-groups", V },
	{ "--propagation", V }, { "--setgroups", V }, { "--load-interp", V | RUN },
	{ "--mount", OV }, { "--uts", OV }, { "--ipc", OV }, { "--net", OV }, { "--pid", OV },
	{ "--user", OV }, { "--cgroup", OV }, { "--time", OV }, { "--kill-child", OV },
	{ NULL, 0 } };
static const struct opt o_strace[] = {
	{ "-o", V | WR }, { "--output", V | WR }, { "-e", V }, { "-p", V | RUN },
	{ "--attach", V | RUN }, { "-s", V }, { "-u", V }, { "-E", V }, { "-P", V },
	{ "-a", V }, { "-I", V }, { "-O", V }, { "-X", V }, { "-b", V }, { "-S", V },
	{ "--trace", V }, { "--signal", V }, { NULL, 0 } };
static const struct opt o_parallel[] = {
	{ "-j", V }, { "--jobs", V }, { "-n", V }, { "-N", V }, { "-L", V }, { "--delay", V },
	{ "--timeout", V }, { "-a", V | RD }, { "--arg-file", V | RD }, { "--colsep", V },
	{ "-d", V }, { "--tmpdir", V | WR }, { "--results", V | WR }, { "--joblog", V | WR },
	{ "-S", V | RUN }, { "--sshlogin", V | RUN }, { "--sshloginfile", V | RUN }, { NULL, 0 } };
static const struct opt o_taskset[] = { { "-p", RUN }, { "--pid", RUN }, { NULL, 0 } };
static const struct opt o_chrt[] = { { "-p", RUN }, { "--pid", RUN }, { "-T", V },
	{ "-P", V }, { "-D", V }, { NULL, 0 } };

static const struct spec specs[] = {
	/* read-only readers */
	{ "cat", o_none, OPS_FILES, 0 }, { "tac", o_tac, OPS_FILES, 0 },
	{ "nl", o_nl, OPS_FILES, 0 }, { "head", o_headtail, OPS_FILES, 0 },
	{ "tail", o_headtail, OPS_FILES, 0 }, { "wc", o_wc, OPS_FILES, 0 },
	{ "cut", o_cut, OPS_FILES, 0 }, { "fold", o_fold, OPS_FILES, 0 },
	{ "fmt", o_fold, OPS_FILES, 0 }, { "expand", o_expand, OPS_FILES, 0 },
	{ "unexpand", o_expand, OPS_FILES, 0 }, { "rev", o_none, OPS_FILES, 0 },
	{ "od", o_od, OPS_FILES, 0 }, { "hexdump", o_hexdump, OPS_FILES, 0 },
	{ "hd", o_hexdump, OPS_FILES, 0 }, { "strings", o_strings, OPS_FILES, 0 },
	{ "md5sum", o_sum, OPS_FILES, 0 }, { "sha1sum", o_sum, OPS_FILES, 0 },
	{ "sha224sum", o_sum, OPS_FILES, 0 }, { "sha256sum", o_sum, OPS_FILES, 0 },
	{ "sha384sum", o_sum, OPS_FILES, 0 }, { "sha512sum", o_sum, OPS_FILES, 0 },
	{ "b2sum", o_sum, OPS_FILES, 0 }, { "cksum", o_sum, OPS_FILES, 0 },
	{ "base64", o_fold, OPS_FILES, 0 }, { "base32", o_fold, OPS_FILES, 0 },
	{ "column", o_column, OPS_FILES, 0 }, { "comm", o_comm, OPS_FILES, 0 },
	{ "cmp", o_cmp, OPS_FILES, 0 }, { "diff", o_diff, OPS_FILES, 0 },
	{ "ls", o_ls, OPS_FILES, 0 }, { "dir", o_ls, OPS_FILES, 0 },
	{ "file", o_file, OPS_FILES, 0 }, { "stat", o_stat, OPS_FILES, 0 },
	{ "du", o_du, OPS_FILES, 0 }, { "df", o_df, OPS_FILES, 0 },
	{ "tree", o_tree, OPS_FILES, 0 }, { "sort", o_sort, OPS_FILES, 0 },
	{ "zcat", o_zcat, OPS_FILES, 0 }, { "bat", o_bat, OPS_FILES, 0 },
	{ "batcat", o_bat, OPS_FILES, 0 },
	{ "uniq", o_uniq, OPS_IN_OUT, 0 }, { "xxd", o_xxd, OPS_IN_OUT, 0 },
	{ "grep", o_grep, OPS_PATTERN, 0 }, { "egrep", o_grep, OPS_PATTERN, 0 },
	{ "fgrep", o_grep, OPS_PATTERN, 0 }, { "rg", o_rg, OPS_PATTERN, 0 },
	{ "ag", o_ag, OPS_PATTERN, 0 }, { "fd", o_fd, OPS_PATTERN, 0 },
	{ "fdfind", o_fd, OPS_PATTERN, 0 },
	{ "sed", o_sed, OPS_SED, 0 }, { "awk", o_awk, OPS_AWK, 0 },
	{ "gawk", o_awk, OPS_AWK, 0 }, { "mawk", o_awk, OPS_AWK, 0 },
	{ "nawk", o_awk, OPS_AWK, 0 }, { "jq", o_jq, OPS_JQ, 0 },
	{ "find", o_none, OPS_FIND, 0 }, { "git", o_none, OPS_GIT, 0 },
	{ "test", o_none, OPS_TEST, 0 }, { "[", o_none, OPS_TEST, 0 },
	{ "[[", o_none, OPS_TEST, 0 }, { "ps", o_ps, OPS_PS, 0 },
	{ "less", o_pager, OPS_PAGER, 0 }, { "more", o_pager, OPS_PAGER, 0 },
	{ "most", o_pager, OPS_PAGER, 0 }, { "man", o_man, OPS_PAGER, 0 },
	/* text, not files */
	{ "echo", o_none, OPS_NONE, 0 }, { "printf", o_printf, OPS_NONE, 0 },
	{ "tr", o_none, OPS_NONE, 0 }, { "true", o_none, OPS_NONE, 0 },
	{ "false", o_none, OPS_NONE, 0 }, { ":", o_none, OPS_NONE, 0 },
	{ "pwd", o_none, OPS_NONE, 0 }, { "whoami", o_none, OPS_NONE, 0 },
	{ "id", o_none, OPS_NONE, 0 }, { "uname", o_none, OPS_NONE, 0 },
	{ "nproc", o_none, OPS_NONE, 0 }, { "getconf", o_none, OPS_NONE, 0 },
	{ "locale", o_none, OPS_NONE, 0 }, { "free", o_none, OPS_NONE, 0 },
	{ "uptime", o_none, OPS_NONE, 0 }, { "yes", o_none, OPS_NONE, 0 },
	{ "seq", o_none, OPS_NONE, 0 }, { "sleep", o_none, OPS_NONE, 0 },
	{ "printenv", o_none, OPS_NONE, 0 }, { "which", o_none, OPS_NONE, 0 },
	{ "whereis", o_none, OPS_NONE, 0 }, { "type", o_none, OPS_NONE, 0 },
	{ "basename", o_none, OPS_NONE, 0 }, { "dirname", o_none, OPS_NONE, 0 },
	{ "realpath", o_realpath, OPS_NONE, 0 }, { "readlink", o_none, OPS_NONE, 0 },
	{ "date", o_date, OPS_NONE, 0 }, { "hostname", o_hostname, OPS_SETS, 0 },
	/* wrappers */
	{ "env", o_env, OPS_WRAP, 0 }, { "timeout", o_timeout, OPS_WRAP, 1 },
	{ "nice", o_nice, OPS_WRAP, 0 }, { "ionice", o_ionice, OPS_WRAP, 0 },
	{ "stdbuf", o_stdbuf, OPS_WRAP, 0 }, { "nohup", o_none, OPS_WRAP, 0 },
	{ "setsid", o_none, OPS_WRAP, 0 }, { "time", o_time, OPS_WRAP, 0 },
	{ "exec", o_exec, OPS_WRAP, 0 }, { "builtin", o_none, OPS_WRAP, 0 },
	{ "command", o_none, OPS_WRAP, 0 }, { "xargs", o_xargs, OPS_WRAP, 0 },
	{ "sudo", o_sudo, OPS_WRAP, 0 }, { "doas", o_doas, OPS_WRAP, 0 },
	{ "pkexec", o_pkexec, OPS_WRAP, 0 }, { "su", o_su, OPS_WRAP, 0 },
	{ "runuser", o_su, OPS_WRAP, 0 }, { "flock", o_flock, OPS_WRAP, 1 },
	{ "script", o_script, OPS_WRAP, 0 }, { "watch", o_watch, OPS_WRAP, 0 },
	{ "unshare", o_unshare, OPS_WRAP, 0 }, { "strace", o_strace, OPS_WRAP, 0 },
	{ "ltrace", o_strace, OPS_WRAP, 0 }, { "taskset", o_taskset, OPS_WRAP, 1 },
	{ "chrt", o_chrt, OPS_WRAP, 1 }, { "busybox", o_none, OPS_WRAP, 0 },
	{ "chroot", o_none, OPS_WRAP, 1 }, { "parallel", o_parallel, OPS_WRAP, 0 }, { "nsenter", o_none, OPS_WRAP, 0 },
	{ "dbus-run-session", o_none, OPS_WRAP, 0 }, { "caffeinate", o_none, OPS_WRAP, 0 },
};

/* ---- items ------------------------------------------------------------------ */

void cmdspec_use_init(struct cmdspec_use *u)
{
	memset(u, 0, sizeof(*u));
}

void cmdspec_use_release(struct cmdspec_use *u)
{
	size_t i;

	for (i = 0; i < u->nr; i++)
		free(u->items[i].text);
	free(u->items);
	free(u->unsure);
	free(u->effect);
	cmdspec_use_init(u);
}

void cmdspec_item(struct cmdspec_use *u, enum cmdspec_what what, const char *text,
		  size_t word)
{
	ALLOC_GROW(u->items, u->nr + 1, u->alloc);
	u->items[u->nr].what = what;
	u->items[u->nr].text = xstrdup(text);
	u->items[u->nr].word = word;
	u->nr++;
	/* a command line it runs is judged as a command of its own */
	if (what == CMDSPEC_WRITE)
		cmdspec_effect(u, "it writes %s", text);
}

static void set_reason(char **slot, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	if (*slot)
		return;
	strbuf_vaddf(&sb, fmt, ap);
	*slot = strbuf_detach(&sb, NULL);
}

void cmdspec_unsure(struct cmdspec_use *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(&u->unsure, fmt, ap);
	va_end(ap);
}

void cmdspec_effect(struct cmdspec_use *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(&u->effect, fmt, ap);
	va_end(ap);
}

/* ---- options ------------------------------------------------------------------- */

#define DANGER (RD | WR | EX | RUN | DIR | WRI | REST)

/* The option `name` (len bytes, "-x" or "--long") in table t. */
static const struct opt *lookup(const struct opt *t, const char *name, size_t len)
{
	const struct opt *best = NULL;
	size_t i, hits = 0;

	for (i = 0; t[i].name; i++)
		if (strlen(t[i].name) == len && !strncmp(t[i].name, name, len))
			return &t[i];
	if (len < 3 || name[1] != '-')
		return NULL;
	/* getopt_long takes any unambiguous prefix; an ambiguous one fails,
	 * but count it as the most dangerous it could be */
	for (i = 0; t[i].name; i++)
		if (!strncmp(t[i].name, name, len) && t[i].name[1] == '-') {
			hits++;
			if (!best || ((t[i].f & DANGER) && !(best->f & DANGER)))
				best = &t[i];
		}
	return hits ? best : NULL;
}

/* What parsing found besides items. */
struct parsed {
	size_t *operands;	/* word indices */
	size_t nr, alloc;
	int pattern_given;	/* -e, -f: every operand is a file */
	int writes_operands;	/* sed -i */
	int no_files;		/* jq --args */
	int only_paths;		/* rg --files */
	struct strbuf script;	/* sed -e / awk -e texts, joined by newlines */
	size_t script_word;
	int script_dynamic;
};

static void value(struct cmdspec_use *u, const struct opt *o, const char *v, size_t word,
		  const unsigned char *dyn, struct parsed *ps)
{
	if (o->f & SCR) {
		if (ps->script.len)
			strbuf_addch(&ps->script, '\n');
		strbuf_addstr(&ps->script, v);
		ps->script_word = word;
		ps->script_dynamic |= dyn[word];
		ps->pattern_given = 1;
		return;
	}
	if (o->f & PAT)
		ps->pattern_given = 1;
	if ((o->f & (RD | WR | EX | DIR)) && dyn[word]) {
		cmdspec_unsure(u, "%s names a %s only known at run time", o->name,
			       o->f & EX ? "command" : "file");
		return;
	}
	if (o->f & RD)
		cmdspec_item(u, CMDSPEC_READ, v, word);
	if (o->f & WR)
		cmdspec_item(u, CMDSPEC_WRITE, v, word);
	if (o->f & EX)
		cmdspec_item(u, CMDSPEC_SCRIPT, v, word);
	if (o->f & DIR)
		cmdspec_item(u, CMDSPEC_CWD, v, word);
}

static void flags_only(struct cmdspec_use *u, const struct opt *o, struct parsed *ps)
{
	if (o->f & RUN)
		cmdspec_unsure(u, "its option %s runs or reads what cannot be checked here", o->name);
	if (o->f & WRI)
		cmdspec_effect(u, "its option %s changes files or the system", o->name);
	if ((o->f & WR) && !(o->f & V))
		ps->writes_operands = 1;
	if (o->f & NOF)
		ps->no_files = 1;
	if (o->f & ONLYPATHS)
		ps->only_paths = 1;
	if ((o->f & PAT) && !(o->f & V))
		ps->pattern_given = 1;
}

/* The words up to ';' (or '+', or the end) as a command it runs. */
static size_t rest_command(struct cmdspec_use *u, const struct strvec *argv,
			   const unsigned char *dyn, size_t i, int appends_path)
{
	struct strbuf cmd = STRBUF_INIT;
	size_t first = i;
	int d = 0;

	for (; i < argv->nr && strcmp(argv->v[i], ";") && strcmp(argv->v[i], "+"); i++) {
		if (cmd.len)
			strbuf_addch(&cmd, ' ');
		strbuf_addstr(&cmd, argv->v[i]);
		d |= dyn[i];
	}
	/* fd and watch-like runners hand the command the files they find:
	 * a placeholder ({}) or, without one, the path appended */
	if (appends_path && cmd.len && !strstr(cmd.buf, "{"))
		strbuf_addstr(&cmd, " {}");
	if (d)
		cmdspec_unsure(u, "it runs a command only known at run time");
	else if (cmd.len)
		cmdspec_item(u, CMDSPEC_SCRIPT, cmd.buf, first);
	strbuf_release(&cmd);
	return i < argv->nr ? i + 1 : i;
}

/*
 * Reads options from argv[i..]: everywhere (permuted, as GNU getopt), or
 * up to the first operand (stop_at_operand, for wrappers).  Operands go to
 * ps->operands.  Returns the index where reading stopped.
 */
static size_t read_options(const struct spec *sp, const struct strvec *argv,
			   const unsigned char *dyn, size_t i, int stop_at_operand,
			   struct cmdspec_use *u, struct parsed *ps)
{
	int dashdash = 0;

	for (; i < argv->nr; i++) {
		const char *a = argv->v[i];
		const struct opt *o;

		if (dashdash || a[0] != '-' || !a[1] || dyn[i]) {
			if (dyn[i] && a[0] == '-' && !dashdash)
				cmdspec_unsure(u, "an option only known at run time");
			if (stop_at_operand)
				return i;
			ALLOC_GROW(ps->operands, ps->nr + 1, ps->alloc);
			ps->operands[ps->nr++] = i;
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = 1;
			if (stop_at_operand)
				return i + 1;
			continue;
		}
		if (a[1] == '-' || (sp->opts == o_xxd)) {
			/* --long[=value] (xxd's options are single-dash words) */
			const char *eq = strchr(a, '=');
			size_t n = eq ? (size_t)(eq - a) : strlen(a);

			o = lookup(sp->opts, a, n);
			if (!o)
				continue;
			if (o->f & REST) {
				i = rest_command(u, argv, dyn, i + 1, 1) - 1;
				continue;
			}
			flags_only(u, o, ps);
			if (o->f & V2) {
				if (i + 2 < argv->nr && (o->f & RD))
					value(u, o, argv->v[i + 2], i + 2, dyn, ps);
				i += 2;
			} else if (eq && (o->f & (V | OV))) {
				value(u, o, eq + 1, i, dyn, ps);
			} else if ((o->f & V) && i + 1 < argv->nr) {
				value(u, o, argv->v[i + 1], i + 1, dyn, ps);
				i++;
			}
			continue;
		}
		/* a cluster of short options: -abc, -oFILE, -n5 */
		for (a++; *a; a++) {
			char name[3] = { '-', *a, 0 };

			o = lookup(sp->opts, name, 2);
			if (!o)
				continue;
			if (o->f & REST) {
				i = rest_command(u, argv, dyn, i + 1, 1) - 1;
				break;
			}
			flags_only(u, o, ps);
			if (o->f & OV) {	/* sed -i.bak: the rest is its value */
				if (a[1] && (o->f & (V | OV)) && !(o->f & WR))
					value(u, o, a + 1, i, dyn, ps);
				break;
			}
			if (o->f & V) {
				if (a[1]) {
					value(u, o, a + 1, i, dyn, ps);
				} else if (i + 1 < argv->nr) {
					value(u, o, argv->v[i + 1], i + 1, dyn, ps);
					i++;
				}
				break;
			}
		}
	}
	return i;
}

/* ---- operands ------------------------------------------------------------------- */

static void operands_as(struct cmdspec_use *u, const struct strvec *argv,
			const struct parsed *ps, size_t from, enum cmdspec_what what)
{
	size_t k;

	for (k = from; k < ps->nr; k++)
		cmdspec_item(u, what, argv->v[ps->operands[k]], ps->operands[k]);
}

/* find: paths, then an expression whose actions may write or run. */
static void find_expr(const struct strvec *argv, const unsigned char *dyn, size_t start,
		      struct cmdspec_use *u)
{
	static const char *const with_value[] = {
		"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex",
		"-iregex", "-newer", "-anewer", "-cnewer", "-samefile", "-type", "-xtype",
		"-user", "-group", "-uid", "-gid", "-perm", "-size", "-mtime", "-atime",
		"-ctime", "-mmin", "-amin", "-cmin", "-links", "-inum", "-maxdepth",
		"-mindepth", "-used", "-fstype", "-context", "-regextype", "-printf",
		"-lname", "-ilname", NULL,
	};
	size_t i = start + 1, k, first_path;
	int deletes = 0;

	while (i < argv->nr && (!strcmp(argv->v[i], "-H") || !strcmp(argv->v[i], "-L") ||
				!strcmp(argv->v[i], "-P") || !strncmp(argv->v[i], "-O", 2) ||
				!strcmp(argv->v[i], "-D")))
		i += !strcmp(argv->v[i], "-D") ? 2 : 1;
	first_path = i;
	while (i < argv->nr && argv->v[i][0] != '-' && strcmp(argv->v[i], "(") &&
	       strcmp(argv->v[i], "!") && strcmp(argv->v[i], ","))
		i++;
	for (k = first_path; k < i; k++)
		cmdspec_item(u, CMDSPEC_READ, argv->v[k], k);
	for (; i < argv->nr; i++) {
		const char *a = argv->v[i];
		size_t j;

		if (!strcmp(a, "-exec") || !strcmp(a, "-execdir") || !strcmp(a, "-ok") ||
		    !strcmp(a, "-okdir")) {
			/* the policy looks through -exec as a wrapper; skip it */
			while (i + 1 < argv->nr && strcmp(argv->v[i + 1], ";") &&
			       strcmp(argv->v[i + 1], "+"))
				i++;
			i++;
			cmdspec_effect(u, "it runs a command on each file (%s)", a);
			continue;
		}
		if (!strcmp(a, "-delete")) {
			deletes = 1;
			continue;
		}
		if (!strcmp(a, "-fprint") || !strcmp(a, "-fprint0") || !strcmp(a, "-fls") ||
		    !strcmp(a, "-fprintf")) {
			if (i + 1 < argv->nr) {
				if (dyn[i + 1])
					cmdspec_unsure(u, "%s writes a file only known at run time", a);
				else
					cmdspec_item(u, CMDSPEC_WRITE, argv->v[i + 1], i + 1);
			}
			i += !strcmp(a, "-fprintf") ? 2 : 1;
			continue;
		}
		if (!strcmp(a, "-files0-from")) {
			cmdspec_unsure(u, "-files0-from reads the paths to search from a file");
			i++;
			continue;
		}
		for (j = 0; with_value[j]; j++)
			if (!strcmp(a, with_value[j]))
				i++;
	}
	if (deletes) {
		for (k = first_path; k < argv->nr && argv->v[k][0] != '-' &&
		     strcmp(argv->v[k], "(") && strcmp(argv->v[k], "!"); k++)
			cmdspec_item(u, CMDSPEC_WRITE, argv->v[k], k);
		if (first_path == k)
			cmdspec_item(u, CMDSPEC_WRITE, ".", start);
	}
}

/* test, [ and [[: arithmetic on a value evaluates it, and a value such
 * as 'a[$(cmd)]' runs cmd; -v does the same with a subscript. */
static void test_args(const struct strvec *argv, const unsigned char *dyn, size_t start,
		      struct cmdspec_use *u)
{
	static const char *const arith[] = { "-eq", "-ne", "-lt", "-le", "-gt", "-ge", NULL };
	size_t i, k;

	for (i = start + 1; i < argv->nr; i++) {
		if (!strcmp(argv->v[i], "-v") || !strcmp(argv->v[i], "-R")) {
			cmdspec_unsure(u, "%s with %s evaluates a variable name that may run commands",
				       argv->v[start], argv->v[i]);
			return;
		}
		for (k = 0; arith[k]; k++) {
			size_t n;

			if (strcmp(argv->v[i], arith[k]) || strcmp(argv->v[start], "[["))
				continue;
			/* the operands on each side must be plain integers */
			for (n = i - 1; n <= i + 1 && n < argv->nr; n += 2) {
				const char *w = argv->v[n];

				if (dyn[n] || !*w || strspn(w + (*w == '-'), "0123456789") !=
						      strlen(w + (*w == '-')))
					cmdspec_unsure(u, "[[ ]] evaluates '%s' as arithmetic, which may run commands", w);
			}
		}
	}
}

/* ---- the analysis ------------------------------------------------------------------ */

static const struct spec *find_spec(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(*specs); i++)
		if (!strcmp(specs[i].name, name))
			return &specs[i];
	return NULL;
}

static void wrapper(const struct spec *sp, const struct strvec *argv,
		    const unsigned char *dyn, size_t start, struct cmdspec_use *u,
		    struct parsed *ps)
{
	size_t i = start + 1;
	int k;

	u->wrapper = 1;
	if (!strcmp(sp->name, "command") && i < argv->nr &&
	    (!strcmp(argv->v[i], "-v") || !strcmp(argv->v[i], "-V"))) {
		u->wrapper = 0;	/* a lookup, not a run */
		u->read_only = 1;
		return;
	}
	i = read_options(sp, argv, dyn, i, 1, u, ps);
	if (!strcmp(sp->name, "env")) {
		/* NAME=value words set the command's environment */
		for (; i < argv->nr && strchr(argv->v[i], '=') && argv->v[i][0] != '='; i++)
			if (!cmdspec_harmless_assignment(argv->v[i],
							 (size_t)(strchr(argv->v[i], '=') - argv->v[i])))
				cmdspec_unsure(u, "env sets %.*s, which can change what the command runs",
					       (int)(strchr(argv->v[i], '=') - argv->v[i]), argv->v[i]);
	}
	if (!strcmp(sp->name, "flock") && i < argv->nr) {
		/* flock FILE CMD or flock FILE -c CMD: the lock file is created */
		if (!dyn[i] && strspn(argv->v[i], "0123456789") != strlen(argv->v[i]))
			cmdspec_item(u, CMDSPEC_WRITE, argv->v[i], i);
		i++;
		if (i < argv->nr && (!strcmp(argv->v[i], "-c") || !strcmp(argv->v[i], "--command"))) {
			if (i + 1 < argv->nr)
				cmdspec_item(u, CMDSPEC_SCRIPT, argv->v[i + 1], i + 1);
			i = argv->nr;
		}
	} else {
		for (k = 0; k < sp->skip && i < argv->nr; k++)
			i++;
	}
	if (!strcmp(sp->name, "script") && i < argv->nr) {
		cmdspec_item(u, CMDSPEC_WRITE, argv->v[i], i);	/* the typescript */
		i = argv->nr;
	}
	if (!strcmp(sp->name, "watch") || !strcmp(sp->name, "chroot") ||
	    !strcmp(sp->name, "nsenter") || !strcmp(sp->name, "unshare"))
		if (i < argv->nr && !strcmp(sp->name, "watch"))
			/* watch joins its words and runs them with sh -c */
			i = rest_command(u, argv, dyn, i, 0);
	if (!strcmp(sp->name, "chroot") || !strcmp(sp->name, "nsenter"))
		cmdspec_unsure(u, "%s runs a command in another root or namespace", sp->name);
	if (!strcmp(sp->name, "xargs") || !strcmp(sp->name, "parallel"))
		u->stdin_args = 1;
	u->next = i;
	if (i >= argv->nr) {
		u->wrapper = 0;
		/* env alone prints the environment; xargs alone runs echo */
		u->read_only = (!strcmp(sp->name, "env") || !strcmp(sp->name, "xargs") ||
				!strcmp(sp->name, "time") || !strcmp(sp->name, "nohup")) &&
			       !u->effect && !u->unsure;
	}
}

static void operands(const struct spec *sp, const struct strvec *argv,
		     const unsigned char *dyn, size_t start, struct cmdspec_use *u,
		     struct parsed *ps)
{
	const char *why = NULL;

	switch (sp->ops) {
	case OPS_NONE:
		break;
	case OPS_FILES:
		u->file_operands = 1;
		operands_as(u, argv, ps, 0, ps->writes_operands ? CMDSPEC_WRITE : CMDSPEC_READ);
		if (!strcmp(sp->name, "bat") && ps->nr && !strcmp(argv->v[ps->operands[0]], "cache"))
			cmdspec_effect(u, "bat cache changes bat's cache");
		break;
	case OPS_PATTERN:
		u->file_operands = 1;
		operands_as(u, argv, ps, ps->pattern_given || ps->only_paths ? 0 : 1,
			    CMDSPEC_READ);
		if (ps->no_files)
			u->file_operands = 0;
		break;
	case OPS_SED:
		u->file_operands = 1;
		if (!ps->script.len && ps->nr && !ps->pattern_given) {
			strbuf_addstr(&ps->script, argv->v[ps->operands[0]]);
			ps->script_word = ps->operands[0];
			ps->script_dynamic = dyn[ps->operands[0]];
			operands_as(u, argv, ps, 1, ps->writes_operands ? CMDSPEC_WRITE : CMDSPEC_READ);
		} else {
			operands_as(u, argv, ps, 0, ps->writes_operands ? CMDSPEC_WRITE : CMDSPEC_READ);
		}
		if (ps->script_dynamic)
			cmdspec_unsure(u, "its sed script is only known at run time");
		else if (ps->script.len)
			cmdspec_sed_script(ps->script.buf, ps->script_word, u, &why);
		if (why)
			cmdspec_effect(u, "%s", why);
		if (ps->writes_operands)
			cmdspec_effect(u, "sed -i changes its files");
		break;
	case OPS_AWK: {
		size_t from = 0, k;

		u->file_operands = 1;
		if (!ps->script.len && ps->nr && !ps->pattern_given) {
			strbuf_addstr(&ps->script, argv->v[ps->operands[0]]);
			ps->script_dynamic = dyn[ps->operands[0]];
			from = 1;
		}
		if (ps->script_dynamic)
			cmdspec_unsure(u, "its awk program is only known at run time");
		else if (ps->script.len && cmdspec_awk_program(ps->script.buf, &why))
			cmdspec_unsure(u, "%s", why);
		/* var=value operands are assignments, not files */
		for (k = from; k < ps->nr; k++)
			if (!strchr(argv->v[ps->operands[k]], '='))
				cmdspec_item(u, CMDSPEC_READ, argv->v[ps->operands[k]], ps->operands[k]);
		break;
	}
	case OPS_JQ:
		u->file_operands = !ps->no_files;
		if (!ps->no_files)
			operands_as(u, argv, ps, ps->pattern_given ? 0 : 1, CMDSPEC_READ);
		break;
	case OPS_IN_OUT:
		u->file_operands = 1;
		if (ps->nr)
			cmdspec_item(u, CMDSPEC_READ, argv->v[ps->operands[0]], ps->operands[0]);
		if (ps->nr > 1)
			operands_as(u, argv, ps, 1, CMDSPEC_WRITE);
		break;
	case OPS_FIND:
		u->file_operands = 1;
		find_expr(argv, dyn, start, u);
		break;
	case OPS_GIT:
		cmdspec_git(argv, dyn, start, u);
		break;
	case OPS_TEST:
		test_args(argv, dyn, start, u);
		break;
	case OPS_PS: {
		size_t k;

		/* BSD-style "e" shows every process's environment */
		for (k = 0; k < ps->nr; k++)
			if (strchr(argv->v[ps->operands[k]], 'e'))
				cmdspec_effect(u, "ps e shows other processes' environments");
		for (k = start + 1; k < argv->nr; k++)
			if (argv->v[k][0] != '-' && strchr(argv->v[k], 'e') && !dyn[k])
				cmdspec_effect(u, "ps e shows other processes' environments");
		break;
	}
	case OPS_PAGER: {
		size_t k;

		u->file_operands = 1;
		for (k = 0; k < ps->nr; k++) {
			const char *a = argv->v[ps->operands[k]];

			if (a[0] == '+')
				cmdspec_unsure(u, "%s runs the commands given with +", sp->name);
			else if (strcmp(sp->name, "man") || strchr(a, '/'))
				cmdspec_item(u, CMDSPEC_READ, a, ps->operands[k]);
		}
		break;
	}
	case OPS_SETS:
		if (ps->nr)
			cmdspec_effect(u, "%s with an operand changes the system", sp->name);
		break;
	case OPS_WRAP:
		break;
	}
}

int cmdspec_analyse(const struct strvec *argv, const unsigned char *dynamic,
		    size_t start, struct cmdspec_use *u)
{
	const struct spec *sp = find_spec(argv->v[start]);
	struct parsed ps;

	if (!sp)
		return 0;
	memset(&ps, 0, sizeof(ps));
	strbuf_init(&ps.script, (size_t)1 << 20);
	u->known = 1;
	if (sp->ops == OPS_WRAP) {
		wrapper(sp, argv, dynamic, start, u, &ps);
	} else {
		if (sp->ops != OPS_GIT && sp->ops != OPS_FIND && sp->ops != OPS_TEST)
			read_options(sp, argv, dynamic, start + 1, 0, u, &ps);
		operands(sp, argv, dynamic, start, u, &ps);
		u->read_only = !u->effect && !u->unsure;
	}
	if (u->unsure)
		u->read_only = 0;
	free(ps.operands);
	strbuf_release(&ps.script);
	return 1;
}

int cmdspec_harmless_assignment(const char *name, size_t len)
{
	static const char *const ok[] = {
		"LANG", "LANGUAGE", "TZ", "NO_COLOR", "FORCE_COLOR", "CLICOLOR",
		"CLICOLOR_FORCE", "COLUMNS", "LINES", "TERM", "CI", "DEBUG", "VERBOSE",
		"RUST_BACKTRACE", "RUST_LOG", "NODE_ENV", "PYTHONUNBUFFERED",
		"PYTHONDONTWRITEBYTECODE", "PYTHONIOENCODING", "GOOS", "GOARCH",
		"CGO_ENABLED", "TMPDIR", "HISTFILE", "LOG_LEVEL", "RAILS_ENV", "APP_ENV",
		"FLASK_ENV", "DJANGO_SETTINGS_MODULE", "PORT", "HOST", "TIMEOUT",
		"GIT_PAGER_IN_USE", NULL,
	};
	size_t i;

	if (len > 3 && !strncmp(name, "LC_", 3))
		return 1;
	for (i = 0; ok[i]; i++)
		if (strlen(ok[i]) == len && !strncmp(ok[i], name, len))
			return 1;
	return 0;
}
