/*
 * mcp: a Model Context Protocol client, so agents can use tools that MCP
 * servers provide (`mcp__<server>__<tool>`).
 *
 * Servers are configured in the project's .mcp.json, the format users
 * already have ({"mcpServers": {"name": {"command", "args", "env"}}} for
 * stdio, {"type": "http", "url", "headers"} for Streamable HTTP), and
 * under `mcpServers:` in archie's config.yaml.  stdio is newline-delimited
 * JSON-RPC 2.0 over the server's stdin and stdout (its stderr goes to a log
 * file, never the terminal); Streamable HTTP POSTs each message with
 * `Accept: application/json, text/event-stream`, reads either kind of
 * reply, keeps the `Mcp-Session-Id` it is given, sends
 * `MCP-Protocol-Version` after the handshake, and initialises again when
 * the server forgets the session (404).
 *
 * mcp_start() starts every server in its own thread and returns at once,
 * so the prompt is up immediately; each thread runs the `initialize`
 * handshake (protocol 2025-06-18 offered; 2025-06-18, 2025-03-26 and
 * 2024-11-05 accepted; anything else disconnects with a message),
 * `notifications/initialized` and `tools/list` (every page).  A server that
 * cannot start, answers garbage or nothing within the start timeout is
 * marked failed with the reason, reported once, and the session goes on
 * without its tools.  mcp_wait() waits (bounded) for the servers still
 * starting, before the first request that needs their tools.
 *
 * mcp_call() runs `tools/call` and renders the result's content (text,
 * resources) as text; images go to *images (an array of {mimeType, data},
 * a new reference) when the caller wants them, else are described;
 * `isError` makes it an error result.  A
 * `notifications/tools/list_changed` makes the next mcp_refresh() list
 * again; loops read the lists through mcp_tools_copy() and notice changes
 * by mcp_tools_generation().
 * mcp_release() shuts servers down: close stdin, wait, SIGTERM, SIGKILL.
 *
 * Thread-safety: one lock per server serialises its traffic; the
 * registry's lock guards states, tool lists and their generation (a list
 * is built aside and swapped in, so readers never see one being freed).
 * Ownership: an mcp owns its servers, their processes and tool lists.
 */
#ifndef ARCHIE_MCP_H
#define ARCHIE_MCP_H

#include "core/diag.h"
#include "core/strbuf.h"
#include "core/strvec.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sys/types.h>

struct config;

#define MCP_PROTOCOL_VERSION "2025-06-18"

enum mcp_state { MCP_CONFIGURED, MCP_STARTING, MCP_READY, MCP_FAILED };

struct mcp_tool {
	char *name;			/* the server's name for it */
	char *full;			/* mcp__<server>__<name> */
	char *description;
	char *schema;			/* its inputSchema, as JSON text */
};

struct mcp_server {
	char *name;
	char *source;			/* the file it was configured in */
	char *command;
	struct strvec args, env;	/* env: "NAME=value" */
	char *url;			/* a Streamable HTTP server, or NULL */
	struct strvec headers;		/* its "Name: value" headers */
	char *session_id;		/* Mcp-Session-Id, once given */
	enum mcp_state state;
	char *error;			/* why it failed */
	char *protocol;			/* the version agreed */
	int reported;			/* the failure was told to the user */
	struct mcp_tool *tools;
	size_t tools_nr, tools_alloc;
	int list_changed;
	pid_t pid;
	int to_fd, from_fd;		/* its stdin, its stdout */
	long next_id;
	struct strbuf in;		/* bytes read, not yet a whole line */
	pthread_mutex_t lock;
	pthread_t thread;
	int thread_started;
};

struct mcp {
	struct mcp_server *v;
	size_t nr, alloc;
	long start_timeout_ms;		/* 0: 10 s */
	long call_timeout_ms;		/* 0: 120 s */
	char *log_dir;			/* where servers' stderr goes; NULL: discarded */
	struct diag_list diags;		/* configuration problems */
	unsigned long tools_gen;	/* counts up when any tool list changes */
	pthread_mutex_t lock;		/* states, tool lists, tools_gen */
	pthread_cond_t cv;
};

void mcp_init(struct mcp *m);
void mcp_release(struct mcp *m);

/* Reads the configuration (.mcp.json under root, cfg's mcpServers).
 * Problems go to m->diags. */
void mcp_load(struct mcp *m, const struct config *cfg, const char *root);

/* Starts every configured server in the background. */
void mcp_start(struct mcp *m);

/* Waits until no server is starting, or timeout_ms passed (those still
 * starting are then marked failed: "did not answer within N ms"). */
void mcp_wait(struct mcp *m, long timeout_ms);

/* Failures not reported yet, one line each (appended); marks them told. */
void mcp_take_failures(struct mcp *m, struct strbuf *out);

/* A copy of every ready server's tools, taken under the lock, so other
 * threads may list them again meanwhile (free with mcp_tools_free); gen
 * (may be NULL) gets the generation the copy is of. */
size_t mcp_tools_copy(struct mcp *m, struct mcp_tool **out, unsigned long *gen);
void mcp_tools_free(struct mcp_tool *v, size_t n);
/* The tool lists' generation: different whenever any list changed. */
unsigned long mcp_tools_generation(struct mcp *m);

/* Runs a tool: 0 with the rendered result in out (*is_error set from
 * isError), or -1 with the error in out. */
int mcp_call(struct mcp *m, const char *full, const char *args_json, struct strbuf *out,
	     int *is_error, json_t **images, volatile sig_atomic_t *cancel);

/* Lists a server's tools again when it said they changed.  Returns how
 * many servers were listed again. */
int mcp_refresh(struct mcp *m);

const char *mcp_state_name(enum mcp_state s);

#endif
