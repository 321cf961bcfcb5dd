/*
 * Unit tests for agent/routing: the two ways agent files write routing
 * tables (a Markdown table in the body, a `routing:` list in the
 * frontmatter) give the same routes; located errors for malformed
 * frontmatter; whole-word, case-insensitive, phrase-aware matching.
 */
#include "testutil.h"

#include "agent/agent.h"
#include "agent/routing.h"
#include "core/diag.h"
#include "core/strbuf.h"

static struct agent *load(const char *rel, struct diag_list *dl)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/agents/routing/%s", TEST_DATA_DIR, rel);
	return agent_load_file(path, dl);
}

static struct agent *parse(const char *s, struct diag_list *dl)
{
	return agent_parse("x.md", s, strlen(s), dl);
}

/* The routes as "agent: kw,kw" lines. */
static void routes_text(const struct agent *a, struct strbuf *out)
{
	size_t i, k;

	for (i = 0; i < a->routes_nr; i++) {
		strbuf_addf(out, "%s:", a->routes[i].agent);
		for (k = 0; k < a->routes[i].keywords.nr; k++)
			strbuf_addf(out, "%s%s", k ? "," : " ", a->routes[i].keywords.v[k]);
		strbuf_addch(out, '\n');
	}
}

static const char expected_routes[] =
	"aws-specialist: AWS,EKS,Lambda,S3\n"
	"kubernetes-expert: Kubernetes,K8s,kubectl,pods,helm\n"
	"deployment-engineer: CI/CD,GitHub Actions\n"
	"security-auditor: security,OAuth,JWT,vulnerability\n"
	"database-optimizer: database,PostgreSQL,MySQL,MongoDB\n"
	"performance-engineer: performance,latency,profiling\n"
	"typescript-pro: Node.js,npm\n"
	"performance-engineer: rate limit,cache\n";

static void test_table_and_frontmatter_agree(void **state)
{
	struct diag_list dl;
	struct strbuf t = STRBUF_INIT, f = STRBUF_INIT;
	struct agent *ta, *fa;

	(void)state;
	diag_list_init(&dl);
	ta = load("table.md", &dl);
	fa = load("frontmatter.md", &dl);
	assert_non_null(ta);
	assert_non_null(fa);
	assert_int_equal(dl.errors, 0);
	routes_text(ta, &t);
	routes_text(fa, &f);
	assert_string_equal(t.buf, expected_routes);
	assert_string_equal(f.buf, expected_routes);
	assert_string_equal(ta->routes_from, "table");
	assert_string_equal(fa->routes_from, "frontmatter");
	/* the table rows' lines in the file, for `agents show` */
	assert_int_equal(ta->routes[0].line, 22);
	assert_string_equal(ta->routes[0].ref, "subagents/03-infrastructure/aws-specialist");
	/* the default where there is a table: auto */
	assert_int_equal(agent_routing_effective(ta), AGENT_ROUTING_AUTO);
	agent_free(ta);
	agent_free(fa);
	diag_list_release(&dl);
	strbuf_release(&t);
	strbuf_release(&f);
}

static void test_modes(void **state)
{
	struct diag_list dl;
	struct agent *a;

	(void)state;
	diag_list_init(&dl);
	a = parse("---\nrouting: suggest\n---\nhi\n\n| Keywords | Agent |\n|--|--|\n| db | `x` |\n", &dl);
	assert_non_null(a);
	assert_int_equal(a->routing, AGENT_ROUTING_SUGGEST);
	assert_int_equal(a->routes_nr, 1);	/* the mode alone: the table still counts */
	agent_free(a);
	a = parse("---\nrouting:\n  mode: off\n  routes:\n    - {keywords: [a], agent: b}\n---\nhi\n", &dl);
	assert_non_null(a);
	assert_int_equal(agent_routing_effective(a), AGENT_ROUTING_OFF);
	assert_int_equal(a->routes_nr, 1);
	agent_free(a);
	a = parse("---\nrouting: false\n---\nhi\n", &dl);
	assert_int_equal(agent_routing_effective(a), AGENT_ROUTING_OFF);
	agent_free(a);
	/* no routes, no mode: nothing to do */
	a = parse("---\nname: plain\n---\nhi\n", &dl);
	assert_int_equal(agent_routing_effective(a), AGENT_ROUTING_OFF);
	agent_free(a);
	assert_int_equal(dl.errors, 0);
	diag_list_release(&dl);
}

/* Each malformed routing gives one located error and no agent. */
static void test_errors(void **state)
{
	static const struct {
		const char *text;
		int line, col;
		const char *msg;
	} cases[] = {
		{ "---\nrouting: sometimes\n---\nhi\n", 2, 10, "must be auto, suggest, off or a list of routes" },
		{ "---\nrouting:\n  - just-a-name\n---\nhi\n", 3, 5, "each route must be a map" },
		{ "---\nrouting:\n  - {agent: db}\n---\nhi\n", 3, 6, "has no 'keywords'" },
		{ "---\nrouting:\n  - {keywords: [a, b]}\n---\nhi\n", 3, 6, "has no 'agent'" },
		{ "---\nrouting:\n  - {keywords: [], agent: db}\n---\nhi\n", 3, 6, "'keywords' is empty" },
		{ "---\nrouting:\n  - {keywords: {a: 1}, agent: db}\n---\nhi\n", 3, 17, "must be a list of strings" },
		{ "---\nrouting:\n  - {keywords: [a], agent: [1, [x]]}\n---\nhi\n", 3, 33, "must be a string" },
		{ "---\nrouting:\n  routes: 5\n---\nhi\n", 3, 11, "must be a list of routes" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct diag_list dl;
		struct agent *a;

		diag_list_init(&dl);
		a = parse(cases[i].text, &dl);
		if (a || dl.errors != 1 || dl.v[0].line != cases[i].line ||
		    dl.v[0].col != cases[i].col || !strstr(dl.v[0].msg, cases[i].msg)) {
			size_t k;

			for (k = 0; k < dl.nr; k++)
				print_error("case %zu: %d:%d %s\n", i, dl.v[k].line, dl.v[k].col,
					    dl.v[k].msg);
			fail_msg("case %zu: expected %d:%d %s", i, cases[i].line, cases[i].col,
				 cases[i].msg);
		}
		agent_free(a);
		diag_list_release(&dl);
	}
}

static void test_keyword_matching(void **state)
{
	static const struct {
		const char *kw, *text;
		int match;
	} cases[] = {
		{ "JWT", "use jwt tokens", 1 },
		{ "JWT", "JWTs", 0 },			/* whole words */
		{ "JWT", "the (JWT)", 1 },
		{ "schema", "PostgreSQL schema.", 1 },
		{ "schema", "schemas", 0 },
		{ "go", "let's go", 1 },
		{ "go", "google", 0 },
		{ "PostgreSQL", "postgresql", 1 },	/* any case */
		{ "Cloud Run", "deploy on cloud\n  run", 1 },	/* phrases over white space */
		{ "Cloud Run", "cloudrun", 0 },
		{ "CI/CD", "our ci/cd pipeline", 1 },
		{ "CI/CD", "CI-CD", 0 },
		{ "Node.js", "a Node.js service", 1 },
		{ "Node.js", "NodeXjs", 0 },		/* '.' is literal */
		{ "C++", "written in C++ and Go", 1 },
		{ "C++", "C+", 0 },
		{ "75%", "under 75% load", 1 },
		{ "(a|b)*", "x (a|b)* y", 1 },		/* no regex injection */
		{ "(a|b)*", "a", 0 },
		{ "Straße", "die STRASSE", 0 },
		{ "Straße", "die straße", 1 },
		{ "ÉTÉ", "en été", 1 },			/* Unicode case folding */
		{ "db", "db\xff\xfe", 1 },		/* invalid UTF-8 in the prompt */
		{ "", "anything", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		if (routing_keyword_in(cases[i].kw, cases[i].text, strlen(cases[i].text)) !=
		    cases[i].match)
			fail_msg("'%s' in '%s': expected %d", cases[i].kw, cases[i].text,
				 cases[i].match);
}

static void test_match_groups_by_agent(void **state)
{
	struct diag_list dl;
	struct routing_result r;
	struct agent *a;

	(void)state;
	diag_list_init(&dl);
	a = load("table.md", &dl);
	assert_non_null(a);
	routing_match(a, "Design the PostgreSQL schema and JWT login; also the rate limit cache "
			 "and profiling.", &r);
	assert_int_equal(r.nr, 3);
	assert_string_equal(r.v[0].agent, "security-auditor");
	assert_string_equal(r.v[0].keywords.v[0], "JWT");
	assert_string_equal(r.v[1].agent, "database-optimizer");
	assert_string_equal(r.v[1].keywords.v[0], "PostgreSQL");
	/* two routes to one agent: one hit with every keyword */
	assert_string_equal(r.v[2].agent, "performance-engineer");
	assert_int_equal(r.v[2].keywords.nr, 3);
	assert_string_equal(r.v[2].keywords.v[0], "profiling");
	assert_string_equal(r.v[2].keywords.v[1], "rate limit");
	routing_result_release(&r);
	routing_match(a, "say hello", &r);
	assert_int_equal(r.nr, 0);
	routing_result_release(&r);
	agent_free(a);
	diag_list_release(&dl);
}

/* One common word is not enough to start a specialist; two words, a
 * phrase or a written-out name is. */
static void test_match_weight(void **state)
{
	static const char text[] =
		"---\nname: x\nrouting:\n"
		"  - agent: api-designer\n    keywords: [idempotent, retries, API design, OpenAPI, REST]\n"
		"  - agent: devops-engineer\n    keywords: [deploy, CI/CD, K8s]\n"
		"  - agent: performance-engineer\n    keywords: [caching, rate limiting]\n---\nbody\n";
	static const struct { const char *prompt; const char *agents; } cases[] = {
		{ "make the handler idempotent", "" },
		{ "make the handler idempotent with retries", "api-designer" },
		{ "review our API design", "api-designer" },
		{ "export the OpenAPI file", "api-designer" },
		{ "deploy it", "" },
		{ "fix the CI/CD pipeline", "devops-engineer" },
		{ "add rate limiting and caching", "performance-engineer" },
		{ "add caching", "" },
		{ "RATE   LIMITING on the k8s cluster", "devops-engineer,performance-engineer" },
	};
	struct diag_list dl;
	struct agent *a;
	size_t i, k;

	(void)state;
	diag_list_init(&dl);
	a = parse(text, &dl);
	assert_non_null(a);
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct routing_result r;
		struct strbuf got = STRBUF_INIT;

		routing_match(a, cases[i].prompt, &r);
		for (k = 0; k < r.nr; k++)
			strbuf_addf(&got, "%s%s", k ? "," : "", r.v[k].agent);
		if (strcmp(got.buf, cases[i].agents))
			fail_msg("'%s': ran '%s', want '%s'", cases[i].prompt, got.buf, cases[i].agents);
		strbuf_release(&got);
		routing_result_release(&r);
	}
	agent_free(a);
	diag_list_release(&dl);
}

static void test_refs(void **state)
{
	static const struct { const char *ref, *name; } cases[] = {
		{ "database-optimizer", "database-optimizer" },
		{ "`subagents/05-data-ai/database-optimizer`", "database-optimizer" },
		{ "subagents/05-data-ai/database-optimizer.md", "database-optimizer" },
		{ "@security-auditor", "security-auditor" },
		{ "**typescript-pro**", "typescript-pro" },
		{ "[perf](../agents/performance-engineer.md)", "performance-engineer" },
		{ "agents/x/", "x" },
		{ "  ", "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct strbuf sb = STRBUF_INIT;

		routing_ref_name(cases[i].ref, strlen(cases[i].ref), &sb);
		if (strcmp(sb.buf, cases[i].name))
			fail_msg("'%s' -> '%s', expected '%s'", cases[i].ref, sb.buf, cases[i].name);
		strbuf_release(&sb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_and_frontmatter_agree),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_keyword_matching),
		cmocka_unit_test(test_match_groups_by_agent),
		cmocka_unit_test(test_match_weight),
		cmocka_unit_test(test_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
