/*
 * mcp_config: MCP servers from the configuration files — the project's
 * .mcp.json and `mcpServers:` in archie's config.yaml — the edits
 * `archie mcp add|remove` make to them, and which of their values are
 * secrets.  See mcp.h.
 */
#include "mcp/mcp_int.h"

#include "config/config.h"
#include "core/fileio.h"
#include "core/xalloc.h"
#include "policy/childenv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>


/* ${VAR} and ${VAR:-default} from the environment, as Claude Code expands them. */
static char *expand(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	while (*s) {
		const char *e;

		if (s[0] == '$' && s[1] == '{' && (e = strchr(s + 2, '}')) != NULL) {
			char *name = xstrndup(s + 2, (size_t)(e - s - 2)), *def = strstr(name, ":-");
			const char *v;

			if (def) {
				*def = 0;
				def += 2;
			}
			v = getenv(name);
			strbuf_addstr(&sb, v && *v ? v : def ? def : "");
			free(name);
			s = e + 1;
		} else {
			strbuf_addch(&sb, *s++);
		}
	}
	return strbuf_detach(&sb, NULL);
}

static void add_server(struct mcp *m, const char *name, json_t *def, const char *file)
{
	struct mcp_server *s;
	const char *type = json_string_value(json_object_get(def, "type"));
	const char *cmd = json_string_value(json_object_get(def, "command"));
	const char *url = json_string_value(json_object_get(def, "url"));
	json_t *args = json_object_get(def, "args"), *env = json_object_get(def, "env"), *v;
	const char *k;
	size_t i;

	if (!json_is_object(def)) {
		diag_add(&m->diags, DIAG_ERROR, file, 0, 0, "MCP server '%s' must be an object", name);
		return;
	}
	for (i = 0; i < m->nr; i++)
		if (!strcmp(m->v[i].name, name))
			return;		/* the first definition wins (project over user) */
	if (!cmd && !url) {
		diag_add(&m->diags, DIAG_ERROR, file, 0, 0,
			 "MCP server '%s' has neither \"command\" (stdio) nor \"url\" (http)", name);
		return;
	}
	ALLOC_GROW(m->v, m->nr + 1, m->alloc);
	s = &m->v[m->nr++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->source = xstrdup(file);
	strvec_init(&s->args);
	strvec_init(&s->env);
	strvec_init(&s->headers);
	strvec_init(&s->updated);
	strbuf_init(&s->in, LINE_MAX_BYTES);
	pthread_mutex_init(&s->lock, NULL);
	s->to_fd = s->from_fd = -1;
	if (url || (type && strcmp(type, "stdio"))) {
		json_t *hdrs = json_object_get(def, "headers");

		if (!url) {
			s->state = MCP_FAILED;
			s->error = xstrfmt("it is of type '%s' but has no \"url\"", type);
			return;
		}
		if (type && strcmp(type, "http") && strcmp(type, "sse") &&
		    strcmp(type, "streamable-http") && strcmp(type, "streamableHttp")) {
			s->state = MCP_FAILED;
			s->error = xstrfmt("its type '%s' is not a transport archie knows (stdio, http, sse)",
					   type);
			return;
		}
		s->transport = type && !strcmp(type, "sse") ? MCP_SSE : MCP_HTTP;
		s->url = expand(url);
		json_object_foreach(hdrs, k, v)
			if (json_is_string(v)) {
				char *val = expand(json_string_value(v));

				strvec_pushf(&s->headers, "%s: %s", k, val);
				free(val);
			}
		return;
	}
	s->command = expand(cmd);
	json_array_foreach(args, i, v)
		if (json_is_string(v))
			strvec_push_nodup(&s->args, expand(json_string_value(v)));
	json_object_foreach(env, k, v)
		if (json_is_string(v)) {
			char *val = expand(json_string_value(v));

			strvec_pushf(&s->env, "%s=%s", k, val);
			free(val);
		}
}

static void add_servers(struct mcp *m, json_t *servers, const char *file)
{
	const char *name;
	json_t *def;

	if (!json_is_object(servers)) {
		if (servers)
			diag_add(&m->diags, DIAG_ERROR, file, 0, 0, "\"mcpServers\" must be an object of servers");
		return;
	}
	json_object_foreach(servers, name, def)
		add_server(m, name, def, file);
}

void mcp_load(struct mcp *m, const struct config *cfg, const char *root)
{
	struct strbuf p = STRBUF_INIT, data = STRBUF_INIT_CAP((size_t)1 << 20), err = STRBUF_INIT;
	size_t i;
	json_t *e;

	if (root) {
		file_join(&p, root, ".mcp.json");
		if (!access(p.buf, R_OK) && !file_read(p.buf, (size_t)1 << 20, &data, &err)) {
			json_error_t jerr;
			json_t *j = json_loadb(data.buf, data.len, 0, &jerr);

			if (!j)
				diag_add(&m->diags, DIAG_ERROR, p.buf, jerr.line, jerr.column,
					 "invalid JSON: %s; its MCP servers are not started", jerr.text);
			else
				add_servers(m, json_object_get(j, "mcpServers"), p.buf);
			json_decref(j);
		}
	}
	/* archie's config: the project's file was loaded last, so go backwards */
	for (i = cfg && cfg->mcp_servers ? json_array_size(cfg->mcp_servers) : 0; i-- > 0;) {
		e = json_array_get(cfg->mcp_servers, i);
		add_servers(m, json_object_get(e, "value"),
			    json_string_value(json_object_get(e, "file")));
	}
	strbuf_release(&p);
	strbuf_release(&data);
	strbuf_release(&err);
}


void mcp_server_release(struct mcp_server *s)
{
	size_t i;

	for (i = 0; i < s->tools_nr; i++) {
		free(s->tools[i].name);
		free(s->tools[i].full);
		free(s->tools[i].server);
		free(s->tools[i].description);
		free(s->tools[i].schema);
		free(s->tools[i].annotations);
	}
	free(s->tools);
	for (i = 0; i < s->prompts_nr; i++) {
		free(s->prompts[i].name);
		free(s->prompts[i].description);
		free(s->prompts[i].arguments);
	}
	free(s->prompts);
	free(s->name);
	free(s->source);
	free(s->command);
	free(s->url);
	free(s->error);
	free(s->protocol);
	free(s->instructions);
	json_decref(s->capabilities);
	json_decref(s->server_info);
	strvec_release(&s->args);
	strvec_release(&s->env);
	strvec_release(&s->headers);
	strvec_release(&s->updated);
	free(s->session_id);
	free(s->oauth_token);
	strbuf_release(&s->in);
	pthread_mutex_destroy(&s->lock);
}

/* ---- `archie mcp add|remove` ---------------------------------------------------------- */

static int is_json_file(const char *file)
{
	size_t n = strlen(file);

	return n >= 5 && !strcmp(file + n - 5, ".json");
}

/* The file's servers: .mcp.json as JSON ({"mcpServers": {...}}). */
static json_t *load_json_file(const char *file, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT_CAP((size_t)1 << 20);
	json_error_t jerr;
	json_t *j;

	if (access(file, F_OK))
		return json_pack("{s:{}}", "mcpServers");
	if (file_read(file, (size_t)1 << 20, &data, err)) {
		strbuf_release(&data);
		return NULL;
	}
	j = json_loadb(data.buf, data.len, 0, &jerr);
	strbuf_release(&data);
	if (!json_is_object(j)) {
		json_decref(j);
		strbuf_seterr(err, "%s:%d:%d: %s; it is left as it is", file, jerr.line, jerr.column,
			      j ? "not a JSON object" : jerr.text);
		return NULL;
	}
	if (!json_object_get(j, "mcpServers"))
		json_object_set_new(j, "mcpServers", json_object());
	if (!json_is_object(json_object_get(j, "mcpServers"))) {
		json_decref(j);
		strbuf_seterr(err, "%s: \"mcpServers\" is not an object; it is left as it is", file);
		return NULL;
	}
	return j;
}

static int save_json_file(const char *file, json_t *j, struct strbuf *err)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	struct strbuf out = STRBUF_INIT;
	int rc;

	strbuf_addf(&out, "%s\n", text);
	free(text);
	rc = file_write_atomic(file, out.buf, out.len, 0644, err);
	strbuf_release(&out);
	return rc;
}

/*
 * config.yaml is the user's, comments and all, so it is edited as text
 * rather than parsed and written again: a server is one line of flow
 * YAML (its JSON, which is YAML) under `mcpServers:`.  A line is found
 * by its indentation; a flow-style `mcpServers: {...}` is left for the
 * user to edit (said so).
 */
struct yaml_lines {
	struct strbuf text;
	long key_at, key_end;		/* the `mcpServers:` line's span, -1 if none */
	int child_indent;		/* its entries' indentation, 0 if none yet */
};

static int yaml_find(struct yaml_lines *y, struct strbuf *err, const char *file)
{
	const char *p = y->text.buf;

	y->key_at = y->key_end = -1;
	y->child_indent = 0;
	while (*p) {
		size_t n = strcspn(p, "\n");

		if (y->key_at < 0 && (!strncmp(p, "mcpServers:", 11) || !strncmp(p, "mcp_servers:", 12))) {
			const char *rest = p + (p[3] == 'S' ? 11 : 12);

			rest += strspn(rest, " \t");
			if (*rest && *rest != '\n' && *rest != '#')
				return strbuf_seterr(err, "%s: its mcpServers is written on one line; edit it by hand",
						     file);
			y->key_at = p - y->text.buf;
			y->key_end = y->key_at + (long)n + (p[n] == '\n');
		} else if (y->key_at >= 0 && !y->child_indent && n && p[0] != '#') {
			int ind = (int)strspn(p, " ");

			if (!ind || p[ind] == '\n')
				break;	/* the next top-level key: no entries */
			if (p[ind] != '#') {
				y->child_indent = ind;
				break;
			}
		}
		p += n + (p[n] == '\n');
	}
	return 0;
}

static int yaml_add(const char *file, const char *name, json_t *def, struct strbuf *err)
{
	struct yaml_lines y = { STRBUF_INIT_CAP((size_t)1 << 20), -1, -1, 0 };
	char *flow = json_dumps(def, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_t *jname = json_string(name);
	char *qname = json_dumps(jname, JSON_ENCODE_ANY);
	struct strbuf line = STRBUF_INIT, out = STRBUF_INIT;
	int rc = -1;

	if (!access(file, F_OK) && file_read(file, (size_t)1 << 20, &y.text, err))
		goto out;
	if (yaml_find(&y, err, file))
		goto out;
	strbuf_addf(&line, "%*s%s: %s\n", y.child_indent ? y.child_indent : 2, "", qname, flow);
	if (y.key_at < 0) {
		strbuf_add(&out, y.text.buf, y.text.len);
		if (out.len && out.buf[out.len - 1] != '\n')
			strbuf_addch(&out, '\n');
		strbuf_addstr(&out, "mcpServers:\n");
		strbuf_add(&out, line.buf, line.len);
	} else {
		strbuf_add(&out, y.text.buf, (size_t)y.key_end);
		if (y.key_end > 0 && y.text.buf[y.key_end - 1] != '\n')
			strbuf_addch(&out, '\n');
		strbuf_add(&out, line.buf, line.len);
		strbuf_add(&out, y.text.buf + y.key_end, y.text.len - (size_t)y.key_end);
	}
	if (file_mkdirs_parent(file, 0700, err))
		goto out;
	rc = file_write_atomic(file, out.buf, out.len, 0600, err);
out:
	free(flow);
	free(qname);
	json_decref(jname);
	strbuf_release(&y.text);
	strbuf_release(&line);
	strbuf_release(&out);
	return rc;
}

/* Removes the entry name (and its deeper lines) under mcpServers: 1 if
 * there is none. */
static int yaml_remove(const char *file, const char *name, struct strbuf *err)
{
	struct yaml_lines y = { STRBUF_INIT_CAP((size_t)1 << 20), -1, -1, 0 };
	struct strbuf out = STRBUF_INIT;
	const char *p;
	size_t nlen = strlen(name);
	int rc = -1, found = 0, skipping = 0;

	if (file_read(file, (size_t)1 << 20, &y.text, err) || yaml_find(&y, err, file))
		goto out;
	if (y.key_at < 0 || !y.child_indent) {
		rc = 1;
		goto out;
	}
	strbuf_add(&out, y.text.buf, (size_t)y.key_end);
	for (p = y.text.buf + y.key_end; *p;) {
		size_t n = strcspn(p, "\n"), ind = strspn(p, " ");
		const char *k = p + ind;
		int child = (int)ind == y.child_indent, blank = ind == n;

		if (!ind && !blank && p[0] != '#') {
			strbuf_addstr(&out, p);	/* past the block: the rest as is */
			break;
		}
		if (child && !found &&
		    ((!strncmp(k, name, nlen) && k[nlen] == ':') ||
		     ((k[0] == '"' || k[0] == '\'') && !strncmp(k + 1, name, nlen) &&
		      k[nlen + 1] == k[0] && k[nlen + 2] == ':'))) {
			found = skipping = 1;
		} else if (skipping && (blank || (int)ind > y.child_indent)) {
			;	/* the entry's own lines */
		} else {
			skipping = 0;
			strbuf_add(&out, p, n + (p[n] == '\n'));
		}
		p += n + (p[n] == '\n');
	}
	if (!found) {
		rc = 1;
		goto out;
	}
	rc = file_write_atomic(file, out.buf, out.len, 0600, err);
out:
	strbuf_release(&y.text);
	strbuf_release(&out);
	return rc;
}

int mcp_config_add(const char *file, const char *name, json_t *def, struct strbuf *err)
{
	json_t *j, *servers;
	int rc;

	if (!*name || strpbrk(name, " \t\n/"))
		return strbuf_seterr(err, "'%s' cannot be a server's name (no blanks or '/')", name);
	if (!is_json_file(file)) {
		struct config cfg;

		/* refuse a name the file has already, as for .mcp.json */
		struct strbuf text = STRBUF_INIT_CAP((size_t)1 << 20);

		config_init(&cfg);
		rc = 0;
		if (!access(file, F_OK) && !file_read(file, (size_t)1 << 20, &text, err)) {
			config_load_text(&cfg, file, text.buf, text.len);
			rc = cfg.mcp_servers &&
			     json_object_get(json_object_get(json_array_get(cfg.mcp_servers, 0), "value"), name);
		}
		strbuf_release(&text);
		config_release(&cfg);
		if (rc)
			return strbuf_seterr(err, "%s has a server named '%s' already; `archie mcp remove %s` first",
					     file, name, name);
		return yaml_add(file, name, def, err);
	}
	if (!(j = load_json_file(file, err)))
		return -1;
	servers = json_object_get(j, "mcpServers");
	if (json_object_get(servers, name)) {
		json_decref(j);
		return strbuf_seterr(err, "%s has a server named '%s' already; `archie mcp remove %s` first",
				     file, name, name);
	}
	json_object_set(servers, name, def);
	rc = save_json_file(file, j, err);
	json_decref(j);
	return rc;
}

int mcp_config_remove(const char *file, const char *name, struct strbuf *err)
{
	json_t *j, *servers;
	int rc;

	if (access(file, F_OK))
		return 1;
	if (!is_json_file(file))
		return yaml_remove(file, name, err);
	if (!(j = load_json_file(file, err)))
		return -1;
	servers = json_object_get(j, "mcpServers");
	if (!json_object_get(servers, name)) {
		json_decref(j);
		return 1;
	}
	json_object_del(servers, name);
	rc = save_json_file(file, j, err);
	json_decref(j);
	return rc;
}

void mcp_secrets(struct mcp *m, struct strvec *out)
{
	size_t i, k;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nr; i++) {
		const struct mcp_server *s = &m->v[i];

		/* values of secret-looking names only: redacting NODE_ENV's
		 * "production" from the record would hide every such word */
		for (k = 0; k < s->env.nr; k++) {
			const char *eq = strchr(s->env.v[k], '=');

			if (eq && eq[1] && childenv_secret_name(s->env.v[k], (size_t)(eq - s->env.v[k])))
				strvec_push(out, eq + 1);
		}
		for (k = 0; k < s->headers.nr; k++) {
			const char *h = s->headers.v[k], *c = strchr(h, ':');

			if (c && c[1] && (!strncasecmp(h, "authorization:", 14) ||
					  !strncasecmp(h, "cookie:", 7) ||
					  childenv_secret_name(h, (size_t)(c - h))))
				strvec_push(out, c + 1 + strspn(c + 1, " \t"));
		}
		if (s->oauth_token)
			strvec_push(out, s->oauth_token);
	}
	pthread_mutex_unlock(&m->lock);
}
