/*
 * cmd_help: `archie help [COMMAND]`, and `archie help --man` which prints
 * the man page (docs/archie.1 is generated from it by `make man`).
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static int cmd_help_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *cmd;

	(void)ctx;
	if (argc == 1) {
		cli_print_help(stdout);
		return CLI_EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[1], "--man")) {
		cli_print_man(stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 2)
		return cli_usage_error("usage: archie help [COMMAND]");
	cmd = cli_find_command(argv[1]);
	if (!cmd)
		return cli_usage_error("'%s' is not an archie command; see 'archie --help'",
				       argv[1]);
	cli_print_command_help(cmd, stdout);
	return CLI_EXIT_OK;
}

static const struct cmd_usage usage[] = {
	{ "help [COMMAND]", "show help for archie or for one command" },
	{ NULL, NULL },
};

static const struct cmd_option options[] = {
	{ "--man", "print the manual page in roff" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_help_entry = {
	"help", usage, options, NULL, cmd_help_exec, 0,
};
