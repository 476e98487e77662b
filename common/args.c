/*
 * args.c: the options every ceremony program takes.
 *
 * Only option parsing: nothing is read or opened here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"

int
args_once(const char **slot, const char *value, const char *name)
{
	if (*slot != NULL)
		return err_set(ERR_USAGE, "--%s given twice", name);
	*slot = value;
	return 0;
}

int
args_flag(int *flag, const char *name)
{
	if (*flag)
		return err_set(ERR_USAGE, "--%s given twice", name);
	*flag = 1;
	return 0;
}

int
args_pin(struct pin_source *src, int *given, int c, const char *arg)
{
	if ((*given)++)
		return err_set(ERR_USAGE, "give one PIN source");
	return pin_source_parse(c == 'p' ? "--pin-file" : "--pin-fd", arg,
	    src);
}

void
args_ceremony_init(struct args_ceremony *a)
{
	memset(a, 0, sizeof(*a));
	a->pin.kind = PIN_PROMPT;
}

int
args_ceremony_option(struct args_ceremony *a, int c, const char *arg,
    int *taken)
{
	*taken = 1;
	switch (c) {
	case 'r':
	case 'y':
		if ((c == 'r' ? a->rehearsal : a->yes) != 0)
			return err_set(ERR_USAGE, "--%s given twice",
			    c == 'r' ? "rehearsal" : "yes");
		*(c == 'r' ? &a->rehearsal : &a->yes) = 1;
		return 0;
	case 'P':
		if (a->plan++)
			return err_set(ERR_USAGE, "--plan given twice");
		return 0;
	case 'p':
	case 'f':
		return args_pin(&a->pin, &a->pin_set, c, arg);
	case 'c':
		if (a->config != NULL)
			return err_set(ERR_USAGE, "give one ceremony file");
		a->config = arg;
		return 0;
	default:
		*taken = 0;
		return 0;
	}
}

int
args_ceremony_file(struct args_ceremony *a, int argc, char **argv)
{
	if (optind < argc && a->config == NULL)
		a->config = argv[optind++];
	if (optind != argc || a->config == NULL)
		return err_set(ERR_USAGE, "give one ceremony file (see "
		    "--help)");
	if (a->plan && (a->yes || a->pin_set))
		return err_set(ERR_USAGE, "--plan runs nothing: it takes "
		    "neither --yes nor a PIN");
	return 0;
}

void
args_ceremony_usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [--rehearsal] [--yes] [--pin-file FILE | "
	    "--pin-fd N]\n"
	    "           [--config] CEREMONY.yaml\n"
	    "       %s --plan [--rehearsal] [--config] CEREMONY.yaml\n"
	    "       %s --help | --version\n", prog, prog, prog);
}

int
args_ceremony_parse(int argc, char **argv, const char *prog,
    struct args_ceremony *a)
{
	static const struct option longopts[] = {
		ARGS_CEREMONY_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret, taken;

	args_ceremony_init(a);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if ((ret = args_ceremony_option(a, c, optarg, &taken)) != 0)
			return ret;
		if (taken)
			continue;
		if (c == 'h') {
			args_ceremony_usage(stdout, prog);
			exit(0);
		}
		if (c == 'V') {
			printf("%s %s\n", prog, PKI_VERSION);
			exit(0);
		}
		return ERR_USAGE;
	}
	return args_ceremony_file(a, argc, argv);
}
