/*
 * pq_dl: see pq_dl.h.
 */
#define PQ_DL_IMPLEMENTATION
#include "core/pq_dl.h"

#include "core/strbuf.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

struct pq_dl pq_dl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void *sym(void *h, const char *name)
{
	void *p = dlsym(h, name);

	if (!p && !load_error[0])
		snprintf(load_error, sizeof(load_error), "libpq has no %s", name);
	return p;
}

static void load(void)
{
	void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();

		snprintf(load_error, sizeof(load_error), "%s", e ? e : "libpq.so.5 not found");
		return;
	}
#define LOAD(field, name) *(void **)&pq_dl.field = sym(h, name)
	LOAD(connectdb, "PQconnectdb");
	LOAD(connectdb_params, "PQconnectdbParams");
	LOAD(status, "PQstatus");
	LOAD(error_message, "PQerrorMessage");
	LOAD(exec, "PQexec");
	LOAD(exec_params, "PQexecParams");
	LOAD(result_status, "PQresultStatus");
	LOAD(result_error_message, "PQresultErrorMessage");
	LOAD(result_error_field, "PQresultErrorField");
	LOAD(clear, "PQclear");
	LOAD(finish, "PQfinish");
	LOAD(ntuples, "PQntuples");
	LOAD(nfields, "PQnfields");
	LOAD(fname, "PQfname");
	LOAD(ftype, "PQftype");
	LOAD(getvalue, "PQgetvalue");
	LOAD(getisnull, "PQgetisnull");
	LOAD(cmd_tuples, "PQcmdTuples");
	LOAD(ping, "PQping");
	LOAD(server_version, "PQserverVersion");
	LOAD(ssl_in_use, "PQsslInUse");
	LOAD(set_notice_processor, "PQsetNoticeProcessor");
	LOAD(conninfo_parse, "PQconninfoParse");
	LOAD(conninfo_free, "PQconninfoFree");
	LOAD(freemem, "PQfreemem");
#undef LOAD
}

int pq_dl_load(struct strbuf *err)
{
	pthread_once(&once, load);
	if (load_error[0])
		return strbuf_seterr(err, "cannot load libpq (%s); install libpq5", load_error);
	return 0;
}
