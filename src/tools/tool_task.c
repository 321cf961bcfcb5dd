/*
 * tool_task: Task, which hands a self-contained job to a specialist agent.
 *
 * Only the description and schema live here: a Task call runs a whole
 * agent loop (src/delegate/), so the loop runs it, not tool_call.  The loop
 * appends the list of agents this session can delegate to.
 */
#include "tools/tool.h"

#include <stddef.h>

const struct tool tool_task = {
	.name = "Task",
	.description =
		"Delegate a self-contained job to a specialist agent. The agent starts "
		"with no knowledge of this conversation: give it the goal, the relevant "
		"paths and the exact question in `prompt`. It works with its own tools "
		"and returns one final report, which only you see; synthesise it for the "
		"user. Several Task calls in one response run in parallel.",
	.schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"description\":{\"type\":\"string\",\"description\":\"A short (3-5 word) description of the job\"},"
		"\"prompt\":{\"type\":\"string\",\"description\":\"The job, complete and self-contained\"},"
		"\"subagent_type\":{\"type\":\"string\",\"description\":\"The agent to run (one of the names listed)\"}"
		"},\"required\":[\"prompt\",\"subagent_type\"],\"additionalProperties\":false}",
	.read_only = 0,
	.kind = TOOL_DELEGATE,
	.run = NULL,		/* the loop offers its own copy, which runs */
};
