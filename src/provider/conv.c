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

/*
 * Text enters the conversation as valid UTF-8 (invalid bytes become
 * U+FFFD): a command that prints binary must not make the next request
 * impossible to encode.
 */
static char *utf8_dup(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i = 0;

	if (utf8_valid(s, len, NULL))
		return xmemdupz(s, len);
	while (i < len) {
		size_t n = utf8_seq_len(s + i, len - i);

		if (n && !(n == 1 && !s[i])) {
			strbuf_add(&sb, s + i, n);
			i += n;
		} else {
			strbuf_addstr(&sb, "\xef\xbf\xbd");
			i++;
		}
	}
	return strbuf_detach(&sb, NULL);
}

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

char *conv_msg_text(const struct conv_msg *m)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < m->nr; i++)
		if (m->blocks[i].type == CONV_TEXT)
			strbuf_addstr(&sb, m->blocks[i].text);
	return strbuf_detach(&sb, NULL);
}
