/*
 * store: one SQLite database for sessions, their messages and the audit
 * trail.
 *
 * The database is $ARCHIE_STATE_DIR/archie.db, else
 * $XDG_STATE_HOME/archie/archie.db, else ~/.local/state/archie/archie.db
 * (--state-dir overrides all); the directory is 0700 and the files 0600.
 * It runs in WAL mode with a busy timeout, so several archie processes
 * (terminals, subagent threads with their own connection) share it.
 * The schema's version is PRAGMA user_version; store_open migrates an
 * older database forward in one transaction and refuses a newer one.
 *
 * Writes happen when things happen: each message and event is its own
 * small transaction (durable against a killed process: WAL), and
 * store_turn_end makes everything so far durable on disk (a synced
 * commit), at each turn boundary.  Everything written passes through the
 * redactor first.  Nothing is ever deleted except by store_prune (and
 * store_truncate, which rewrites a repaired tail in full).
 *
 * When a write fails (disk full, I/O error), the store says so once
 * (a warning, and its error text), keeps the audit events in memory (up
 * to STORE_PENDING_MAX) and writes them at the next write that succeeds;
 * messages are retried by the loop, which knows which were recorded.  The
 * database is never left half-written: every write is a transaction.
 *
 * Ownership: a store owns its connection and redactor; one store per
 * thread.
 */
#ifndef ARCHIE_STORE_H
#define ARCHIE_STORE_H

#include "core/strbuf.h"
#include "store/redact.h"

#include <jansson.h>

struct conv;
struct conv_msg;

#define STORE_SCHEMA_VERSION 5

struct store {
	void *db;			/* sqlite3 * */
	char *path;
	struct redactor red;
	int failing;			/* the last write failed */
	struct strbuf error;		/* why, when failing */
	json_t *pending;		/* event rows not written yet, oldest first */
	size_t dropped;			/* rows lost beyond STORE_PENDING_MAX */
	/* the statements every turn runs, prepared once (store.c) */
	struct store_stmt {
		const char *sql;	/* a string literal: its address is the key */
		void *stmt;		/* sqlite3_stmt * */
	} stmts[8];
	size_t stmts_nr;
};

/* Events kept in memory while the disk refuses them. */
#define STORE_PENDING_MAX 10000

struct store_session {
	const char *id;
	const char *project;		/* the project root */
	const char *cwd;
	const char *agent;
	const char *provider;
	const char *model;
	const char *parent;		/* the parent session (subagents), or NULL */
	const char *title;		/* the first prompt, shortened */
};

enum store_event_kind {
	STORE_EV_TOOL,		/* a tool call */
	STORE_EV_MODEL,		/* a model request */
	STORE_EV_ROUTE,		/* a routing decision: which specialists a prompt matched */
	STORE_EV_DELEGATE,	/* a subagent run: who, its session, how it ended */
	STORE_EV_HOOK,		/* a hook's run: its event, command, outcome */
	STORE_EV_COMPACTION,	/* the model's view replaced: detail.view_from is its first seq */
	STORE_EV_BACKGROUND,	/* a background shell's life: call_id its id, ts its start,
				 * duration to its end, exit_code, outcome exited/killed/stopped */
	STORE_EV_MCP,		/* an MCP server's log message during a call: tool its
				 * server, outcome its level, error its text */
};

/* "tool", "model", "route", "delegate", "hook", "compaction", "background", "mcp". */
const char *store_event_kind_name(enum store_event_kind k);

/* One audit event.  Strings may be NULL; numbers < 0 are "unknown". */
struct store_event {
	enum store_event_kind kind;
	const char *session;
	const char *agent;
	const char *parent_agent;
	long long ts_ms;		/* when it started (epoch ms) */
	long duration_ms;
	/* tool calls */
	const char *tool;
	const char *call_id;
	const char *arguments;		/* redacted on write */
	const char *verdict;		/* the policy's: allow / ask / deny */
	const char *rule;		/* the rule that decided, with source:line */
	const char *decided_by;		/* policy / user / headless */
	const char *outcome;		/* ok / error / denied / interrupted */
	int exit_code;			/* Bash; -1 otherwise */
	long long bytes;		/* bytes of the result */
	const char *error;		/* the error text (redacted) */
	json_t *detail;			/* more, as JSON (borrowed; redacted) */
	/* model requests */
	const char *model;
	int attempt;
	long status;
	long ttft_ms;
	long long input_tokens, output_tokens, cache_read_tokens, cache_write_tokens;
	long long reasoning_tokens;	/* part of output_tokens */
	double cost;
};

/* The state directory as configured (dir: --state-dir or NULL). */
void store_default_dir(const char *dir, struct strbuf *out);

/* Opens (creating, migrating) the database in dir (NULL: the default).
 * Returns 0, or -1 with err saying what and how to fix it. */
int store_open(struct store *st, const char *dir, struct strbuf *err);
void store_close(struct store *st);
/* Opens another connection to like's database (a subagent's thread), with
 * the same secrets to redact. */
int store_open_sibling(struct store *st, const struct store *like, struct strbuf *err);

int store_session_begin(struct store *st, const struct store_session *s);
/* Appends message number seq (0-based, in order) of a session. */
int store_message(struct store *st, const char *session, long seq,
		  const struct conv_msg *m, int incomplete);
int store_event(struct store *st, const struct store_event *ev);
/* A turn boundary: the session's updated time, and a durable commit. */
int store_turn_end(struct store *st, const char *session);

/*
 * Reading.
 */

/* The id of the session a reference names: a whole id or a unique prefix;
 * NULL ref: the latest session of project (NULL: of any project).
 * Returns 0 with the id in out, or -1 with err. */
int store_find_session(struct store *st, const char *ref, const char *project,
		       struct strbuf *out, struct strbuf *err);

/* A session's row (a new reference), or NULL. */
json_t *store_session_row(struct store *st, const char *id);

/*
 * Loads a session's messages into conv (appended), repaired so the next
 * request is valid for every provider: a tool call without a result gets
 * a synthetic "interrupted before completion" error result, consecutive
 * user messages are merged, empty messages are dropped, and a session
 * that ends with a user message gets an assistant message saying it was
 * interrupted (so roles keep alternating).  *recorded is set
 * to how many leading messages of conv are exactly as stored (the rest
 * must be written again).  info, when not NULL, gets the session's row
 * (a new reference).  Returns 0, or -1 with err.
 */
int store_load(struct store *st, const char *id, struct conv *conv,
	       size_t *recorded, json_t **info, struct strbuf *err);

/* Where the model's view of a session starts: the seq of the first
 * message after its last compaction (0 when it was never compacted).
 * store_load loads from there; the messages before stay stored. */
long store_view_start(struct store *st, const char *id);

/* Drops a session's messages from from_seq on, before a resumed session
 * whose stored tail store_load had to repair is written again (the
 * repaired messages hold everything the dropped rows held). */
int store_truncate(struct store *st, const char *session, long from_seq);

/* Recent sessions, newest first: [{id, project, agent, model, title,
 * created, updated, messages, parent, children}] (project NULL: all).
 * Subagents' sessions only with children set; without, each session
 * counts its own subagents' (children). */
json_t *store_sessions(struct store *st, const char *project, int limit, int children);

/* A session whole: its row, "messages" [{seq, role, content,
 * incomplete}] and "events". */
json_t *store_session_dump(struct store *st, const char *id);

struct store_filter {
	const char *session;
	long long since_ms;		/* 0: all */
	const char *tool;
	const char *verdict;
	const char *kind;		/* tool / model / route / delegate / NULL */
	int limit;			/* 0: no limit */
};
/* Audit events, oldest first, as JSON objects (NULL fields left out). */
json_t *store_events(struct store *st, const struct store_filter *f);

/* Totals: {"sessions": [...per session...], "projects": [...]} with
 * turns, tool calls by tool, denials, tokens, cost, latency p50/p95. */
json_t *store_stats(struct store *st, const char *project);

/* Deletes sessions (and their messages and events) last updated before
 * epoch ms; returns how many, or -1 with err. */
int store_prune(struct store *st, long long before_ms, struct strbuf *err);

/* One file the agent changed (store_checkpoint.c; src/checkpoint/). */
struct store_change {
	const char *session;
	long prompt;			/* the seq of the user's message it answered */
	const char *prompt_text;
	long long ts;
	const char *agent, *tool, *call_id;
	const char *path;
	const char *before, *after;	/* object ids; "" where there was no file */
	unsigned before_mode;
};

int store_change_add(struct store *st, const struct store_change *c);
/* The session's changes, in order: [{prompt, prompt_text, ts, agent, tool,
 * call_id, path, before, after, before_mode, undone}] (a new reference). */
json_t *store_changes(struct store *st, const char *session);
/* Marks the changes answering prompts from `from` on as undone (done:
 * they are not undone again).  0, or -1. */
int store_changes_undone(struct store *st, const char *session, long from);
/* The sessions of project with changes, newest first:
 * [{session, title, updated, prompts, files}] (a new reference). */
json_t *store_change_sessions(struct store *st, const char *project, int limit);

#endif
