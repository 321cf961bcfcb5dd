/*
 * curl_dl: loading libcurl on first use.  See curl_dl.h.
 */
#define CURL_DL_IMPLEMENTATION
#include "provider/curl_dl.h"

#include "core/strbuf.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct curl_dl curl_dl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void *sym(void *h, const char *name)
{
	void *p = dlsym(h, name);

	if (!p && !load_error[0]) {
		const char *e = dlerror();

		snprintf(load_error, sizeof(load_error), "%s", e ? e : name);
	}
	return p;
}

static void load(void)
{
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();

		snprintf(load_error, sizeof(load_error), "%s", e ? e : "libcurl.so.4 not found");
		return;
	}
#define LOAD(field, name) *(void **)&curl_dl.field = sym(h, name)
	LOAD(global_init, "curl_global_init");
	LOAD(easy_init, "curl_easy_init");
	LOAD(easy_setopt, "curl_easy_setopt");
	LOAD(easy_perform, "curl_easy_perform");
	LOAD(easy_getinfo, "curl_easy_getinfo");
	LOAD(easy_cleanup, "curl_easy_cleanup");
	LOAD(easy_reset, "curl_easy_reset");
	LOAD(easy_strerror, "curl_easy_strerror");
	LOAD(multi_init, "curl_multi_init");
	LOAD(multi_add_handle, "curl_multi_add_handle");
	LOAD(multi_remove_handle, "curl_multi_remove_handle");
	LOAD(multi_perform, "curl_multi_perform");
	LOAD(multi_poll, "curl_multi_poll");
	LOAD(multi_info_read, "curl_multi_info_read");
	LOAD(multi_cleanup, "curl_multi_cleanup");
	LOAD(slist_append, "curl_slist_append");
	LOAD(slist_free_all, "curl_slist_free_all");
	LOAD(getdate, "curl_getdate");
	LOAD(url, "curl_url");
	LOAD(url_set, "curl_url_set");
	LOAD(url_get, "curl_url_get");
	LOAD(url_cleanup, "curl_url_cleanup");
	LOAD(free, "curl_free");
#undef LOAD
	if (load_error[0])
		return;		/* an old libcurl without curl_multi_poll... */
	curl_dl.global_init(CURL_GLOBAL_DEFAULT);
}

int curl_dl_load(struct strbuf *err)
{
	pthread_once(&once, load);
	if (load_error[0])
		return strbuf_seterr(err, "cannot load libcurl (%s); install libcurl4 (7.66 or later)",
				     load_error);
	return 0;
}
