/*
 * pki-audit: verify a ceremony transcript or a CA's audit log, and show
 * its entries.
 *
 *   verify  check every line, the hash chain and every seal; print the
 *           head digest (hex and PGP words) for the witnesses to compare
 *           with the one written on the paper script, and the seal key
 *   show    print the entries, filtered by action, time or serial, as
 *           text or as the JSON lines themselves (show does not verify:
 *           run verify)
 *
 * Reads public files only and holds no secret.  The log is hostile
 * input: text output escapes control and bidirectional-formatting
 * characters so that a log cannot rewrite the witness's screen.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "args.h"
#include "err.h"
#include "json.h"
#include "pgpwords.h"

#define PROG	"pki-audit"

enum command { CMD_VERIFY, CMD_SHOW };

struct opts {
	enum command cmd;
	const char *file;
	const char *key;	/* --key HEX as given */
	const char *head;	/* --head HEX as given */
	unsigned char key_bin[32];
	unsigned char head_bin[32];
	const char *action;
	const char *since;
	const char *serial;	/* --serial HEX as given */
	char serial_norm[64];	/* upper case, no colons or leading zeros */
	const char *format;
	int json;
};

/* What show carries from line to line. */
struct show {
	const struct opts *o;
	const char *path;
	unsigned long shown;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s verify [--key HEX] [--head HEX] FILE\n"
	    "       %s show [--action ACTION] [--since TIME] "
	    "[--serial HEX]\n"
	    "           [--format text|json] FILE\n"
	    "       %s --help | --version\n", PROG, PROG, PROG);
}

/* 32 bytes as 64 hex digits, colons allowed ("AB:CD:..."). */
static int
parse_hex32(const char *s, unsigned char out[32], const char *name)
{
	const char *end;
	size_t len = 0;

	if (sodium_hex2bin(out, 32, s, strlen(s), ":", &len, &end) != 0 ||
	    len != 32 || *end != '\0')
		return err_set(ERR_USAGE, "--%s: give 64 hex digits", name);
	return 0;
}

/* "2026-11-23" or "2026-11-23T12:00:00Z". */
static int
parse_time(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i, n = strlen(s);

	if (n != 10 && n != sizeof(pat) - 1)
		return err_set(ERR_USAGE, "--since %s: give 2026-11-23 or "
		    "2026-11-23T12:00:00Z", s);
	for (i = 0; i < n; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return err_set(ERR_USAGE, "--since %s: give 2026-11-23 "
			    "or 2026-11-23T12:00:00Z", s);
	return 0;
}

/*
 * A serial as pki-issue, pki-report and `openssl x509 -serial` print it:
 * hex digits, colons allowed, any case; out gets the canonical form (upper
 * case, no colons, no leading zeros) so that any spelling matches.
 * Returns 0, or -1 when s is not such a serial.
 */
static int
serial_normalize(const char *s, size_t len, char *out, size_t outsize)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == ':')
			continue;
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		if (n == 0 && s[i] == '0')
			continue;
		if (n + 1 >= outsize)
			return -1;
		out[n++] = (char)toupper((unsigned char)s[i]);
	}
	if (n == 0 && len > 0 && s[len - 1] == '0')
		out[n++] = '0';
	out[n] = '\0';
	return n == 0 ? -1 : 0;
}

static int
check_args(struct opts *o, int nargs, char **args)
{
	int ret;

	if (nargs != 1)
		return err_set(ERR_USAGE, "give exactly one FILE");
	o->file = args[0];
	if (o->cmd == CMD_VERIFY) {
		if (o->action || o->since || o->serial || o->format)
			return err_set(ERR_USAGE, "--action, --since, --serial "
			    "and --format are for show");
		if (o->key && (ret = parse_hex32(o->key, o->key_bin,
		    "key")) != 0)
			return ret;
		if (o->head && (ret = parse_hex32(o->head, o->head_bin,
		    "head")) != 0)
			return ret;
		return 0;
	}
	if (o->key || o->head)
		return err_set(ERR_USAGE, "--key and --head are for verify");
	if (o->since && (ret = parse_time(o->since)) != 0)
		return ret;
	if (o->serial && serial_normalize(o->serial, strlen(o->serial),
	    o->serial_norm, sizeof(o->serial_norm)) != 0)
		return err_set(ERR_USAGE, "--serial %s: give the serial in "
		    "hex, as pki-report prints it", o->serial);
	if (o->format && strcmp(o->format, "json") != 0 &&
	    strcmp(o->format, "text") != 0)
		return err_set(ERR_USAGE, "--format %s: give text or json",
		    o->format);
	o->json = o->format != NULL && strcmp(o->format, "json") == 0;
	return 0;
}

static int
parse_command(int argc, char **argv, struct opts *o)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		o->cmd = CMD_VERIFY;
	else if (argc >= 2 && strcmp(argv[1], "show") == 0)
		o->cmd = CMD_SHOW;
	else if (argc >= 2 && argv[1][0] != '-')
		return err_set(ERR_USAGE, "unknown command \"%s\" (verify, "
		    "show)", argv[1]);
	else if (argc < 2 || (strcmp(argv[1], "--help") != 0 &&
	    strcmp(argv[1], "--version") != 0))
		return err_set(ERR_USAGE, "give a command: verify or show "
		    "(see --help)");
	else
		return 1;	/* --help or --version, no command */
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "head", required_argument, NULL, 'H' },
		{ "action", required_argument, NULL, 'a' },
		{ "since", required_argument, NULL, 's' },
		{ "serial", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	if ((ret = parse_command(argc, argv, o)) < 0)
		return ret;
	if (ret == 0) {
		argv++;
		argc--;
	}
	ret = 0;
	while (ret == 0 &&
	    (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			ret = args_once(&o->key, optarg, "key");
			break;
		case 'H':
			ret = args_once(&o->head, optarg, "head");
			break;
		case 'a':
			ret = args_once(&o->action, optarg, "action");
			break;
		case 's':
			ret = args_once(&o->since, optarg, "since");
			break;
		case 'S':
			ret = args_once(&o->serial, optarg, "serial");
			break;
		case 'f':
			ret = args_once(&o->format, optarg, "format");
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("%s %s\n", PROG, PKI_VERSION);
			exit(0);
		default:
			return err_set(ERR_USAGE, "%s: unknown option or "
			    "missing argument (see --help)",
			    argv[optind - 1]);
		}
	}
	if (ret != 0)
		return ret;
	return check_args(o, argc - optind, argv + optind);
}

static void
print_digest(const char *label, const unsigned char d[32])
{
	char hex[65], *words = NULL;

	sodium_bin2hex(hex, sizeof(hex), d, 32);
	printf("%-11s %s\n", label, hex);
	if (pgpwords_format(d, 32, &words) == 0)
		printf("%-11s %s\n", "", words);
	free(words);
}

static int
cmd_verify(const struct opts *o)
{
	struct audit_report r;
	char got[65], want[65];
	int ret;

	/* 1. Verify every line, the chain and the seals. */
	if ((ret = audit_verify(o->file, o->key ? o->key_bin : NULL, &r))
	    != 0)
		return ret;
	/* 2. Compare the head with the digest the witnesses wrote down. */
	if (o->head && sodium_memcmp(r.head, o->head_bin, 32) != 0) {
		sodium_bin2hex(got, sizeof(got), r.head, 32);
		sodium_bin2hex(want, sizeof(want), o->head_bin, 32);
		return err_set(ERR_NO, "%s: head is %.16s..., not %.16s... "
		    "(the log was cut back or extended)", o->file, got, want);
	}
	/* 3. Report. */
	printf("%s: verified\n", o->file);
	printf("%-11s %lu\n%-11s %lu\n", "entries:", r.entries, "seals:",
	    r.seals);
	print_digest("head:", r.head);
	sodium_bin2hex(got, sizeof(got), r.key, 32);
	printf("%-11s %s%s\n", "seal key:", got, o->key ? " (pinned)" : "");
	if (r.key_changes > 0)
		printf("note: the seal key changed %lu time(s); each seal "
		    "verified under its own key, the last one is shown\n",
		    r.key_changes);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 :
	    err_set(ERR_IO, "writing to standard output");
}

/* 1 if the code point at s (valid UTF-8) must not reach a terminal. */
static int
unsafe_cp(const unsigned char *s, size_t n, unsigned long *cp)
{
	*cp = s[0];
	if (n == 2)
		*cp = (s[0] & 0x1fUL) << 6 | (s[1] & 0x3f);
	else if (n == 3)
		*cp = (s[0] & 0x0fUL) << 12 | (s[1] & 0x3fUL) << 6 |
		    (s[2] & 0x3f);
	else if (n == 4)
		*cp = (s[0] & 0x07UL) << 18 | (s[1] & 0x3fUL) << 12 |
		    (s[2] & 0x3fUL) << 6 | (s[3] & 0x3f);
	return *cp < 0x20 || (*cp >= 0x7f && *cp < 0xa0) ||
	    (*cp >= 0x200b && *cp <= 0x200f) ||
	    (*cp >= 0x2028 && *cp <= 0x202e) ||
	    (*cp >= 0x2060 && *cp <= 0x206f) || *cp == 0xfeff;
}

/* Print a JSON value (valid UTF-8) with unsafe characters escaped. */
static void
print_safe(const char *v, size_t len)
{
	const unsigned char *p = (const unsigned char *)v;
	unsigned long cp;
	size_t n;

	while (len > 0) {
		n = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
		if (n > len)
			n = len;
		if (unsafe_cp(p, n, &cp))
			printf("\\u%04lx", cp);
		else
			fwrite(p, 1, n, stdout);
		p += n;
		len -= n;
	}
}

/* A string value that needs no quotes in text output. */
static int
plain_string(const char *v, size_t len)
{
	size_t i;

	if (len < 3 || v[0] != '"')
		return 0;
	for (i = 1; i < len - 1; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._:/@+-", v[i]) == NULL || v[i] == '\0')
			return 0;
	return 1;
}

static int
print_member(void *arg, const char *key, const char *value, size_t vlen)
{
	static const char *const fixed[] = {
		"seq", "time", "program", "version", "action", "prev", "sig"
	};
	size_t i;

	(void)arg;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(key, fixed[i]) == 0)
			return 0;
	putchar(' ');
	print_safe(key, strlen(key));
	putchar('=');
	if (plain_string(value, vlen))
		print_safe(value + 1, vlen - 2);
	else
		print_safe(value, vlen);
	return 0;
}

/*
 * json_each() callback: does this "serial" or "serials" member name the
 * serial in arg?  Every quoted string in the value is compared, so a
 * single serial and a list of them are both searched.  Returns 1 on a
 * match (which stops the walk), 0 otherwise.
 */
static int
serial_member(void *arg, const char *key, const char *value, size_t vlen)
{
	const char *want = arg, *p = value, *end = value + vlen, *close;
	char norm[64];

	if (strcmp(key, "serial") != 0 && strcmp(key, "serials") != 0)
		return 0;
	while ((p = memchr(p, '"', (size_t)(end - p))) != NULL) {
		if ((close = memchr(p + 1, '"', (size_t)(end - p - 1))) ==
		    NULL)
			break;
		if (serial_normalize(p + 1, (size_t)(close - p - 1), norm,
		    sizeof(norm)) == 0 && strcmp(norm, want) == 0)
			return 1;
		p = close + 1;
	}
	return 0;
}

/* Does the entry in line name the serial asked for?  1 yes, 0 no. */
static int
names_serial(const char *line, size_t len, const char *want)
{
	return json_each(line, len, serial_member, (void *)(uintptr_t)want)
	    == 1;
}

/* The fixed members of one line, for filtering and the text prefix. */
static int
line_fields(const char *line, size_t len, long long *seq, char **time,
    char **program, char **action)
{
	int ret;

	*time = *program = *action = NULL;
	if ((ret = json_get_int(line, len, "seq", seq)) != 0 ||
	    (ret = json_get_str(line, len, "time", time)) != 0 ||
	    (ret = json_get_str(line, len, "program", program)) != 0 ||
	    (ret = json_get_str(line, len, "action", action)) != 0)
		return ret;
	return 0;
}

static int
show_line(void *arg, unsigned long lineno, const char *line, size_t len)
{
	struct show *s = arg;
	char *time, *program, *action, why[200];
	long long seq;
	int ret;

	if ((ret = line_fields(line, len, &seq, &time, &program, &action))
	    != 0) {
		snprintf(why, sizeof(why), "%s", err_msg());
		if (ret != ERR_INTERNAL)
			ret = err_set(ERR_DATA, "%s line %lu: not an audit "
			    "entry (%s)", s->path, lineno, why);
		goto out;
	}
	if ((s->o->action && strcmp(action, s->o->action) != 0) ||
	    (s->o->since && strcmp(time, s->o->since) < 0) ||
	    (s->o->serial && !names_serial(line, len, s->o->serial_norm)))
		goto out;
	s->shown++;
	if (s->o->json) {
		printf("%s\n", line);
		goto out;
	}
	printf("%lld ", seq);
	print_safe(time, strlen(time));
	putchar(' ');
	print_safe(program, strlen(program));
	putchar(' ');
	print_safe(action, strlen(action));
	ret = json_each(line, len, print_member, NULL);
	putchar('\n');
out:
	free(time);
	free(program);
	free(action);
	return ret;
}

static int
cmd_show(const struct opts *o)
{
	struct show s = { o, o->file, 0 };
	int ret;

	/* 1. Walk the lines, printing those that pass the filters. */
	if ((ret = audit_each(o->file, show_line, &s)) != 0)
		return ret;
	/* 2. Make sure it all reached standard output. */
	if (fflush(stdout) != 0 || ferror(stdout))
		return err_set(ERR_IO, "writing to standard output");
	return 0;
}

static int
run(const struct opts *o)
{
	return o->cmd == CMD_VERIFY ? cmd_verify(o) : cmd_show(o);
}

int
main(int argc, char **argv)
{
	struct opts o;
	int ret;

	if ((ret = parse_args(argc, argv, &o)) != 0) {
		if (err_msg()[0] == '\0')
			usage(stderr);
		return err_report(PROG, ret);
	}
	return err_report(PROG, run(&o));
}
