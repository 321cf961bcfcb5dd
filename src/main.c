/*
 * archie: entry point.  Everything happens in cli_main(); this file only
 * exists so that the library of modules can be linked into tests without a
 * second main().
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
