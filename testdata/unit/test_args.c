/*
 * test_args.c: the options every ceremony program takes.
 */
#include <stdlib.h>

#include "args.h"
#include "err.h"
#include "harness.h"

/* Parse argv (NULL-terminated) as a ceremony program would. */
static int
parse(char **argv, struct args_ceremony *a)
{
	static const struct option longopts[] = {
		ARGS_CEREMONY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int argc = 0, c, ret, taken;

	while (argv[argc] != NULL)
		argc++;
	optind = 0;
	opterr = 0;
	args_ceremony_init(a);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if ((ret = args_ceremony_option(a, c, optarg, &taken)) != 0)
			return ret;
		if (!taken)
			return ERR_USAGE;
	}
	return args_ceremony_file(a, argc, argv);
}

/* args_once() and args_flag(): the second time is a usage error. */
static void
test_once(void)
{
	const char *slot = NULL;
	int flag = 0;

	CHECK_RC(args_once(&slot, "a", "out"), 0, "first --out taken");
	CHECK(slot != NULL && strcmp(slot, "a") == 0, "value kept");
	CHECK_RC(args_once(&slot, "b", "out"), ERR_USAGE, "second --out refused");
	CHECK(strcmp(err_msg(), "--out given twice") == 0, "message: %s",
	    err_msg());
	CHECK(strcmp(slot, "a") == 0, "the first value stays");
	CHECK_RC(args_flag(&flag, "yes"), 0, "first --yes taken");
	CHECK(flag == 1, "flag set");
	CHECK_RC(args_flag(&flag, "yes"), ERR_USAGE, "second --yes refused");
}

int
main(void)
{
	struct args_ceremony a;
	char *ok[] = { "p", "--rehearsal", "--yes", "--pin-fd", "3",
	    "c.yaml", NULL };
	char *cfg[] = { "p", "--config", "c.yaml", NULL };
	char *twice[] = { "p", "--yes", "--yes", "c.yaml", NULL };
	char *pins[] = { "p", "--pin-file", "x", "--pin-fd", "3", "c.yaml",
	    NULL };
	char *both[] = { "p", "--config", "a.yaml", "b.yaml", NULL };
	char *none[] = { "p", "--yes", NULL };
	char *badfd[] = { "p", "--pin-fd", "three", "c.yaml", NULL };
	char *other[] = { "p", "--pin", "123456", "c.yaml", NULL };
	char *plan[] = { "p", "--plan", "--rehearsal", "c.yaml", NULL };
	char *planyes[] = { "p", "--plan", "--yes", "c.yaml", NULL };
	char *planpin[] = { "p", "--pin-fd", "3", "--plan", "c.yaml", NULL };

	CHECK_RC(parse(ok, &a), 0, "options and the file as an operand");
	CHECK(a.rehearsal && a.yes && a.pin_set && a.pin.kind == PIN_FD &&
	    a.pin.fd == 3 && strcmp(a.config, "c.yaml") == 0,
	    "every option recorded");
	CHECK_RC(parse(cfg, &a), 0, "the file with --config");
	CHECK(strcmp(a.config, "c.yaml") == 0 && !a.yes && !a.pin_set &&
	    a.pin.kind == PIN_PROMPT, "defaults: no --yes, a PIN prompt");
	CHECK_RC(parse(twice, &a), ERR_USAGE, "--yes twice refused");
	CHECK(strstr(err_msg(), "--yes") != NULL, "the option is named: %s",
	    err_msg());
	CHECK_RC(parse(pins, &a), ERR_USAGE, "two PIN sources refused");
	CHECK_RC(parse(both, &a), ERR_USAGE, "--config and an operand refused");
	CHECK_RC(parse(plan, &a), 0, "--plan with --rehearsal");
	CHECK(a.plan && a.rehearsal, "--plan recorded");
	CHECK_RC(parse(planyes, &a), ERR_USAGE, "--plan with --yes refused");
	CHECK_RC(parse(planpin, &a), ERR_USAGE, "--plan with a PIN refused");
	CHECK_RC(parse(none, &a), ERR_USAGE, "no ceremony file refused");
	CHECK_RC(parse(badfd, &a), ERR_USAGE, "a bad --pin-fd refused");
	CHECK_RC(parse(other, &a), ERR_USAGE, "a PIN on the command line is "
	    "not an option");
	test_once();
	return harness_done();
}
