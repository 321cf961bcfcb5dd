/*
 * childenv: scrubbed environments for children.  See childenv.h.
 */
#include "policy/childenv.h"

#include "core/diag.h"
#include "core/glob.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <string.h>

extern char **environ;

enum inherit { INHERIT_CORE, INHERIT_ALL, INHERIT_NONE };

/* Statically initialised (no lazy set-up to race on): written only by
 * childenv_configure, at start-up before any thread, read after. */
static struct {
	enum inherit inherit;
	struct strvec include, exclude, set;
} cfg = { INHERIT_CORE, STRVEC_INIT, STRVEC_INIT, STRVEC_INIT };

static const char *const core_names[] = {
	"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "TZ",
	"TMPDIR", "COLORTERM", "NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES",
	"EDITOR", "VISUAL", "PAGER", "HOSTNAME", "PWD", "TEMP", "TMP", NULL,
};

static const char *const secret_patterns[] = {
	"*KEY*", "*TOKEN*", "*SECRET*", "*PASSW*", "*CREDENTIAL*", "*_AUTH*",
	"*AUTH_*", "*SESSION*", "*COOKIE*", "*PRIVATE*", "AWS_*", "AZURE_*",
	"GOOGLE_APPLICATION_CREDENTIALS", "*_PAT", "DATABASE_URL", "*_DSN",
	"SSH_AUTH_SOCK", "GPG_AGENT_INFO", "*CERT*", NULL,
};

static int name_match(const char *pat, const char *name, size_t len)
{
	char buf[256];

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return glob_match(pat, buf, GLOB_CASEFOLD);
}

int childenv_secret_name(const char *name, size_t len)
{
	size_t i;

	for (i = 0; secret_patterns[i]; i++)
		if (name_match(secret_patterns[i], name, len))
			return 1;
	return 0;
}

static int listed(const struct strvec *pats, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < pats->nr; i++)
		if (name_match(pats->v[i], name, len))
			return 1;
	return 0;
}

static int keep(const char *name, size_t len)
{
	size_t i;

	if (listed(&cfg.include, name, len))
		return 1;
	if (listed(&cfg.exclude, name, len))
		return 0;
	switch (cfg.inherit) {
	case INHERIT_NONE:
		return 0;
	case INHERIT_ALL:
		return !childenv_secret_name(name, len);
	case INHERIT_CORE:
		if (len > 3 && !strncmp(name, "LC_", 3))
			return 1;
		for (i = 0; core_names[i]; i++)
			if (strlen(core_names[i]) == len && !strncmp(core_names[i], name, len))
				return 1;
		return 0;
	}
	return 0;
}

static int strings(json_t *v, struct strvec *out)
{
	size_t i;

	if (!json_is_array(v))
		return -1;
	for (i = 0; i < json_array_size(v); i++) {
		if (!json_is_string(json_array_get(v, i)))
			return -1;
		strvec_push(out, json_string_value(json_array_get(v, i)));
	}
	return 0;
}

int childenv_configure(json_t *sections, struct diag_list *diags)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < json_array_size(sections); i++) {
		json_t *s = json_array_get(sections, i);
		const char *file = json_string_value(json_object_get(s, "file"));
		json_t *v = json_object_get(s, "value"), *x;
		const char *key;

		if (!json_is_object(v)) {
			diag_add(diags, DIAG_ERROR, file, 0, 0,
				 "shell_environment must be a map (inherit, include, exclude, set)");
			rc = -1;
			continue;
		}
		json_object_foreach(v, key, x) {
			if (!strcmp(key, "inherit") && json_is_string(x)) {
				const char *in = json_string_value(x);

				if (!strcmp(in, "core"))
					cfg.inherit = INHERIT_CORE;
				else if (!strcmp(in, "all"))
					cfg.inherit = INHERIT_ALL;
				else if (!strcmp(in, "none"))
					cfg.inherit = INHERIT_NONE;
				else {
					diag_add(diags, DIAG_ERROR, file, 0, 0,
						 "shell_environment.inherit must be core, all or none, not '%s'", in);
					rc = -1;
				}
			} else if ((!strcmp(key, "include") || !strcmp(key, "include_only")) &&
				   !strings(x, &cfg.include)) {
				;
			} else if (!strcmp(key, "exclude") && !strings(x, &cfg.exclude)) {
				;
			} else if (!strcmp(key, "set") && json_is_object(x)) {
				const char *n;
				json_t *val;

				json_object_foreach(x, n, val)
					if (json_is_string(val))
						strvec_pushf(&cfg.set, "%s=%s", n, json_string_value(val));
			} else {
				diag_add(diags, DIAG_ERROR, file, 0, 0,
					 "shell_environment.%s is not a known setting (inherit: core|all|none, include: [names], exclude: [names], set: {NAME: value})",
					 key);
				rc = -1;
			}
		}
	}
	return rc;
}

static void put(struct strvec *out, const char *kv)
{
	size_t n = strcspn(kv, "="), i;

	for (i = 0; i < out->nr; i++)
		if (!strncmp(out->v[i], kv, n) && out->v[i][n] == '=') {
			free(out->v[i]);
			out->v[i] = xstrdup(kv);
			return;
		}
	strvec_push(out, kv);
}

void childenv_build(struct strvec *out, const struct strvec *extra)
{
	char **e;
	size_t i;

	for (e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');

		if (eq && keep(*e, (size_t)(eq - *e)))
			strvec_push(out, *e);
	}
	for (i = 0; i < cfg.set.nr; i++)
		put(out, cfg.set.v[i]);
	for (i = 0; extra && i < extra->nr; i++)
		put(out, extra->v[i]);
}
