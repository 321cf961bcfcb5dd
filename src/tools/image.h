/*
 * image: making an image small enough for a model.
 *
 * Models take images up to a size (Anthropic: 5 MB of base64, best at up
 * to 1568 pixels on the long edge; OpenAI: 20 MB).  image_fit() returns
 * the image as it is when it fits, else decodes it, scales it down and
 * encodes it again (JPEG for photographs, PNG otherwise), with libgd,
 * which is loaded on first use: its own libraries (libpng, libjpeg,
 * libwebp, libtiff, fontconfig...) would otherwise cost every archie
 * process at start.
 *
 * Ownership: out is the caller's; *type points to a static string.
 */
#ifndef ARCHIE_IMAGE_H
#define ARCHIE_IMAGE_H

#include "core/strbuf.h"

#include <stddef.h>

/* The longest edge sent, in pixels, and the most bytes. */
#define IMAGE_MAX_EDGE 1568
#define IMAGE_MAX_BYTES ((size_t)3750000)

/* data (len bytes of media type *type) fitted into max_bytes and
 * max_edge: appended to out, *type updated, *w and *h set when known
 * (0 when the image was sent as it is and not decoded).  Returns 0, or -1
 * with err (libgd missing, an image it cannot decode, or one that does not
 * fit even scaled down). */
int image_fit(const char **type, const unsigned char *data, size_t len, size_t max_bytes,
	      unsigned max_edge, int *w, int *h, struct strbuf *out, struct strbuf *err);

#endif
