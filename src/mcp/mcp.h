/*
 * mcp: a Model Context Protocol client, so agents can use what MCP servers
 * provide: tools (`mcp__<server>__<tool>`), resources, prompts.
 *
 * Servers are configured in the project's .mcp.json, the format users
 * already have ({"mcpServers": {"name": {"command", "args", "env"}}} for
 * stdio, {"type": "http" | "sse", "url", "headers"} for remote ones), and
 * under `mcpServers:` in archie's config.yaml (mcp_config.c, which also
 * edits .mcp.json for `archie mcp add|remove`).  Three transports: stdio
 * (newline-delimited JSON-RPC 2.0; stderr to a log file; a scrubbed
 * environment), Streamable HTTP and the older HTTP+SSE (mcp_http.c).
 *
 * mcp_start() starts every server in its own thread and returns at once;
 * each runs the `initialize` handshake (protocol 2025-06-18 offered,
 * 2025-06-18 / 2025-03-26 / 2024-11-05 accepted; capabilities roots,
 * sampling and elicitation offered), then lists tools (and prompts, when
 * the server has them).  A server that cannot start is marked failed with
 * the reason, reported once; the session goes on.  mcp_wait() waits
 * (bounded) for the servers still starting.
 *
 * Servers may ask archie things while a call runs (mcp_rpc.c): `ping`,
 * `roots/list` (the workspace, mcp_set_roots), `sampling/createMessage`
 * and `elicitation/create` (answered through struct mcp_client, the
 * caller's: the loop's model, policy and user).  Their notifications are
 * heard: list changes, progress (to the call's on_progress), log messages
 * (the session log; warnings and worse to the client's notice), resource
 * updates.  An interrupted or timed-out request is cancelled
 * (`notifications/cancelled`).  A stdio server that dies is started again
 * once, with a notice.
 *
 * Names: tools are offered under names the model APIs accept
 * (toolname_mcp_offer: `mcp__my.server__x` becomes `mcp__my_server__x`,
 * long or colliding names get a hash), mapped back to the server's names
 * for the call; rules written with either name match (toolname_mcp_match).
 *
 * Thread-safety: one lock per server serialises its traffic; the
 * registry's lock guards states, tool lists and their generation (a list
 * is built aside and swapped in, so readers never see one being freed).
 * Ownership: an mcp owns its servers, their processes and lists; the
 * copies mcp_*_copy and the results returned are the caller's.
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
struct mcp_sse;

#define MCP_PROTOCOL_VERSION "2025-06-18"

enum mcp_state { MCP_CONFIGURED, MCP_STARTING, MCP_READY, MCP_FAILED };
enum mcp_transport { MCP_STDIO, MCP_HTTP, MCP_SSE };

struct mcp_tool {
	char *name;			/* the server's name for it */
	char *full;			/* the name offered: mcp__<server>__<name>, sanitised */
	char *server;			/* the server's configured name */
	char *description;
	char *schema;			/* its inputSchema, as JSON text */
	char *annotations;		/* its annotations (JSON text), or NULL */
	int task_required;		/* execution.taskSupport "required": not offered */
};

struct mcp_prompt {
	char *name;
	char *description;
	char *arguments;		/* its arguments (JSON array text), or NULL */
};

/*
 * What a caller lends a request, for what the server asks or says while
 * it runs.  Every member may be NULL/0.
 */
struct mcp_client {
	/* sampling/createMessage: params as the server sent them; 0 with
	 * *result (a new reference: {role, content, model, stopReason}), or
	 * -1 with err (the server gets it as an error) */
	int (*sample)(void *ud, const char *server, json_t *params, json_t **result,
		      struct strbuf *err);
	/* elicitation/create: 0 with *result ({action, content}) */
	int (*elicit)(void *ud, const char *server, json_t *params, json_t **result,
		      struct strbuf *err);
	/* a progress notification for this request, in words */
	void (*progress)(void *ud, const char *line);
	/* something the user should see (a server's warning, a restart) */
	void (*notice)(void *ud, const char *msg);
	/* every log message a server sends (notifications/message): its
	 * level ("info", "warning"...) and text, for the session's record */
	void (*log)(void *ud, const char *server, const char *level, const char *text);
	void *ud;
	volatile sig_atomic_t *cancel;	/* Ctrl-C: the request is cancelled */
};

struct mcp_server {
	char *name;
	char *source;			/* the file it was configured in */
	enum mcp_transport transport;
	char *command;
	struct strvec args, env;	/* env: "NAME=value" */
	char *url;			/* a remote server, or NULL */
	struct strvec headers;		/* its "Name: value" headers */
	char *session_id;		/* Mcp-Session-Id, once given */
	char *oauth_token;		/* its OAuth access token (a secret), or NULL */
	enum mcp_state state;
	char *error;			/* why it failed */
	char *protocol;			/* the version agreed */
	char *instructions;		/* the server's instructions, or NULL */
	json_t *capabilities;		/* what it said it can do */
	json_t *server_info;		/* its serverInfo */
	int reported;			/* the failure was told to the user */
	int restarts;			/* times it was started again */
	struct mcp_tool *tools;
	size_t tools_nr, tools_alloc;
	struct mcp_prompt *prompts;
	size_t prompts_nr;
	int list_changed;		/* tools/list_changed heard (atomic) */
	int prompts_changed;		/* prompts/list_changed heard (atomic) */
	int roots_sent;			/* roots generation last told */
	struct strvec updated;		/* resources/updated URIs not yet seen */
	pid_t pid;
	int to_fd, from_fd;		/* its stdin, its stdout */
	long next_id;
	struct strbuf in;		/* bytes read, not yet a whole line */
	struct mcp_sse *sse;		/* the HTTP+SSE transport's stream */
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
	char *auth_file;		/* OAuth tokens (mcp_oauth.c); NULL: none kept */
	struct diag_list diags;		/* configuration problems */
	unsigned long tools_gen;	/* counts up when any tool list changes */
	struct strvec roots;		/* the directories offered as roots */
	int roots_gen;			/* counts up when they change */
	struct mcp_client idle;		/* who hears what servers say between calls */
	pthread_t watch;		/* answers servers between calls (mcp.c) */
	int watching;
	pthread_mutex_t lock;		/* states, lists, tools_gen, roots */
	pthread_cond_t cv;
};

void mcp_init(struct mcp *m);
void mcp_release(struct mcp *m);

/* Reads the configuration (.mcp.json under root, cfg's mcpServers).
 * Problems go to m->diags. */
void mcp_load(struct mcp *m, const struct config *cfg, const char *root);

/* The directories offered as roots (absolute paths; the first is the
 * workspace).  Servers hear `notifications/roots/list_changed` when they
 * change after start. */
void mcp_set_roots(struct mcp *m, const struct strvec *dirs);

/* Starts every configured server in the background. */
void mcp_start(struct mcp *m);

/* Waits until no server is starting, or timeout_ms passed (those still
 * starting are then marked failed: "did not answer within N ms"). */
void mcp_wait(struct mcp *m, long timeout_ms);

/* Failures not reported yet, one line each (appended); marks them told. */
void mcp_take_failures(struct mcp *m, struct strbuf *out);

/* A copy of every ready server's tools, taken under the lock, so other
 * threads may list them again meanwhile (free with mcp_tools_free); gen
 * (may be NULL) gets the generation the copy is of.  Tools that need
 * task augmentation are included, marked (callers do not offer them). */
size_t mcp_tools_copy(struct mcp *m, struct mcp_tool **out, unsigned long *gen);
void mcp_tools_free(struct mcp_tool *v, size_t n);
/* The tool lists' generation: different whenever any list changed. */
unsigned long mcp_tools_generation(struct mcp *m);

/* 1 if the ready server (NULL: any ready server) said it has the
 * capability ("resources", "prompts", ...). */
int mcp_server_has(struct mcp *m, const char *server, const char *capability);

/* The ready server of that name, or NULL. */
struct mcp_server *mcp_find(struct mcp *m, const char *name);

/* Runs a tool, named as offered (mcp__server__tool): 0 with the rendered
 * result in out (*is_error set from isError), or -1 with the error in
 * out.  images: see mcp_render.  c may be NULL. */
int mcp_call(struct mcp *m, const char *full, const char *args_json, struct strbuf *out,
	     int *is_error, json_t **images, const struct mcp_client *c);
/* The same, naming the server and its own tool name. */
int mcp_call_tool(struct mcp *m, const char *server, const char *tool, const char *args_json,
		  struct strbuf *out, int *is_error, json_t **images, const struct mcp_client *c);

/* One request to a named server (resources/list, prompts/get...): 0
 * with *result (a new reference) or -1 with err.  Lists follow every
 * `nextCursor` when key names the array to gather. */
int mcp_request(struct mcp *m, const char *server, const char *method, json_t *params,
		const char *key, const struct mcp_client *c, json_t **result, struct strbuf *err);

/* resources/read of uri, rendered as text for the model (fenced as the
 * server's data) into out.  server NULL: the first server whose resource
 * list or templates claim the URI's scheme, else each in turn. */
int mcp_read_resource(struct mcp *m, const char *server, const char *uri,
		      const struct mcp_client *c, struct strbuf *out);

/* prompts/get: the prompt's messages as one text (user turns), in out. */
int mcp_get_prompt(struct mcp *m, const char *server, const char *prompt, json_t *args,
		   const struct mcp_client *c, struct strbuf *out, struct strbuf *err);

/* A slash command /mcp__server__prompt (name without the '/', the
 * names sanitised as tools' are): args_text's words fill the prompt's
 * arguments in order (NAME=value names one; the last takes the rest;
 * quotes group), then prompts/get.  0 with the prompt's text in out, or
 * -1 with err (an unknown prompt, a missing required argument). */
int mcp_prompt_command(struct mcp *m, const char *name, const char *args_text,
		       const struct mcp_client *c, struct strbuf *out, struct strbuf *err);

/* `@server:uri` in a prompt: text copied to out, and each mentioned
 * resource of a ready server read and appended to attached (fenced as
 * the server's data; a failure said there).  Returns how many were read. */
int mcp_expand_mentions(struct mcp *m, const char *text, const struct mcp_client *c,
			struct strbuf *out, struct strbuf *attached);

/* Every ready server's prompts as "mcp__server__prompt" names with their
 * descriptions ("name\tdescription"), for the slash-command list. */
void mcp_prompt_names(struct mcp *m, struct strvec *out);

/* The servers' instructions, each fenced as that server's words, for the
 * system prompt (appended; nothing when none gave any). */
void mcp_instructions(struct mcp *m, struct strbuf *out);

/* Renders a result's content for the model: text as is, resources with
 * their URI, links named; images into *images (an array of {mimeType,
 * data}) when images is not NULL, else described. */
void mcp_render(json_t *res, struct strbuf *out, json_t **images);

/* Lists a server's tools (and prompts) again when it said they changed,
 * answers what servers asked meanwhile, tells them changed roots.
 * Returns how many servers were listed again. */
int mcp_refresh(struct mcp *m);

const char *mcp_state_name(enum mcp_state s);
const char *mcp_transport_name(enum mcp_transport t);

/* ---- OAuth for remote servers (mcp_oauth.c) ---- */

/* `archie mcp login`: discovery, dynamic client registration, the
 * authorization code flow with PKCE through the user's browser (the URL
 * told through c->notice; c->cancel stops the wait), tokens kept in
 * m->auth_file.  0, or -1 with err. */
int mcp_oauth_login(struct mcp *m, struct mcp_server *s, const struct mcp_client *c,
		    struct strbuf *err);
/* The tokens earlier logins stored, for the remote servers (read from
 * m->auth_file, no network), so mcp_secrets knows them. */
void mcp_load_tokens(struct mcp *m);
/* `archie mcp logout`: forgets the tokens of the server at url: 0, 1 if
 * there were none, -1 with err. */
int mcp_oauth_logout(struct mcp *m, const char *url, struct strbuf *err);
/* The values archie must never record or show: the servers' configured
 * env and header values, their OAuth tokens (appended). */
void mcp_secrets(struct mcp *m, struct strvec *out);

/* ---- configuration files (mcp_config.c) ---- */

/* `archie mcp add`: adds server name (def: its JSON definition) to the
 * project's .mcp.json (scope "project") or to the user's config.yaml's
 * mcpServers ("user", path given).  -1 with err when it exists already. */
int mcp_config_add(const char *file, const char *name, json_t *def, struct strbuf *err);
/* `archie mcp remove`: 0, 1 when the file has no such server, -1 on error. */
int mcp_config_remove(const char *file, const char *name, struct strbuf *err);

#endif
