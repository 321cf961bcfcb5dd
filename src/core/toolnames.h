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
 * All returned strings are static (the MCP name functions use scratch
 * memory of their own, freed before they return).
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

/*
 * MCP tool names as the model APIs take them.  Anthropic, OpenAI and
 * Gemini accept tool names matching ^[a-zA-Z0-9_-]{1,64}$; servers and
 * their configurations are not so careful (`my.server`, tools named
 * `files/read`, names of 70 characters).  The offered name is Claude
 * Code's: mcp__SERVER__TOOL with every other character made '_'.  A name
 * longer than 64, or one that collides with another tool's (hashed set
 * by the registry), is cut to 55 characters and given '_' and 8 hex
 * digits of a hash of the original name, so it stays the same from one
 * session to the next.  out must hold TOOLNAME_MCP_MAX + 1 bytes.
 */
#define TOOLNAME_MCP_MAX 64
void toolname_mcp_offer(const char *server, const char *tool, int hashed, char *out);

/*
 * 1 if ref — a rule's or an agent file's tool name, written with the
 * server's and tool's original names or with the offered ones, globs
 * allowed (`mcp__my.server__*`), or Claude Code's `mcp__server` for all
 * of a server's tools — names the offered tool.  This is what lets a deny
 * rule written with a server's own name still hold once the name is
 * sanitised.
 */
int toolname_mcp_match(const char *ref, const char *offered);

#endif
