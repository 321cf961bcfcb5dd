/*
 * conv: the conversation, in archie's own terms.
 *
 * The loop builds a conversation of user and assistant messages, each a list
 * of content blocks: text, a tool call the model made (tool_use), or the
 * result archie sends back (tool_result).  Providers translate it to their
 * wire format (Anthropic keeps tool results as blocks of a user message;
 * OpenAI turns each into a "tool" role message) and the store saves it as
 * JSON, so nothing outside src/provider/ knows a wire format.
 *
 * Ownership: a conversation owns its messages, a message its blocks, a
 * block its strings.  The add functions copy their string arguments.
 *
 * Messages are immutable once appended; the conversation only grows,
 * until conv_release() starts a new generation.  Providers rely on this to
 * encode each message once (struct provider_cache).
 */
#ifndef ARCHIE_CONV_H
#define ARCHIE_CONV_H

#include <jansson.h>
#include <stddef.h>

enum conv_role { CONV_USER, CONV_ASSISTANT };

/*
 * THINKING is a model's reasoning: Anthropic's thinking block (with the
 * signature the API checks when it is sent back in a tool loop) or an
 * OpenAI-compatible server's reasoning_content (no signature).
 * REDACTED_THINKING is Anthropic's encrypted reasoning, sent back as is.
 * IMAGE is an image for the model (name: its media type, text: its bytes
 * in base64), after the tool result that produced it.
 * OPAQUE is a block archie does not interpret but must keep in the
 * conversation as the server sent it (Anthropic's server-side tools:
 * server_tool_use, web_search_tool_result, ...): its JSON, verbatim.
 */
enum conv_block_type {
	CONV_TEXT, CONV_TOOL_USE, CONV_TOOL_RESULT, CONV_THINKING, CONV_REDACTED_THINKING,
	CONV_OPAQUE, CONV_IMAGE,
};

struct conv_block {
	enum conv_block_type type;
	char *text;		/* TEXT; TOOL_RESULT: the result text; THINKING: the
				 * reasoning; REDACTED_THINKING: its data */
	char *id;		/* TOOL_USE, TOOL_RESULT: the call id */
	char *name;		/* TOOL_USE */
	char *input;		/* TOOL_USE: arguments as JSON text; OPAQUE: the block's JSON */
	char *signature;	/* THINKING: Anthropic's signature, or NULL */
	int is_error;		/* TOOL_RESULT */
};

struct conv_msg {
	enum conv_role role;
	struct conv_block *blocks;
	size_t nr, alloc;
};

struct conv {
	char *system;
	struct conv_msg *msgs;
	size_t nr, alloc;
	unsigned long generation;	/* changes on init and release */
};

void conv_init(struct conv *c);
void conv_release(struct conv *c);
void conv_set_system(struct conv *c, const char *system);

/* Appends an empty message and returns it (valid until the next append). */
struct conv_msg *conv_add_msg(struct conv *c, enum conv_role role);
void conv_msg_release(struct conv_msg *m);
/* Moves m into c (m is left empty). */
void conv_push_msg(struct conv *c, struct conv_msg *m);

void conv_add_text(struct conv_msg *m, const char *text, size_t len);
void conv_add_tool_use(struct conv_msg *m, const char *id, const char *name,
		       const char *input_json);
void conv_add_tool_result(struct conv_msg *m, const char *id, const char *text,
			  int is_error);

void conv_add_thinking(struct conv_msg *m, const char *text, size_t len,
		       const char *signature);
void conv_add_redacted_thinking(struct conv_msg *m, const char *data);
void conv_add_opaque(struct conv_msg *m, const char *json);
/* media_type: image/png, image/jpeg, image/gif, image/webp; data: base64. */
void conv_add_image(struct conv_msg *m, const char *media_type, const char *data);

/* All the text blocks of m concatenated (caller frees). */
char *conv_msg_text(const struct conv_msg *m);

/* A message as stored: {"role", "content": [blocks]} (a new reference). */
json_t *conv_msg_to_json(const struct conv_msg *m);
/* Adds the blocks of a stored message's content (a JSON array) to m. */
void conv_msg_from_json(json_t *content, struct conv_msg *m);
/* Moves m into conv, merged into the last message when it has the same
 * role (from index start on): returns 1 when merged (m is released). */
int conv_push_merged(struct conv *conv, size_t start, struct conv_msg *m);
/* Makes conv from start on a valid request after a crash: every tool call
 * answered in the next user message (an "interrupted" error result, the
 * results first, as Anthropic wants), and a last user message answered by
 * an assistant message saying the session was interrupted.  Returns the
 * index of the first message it changed (conv->nr if none). */
size_t conv_repair(struct conv *conv, size_t start);

/* A tool the model may call: name, description, JSON Schema of its input
 * (borrowed). */
struct conv_tool {
	const char *name;
	const char *description;
	json_t *schema;
	/* a tool the provider runs itself (Anthropic's web_search): its
	 * definition, sent as is; the calls and results come back as the
	 * server's own blocks.  NULL: archie runs it */
	json_t *server;
};

#endif
