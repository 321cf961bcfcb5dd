/*
 * config_write: the user's config.yaml written for them (`archie init`,
 * and the REPL's first run).  See config.h.
 */
#include "config/config.h"

#include "core/fileio.h"
#include "core/strbuf.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void config_user_file(const char *config_home, const char *home, struct strbuf *out)
{
	if (!config_home)
		config_home = getenv("XDG_CONFIG_HOME");
	if (!home)
		home = getenv("HOME");
	if (config_home && *config_home)
		file_join(out, config_home, "archie/config.yaml");
	else if (home && *home)
		file_join(out, home, ".config/archie/config.yaml");
}

/* A YAML scalar for any string: a JSON string is a YAML double-quoted
 * one, escapes included. */
static void add_scalar(struct strbuf *out, const char *s)
{
	json_t *j = json_string(s);
	char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	strbuf_addstr(out, text ? text : "\"\"");
	free(text);
	json_decref(j);
}

void config_init_text(const struct config_provider *p, const char *model_ref,
		      struct strbuf *out)
{
	strbuf_addstr(out, "# archie's configuration, written by `archie init` (docs/providers.md).\n");
	if (p->api_key_env)
		strbuf_addf(out, "# No key is kept here: archie reads it from $%s when it runs.\n",
			    p->api_key_env);
	strbuf_addf(out, "providers:\n  %s:\n    api: %s\n", p->name, wire_for(p->api)->name);
	if (p->base_url) {
		strbuf_addstr(out, "    base_url: ");
		add_scalar(out, p->base_url);
		strbuf_addch(out, '\n');
	}
	if (p->api_key_env)
		strbuf_addf(out, "    api_key_env: %s\n", p->api_key_env);
	strbuf_addstr(out, "default_model: ");
	add_scalar(out, model_ref);
	strbuf_addch(out, '\n');
}

int config_write_user(const char *path, const char *text, int force, struct strbuf *err)
{
	struct strbuf bak = STRBUF_INIT;
	struct config check;
	int rc = -1;

	/* what is written must load: a config archie cannot read would stop
	 * every later run */
	config_init(&check);
	if (config_load_text(&check, path, text, strlen(text))) {
		strbuf_seterr(err, "internal error: the config written would not load (%s)",
			      check.diags.nr ? check.diags.v[0].msg : "?");
		goto out;
	}
	if (!access(path, F_OK)) {
		if (!force) {
			strbuf_seterr(err, "%s already exists; archie init does not replace it (use --force: the old one is kept as %s.bak), or edit it (docs/providers.md)",
				      path, path);
			goto out;
		}
		strbuf_addf(&bak, "%s.bak", path);
		if (rename(path, bak.buf)) {
			strbuf_seterr(err, "cannot keep %s as %s: %s", path, bak.buf, strerror(errno));
			goto out;
		}
	}
	if (file_mkdirs_parent(path, 0700, err) || file_write_atomic(path, text, strlen(text), 0600, err))
		goto out;
	rc = 0;
out:
	config_release(&check);
	strbuf_release(&bak);
	return rc;
}
