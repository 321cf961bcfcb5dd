/*
 * config_int: what config.c (reading files and the environment) and
 * config_resolve.c (resolving model references, local servers) share.
 * Not for other modules: they use config.h.
 */
#ifndef ARCHIE_CONFIG_INT_H
#define ARCHIE_CONFIG_INT_H

#include "config/config.h"

/* Replaces a string setting (v copied, may be NULL). */
void config_set_str(char **slot, const char *v);
/* The provider of that name, added (with a known provider's defaults)
 * when it is new; source says where it was set. */
/* The model of that name, added if needed (its id the name). */
struct config_model *config_get_model(struct config *cfg, const char *name, const char *source);

struct config_provider *config_get_provider(struct config *cfg, const char *name,
					    const char *source);

/* The rules of one file, added when it has none yet. */
struct config_rules *config_rules_for(struct config *cfg, const char *file);

/* config_peers.c: the settings of Claude Code (and the other runtimes)
 * that archie honours, read after archie's own files. */
/* -1 when a settings file could not be parsed (its rules unknown). */
int config_load_peers(struct config *cfg, const struct config_search *s);
/* A line for `archie doctor`: "FILE: what: read|ignored (why)". */
void config_peer_note(struct config *cfg, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A permission mode a settings file asks for (default, accept, plan), at
 * file:line; accept only from a trusted file (the user's own, not the
 * project's), else refused with a warning. */
void config_peer_mode(struct config *cfg, const char *mode, const char *file, int line,
		      int trusted);

/* config_runtimes.c: OpenCode's opencode.json, Gemini CLI's
 * settings.json, Codex's config.toml (read after Claude Code's). */
int config_load_runtimes(struct config *cfg, const struct config_search *s);

#endif
