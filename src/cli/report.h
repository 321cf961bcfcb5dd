/*
 * report: what a headless run did, for CI and review tools — the files
 * the agent changed (from the session's record of changes, as /rewind
 * reads it) and the calls that were denied, as SARIF 2.1.0 (code-scanning
 * tools, GitHub's included) or JUnit XML (test reporters: a failure per
 * denial), chosen by the file's extension.  `archie -p ... --report FILE`.
 */
#ifndef ARCHIE_CLI_REPORT_H
#define ARCHIE_CLI_REPORT_H

#include "core/strbuf.h"
#include "loop/loop.h"

struct session;

/* Writes the report of the run that ended with ex to file (.sarif,
 * .sarif.json: SARIF; .xml: JUnit): 0, or -1 with err (an unknown
 * extension, a write that failed). */
int cli_report_write(struct session *s, const char *file, enum loop_exit ex, struct strbuf *err);

/* 0 if file names a format cli_report_write writes, else -1 with err. */
int cli_report_check(const char *file, struct strbuf *err);

#endif
