/*
 * sql: the Data Schema's DDL run on a real database, and its catalog
 * checked.  Each ```sql block of the Data Schema runs, in order, on a
 * throwaway PostgreSQL cluster (pg.h), else on SQLite in memory (common
 * PostgreSQL spellings translated first, line for line, with a warning that
 * PostgreSQL-specific syntax was not checked).  An error is reported at the
 * document line of the failing statement's position.  Then the catalog:
 * every table has a primary key; every foreign key's columns lead an
 * index; foreign keys name existing tables; no two indexes are the same.
 */
#ifndef ARCHIE_DESIGN_SQL_H
#define ARCHIE_DESIGN_SQL_H

#include "design/design.h"

struct design_doc;

int design_sql_check(struct design_doc *d, const struct design_opts *o,
		     struct design_report *r, struct strbuf *err);

/* The SQL of the Data Schema, block after block (for --export sql). */
void design_sql_script(const struct design_doc *d, struct strbuf *out);

#endif
