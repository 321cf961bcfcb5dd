/*
 * headtail: keep the start and the end of output too large to keep whole.
 *
 * Commands and tools can print gigabytes; the model needs the beginning
 * (what ran, the first error) and the end (the summary, the last error).
 * A headtail keeps the first `head_cap` bytes and the last `tail_cap`
 * bytes of everything added, and counts the rest.
 *
 * Ownership: the headtail owns its buffers (headtail_release).
 */
#ifndef ARCHIE_HEADTAIL_H
#define ARCHIE_HEADTAIL_H

#include "core/strbuf.h"

#include <stddef.h>

struct headtail {
	struct strbuf head;
	char *ring;		/* the last tail_cap bytes, circular */
	size_t tail_cap;
	size_t ring_len;	/* bytes in the ring (<= tail_cap) */
	size_t ring_pos;	/* where the next byte goes */
	size_t total;		/* every byte added */
};

void headtail_init(struct headtail *h, size_t head_cap, size_t tail_cap);
void headtail_release(struct headtail *h);
void headtail_add(struct headtail *h, const char *data, size_t len);
/* Bytes added but kept in neither part. */
size_t headtail_omitted(const struct headtail *h);
/*
 * Appends the kept text to out; when something was cut, the head and the
 * tail are joined by a line saying how many bytes were left out and `hint`
 * (how to see more), e.g. "[... 1.2 MB omitted; re-run with | grep ...]".
 */
void headtail_render(const struct headtail *h, const char *hint,
		     struct strbuf *out);

/*
 * Appends what was added from offset from (of everything added) on, as
 * far as it is kept, to out; a line saying how much was lost (with hint)
 * stands where the middle was cut.  Returns the offset to read from next
 * (h->total): a reader that follows a running command's output calls it
 * again with that.
 */
size_t headtail_since(const struct headtail *h, size_t from, const char *hint,
		      struct strbuf *out);

/* Caps text already in memory the same way (head_cap + tail_cap bytes). */
void headtail_cap_text(const char *text, size_t len, size_t head_cap,
		       size_t tail_cap, const char *hint, struct strbuf *out);

#endif
