/*
 * tool_skill: Skill, which loads an Agent Skill's instructions when the
 * model decides a job needs them (custom/skill.h).  The system prompt
 * lists only the skills' names and descriptions; the instructions cost
 * tokens only once called for.  Claude Code's arguments: {skill, args}.
 */
#include "tools/tool.h"

#include "custom/skill.h"

#include <string.h>

static int run_skill(const struct tool *t, const struct tool_env *env, json_t *args,
		     struct strbuf *out)
{
	const char *name = json_string_value(json_object_get(args, "skill"));
	const char *a = json_string_value(json_object_get(args, "args"));
	const struct skill *s;
	struct strbuf err = STRBUF_INIT;
	size_t i, k;
	int rc;

	(void)t;
	if (!env->skills) {
		strbuf_addstr(out, "error: there are no skills in this session");
		return -1;
	}
	s = skill_find(env->skills, name);
	for (k = 0; s && env->skills_only && k < env->skills_only->nr &&
		    strcmp(env->skills_only->v[k], s->name); k++)
		;
	if (!s || (env->skills_only && k == env->skills_only->nr)) {
		strbuf_addf(out, "error: there is no skill named '%s'; the skills are:", name);
		for (i = 0; i < env->skills->nr; i++)
			if (skill_active(env->skills, &env->skills->v[i]))
				strbuf_addf(out, " %s", env->skills->v[i].name);
		return -1;
	}
	rc = skill_body(s, a, out, &err);
	if (rc)
		strbuf_addf(out, "error: the skill '%s' could not be read: %s", name, err.buf);
	else if (env->on_skill)
		env->on_skill(env->ud, s);
	strbuf_release(&err);
	return rc;
}

const struct tool tool_skill = {
	.name = "Skill",
	.description =
		"Load a skill: the instructions for a kind of job, listed by name and "
		"description in the system prompt. Call it before you start a job that "
		"matches a skill, then follow what it returns; the files it names are read "
		"with the usual tools. Use only the names listed.",
	.schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"skill\":{\"type\":\"string\",\"description\":\"The skill's name, from the list\"},"
		"\"args\":{\"type\":\"string\",\"description\":\"Optional arguments for the skill\"}"
		"},\"required\":[\"skill\"],\"additionalProperties\":false}",
	.read_only = 1,
	.run = run_skill,
};
