/*
 * ship: the local record copied to the team's (pgstore.h), exactly once.
 *
 * With sharing on (ship_enable), triggers in the local SQLite record note
 * every written session, message and event in its outbox, in the same
 * transaction as the write.  A shipper thread takes the outbox in order,
 * in batches: reads the rows as they are now, ships them to PostgreSQL in
 * one transaction (upserts keyed by session and seq, events inserted once
 * by session and local id), and only then removes that range from the
 * outbox.  So:
 *   - a PostgreSQL that is down, slow or refusing never stops a session:
 *     rows wait in the outbox (on disk, surviving a killed archie) and the
 *     shipper retries with backoff, saying once that it is failing;
 *   - a crash between the commit there and the removal here ships the
 *     batch again, and the keys make the second time a no-op;
 *   - two archie processes sharing the local record may both ship: the
 *     same keys make it harmless.
 * What is left when archie exits is shipped by the next archie that runs
 * with the store configured (or `archie store sync`).
 *
 * Ownership: a ship owns its thread, its own connections to both records
 * and its strings; ship_stop frees it.
 */
#ifndef ARCHIE_SHIP_H
#define ARCHIE_SHIP_H

#include "core/strbuf.h"

struct store;
struct pgstore;

/* Turns sharing on for st's record: from now on what it records is queued
 * for the team's.  0, or -1 with err. */
int ship_enable(struct store *st, struct strbuf *err);

/* Queues everything recorded so far (sessions from before sharing was
 * on); returns how many rows, or -1 with err. */
long long ship_queue_all(struct store *st, struct strbuf *err);

/* Rows waiting in the outbox (-1: unknown). */
long long ship_queued(struct store *st);

/* Ships until the outbox is empty; *shipped (may be NULL) counts the
 * outbox rows taken.  0, or -1 with err (what is left stays queued). */
int ship_drain(struct store *st, struct pgstore *pg, long long *shipped, struct strbuf *err);

/* Says something to the user (from the shipper's thread). */
typedef void ship_notice_fn(void *ud, const char *text);

/* Starts the shipper for the record in state_dir (NULL: the default) to
 * url; notice (may be NULL: stderr) hears of failures and recoveries.
 * NULL with err when the local record cannot be opened; an unreachable
 * PostgreSQL is not an error here (it is retried). */
struct ship *ship_start(const char *state_dir, const char *url, ship_notice_fn *notice,
			void *ud, struct strbuf *err);

/* Stops the shipper after a last pass of at most wait_ms (what it cannot
 * ship in that time stays queued) and frees it.  NULL: nothing. */
void ship_stop(struct ship *sh, long wait_ms);

#endif
