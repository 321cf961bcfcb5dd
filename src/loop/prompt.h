/*
 * prompt: the system prompt of a session.
 *
 * The agent's prompt, then the project's memory files (AGENTS.md,
 * CLAUDE.md, GEMINI.md, ARCHIE.md, in every directory from the project root
 * down to the working directory), then a short environment block: working
 * directory, project root, OS, date, and a git status summary.  Memory
 * files are the user's instructions; they are included as such.
 */
#ifndef ARCHIE_PROMPT_H
#define ARCHIE_PROMPT_H

struct strbuf;
struct strvec;

/* Appends the system prompt to out; the memory files read go to files
 * (may be NULL). */
void prompt_build(const char *agent_prompt, const char *root, const char *cwd,
		  struct strbuf *out, struct strvec *files);

/* More instruction files (paths or glob patterns; OpenCode's
 * `instructions`), each appended to out as project instructions, once,
 * skipping those already in files (which it extends). */
void prompt_add_instructions(const struct strvec *patterns, struct strvec *files, struct strbuf *out);

/* The memory files, from root down to cwd, in order (appended to files). */
void prompt_memory_files(const char *root, const char *cwd, struct strvec *files);

#endif
