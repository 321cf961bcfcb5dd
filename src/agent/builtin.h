/*
 * builtin: the agent files in agents/ and the skills in skills/, compiled
 * into the binary so that archie works from any directory.  The tables
 * are generated at build time (mk/embed.c).
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
/* skills/NAME/SKILL.md, named "NAME/SKILL.md" */
extern const struct builtin_file builtin_skill_files[];
extern const size_t builtin_skill_files_nr;

#endif
