/*
 * Fuzz target: what an MCP server sends, made safe for the model and the
 * APIs.  The input is cut at its first NUL: the first part is a server's
 * result (JSON, rendered by mcp_render as the model would see it, with
 * and without a place for images), both parts are a server's and a tool's
 * names (toolname_mcp_offer must give a name the model APIs accept, and
 * toolname_mcp_match must find it from the names as written).  Built by
 * `make fuzz` with libFuzzer, and by `make test` as a replay of the kept
 * corpus in tests/fuzz/corpus/fuzz_mcp/.
 */
#include "core/strbuf.h"
#include "core/toolnames.h"
#include "mcp/mcp.h"
#include "split.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int api_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *tool, *server = fuzz_split(data, size, &tool);
	char offered[TOOLNAME_MCP_MAX + 1], hashed[TOOLNAME_MCP_MAX + 1], ref[600];
	json_t *res = json_loads(server, JSON_DECODE_ANY, NULL), *images = json_array();
	struct strbuf out = STRBUF_INIT;

	/* any result, any shape: text, never a crash */
	mcp_render(res, &out, NULL);
	mcp_render(res, &out, &images);
	if (!json_is_array(images))
		abort();
	/* names the model APIs accept, found again from the originals */
	if (strlen(server) < 200 && strlen(tool) < 200 && !strstr(server, "__")) {
		toolname_mcp_offer(server, tool, 0, offered);
		toolname_mcp_offer(server, tool, 1, hashed);
		if (!api_name(offered) || !api_name(hashed))
			abort();
		snprintf(ref, sizeof(ref), "mcp__%s__%s", server, tool);
		if (*server && *tool && !strpbrk(ref, "*?[]") &&
		    (!toolname_mcp_match(ref, offered) || !toolname_mcp_match(ref, hashed)))
			abort();
	}
	strbuf_release(&out);
	json_decref(images);
	json_decref(res);
	free(server);
	return 0;
}
