/*
 * toolnames: the vocabulary of tool names.
 *
 * Agent files name tools in the vocabulary of the runtime they were written
 * for (Claude Code's `Read`, OpenCode's `read`, Gemini CLI's `read_file`,
 * Codex's `shell`...).  This module maps every such name to archie's
 * canonical tool, says whether archie provides it, and recognises
 * `mcp__server__tool` references.  It is the single table the agent loader,
 * the policy engine and the tool registry agree on, so it lives in core/,
 * below all three: a table with no dependencies.
 *
 * All returned strings are static; nothing here allocates.
 */
#ifndef ARCHIE_TOOLNAMES_H
#define ARCHIE_TOOLNAMES_H

#include <stddef.h>

enum toolname_kind {
	TOOLNAME_UNKNOWN,	/* no runtime archie knows has this tool */
	TOOLNAME_CANONICAL,	/* an archie tool (maybe under an alias) */
	TOOLNAME_UNAVAILABLE,	/* another runtime's tool archie does not provide */
	TOOLNAME_MCP,		/* mcp__server__tool: resolved when MCP starts */
};

struct toolname_info {
	enum toolname_kind kind;
	const char *canonical;	/* archie's name; for UNAVAILABLE the usual name */
	const char *runtime;	/* runtime whose vocabulary matched ("claude"...) */
	const char *instead;	/* UNAVAILABLE: what archie has instead, or NULL */
};

/*
 * Classifies a tool name as written in an agent file.  Matching is exact
 * first, then case-insensitive, so `Shell`, `shell` and `SHELL` all map.
 * A trailing argument spec such as `Bash(git *)` is ignored here.
 */
struct toolname_info toolname_lookup(const char *name);

/* The canonical tools every agent gets when its file does not restrict
 * them, in display order; NULL-terminated. */
const char *const *toolname_defaults(void);

/* A list of tools or rules as Claude Code, the Agent Skills standard and
 * custom commands write it ("Read, Bash(git log:*) Grep"): split at commas
 * and blanks outside parentheses, each entry appended to out. */
struct strvec;
void toolname_split_list(const char *s, struct strvec *out);

/* 1 if name is one of archie's canonical tool names (exact match). */
int toolname_is_canonical(const char *name);

/* Splits "mcp__server__tool": 0 with the parts' spans, -1 if not MCP. */
int toolname_split_mcp(const char *name, size_t *server_len,
		       const char **tool);

#endif
