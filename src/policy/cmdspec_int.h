/*
 * cmdspec_int: what cmdspec.c, cmdgit.c and cmdprog.c share (as SQLite
 * keeps btreeInt.h).  Not for other modules: they use cmdspec.h.
 */
#ifndef ARCHIE_CMDSPEC_INT_H
#define ARCHIE_CMDSPEC_INT_H

#include "policy/cmdspec.h"

/* Adds an item (text copied). */
void cmdspec_item(struct cmdspec_use *u, enum cmdspec_what what, const char *text,
		  size_t word);
/* Sets the reason the command cannot be judged (the first one stays). */
void cmdspec_unsure(struct cmdspec_use *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Sets why it is not read-only (the first one stays). */
void cmdspec_effect(struct cmdspec_use *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* git: argv->v[start] is "git". */
void cmdspec_git(const struct strvec *argv, const unsigned char *dynamic,
		 size_t start, struct cmdspec_use *u);

#endif
