/*
 * Fuzz target: the design-document checker on arbitrary Markdown (SQLite
 * only: no PostgreSQL is started), and the OpenAPI and SQL exports.  Every
 * input must give a report, never a crash, hang or leak.
 */
#include "core/strbuf.h"
#include "design/design.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct design_opts o;
	struct design_report r;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	if (size > 65536)
		return 0;
	memset(&o, 0, sizeof(o));
	o.sqlite_only = 1;
	design_report_init(&r);
	design_check("fuzz.md", (const char *)data, size, &o, &r, &err);
	design_report_text(&r, "fuzz.md", &out);
	design_report_release(&r);
	strbuf_reset(&out);
	design_export_openapi("fuzz.md", (const char *)data, size, &out, &err);
	strbuf_reset(&out);
	design_export_sql("fuzz.md", (const char *)data, size, &out, &err);
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}
