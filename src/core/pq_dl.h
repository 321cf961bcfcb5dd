/*
 * pq_dl: libpq, loaded on first use.
 *
 * Two subsystems speak to PostgreSQL: the design checker (its throwaway
 * cluster, src/design/pg.c) and the shared record (src/store/pgstore.c).
 * Most archie processes do neither, and linking libpq (with its TLS,
 * Kerberos and LDAP libraries) would cost each of them start-up time, as
 * libcurl would (see provider/curl_dl.h).  So the first use dlopen()s
 * libpq.so.5 and fills in this table; the macros keep every call spelled
 * as in libpq's documentation.  Include this header instead of
 * <libpq-fe.h>.
 */
#ifndef ARCHIE_PQ_DL_H
#define ARCHIE_PQ_DL_H

#include <libpq-fe.h>

struct strbuf;

struct pq_dl {
	PGconn *(*connectdb)(const char *);
	PGconn *(*connectdb_params)(const char *const *, const char *const *, int);
	ConnStatusType (*status)(const PGconn *);
	char *(*error_message)(const PGconn *);
	PGresult *(*exec)(PGconn *, const char *);
	PGresult *(*exec_params)(PGconn *, const char *, int, const Oid *,
				 const char *const *, const int *, const int *, int);
	ExecStatusType (*result_status)(const PGresult *);
	char *(*result_error_message)(const PGresult *);
	char *(*result_error_field)(const PGresult *, int);
	void (*clear)(PGresult *);
	void (*finish)(PGconn *);
	int (*ntuples)(const PGresult *);
	int (*nfields)(const PGresult *);
	char *(*fname)(const PGresult *, int);
	Oid (*ftype)(const PGresult *, int);
	char *(*getvalue)(const PGresult *, int, int);
	int (*getisnull)(const PGresult *, int, int);
	char *(*cmd_tuples)(PGresult *);
	PGPing (*ping)(const char *);
	int (*server_version)(const PGconn *);
	int (*ssl_in_use)(PGconn *);
	PQnoticeProcessor (*set_notice_processor)(PGconn *, PQnoticeProcessor, void *);
	PQconninfoOption *(*conninfo_parse)(const char *, char **);
	void (*conninfo_free)(PQconninfoOption *);
	void (*freemem)(void *);
};

extern struct pq_dl pq_dl;

/* Loads libpq once (thread-safe).  Returns 0, or -1 with err saying what
 * to install. */
int pq_dl_load(struct strbuf *err);

#ifndef PQ_DL_IMPLEMENTATION
#define PQconnectdb (*pq_dl.connectdb)
#define PQconnectdbParams (*pq_dl.connectdb_params)
#define PQstatus (*pq_dl.status)
#define PQerrorMessage (*pq_dl.error_message)
#define PQexec (*pq_dl.exec)
#define PQexecParams (*pq_dl.exec_params)
#define PQresultStatus (*pq_dl.result_status)
#define PQresultErrorMessage (*pq_dl.result_error_message)
#define PQresultErrorField (*pq_dl.result_error_field)
#define PQclear (*pq_dl.clear)
#define PQfinish (*pq_dl.finish)
#define PQntuples (*pq_dl.ntuples)
#define PQnfields (*pq_dl.nfields)
#define PQfname (*pq_dl.fname)
#define PQftype (*pq_dl.ftype)
#define PQgetvalue (*pq_dl.getvalue)
#define PQgetisnull (*pq_dl.getisnull)
#define PQcmdTuples (*pq_dl.cmd_tuples)
#define PQping (*pq_dl.ping)
#define PQserverVersion (*pq_dl.server_version)
#define PQsslInUse (*pq_dl.ssl_in_use)
#define PQsetNoticeProcessor (*pq_dl.set_notice_processor)
#define PQconninfoParse (*pq_dl.conninfo_parse)
#define PQconninfoFree (*pq_dl.conninfo_free)
#define PQfreemem (*pq_dl.freemem)
#endif

#endif
