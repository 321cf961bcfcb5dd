/*
 * config_store: the `store:` section, the team's shared record.
 *
 *   store:
 *     url: postgresql://db.example.com/archie   # any libpq connection string
 *
 * ARCHIE_STORE_URL overrides it (config_store_url).  Read from the user's
 * own config only: a repository's .archie/config.yaml that named a store
 * would send every session's prompts, files and commands to a database of
 * the repository author's choosing, so it is refused with a warning.  A
 * password belongs in ~/.pgpass or PGPASSWORD, not here (it would be
 * accepted, but the file is easier to leak than those).
 */
#include "config/config_int.h"

#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

static int store_key(struct file_ctx *fc, void *obj, const char *key,
		     struct fy_node *k, struct fy_node *v)
{
	char **url = obj;

	if (!strcmp(key, "url"))
		return config_want_string(fc, "store.url", k, v, url);
	config_fwarn(fc, k, "unknown key 'store.%s' (url); ignored", key);
	return 0;
}

int config_store(struct file_ctx *fc, struct fy_node *k, struct fy_node *v)
{
	struct strbuf src = STRBUF_INIT;
	char *url = NULL;

	if (fc->project) {
		config_fwarn(fc, k, "'store' in a project's config is ignored: a repository must not choose where your sessions are sent; set it in ~/.config/archie/config.yaml or ARCHIE_STORE_URL");
		return 0;
	}
	if (config_each_pair(fc, "store", k, v, store_key, &url)) {
		free(url);
		return -1;
	}
	if (!url || !*url) {
		free(url);
		return config_ferr(fc, k, NULL, "'store' needs a url: a PostgreSQL connection string (postgresql://host/db)");
	}
	if (strncmp(url, "postgresql://", 13) && strncmp(url, "postgres://", 11) && !strchr(url, '=')) {
		config_ferr(fc, v, k, "'store.url' must be a PostgreSQL connection string (postgresql://host/db, or key=value pairs), not '%s'",
			    url);
		free(url);
		return -1;
	}
	free(fc->cfg->store_url);
	fc->cfg->store_url = url;
	config_source_of(fc, k, &src);
	free(fc->cfg->store_url_source);
	fc->cfg->store_url_source = strbuf_detach(&src, NULL);
	return 0;
}

const char *config_store_url(const struct config *cfg)
{
	const char *e = getenv("ARCHIE_STORE_URL");

	if (e && *e)
		return e;
	return cfg->store_url;
}
