/*
 * split: the input of two-part fuzz targets, cut at its first NUL into two
 * NUL-terminated strings (the second empty when there is no NUL).  The
 * caller frees the returned buffer, which holds both.
 */
#ifndef ARCHIE_FUZZ_SPLIT_H
#define ARCHIE_FUZZ_SPLIT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline char *fuzz_split(const uint8_t *data, size_t size, char **second)
{
	char *buf = malloc(size + 2);

	memcpy(buf, data, size);
	buf[size] = '\0';
	buf[size + 1] = '\0';
	*second = buf + strlen(buf) + 1;
	if (*second > buf + size)
		*second = buf + size;
	return buf;
}

#endif
