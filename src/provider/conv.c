/*
 * conv: the provider-neutral conversation.  See conv.h.
 */
#include "provider/conv.h"

#include "core/strbuf.h"
#include "core/utf8.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

void conv_init(struct conv *c)
{
	static unsigned long next_generation;

	memset(c, 0, sizeof(*c));
	c->generation = __atomic_add_fetch(&next_generation, 1, __ATOMIC_RELAXED);
}

static void block_release(struct conv_block *b)
{
	free(b->text);
	free(b->id);
	free(b->name);
	free(b->input);
	free(b->signature);
}

void conv_msg_release(struct conv_msg *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		block_release(&m->blocks[i]);
	free(m->blocks);
	m->blocks = NULL;
	m->nr = m->alloc = 0;
}

void conv_release(struct conv *c)
{
	size_t i;

	for (i = 0; i < c->nr; i++)
		conv_msg_release(&c->msgs[i]);
	free(c->msgs);
	free(c->system);
	conv_init(c);
}

void conv_set_system(struct conv *c, const char *system)
{
	free(c->system);
	c->system = xstrdup_or_null(system);
}

struct conv_msg *conv_add_msg(struct conv *c, enum conv_role role)
{
	struct conv_msg *m;

	ALLOC_GROW(c->msgs, c->nr + 1, c->alloc);
	m = &c->msgs[c->nr++];
	memset(m, 0, sizeof(*m));
	m->role = role;
	return m;
}

void conv_push_msg(struct conv *c, struct conv_msg *m)
{
	ALLOC_GROW(c->msgs, c->nr + 1, c->alloc);
	c->msgs[c->nr++] = *m;
	memset(m, 0, sizeof(*m));
}

static struct conv_block *add_block(struct conv_msg *m, enum conv_block_type t)
{
	struct conv_block *b;

	ALLOC_GROW(m->blocks, m->nr + 1, m->alloc);
	b = &m->blocks[m->nr++];
	memset(b, 0, sizeof(*b));
	b->type = t;
	return b;
}

/* Text enters the conversation as valid UTF-8 (utf8_dup: invalid bytes
 * become U+FFFD): a command that prints binary must not make the next
 * request impossible to encode. */
#define utf8_dup utf8_lossy_dup

void conv_add_text(struct conv_msg *m, const char *text, size_t len)
{
	add_block(m, CONV_TEXT)->text = utf8_dup(text, len);
}

void conv_add_tool_use(struct conv_msg *m, const char *id, const char *name,
		       const char *input_json)
{
	struct conv_block *b = add_block(m, CONV_TOOL_USE);

	b->id = xstrdup(id);
	b->name = xstrdup(name);
	b->input = input_json && *input_json ? utf8_dup(input_json, strlen(input_json))
					     : xstrdup("{}");
}

void conv_add_tool_result(struct conv_msg *m, const char *id, const char *text,
			  int is_error)
{
	struct conv_block *b = add_block(m, CONV_TOOL_RESULT);

	b->id = xstrdup(id);
	b->text = utf8_dup(text, strlen(text));
	b->is_error = is_error;
}

void conv_add_thinking(struct conv_msg *m, const char *text, size_t len,
		       const char *signature)
{
	struct conv_block *b = add_block(m, CONV_THINKING);

	b->text = utf8_dup(text, len);
	b->signature = xstrdup_or_null(signature);
}

void conv_add_redacted_thinking(struct conv_msg *m, const char *data)
{
	add_block(m, CONV_REDACTED_THINKING)->text = xstrdup(data ? data : "");
}

void conv_add_opaque(struct conv_msg *m, const char *json)
{
	add_block(m, CONV_OPAQUE)->input = utf8_dup(json, strlen(json));
}

void conv_add_image(struct conv_msg *m, const char *media_type, const char *data)
{
	struct conv_block *b = add_block(m, CONV_IMAGE);

	b->name = xstrdup(media_type);
	b->text = xstrdup(data);
}

char *conv_msg_text(const struct conv_msg *m)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < m->nr; i++)
		if (m->blocks[i].type == CONV_TEXT)
			strbuf_addstr(&sb, m->blocks[i].text);
	return strbuf_detach(&sb, NULL);
}

/* ---- the stored form, and repairing what a crash left ---------------------- */

json_t *conv_msg_to_json(const struct conv_msg *m)
{
	json_t *blocks = json_array();
	size_t i;

	for (i = 0; i < m->nr; i++) {
		const struct conv_block *b = &m->blocks[i];
		json_t *o;

		switch (b->type) {
		case CONV_TEXT:
			o = json_pack("{s:s, s:s}", "type", "text", "text", b->text);
			break;
		case CONV_TOOL_USE: {
			json_error_t jerr;
			json_t *in = json_loads(b->input, 0, &jerr);

			/* arguments that are not JSON stay as the text the
			 * model sent */
			o = json_pack("{s:s, s:s, s:s, s:o}", "type", "tool_use", "id", b->id,
				      "name", b->name, "input", in ? in : json_string(b->input));
			break;
		}
		case CONV_THINKING:
			o = json_pack("{s:s, s:s}", "type", "thinking", "thinking", b->text);
			if (b->signature)
				json_object_set_new(o, "signature", json_string(b->signature));
			break;
		case CONV_REDACTED_THINKING:
			o = json_pack("{s:s, s:s}", "type", "redacted_thinking", "data", b->text);
			break;
		case CONV_OPAQUE: {
			json_error_t jerr;

			o = json_loads(b->input, 0, &jerr);
			if (!json_is_object(o)) {
				json_decref(o);
				o = json_pack("{s:s, s:s}", "type", "opaque", "json", b->input);
			}
			break;
		}
		case CONV_IMAGE:
			o = json_pack("{s:s, s:s, s:s}", "type", "image", "media_type", b->name,
				      "data", b->text);
			break;
		default:
			o = json_pack("{s:s, s:s, s:s, s:b}", "type", "tool_result",
				      "tool_use_id", b->id, "content", b->text,
				      "is_error", b->is_error);
			break;
		}
		json_array_append_new(blocks, o);
	}
	return json_pack("{s:s, s:o}", "role", m->role == CONV_USER ? "user" : "assistant",
			 "content", blocks);
}

void conv_msg_from_json(json_t *content, struct conv_msg *m)
{
	json_t *b;
	size_t i;

	json_array_foreach(content, i, b) {
		const char *type = json_string_value(json_object_get(b, "type"));

		if (!type)
			continue;
		if (!strcmp(type, "text")) {
			const char *t = json_string_value(json_object_get(b, "text"));

			if (t && *t)
				conv_add_text(m, t, strlen(t));
		} else if (!strcmp(type, "tool_use")) {
			json_t *in = json_object_get(b, "input");
			char *text = json_is_string(in) ? NULL : json_dumps(in ? in : json_object(),
									     JSON_COMPACT);

			conv_add_tool_use(m, json_string_value(json_object_get(b, "id")),
					  json_string_value(json_object_get(b, "name")),
					  text ? text : json_string_value(in));
			free(text);
		} else if (!strcmp(type, "tool_result")) {
			const char *c = json_string_value(json_object_get(b, "content"));

			conv_add_tool_result(m, json_string_value(json_object_get(b, "tool_use_id")),
					     c ? c : "",
					     json_is_true(json_object_get(b, "is_error")));
		} else if (!strcmp(type, "thinking")) {
			const char *t = json_string_value(json_object_get(b, "thinking"));

			conv_add_thinking(m, t ? t : "", t ? strlen(t) : 0,
					  json_string_value(json_object_get(b, "signature")));
		} else if (!strcmp(type, "image") &&
			   json_string_value(json_object_get(b, "media_type")) &&
			   json_string_value(json_object_get(b, "data"))) {
			conv_add_image(m, json_string_value(json_object_get(b, "media_type")),
				       json_string_value(json_object_get(b, "data")));
		} else if (!strcmp(type, "redacted_thinking")) {
			conv_add_redacted_thinking(m, json_string_value(json_object_get(b, "data")));
		} else {
			/* a server's block archie keeps as it came */
			char *j = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER);

			if (j)
				conv_add_opaque(m, j);
			free(j);
		}
	}
}

#define INTERRUPTED_ANSWER "(interrupted: archie stopped before the model answered this; what was asked may not be done)"
#define INTERRUPTED_RESULT "error: interrupted before completion: archie stopped before this call finished, so whether it ran or what it did is unknown; check before repeating it"

/* Every tool_use of an assistant message from start on answered in the
 * next user message.  Returns the index of the first message it changed
 * (conv->nr if none). */
static size_t repair_results(struct conv *conv, size_t start)
{
	size_t i, first = conv->nr;

	for (i = start; i < conv->nr; i++) {
		struct conv_msg *a = &conv->msgs[i], *u;
		size_t k, j;

		if (a->role != CONV_ASSISTANT)
			continue;
		for (k = 0; k < a->nr; k++) {
			int answered = 0;

			if (a->blocks[k].type != CONV_TOOL_USE)
				continue;
			u = i + 1 < conv->nr && conv->msgs[i + 1].role == CONV_USER ? &conv->msgs[i + 1] : NULL;
			for (j = 0; u && j < u->nr; j++)
				if (u->blocks[j].type == CONV_TOOL_RESULT &&
				    !strcmp(u->blocks[j].id, a->blocks[k].id))
					answered = 1;
			if (answered)
				continue;
			if (!u) {
				/* a user message right after a: insert one */
				struct conv_msg nm;

				memset(&nm, 0, sizeof(nm));
				nm.role = CONV_USER;
				conv_push_msg(conv, &nm);
				memmove(&conv->msgs[i + 2], &conv->msgs[i + 1],
					(conv->nr - i - 2) * sizeof(*conv->msgs));
				memset(&conv->msgs[i + 1], 0, sizeof(conv->msgs[i + 1]));
				conv->msgs[i + 1].role = CONV_USER;
				a = &conv->msgs[i];
				u = &conv->msgs[i + 1];
			}
			conv_add_tool_result(u, a->blocks[k].id, INTERRUPTED_RESULT, 1);
			/* results come first in a user message (Anthropic) */
			if (u->nr > 1) {
				struct conv_block last = u->blocks[u->nr - 1];
				size_t pos = 0;

				while (pos < u->nr - 1 && u->blocks[pos].type == CONV_TOOL_RESULT)
					pos++;
				memmove(&u->blocks[pos + 1], &u->blocks[pos],
					(u->nr - 1 - pos) * sizeof(*u->blocks));
				u->blocks[pos] = last;
			}
			if (i + 1 < first)
				first = i + 1;
		}
	}
	return first;
}

size_t conv_repair(struct conv *conv, size_t start)
{
	size_t first = repair_results(conv, start);

	/* ending with a user message (a prompt or results the model never
	 * answered): say so as the answer, so the next prompt keeps the
	 * roles alternating, as the Anthropic API wants */
	if (conv->nr > start && conv->msgs[conv->nr - 1].role == CONV_USER) {
		struct conv_msg *a = conv_add_msg(conv, CONV_ASSISTANT);

		conv_add_text(a, INTERRUPTED_ANSWER, strlen(INTERRUPTED_ANSWER));
	}
	return first;
}

int conv_push_merged(struct conv *conv, size_t start, struct conv_msg *m)
{
	struct conv_msg *prev;
	size_t k;

	if (conv->nr <= start || conv->msgs[conv->nr - 1].role != m->role) {
		conv_push_msg(conv, m);
		return 0;
	}
	/* two in a row: one message, as every API wants alternation */
	prev = &conv->msgs[conv->nr - 1];
	for (k = 0; k < m->nr; k++) {
		const struct conv_block *bl = &m->blocks[k];

		if (bl->type == CONV_TEXT)
			conv_add_text(prev, bl->text, strlen(bl->text));
		else if (bl->type == CONV_TOOL_USE)
			conv_add_tool_use(prev, bl->id, bl->name, bl->input);
		else
			conv_add_tool_result(prev, bl->id, bl->text, bl->is_error);
	}
	conv_msg_release(m);
	return 1;
}
