/*
 * config_int: what config.c (reading files and the environment) and
 * config_resolve.c (resolving model references, local servers) share.
 * Not for other modules: they use config.h.
 */
#ifndef ARCHIE_CONFIG_INT_H
#define ARCHIE_CONFIG_INT_H

#include "config/config.h"
#include "core/yamldoc.h"

/* A config file being read (config.c), for the sections read elsewhere
 * (config_search.c): errors and warnings at a node's place. */
struct file_ctx {
	struct config *cfg;
	struct yamldoc yd;
	const char *path;
	int project;			/* the project's .archie/config.yaml */
};

int config_ferr(struct file_ctx *fc, struct fy_node *at, struct fy_node *fb,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void config_fwarn(struct file_ctx *fc, struct fy_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "FILE:LINE" of n. */
void config_source_of(struct file_ctx *fc, struct fy_node *n, struct strbuf *out);
/* A value of the wanted type into *out, or -1 with an error at v. */
int config_want_string(struct file_ctx *fc, const char *what, struct fy_node *k,
		       struct fy_node *v, char **out);
int config_want_number(struct file_ctx *fc, const char *what, struct fy_node *k,
		       struct fy_node *v, double *out);
int config_want_bool(struct file_ctx *fc, const char *what, struct fy_node *k,
		     struct fy_node *v, int *out);
typedef int (*pair_fn)(struct file_ctx *fc, void *obj, const char *key,
		       struct fy_node *k, struct fy_node *v);
/* Calls fn for each key of map (which must be a mapping). */
int config_each_pair(struct file_ctx *fc, const char *what, struct fy_node *k,
		     struct fy_node *map, pair_fn fn, void *obj);

/* config_store.c: `store:` (the team's shared record). */
int config_store(struct file_ctx *fc, struct fy_node *k, struct fy_node *v);

/* config_search.c: `web_search:` (the WebSearch tool's backend). */
int config_web_search(struct file_ctx *fc, struct fy_node *k, struct fy_node *v);
void config_web_search_release(struct config_web_search *w);

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
