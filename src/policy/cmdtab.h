/*
 * cmdtab: the option tables cmdspec.c reads (the data, apart from the
 * engine).  Internal to cmdspec.c and cmdtab.c.
 *
 * A table lists only the options that take a value or do more than read;
 * an option it does not list is taken as a flag.  The short names below
 * are the tables' vocabulary; they are not for other files.
 */
#ifndef ARCHIE_CMDTAB_H
#define ARCHIE_CMDTAB_H

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

/* The table for a command (a base name), or NULL. */
const struct spec *cmdtab_find(const char *name);

/* xxd's long options are single-dash words (-cols, -len). */
extern const struct opt cmdtab_xxd[];

#endif
