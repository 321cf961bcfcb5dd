/*
 * config_search: the `web_search:` section, the WebSearch tool's backend.
 *
 *   web_search:
 *     backend: searxng          # searxng, brave, tavily, anthropic
 *     url: http://127.0.0.1:8888 # searxng: the instance; others: their API by default
 *     api_key_env: BRAVE_API_KEY # brave, tavily: the variable holding the key
 *     max_results: 8
 *
 * Read from the user's own config only: a repository's .archie/config.yaml
 * that names a backend, a URL or a key variable would choose where the
 * agent's queries (and a key) go, so it is refused with a warning.
 */
#include "config/config_int.h"

#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char *const backends[] = { "searxng", "brave", "tavily", "anthropic", NULL };

void config_web_search_release(struct config_web_search *w)
{
	free(w->backend);
	free(w->url);
	free(w->api_key_env);
	free(w->source);
	memset(w, 0, sizeof(*w));
}

static int search_key(struct file_ctx *fc, void *obj, const char *key,
		      struct fy_node *k, struct fy_node *v)
{
	struct config_web_search *w = obj;
	size_t i;
	double n;

	if (!strcmp(key, "backend")) {
		if (config_want_string(fc, "web_search.backend", k, v, &w->backend))
			return -1;
		for (i = 0; backends[i]; i++)
			if (!strcmp(w->backend, backends[i]))
				return 0;
		return config_ferr(fc, v, k, "'web_search.backend' must be searxng, brave, tavily or anthropic, not '%s'",
				   w->backend);
	}
	if (!strcmp(key, "url")) {
		if (config_want_string(fc, "web_search.url", k, v, &w->url))
			return -1;
		if (strncmp(w->url, "http://", 7) && strncmp(w->url, "https://", 8))
			return config_ferr(fc, v, k, "'web_search.url' must be an http:// or https:// URL, not '%s'",
					   w->url);
		return 0;
	}
	if (!strcmp(key, "api_key_env"))
		return config_want_string(fc, "web_search.api_key_env", k, v, &w->api_key_env);
	if (!strcmp(key, "api_key"))
		return config_ferr(fc, k, NULL, "keys are not written in config files; put the key in an environment variable and name it with 'api_key_env'");
	if (!strcmp(key, "max_results")) {
		if (config_want_number(fc, "web_search.max_results", k, v, &n))
			return -1;
		if (n != (double)(int)n || n < 1 || n > 50)
			return config_ferr(fc, v, k, "'web_search.max_results' must be a whole number from 1 to 50");
		w->max_results = (int)n;
		return 0;
	}
	config_fwarn(fc, k, "unknown key 'web_search.%s' (backend, url, api_key_env, max_results); ignored", key);
	return 0;
}

int config_web_search(struct file_ctx *fc, struct fy_node *k, struct fy_node *v)
{
	struct config_web_search w;
	struct strbuf src = STRBUF_INIT;

	if (fc->project) {
		config_fwarn(fc, k, "'web_search' in a project's config is ignored: a repository must not choose where your searches and keys go; set it in ~/.config/archie/config.yaml");
		return 0;
	}
	memset(&w, 0, sizeof(w));
	if (config_each_pair(fc, "web_search", k, v, search_key, &w)) {
		config_web_search_release(&w);
		return -1;
	}
	if (!w.backend) {
		config_web_search_release(&w);
		return config_ferr(fc, k, NULL, "'web_search' needs a backend: searxng, brave, tavily or anthropic");
	}
	if (!strcmp(w.backend, "searxng") && !w.url) {
		config_web_search_release(&w);
		return config_ferr(fc, k, NULL, "'web_search' with backend searxng needs the instance's url (e.g. url: http://127.0.0.1:8888)");
	}
	if ((!strcmp(w.backend, "brave") || !strcmp(w.backend, "tavily")) && !w.api_key_env) {
		config_ferr(fc, k, NULL, "'web_search' with backend %s needs api_key_env: the environment variable that holds its key",
			    w.backend);
		config_web_search_release(&w);
		return -1;
	}
	config_source_of(fc, k, &src);
	w.source = strbuf_detach(&src, NULL);
	config_web_search_release(&fc->cfg->web_search);
	fc->cfg->web_search = w;
	return 0;
}
