/*
 * The turn loop's modules through their private header (loop_int.h):
 * toolset (what is offered, other runtimes' names, the generation the
 * provider's cache keys on), calls (vetting a malformed, an unknown, a
 * denied and an allowed call), and record (a session and its messages
 * in the store, the UI told only once it is recorded).  A loop against
 * the fake LLM server ties them together.
 */
#include "testutil.h"
#include "fakellm.h"

#include "agent/registry.h"
#include "config/config.h"
#include "core/strbuf.h"
#include "loop/loop_int.h"
#include "store/store.h"
#include "tools/tool.h"


static char *root, *ws, *home;
static struct fakellm fake;
static struct agent_registry reg;
static struct config cfg;
static struct store st;
static int started_calls;
static char started_id[128];

static void on_started(void *ud, const char *id)
{
	(void)ud;
	started_calls++;
	snprintf(started_id, sizeof(started_id), "%s", id);
}

static int setup(void **state)
{
	struct agent_search s;
	struct strbuf err = STRBUF_INIT, yaml = STRBUF_INIT, dir = STRBUF_INIT;

	(void)state;
	tu_workspace(&root, &ws, &home);
	tu_write_str(root, "ws/src/a.c", "int a;\n");
	fakellm_start(&fake, "{\"responses\":["
		      "{\"turn\":{\"tool_calls\":[{\"id\":\"c1\",\"name\":\"Read\",\"arguments\":{\"path\":\"src/a.c\"}}]}},"
		      "{\"turn\":{\"text\":\"it declares a\"}}]}");
	memset(&s, 0, sizeof(s));
	s.cwd = ws;
	s.home = home;
	s.config_home = "";
	agent_registry_init(&reg);
	if (agent_registry_load(&reg, &s, &err))
		return -1;
	config_init(&cfg);
	strbuf_addf(&yaml, "providers:\n  fake:\n    api: openai\n    base_url: %s/v1\n"
		    "models:\n  m:\n    provider: fake\n    id: m\n", fake.url);
	if (config_load_text(&cfg, "test.yaml", yaml.buf, yaml.len))
		return -1;
	strbuf_addf(&dir, "%s/state", root);
	if (store_open(&st, dir.buf, &err))
		return -1;
	strbuf_release(&err);
	strbuf_release(&yaml);
	strbuf_release(&dir);
	return chdir(ws);
}

static int teardown(void **state)
{
	(void)state;
	store_close(&st);
	config_release(&cfg);
	agent_registry_release(&reg);
	fakellm_stop(&fake);
	if (chdir("/"))
		return -1;
	tu_rmrf(root);
	free(root);
	free(ws);
	free(home);
	return 0;
}

static void open_loop(struct loop *l, enum policy_mode mode)
{
	struct loop_opts o;
	struct strbuf err = STRBUF_INIT;

	memset(&o, 0, sizeof(o));
	o.agent = agent_registry_find(&reg, "backend-architect");
	assert_non_null(o.agent);
	o.cfg = &cfg;
	o.model = "m";
	o.root = ws;
	o.cwd = ws;
	o.mode = mode;
	o.sandbox = SANDBOX_OFF;
	o.store = &st;
	o.ui.started = on_started;
	if (loop_init(l, &o, NULL, &err))
		fail_msg("loop_init: %s", err.buf);
	strbuf_release(&err);
}

static void test_toolset(void **state)
{
	struct loop l;
	struct strbuf list = STRBUF_INIT;

	(void)state;
	open_loop(&l, POLICY_MODE_DEFAULT);
	assert_ptr_equal(toolset_find(&l, "Read"), tool_find("Read"));
	/* other runtimes' names for an offered tool */
	assert_ptr_equal(toolset_find(&l, "read_file"), tool_find("Read"));
	assert_ptr_equal(toolset_find(&l, "run_shell_command"), tool_find("Bash"));
	assert_null(toolset_find(&l, "NoSuchTool"));
	toolset_list(&l, &list);
	EXPECT(strstr(list.buf, "Bash") && strstr(list.buf, "Grep"), list);
	/* without MCP servers, syncing changes nothing the cache keys on */
	{
		unsigned long gen = l.tools_gen;

		toolset_sync(&l);
		assert_int_equal(l.tools_gen, gen);
	}
	assert_int_equal(toolset_depth_limit(&l), 2);
	loop_release(&l);
	strbuf_release(&list);
}

static void vet_one(struct loop *l, struct call *c, struct provider_call *pc)
{
	memset(c, 0, sizeof(*c));
	c->pc = pc;
	c->l = l;
	strbuf_init(&c->result, (size_t)1 << 20);
	calls_vet(l, c);
}

static void test_calls(void **state)
{
	struct loop l;
	struct call c;
	struct provider_call pc;

	(void)state;
	open_loop(&l, POLICY_MODE_DEFAULT);
	memset(&pc, 0, sizeof(pc));
	pc.id = "x1";
	pc.name = "Read";
	pc.arguments = "{\"path\": ";
	pc.malformed = 1;
	pc.problem = "cut off";
	vet_one(&l, &c, &pc);
	EXPECT(c.is_error && strstr(c.result.buf, "malformed") && !c.run, c.result);
	strbuf_release(&c.result);

	pc.malformed = 0;
	pc.name = "Frobnicate";
	pc.arguments = "{}";
	vet_one(&l, &c, &pc);
	EXPECT(c.is_error && strstr(c.result.buf, "no tool named 'Frobnicate'") &&
	       strstr(c.result.buf, "Read"), c.result);
	strbuf_release(&c.result);

	/* a secret: denied by the floor, with the reason, and listed */
	pc.name = "Read";
	pc.arguments = "{\"file_path\": \".env\"}";
	vet_one(&l, &c, &pc);
	EXPECT(!c.run && c.is_error && strstr(c.result.buf, "secrets"), c.result);
	assert_int_equal(l.denials_nr, 1);
	strbuf_release(&c.result);
	free(c.rule);

	/* allowed: vetted to run */
	pc.arguments = "{\"path\": \"src/a.c\"}";
	vet_one(&l, &c, &pc);
	assert_true(c.vetted);
	assert_false(c.is_error);
	strbuf_release(&c.result);
	free(c.rule);
	loop_release(&l);
}

static void test_record(void **state)
{
	struct loop l;
	struct conv conv;
	struct strbuf err = STRBUF_INIT;
	enum loop_exit ex;
	size_t recorded = 0;

	(void)state;
	open_loop(&l, POLICY_MODE_DEFAULT);
	started_calls = 0;
	assert_int_equal(loop_run(&l, "what is in src/a.c?", &ex, &err), 0);
	assert_int_equal(ex, LOOP_DONE);
	/* the UI was told once, with the recorded session's id */
	assert_int_equal(started_calls, 1);
	assert_string_equal(started_id, l.session_id);
	/* record.c wrote the conversation: the prompt, the call, its result,
	 * the answer */
	conv_init(&conv);
	assert_int_equal(store_load(&st, l.session_id, &conv, &recorded, NULL, &err), 0);
	assert_int_equal(conv.nr, 4);
	assert_int_equal(recorded, 4);
	conv_release(&conv);
	assert_int_equal(l.turns, 2);
	assert_int_equal(l.tool_calls, 1);
	loop_release(&l);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toolset),
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_record),
	};

	return cmocka_run_group_tests_name("loop", tests, setup, teardown);
}
