/*
 * store_int: what store.c (writing, resuming) and store_query.c (listing,
 * audit, statistics) share.  Not for other modules: they use store.h.
 */
#ifndef ARCHIE_STORE_INT_H
#define ARCHIE_STORE_INT_H

#include "store/store.h"

#include <sqlite3.h>

struct strbuf;

/* Brings the schema to STORE_SCHEMA_VERSION (store_schema.c), each step
 * in a transaction taken with the write lock; refuses a newer one.  0, or
 * -1 with err. */
int store_migrate(sqlite3 *db, struct strbuf *err);

/* Runs sql (no rows); 0, or -1 with err. */
int store_exec(sqlite3 *db, const char *sql, struct strbuf *err);

/* All rows of a prepared statement as objects, columns by name (JSON
 * columns parsed); the statement is finalized. */
json_t *store_rows_json(sqlite3_stmt *s);

/* The current row as an object, columns by name (NULL ones left out);
 * parse: JSON columns (content, detail, arguments) parsed, else text. */
json_t *store_row_json(sqlite3_stmt *s, int parse);

/* A statement on the store's connection, or NULL (finalize it). */
sqlite3_stmt *store_prepare(struct store *st, const char *sql);

#endif
