/*
 * childenv: the environment archie gives the programs it starts.
 *
 * archie's own environment holds its provider keys (OPENAI_API_KEY,
 * ANTHROPIC_API_KEY) and whatever else the user exported (GITHUB_TOKEN,
 * AWS_SECRET_ACCESS_KEY...).  None of it may reach a command the model
 * wrote or an MCP server.  Children get a scrubbed environment, as Codex's
 * shell_environment_policy does:
 *
 *   inherit: core (default)   PATH, HOME, USER, LOGNAME, SHELL, LANG,
 *                             LC_*, TERM, TZ, TMPDIR, COLORTERM, NO_COLOR...
 *            all              everything, less the secret-looking names
 *            none             nothing
 *   exclude: [patterns]       dropped (glob, case-insensitive)
 *   include: [patterns]       kept after all (an explicit choice: even a
 *                             secret-looking name)
 *   set: {NAME: value}        set last
 *
 * Secret-looking names (*KEY*, *TOKEN*, *SECRET*, *PASSWORD*,
 * *CREDENTIAL*, *_AUTH*, AWS_*, ...) are dropped under `all`; `core` holds
 * none of them.  Configured with `shell_environment:` in config.yaml.
 *
 * The policy is process-wide, as the environment itself is: configured
 * once at start-up (childenv_configure), read by every thread after.
 *
 * Ownership: childenv_build appends copies to the caller's strvec.
 */
#ifndef ARCHIE_CHILDENV_H
#define ARCHIE_CHILDENV_H

#include "core/strvec.h"

#include <jansson.h>

struct diag_list;

/* Reads `shell_environment:` sections ([{"file": F, "value": V}], later
 * files overriding earlier ones); problems go to diags.  NULL: the
 * defaults.  Returns 0, or -1 when a section is malformed. */
int childenv_configure(json_t *sections, struct diag_list *diags);

/* The environment for a child ("NAME=value" strings, in out), then
 * extra ("NAME=value", may be NULL) on top. */
void childenv_build(struct strvec *out, const struct strvec *extra);

/* 1 if NAME looks like it holds a secret. */
int childenv_secret_name(const char *name, size_t len);

#endif
