/*
 * args.h: option parsing shared by the programs: the rule that an
 * option is given at most once, and the options every ceremony program
 * takes.
 *
 * pki-root-keygen, pki-root-sign and pki-root-crl all read one reviewed
 * ceremony file and take --rehearsal, --yes, --pin-file / --pin-fd,
 * --config and --plan the same way: duplicates refused, the PIN never on the
 * command line.  Each program adds its own options around these.
 */
#ifndef PKI_ARGS_H
#define PKI_ARGS_H

#include <getopt.h>
#include <stdio.h>

#include "pin.h"

/*
 * An option with a value, given at most once: *slot = value the first
 * time; ERR_USAGE "--name given twice" the second.
 */
int	args_once(const char **slot, const char *value, const char *name);

/* A flag given at most once: *flag = 1; ERR_USAGE the second time. */
int	args_flag(int *flag, const char *name);

/*
 * --pin-file (c is 'p') or --pin-fd (c is 'f') with its argument into
 * *src: one PIN source at most, counted in *given; ERR_USAGE "give one
 * PIN source" for a second, else what pin_source_parse() says of arg.
 */
int	args_pin(struct pin_source *src, int *given, int c, const char *arg);

struct args_ceremony {
	const char *config;		/* the ceremony file */
	int rehearsal;			/* --rehearsal */
	int yes;			/* --yes */
	int plan;			/* --plan: print the plan, run nothing */
	int pin_set;			/* --pin-file or --pin-fd given */
	struct pin_source pin;		/* else PIN_PROMPT */
};

/* The getopt_long entries, to put first in a program's table. */
#define ARGS_CEREMONY_LONGOPTS						\
	{ "rehearsal", no_argument, NULL, 'r' },			\
	{ "yes", no_argument, NULL, 'y' },				\
	{ "pin-file", required_argument, NULL, 'p' },			\
	{ "pin-fd", required_argument, NULL, 'f' },			\
	{ "config", required_argument, NULL, 'c' },			\
	{ "plan", no_argument, NULL, 'P' }

/* Empty options: no file, a PIN prompt. */
void	args_ceremony_init(struct args_ceremony *a);

/*
 * Take option c (with its argument arg) if it is one of the above:
 * *taken is set to 1 and the result is 0 or ERR_USAGE (given twice, two
 * PIN sources, a bad --pin-fd).  For any other c, *taken is 0.
 */
int	args_ceremony_option(struct args_ceremony *a, int c, const char *arg,
	    int *taken);

/*
 * After getopt_long: the ceremony file may be the one operand instead
 * of --config; exactly one must be given.  --plan reads no PIN and asks
 * nothing, so it goes with neither --yes nor a PIN source.  ERR_USAGE
 * otherwise.
 */
int	args_ceremony_file(struct args_ceremony *a, int argc, char **argv);

/*
 * The whole command line of a ceremony program that takes only the
 * options above (pki-root-keygen, pki-root-sign): --help prints the
 * usage below to stdout and --version the version, each exiting 0
 * (before any secret exists); anything else as args_ceremony_option()
 * and args_ceremony_file().  Returns 0 or ERR_USAGE.
 */
int	args_ceremony_parse(int argc, char **argv, const char *prog,
	    struct args_ceremony *a);

/* That program's usage, naming prog. */
void	args_ceremony_usage(FILE *f, const char *prog);

#endif
