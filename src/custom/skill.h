/*
 * skill: Agent Skills, the open SKILL.md format (agentskills.io) that
 * Claude Code, Codex, Gemini CLI, OpenCode and others share.
 *
 * A skill is a folder with a SKILL.md: YAML frontmatter (name, description,
 * optional license, compatibility, metadata, allowed-tools) and
 * instructions; other files beside it (references/, scripts/, assets/)
 * are read on demand with the ordinary tools, under the ordinary policy.
 * Found in (later overrides earlier, by name):
 *
 *   built in (skills/ in archie's source)
 *   ~/.claude/skills/  ~/.agents/skills/  ~/.config/archie/skills/
 *   .claude/skills/    .agents/skills/    .archie/skills/
 *
 * Progressive disclosure: only names and descriptions go in the system
 * prompt (skill_list_prompt); the instructions are read when the model
 * calls the Skill tool or the user types /NAME (skill_body).  At start-up
 * only the frontmatter of each file is parsed.
 *
 * The frontmatter is checked as the standard says: name 1-64 characters,
 * lower-case letters, digits and single hyphens, not at either end, the
 * same as its folder; description 1-1024 characters; compatibility up to
 * 500; metadata a map of strings.  Errors are located (file:line:col) and
 * leave the skill out; keys the standard does not know are warnings.
 *
 * Ownership: a skill_set owns its skills and diagnostics.
 */
#ifndef ARCHIE_SKILL_H
#define ARCHIE_SKILL_H

#include "core/diag.h"
#include "core/strbuf.h"
#include "core/strvec.h"

#include <stddef.h>

struct skill {
	char *name;
	char *description;
	char *path;		/* the SKILL.md, or "builtin:NAME/SKILL.md" */
	char *dir;		/* its folder (NULL: built in) */
	char *license;
	struct strvec allowed_tools;	/* as written: "Read", "Bash(git:*)" */
	const char *builtin_text;	/* a built-in skill's file */
	size_t builtin_len;
};

struct skill_set {
	struct skill *v;
	size_t nr, alloc;
	struct diag_list diags;
};

struct skill_search {
	const char *project_root;	/* NULL: no project skills */
	const char *home;		/* NULL: $HOME */
	const char *config_home;	/* NULL: $XDG_CONFIG_HOME or ~/.config */
	int no_builtin;
};

void skill_set_init(struct skill_set *ss);
void skill_set_release(struct skill_set *ss);
void skill_set_load(struct skill_set *ss, const struct skill_search *s);
/* Reads, checks and adds the SKILL.md at file (in folder dir); 0, or -1
 * (diags say why). */
int skill_set_add_file(struct skill_set *ss, const char *file, const char *dir);
/* Checks and adds one SKILL.md (its text); 0, or -1 (diags say why). */
int skill_set_add(struct skill_set *ss, const char *path, const char *dir, const char *text,
		  size_t len);
/* The skill of that name (the last found wins), or NULL. */
const struct skill *skill_find(const struct skill_set *ss, const char *name);
/* 1 if s is the one skill_find returns for its name. */
int skill_active(const struct skill_set *ss, const struct skill *s);

/* The instructions, read now: where the skill's files are, then the body
 * (with args for $ARGUMENTS, or after it).  0, or -1 with err. */
int skill_body(const struct skill *s, const char *args, struct strbuf *out, struct strbuf *err);

/* The system prompt's list of skills (names and descriptions only); only
 * those named in `only` when it is not NULL (an agent's `skills:`). */
void skill_list_prompt(const struct skill_set *ss, const struct strvec *only, struct strbuf *out);

/* Whether tool (canonical) may run while s is active: its allowed-tools
 * name it (or s has none). */
int skill_allows(const struct skill *s, const char *tool);

#endif
