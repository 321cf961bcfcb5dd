/*
 * mhd_dl: see mhd_dl.h.
 */
#define MHD_DL_IMPLEMENTATION
#include "serve/mhd_dl.h"

#include "core/strbuf.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

struct mhd_dl mhd_dl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void *sym(void *h, const char *name)
{
	void *p = dlsym(h, name);

	if (!p && !load_error[0])
		snprintf(load_error, sizeof(load_error), "libmicrohttpd has no %s", name);
	return p;
}

static void load(void)
{
	void *h = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();

		snprintf(load_error, sizeof(load_error), "%s", e ? e : "libmicrohttpd.so.12 not found");
		return;
	}
#define LOAD(field, name) *(void **)&mhd_dl.field = sym(h, name)
	LOAD(start_daemon, "MHD_start_daemon");
	LOAD(stop_daemon, "MHD_stop_daemon");
	LOAD(create_response_from_buffer, "MHD_create_response_from_buffer");
	LOAD(create_response_from_callback, "MHD_create_response_from_callback");
	LOAD(add_response_header, "MHD_add_response_header");
	LOAD(queue_response, "MHD_queue_response");
	LOAD(destroy_response, "MHD_destroy_response");
	LOAD(lookup_connection_value, "MHD_lookup_connection_value");
#undef LOAD
}

int mhd_dl_load(struct strbuf *err)
{
	pthread_once(&once, load);
	if (load_error[0])
		return strbuf_seterr(err, "cannot load libmicrohttpd (%s); install libmicrohttpd12",
				     load_error);
	return 0;
}
