/*
 * builtin: the agent files in agents/, compiled into the binary so that
 * archie works from any directory.  The table is generated at build time
 * (mk/embed.c) from the Markdown files in agents/.
 */
#ifndef ARCHIE_AGENT_BUILTIN_H
#define ARCHIE_AGENT_BUILTIN_H

#include <stddef.h>

struct builtin_file {
	const char *name;	/* file name, e.g. "backend-architect.md" */
	const char *data;
	size_t len;
};

extern const struct builtin_file builtin_agent_files[];
extern const size_t builtin_agent_files_nr;

#endif
