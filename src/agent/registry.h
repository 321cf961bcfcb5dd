/*
 * registry: finds and loads every agent archie can run.
 *
 * Agents come from a search path of directories, in this order, a later
 * directory overriding an earlier one's agent of the same name:
 *
 *   1. the built-in agents compiled into archie
 *   2. ~/.config/archie/agents/ ($XDG_CONFIG_HOME)
 *   3. the project's .claude/agents/, .opencode/agent/, .opencode/agents/,
 *      .gemini/agents/, .archie/agents/
 *   4. each --agents-dir, in the order given
 *
 * The project is the nearest directory at or above the working directory
 * that has a .git; without one, the working directory itself.
 *
 * Ownership: the registry owns every agent in it; agent pointers it returns
 * are valid until agent_registry_release().
 */
#ifndef ARCHIE_AGENT_REGISTRY_H
#define ARCHIE_AGENT_REGISTRY_H

#include "core/diag.h"
#include "core/strvec.h"

#include <stddef.h>

struct agent;

/* One directory of the search path. */
struct agent_dir {
	char *path;
	const char *label;	/* "builtin", "user", "project", "flag" */
};

struct agent_entry {
	struct agent *agent;
	size_t dir;		/* index into dirs */
	/* agents of the same name this one overrides, earliest first */
	struct agent **shadowed;
	size_t shadowed_nr, shadowed_alloc;
};

struct agent_registry {
	struct agent_dir *dirs;
	size_t dirs_nr, dirs_alloc;
	struct agent_entry *entries;	/* sorted by name after load */
	size_t nr, alloc;
	struct diag_list diags;		/* everything loading found */
	size_t files;			/* agent files read, built-ins included */
};

struct agent_search {
	const char *cwd;		/* NULL: the process's */
	const char *home;		/* NULL: $HOME */
	const char *config_home;	/* NULL: $XDG_CONFIG_HOME or ~/.config */
	const struct strvec *extra_dirs; /* --agents-dir, may be NULL */
	int no_builtin;			/* tests: leave out built-ins */
};

void agent_registry_init(struct agent_registry *reg);
void agent_registry_release(struct agent_registry *reg);

/* Builds the search path and loads every agent on it.  Files with errors
 * are left out (their diagnostics are in reg->diags).  Returns 0, or -1
 * with err set if the search path itself cannot be built. */
int agent_registry_load(struct agent_registry *reg,
			const struct agent_search *search, struct strbuf *err);

/* The effective agent of that name, or NULL. */
const struct agent *agent_registry_find(const struct agent_registry *reg,
					const char *name);
const struct agent_entry *agent_registry_entry(const struct agent_registry *reg,
					       const char *name);

/* Loads the *.md files of one directory (recursively, sorted by path) into
 * out, reporting duplicate names within it (the first by path is kept).
 * Returns the number of files read.  Used by the registry and by
 * `agents validate`. */
size_t agent_registry_load_dir(const char *dir, struct agent ***out,
			       size_t *nr, size_t *alloc,
			       struct diag_list *diags);

/* Reports agents of the same name among list (one directory's worth). */
void agent_registry_check_duplicates(struct agent **list, size_t nr,
				     struct diag_list *diags);

/* Finds the project root for cwd (see above); appended to out. */
void agent_project_root(const char *cwd, struct strbuf *out);

#endif
