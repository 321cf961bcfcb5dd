/*
 * pg: a throwaway PostgreSQL cluster for checking DDL, and libpq.
 *
 * pg_start() finds Debian's PostgreSQL binaries (ARCHIE_PG_BINDIR, the
 * directory of `initdb` on PATH, else the newest /usr/lib/postgresql/N/bin),
 * copies the cached template cluster of that PostgreSQL (made by initdb the
 * first time, kept in ~/.cache/archie/pg-template/) into a fresh directory
 * under $TMPDIR, starts `postgres` (fsync off) listening only on a Unix
 * socket in that directory, and
 * connects; pg_stop() shuts it down and removes the directory.  As root
 * (PostgreSQL refuses to run as root) the cluster runs as the `postgres`
 * user, else `nobody`.
 *
 * libpq is loaded on first use (core/pq_dl.h), like libcurl, so
 * archie's start-up does not pay for it.
 *
 * Ownership: a pg_cluster owns its processes, directory and connection.
 */
#ifndef ARCHIE_DESIGN_PG_H
#define ARCHIE_DESIGN_PG_H

#include <limits.h>
#include <sys/types.h>

struct strbuf;

struct pg_cluster {
	char dir[PATH_MAX];
	pid_t pid;			/* the postmaster, or 0 */
	void *conn;			/* PGconn * */
	char version[64];
	int from_template;		/* copied from the cached template, not initdb'd */
	char **notices;			/* NOTICEs since pg_take_notices, each one line */
	size_t notices_nr, notices_alloc;
};

/* A query's result: rows of text columns (owned), or an error. */
struct pg_result {
	int ok;
	char ***rows;			/* rows[r][c] */
	int nrows, ncols;
	char *error;			/* the primary message */
	char *detail;			/* DETAIL and HINT, or NULL */
	int position;			/* 1-based character of the error in the query, or 0 */
};

int pg_start(struct pg_cluster *c, const char *bindir, struct strbuf *err);
void pg_stop(struct pg_cluster *c);

void pg_exec(struct pg_cluster *c, const char *sql, struct pg_result *out);
/* The NOTICEs (and WARNINGs) the server sent since the last call, each
 * appended to out ("NOTICE:  ..." without its newline); never printed. */
struct strvec;
void pg_take_notices(struct pg_cluster *c, struct strvec *out);
void pg_result_release(struct pg_result *r);

#endif
