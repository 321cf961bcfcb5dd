/*
 * sensitive: the paths archie guards whatever the rules say.
 *
 * Two kinds, one table each, shared by every layer that guards them (the
 * policy's floors, the file tools' directory walks, the OS sandbox's
 * masks and read-only binds), so that the layers can never disagree on
 * what a secret is:
 *
 *   secrets    never read or written by the agent: .env files, private
 *              keys, credential stores in the home directory, other
 *              processes' environments.  Matched by name at any depth, so
 *              a secret seven directories down is as hidden as one at the
 *              root, however large the tree.
 *   protected  paths whose contents run code outside the sandbox later,
 *              without the user asking: git's config and hooks, the agent
 *              runtimes' settings (hooks, MCP servers, agents), editor
 *              tasks, direnv.  Never written by a sandboxed command; a
 *              file tool writing them always asks.
 *
 * All functions take resolved absolute paths (policy_resolve_path) and
 * borrow everything.
 */
#ifndef ARCHIE_SENSITIVE_H
#define ARCHIE_SENSITIVE_H

#include <stddef.h>

/* 1 if a file with this name (the last component) is a secret anywhere:
 * ".env", ".env.production", "id_rsa", "server.pem"... (".env.example"
 * and its kind are not). */
int sensitive_secret_name(const char *name);
/* The file-name patterns of secrets (globs), and the names that look like
 * them but are templates, NULL-terminated (a snapshot leaves the first
 * out and keeps the second). */
const char *const *sensitive_secret_patterns(void);
const char *const *sensitive_not_secret_names(void);

/* 1 if a directory with this name holds credentials wherever it is
 * (.ssh, .aws, .gnupg...): walks leave it out whole. */
int sensitive_secret_dir_name(const char *name);

/* 1 if the resolved path is a secret: by its name, or under a credential
 * directory of home (~/.ssh, ~/.aws...), or a /proc environment. */
int sensitive_secret(const char *home, const char *path);

/* 1 if writing the resolved path could plant code that runs outside the
 * sandbox: inside root (the workspace) any component named .git, or a
 * runtime's settings (.claude/, .archie/, .mcp.json...); in home the
 * shell's and git's start-up files and the runtimes' settings. */
int sensitive_protected(const char *home, const char *root, const char *path);

/* The protected names relative to a workspace, NULL-terminated, for the
 * sandbox to bind read-only: ".git", ".claude", ".mcp.json"... */
const char *const *sensitive_protected_names(void);

/* The secret directories and files relative to home, NULL-terminated,
 * for the sandbox to mask: ".ssh", ".aws", ... */
const char *const *sensitive_home_secrets(void);

/* 1 if the resolved path is under /proc/PID/ (or /dev/fd/) in a way that
 * names another process's files: fd/, root/, cwd/, environ, mem.  Such
 * paths are not resolved through their magic links. */
int sensitive_proc_magic(const char *path);

#endif
