/*
 * sql_int: what the Data Schema's checks share (sql.c: where things are
 * in the document, statements; sql_pg.c: PostgreSQL; sql_lite.c: SQLite).
 * Not for other modules: they use sql.h.
 */
#ifndef ARCHIE_DESIGN_SQL_INT_H
#define ARCHIE_DESIGN_SQL_INT_H

#include "design/sql.h"

#include <stddef.h>

struct design_block;
struct design_doc;
struct pg_cluster;
struct strvec;

#define SEC "Data Schema"

/* The document line of byte offset off of block b's text. */
int sql_line_of(const struct design_block *b, size_t off);
/* The byte offset of 1-based character pos in s (UTF-8). */
size_t sql_char_offset(const char *s, int pos);
/* One identifier at *p as PostgreSQL reads it ("Quoted" as written, bare
 * folded to lower case) appended to out, *p past it: 0, or -1 if none. */
struct strbuf;
int sql_ident(const char **p, struct strbuf *out);
/* The last part of a qualified name (accounts."user": user), as stored. */
void sql_ident_last(const char *qualified, struct strbuf *out);
/* The line where "CREATE ... <kind> name" is written, or fallback. */
int sql_line_of_create(const struct design_doc *d, const char *kind, const char *name,
		       int fallback);
/* The line of column col's declaration (col as stored) in table's CREATE
 * TABLE, or the table's line. */
int sql_line_of_column(const struct design_doc *d, const char *table, const char *col);
/* Splits SQL into statements at ';' outside quotes, comments and dollar
 * quotes: *starts and *ends (new arrays) get each one's offsets; returns
 * how many. */
size_t sql_split(const char *s, size_t **starts, size_t **ends);
/* Where a statement's words start: past blanks, -- and block comments. */
const char *sql_statement_start(const char *s);
/* The table a CREATE TABLE statement makes (lower case, a new string), or NULL. */
char *sql_created_table(const char *stmt);
/* 1 if an error only follows from a table that failed to be created. */
int sql_follows_on(const struct strvec *failed, const char *msg);

void sql_run_pg(struct design_doc *d, struct pg_cluster *pg, struct design_report *r);
void sql_run_sqlite(struct design_doc *d, struct design_report *r);

#endif
