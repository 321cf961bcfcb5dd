/*
 * cmd_version: `archie version` (also `archie --version`).
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>

static int cmd_version_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_usage_error("version takes no arguments");
	if (ctx->json)
		cli_print_json(json_pack("{s:s}", "version", ARCHIE_VERSION_STRING));
	else
		printf("archie %s\n", ARCHIE_VERSION_STRING);
	return CLI_EXIT_OK;
}

static const struct cmd_usage usage[] = {
	{ "version", "print the version" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_version_entry = {
	"version", usage, NULL, NULL, cmd_version_exec, 0,
};
