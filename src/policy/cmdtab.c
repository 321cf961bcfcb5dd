/*
 * cmdtab: what each command's options do.  See cmdtab.h and cmdspec.h.
 *
 * Sources for the tables: each tool's manual (GNU coreutils, findutils,
 * grep, sed, gawk, git, ripgrep, fd, util-linux, procps) as shipped in
 * Debian 12; what a flag does that the manual does not say is not assumed.
 */
#include "policy/cmdtab.h"

#include <string.h>

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
const struct opt cmdtab_xxd[] = {
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
	{ "uniq", o_uniq, OPS_IN_OUT, 0 }, { "xxd", cmdtab_xxd, OPS_IN_OUT, 0 },
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


const struct spec *cmdtab_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(*specs); i++)
		if (!strcmp(specs[i].name, name))
			return &specs[i];
	return NULL;
}
