/*
 * bench_render: the REPL's cost per streamed token.  A long Markdown
 * answer (headings, paragraphs with emphasis and code, lists, tables,
 * fenced code) goes through the renderer as a server streams it, a token
 * (4 characters) per chunk, to /dev/null with colour on; archie's CPU per
 * token, and what 200 tokens a second would cost of one core (target:
 * under 5%).  Reference: the same bytes written by fwrite alone.
 */
#include "cli/render.h"
#include "core/strbuf.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	static const char part[] =
		"## The order service\n\nIt keeps **orders** and *payments* apart; see `src/orders.c` "
		"and [the design](https://example.com/design).\n\n"
		"| Endpoint | Method | Notes |\n| --- | --- | --- |\n| /orders | POST | idempotent |\n"
		"| /orders/{id} | GET | one order |\n\n- first point\n- second point\n\n"
		"```c\nint add(int a, int b)\n{\n\treturn a + b;\n}\n```\n\n";
	struct strbuf text = STRBUF_INIT_CAP((size_t)64 << 20);
	FILE *null = fopen("/dev/null", "w");
	struct render r;
	double t0, t_render, t_write;
	size_t off, tokens;
	int i;

	while (text.len < ((size_t)2 << 20))
		strbuf_addstr(&text, part);
	tokens = text.len / 4;
	render_init(&r, null, 1);
	t0 = cpu_now();
	for (off = 0; off < text.len; off += 4)
		render_text(&r, text.buf + off, text.len - off < 4 ? text.len - off : 4);
	render_flush(&r);
	t_render = cpu_now() - t0;
	render_release(&r);
	t0 = cpu_now();
	for (i = 0, off = 0; off < text.len; off += 4, i++)
		fwrite(text.buf + off, 1, text.len - off < 4 ? text.len - off : 4, null);
	fflush(null);
	t_write = cpu_now() - t0;
	printf("REPL rendering    %.2f µs CPU a token (%zu tokens of Markdown, 4 characters a chunk): %.3f%% of a core at 200 tokens/s (%s: target under 5%%); fwrite alone %.2f µs a token\n",
	       t_render / (double)tokens * 1e6, tokens, t_render / (double)tokens * 200 * 100,
	       t_render / (double)tokens * 200 < 0.05 ? "met" : "MISSED",
	       t_write / (double)tokens * 1e6);
	fclose(null);
	strbuf_release(&text);
	return 0;
}
