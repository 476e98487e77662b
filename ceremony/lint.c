/*
 * pki-lint: lint certificates and CRLs against RFC 5280, the CA/Browser
 * Forum Baseline Requirements and a profile (kind, EKUs).
 *
 * Each FILE is PEM or DER, a certificate or a CRL, found out from its
 * contents; a PEM file may hold several objects (a chain), each linted
 * on its own.  With --issuer every certificate and CRL is also checked
 * against that issuer certificate.  The rules are those of common/lint.c,
 * the code that runs before every signing.  Findings go to standard
 * output; exit 1 if any is an error.
 *
 * Reads public files only and holds no secret.  The inputs are hostile:
 * they are parsed by OpenSSL's DER decoder and every string taken from
 * them reaches the output escaped (lint.c) or JSON-encoded.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "args.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "lint.h"
#include "x509.h"

#define PROG		"pki-lint"
#define INPUT_MAX	((size_t)128 << 20)	/* a CRL of a million entries */
#define MAX_EKUS	6

struct opts {
	struct lint_expect expect;
	const char *ekus[MAX_EKUS];
	const char *kind, *issuer, *format;
	int json, list_rules;
	char **files;
	int nfiles;
};

/* The certificates and CRLs of one file, in order. */
struct objects {
	X509 **certs;		/* certs[i] or crls[i] is set */
	X509_CRL **crls;
	size_t n, cap;
};

struct run {
	const struct opts *o;
	X509 *issuer;
	FILE *json;		/* the array's members, comma separated */
	char *jbuf;
	size_t jlen;
	unsigned long members;
	unsigned long errors;	/* error findings in all files */
	int input_err;		/* first error reading an input */
	unsigned long bad_inputs;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [--kind root|intermediate|leaf] [--eku NAME]...\n"
	    "           [--issuer CERT] [--format text|json] FILE...\n"
	    "       %s --list-rules\n"
	    "       %s --help | --version\n", PROG, PROG, PROG);
}

static int
add_eku(struct opts *o, const char *name)
{
	static const char *const known[] = {
		"serverAuth", "clientAuth", "codeSigning", "emailProtection",
		"OCSPSigning", "timeStamping"
	};
	size_t i;

	for (i = 0; i < o->expect.nekus; i++)
		if (strcmp(o->ekus[i], name) == 0)
			return err_set(ERR_USAGE, "--eku %s given twice", name);
	for (i = 0; i < MAX_EKUS; i++)
		if (strcmp(known[i], name) == 0)
			break;
	if (i == MAX_EKUS)
		return err_set(ERR_USAGE, "--eku %s: not one of serverAuth, "
		    "clientAuth, codeSigning, emailProtection, OCSPSigning, "
		    "timeStamping", name);
	o->ekus[o->expect.nekus++] = name;
	o->expect.ekus = o->ekus;
	return 0;
}

static int
check_args(struct opts *o, int nargs, char **args)
{
	if (o->list_rules) {
		if (nargs != 0 || o->kind || o->issuer || o->format ||
		    o->expect.ekus)
			return err_set(ERR_USAGE, "--list-rules takes no other "
			    "option or FILE");
		return 0;
	}
	if (nargs < 1)
		return err_set(ERR_USAGE, "give at least one FILE");
	o->files = args;
	o->nfiles = nargs;
	if (o->kind == NULL)
		o->expect.kind = LINT_AUTO;
	else if (strcmp(o->kind, "root") == 0)
		o->expect.kind = LINT_ROOT;
	else if (strcmp(o->kind, "intermediate") == 0)
		o->expect.kind = LINT_INTERMEDIATE;
	else if (strcmp(o->kind, "leaf") == 0)
		o->expect.kind = LINT_LEAF;
	else
		return err_set(ERR_USAGE, "--kind %s: give root, "
		    "intermediate or leaf", o->kind);
	if (o->format != NULL && strcmp(o->format, "json") != 0 &&
	    strcmp(o->format, "text") != 0)
		return err_set(ERR_USAGE, "--format %s: give text or json",
		    o->format);
	o->json = o->format != NULL && strcmp(o->format, "json") == 0;
	o->expect.check_entropy = 1;
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "eku", required_argument, NULL, 'e' },
		{ "issuer", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "list-rules", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret = 0;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while (ret == 0 &&
	    (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			ret = args_once(&o->kind, optarg, "kind");
			break;
		case 'e':
			ret = add_eku(o, optarg);
			break;
		case 'i':
			ret = args_once(&o->issuer, optarg, "issuer");
			break;
		case 'f':
			ret = args_once(&o->format, optarg, "format");
			break;
		case 'l':
			o->list_rules = 1;
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

/* Reading inputs. */

static int
objects_add(struct objects *objs, X509 *cert, X509_CRL *crl)
{
	X509 **c;
	X509_CRL **l;
	size_t ncap;

	if (objs->n == objs->cap) {
		ncap = objs->cap == 0 ? 4 : objs->cap * 2;
		if ((c = reallocarray(objs->certs, ncap, sizeof(*c))) == NULL)
			return err_set(ERR_INTERNAL, "out of memory");
		objs->certs = c;
		if ((l = reallocarray(objs->crls, ncap, sizeof(*l))) == NULL)
			return err_set(ERR_INTERNAL, "out of memory");
		objs->crls = l;
		objs->cap = ncap;
	}
	objs->certs[objs->n] = cert;
	objs->crls[objs->n] = crl;
	objs->n++;
	return 0;
}

static void
objects_free(struct objects *objs)
{
	size_t i;

	for (i = 0; i < objs->n; i++) {
		X509_free(objs->certs[i]);
		X509_CRL_free(objs->crls[i]);
	}
	free(objs->certs);
	free(objs->crls);
	memset(objs, 0, sizeof(*objs));
}

/*
 * One DER object that must fill exactly len bytes: a certificate (crl
 * 0), a CRL (crl 1) or either (crl -1).  ERR_DATA if it is not one.
 */
static int
parse_der(const unsigned char *der, long len, int crl, struct objects *objs)
{
	const unsigned char *p = der;
	X509_CRL *c = NULL;
	X509 *x = NULL;
	int ret;

	if (crl != 1 && (x = d2i_X509(NULL, &p, len)) != NULL &&
	    p != der + len) {
		X509_free(x);
		x = NULL;
	}
	p = der;
	if (x == NULL && crl != 0 && (c = d2i_X509_CRL(NULL, &p, len)) !=
	    NULL && p != der + len) {
		X509_CRL_free(c);
		c = NULL;
	}
	ERR_clear_error();
	if (x == NULL && c == NULL)
		return ERR_DATA;
	if ((ret = objects_add(objs, x, c)) != 0) {
		X509_free(x);
		X509_CRL_free(c);
	}
	return ret;
}

static int
pem_object(const char *path, const char *name, const unsigned char *data,
    long len, struct objects *objs)
{
	int crl, ret;

	if (strcmp(name, "CERTIFICATE") == 0 ||
	    strcmp(name, "X509 CERTIFICATE") == 0)
		crl = 0;
	else if (strcmp(name, "X509 CRL") == 0)
		crl = 1;
	else
		return 0;	/* a key or parameters beside them */
	if ((ret = parse_der(data, len, crl, objs)) == ERR_DATA)
		return err_set(ERR_DATA, "%s: PEM block %zu (%s) is not a "
		    "valid %s", path, objs->n + 1, name,
		    crl ? "CRL" : "certificate");
	return ret;
}

static int
read_pem(const char *path, const unsigned char *buf, size_t len,
    struct objects *objs)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	char *name, *header;
	unsigned char *data;
	unsigned long e;
	long dlen;
	int ret = 0;

	if (bio == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	while (ret == 0) {
		name = header = NULL;
		data = NULL;
		if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
			    ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
				ret = err_set(ERR_DATA, "%s: malformed PEM "
				    "after %zu object(s)", path, objs->n);
			ERR_clear_error();
			break;
		}
		ret = pem_object(path, name, data, dlen, objs);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
	}
	BIO_free(bio);
	return ret;
}

static int
read_objects(const char *path, struct objects *objs)
{
	unsigned char *buf = NULL;
	size_t len;
	int ret;

	if ((ret = fileio_read(path, INPUT_MAX, &buf, &len)) != 0)
		return ret;
	if (memmem(buf, len, "-----BEGIN ", 11) != NULL)
		ret = read_pem(path, buf, len, objs);
	else if ((ret = parse_der(buf, (long)len, -1, objs)) == ERR_DATA)
		ret = err_set(ERR_DATA, "%s: not a PEM or DER certificate or "
		    "CRL", path);
	free(buf);
	if (ret == 0 && objs->n == 0)
		ret = err_set(ERR_DATA, "%s: no certificate or CRL in the "
		    "file", path);
	return ret;
}

/* Output. */

static int
json_finding(struct run *rn, const char *path, size_t index,
    const struct lint_finding *f)
{
	struct json_buf *j = NULL;
	const char *text;
	int ret;

	if ((ret = json_new(&j)) != 0)
		return ret;
	json_begin_object(j, NULL);
	json_add_str(j, "file", path);
	json_add_int(j, "index", (long long)index);
	json_add_str(j, "rule", f->rule);
	json_add_str(j, "severity", lint_severity_name(f->severity));
	json_add_str(j, "source", f->source);
	json_add_str(j, "message", f->message);
	json_end_object(j);
	if ((ret = json_text(j, &text, NULL)) == 0)
		fprintf(rn->json, "%s  %s", rn->members++ ? ",\n" : "", text);
	else if (ret == ERR_DATA)
		ret = err_set(ERR_DATA, "%s: the file name is not valid "
		    "UTF-8 (needed for JSON)", path);
	json_free(j);
	return ret;
}

static int
report(struct run *rn, const char *path, size_t index, size_t n,
    const struct lint_report *r)
{
	char label[4096], *text = NULL;
	size_t i;
	int ret = 0;

	rn->errors += (unsigned long)r->errors;
	if (rn->o->json) {
		for (i = 0; i < r->count && ret == 0; i++)
			ret = json_finding(rn, path, index, &r->findings[i]);
		return ret;
	}
	if (n > 1)
		snprintf(label, sizeof(label), "%s[%zu]", path, index);
	else
		snprintf(label, sizeof(label), "%s", path);
	if ((ret = lint_report_text(r, label, &text)) != 0)
		return ret;
	printf("%s%s: %d error%s, %d warning%s, %d notice%s\n", text, label,
	    r->errors, r->errors == 1 ? "" : "s", r->warnings,
	    r->warnings == 1 ? "" : "s", r->notices,
	    r->notices == 1 ? "" : "s");
	free(text);
	return 0;
}

/* Linting. */

static int
lint_object(struct run *rn, const char *path, const struct objects *objs,
    size_t i)
{
	struct lint_report r = { 0 };
	X509 *cert = objs->certs[i];
	int ret;

	if (cert != NULL) {
		ret = lint_cert(cert, &rn->o->expect, &r);
		if (ret == 0 && rn->issuer != NULL)
			ret = lint_cert_issuer(cert, rn->issuer, &r);
	} else
		ret = lint_crl(objs->crls[i], rn->issuer, &r);
	if (ret == 0)
		ret = report(rn, path, i + 1, objs->n, &r);
	lint_report_free(&r);
	return ret;
}

static int
lint_file(struct run *rn, const char *path)
{
	struct objects objs = { 0 };
	size_t i;
	int ret;

	if ((ret = read_objects(path, &objs)) != 0)
		goto out;
	for (i = 0; i < objs.n && ret == 0; i++)
		ret = lint_object(rn, path, &objs, i);
out:
	objects_free(&objs);
	return ret;
}

static int
list_rules(void)
{
	const struct lint_rule *t;
	size_t n, i;

	t = lint_rules(&n);
	for (i = 0; i < n; i++)
		printf("%s\t%s\t%s\t%s\n", t[i].id,
		    lint_severity_name(t[i].severity), t[i].source,
		    t[i].summary);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 :
	    err_set(ERR_IO, "writing to standard output");
}

/*
 * Every file is linted even when an earlier one is unreadable; the exit
 * status is that of the first unreadable input, else 1 for any error
 * finding, else 0.
 */
static int
lint_all(struct run *rn)
{
	int i, ret;

	for (i = 0; i < rn->o->nfiles; i++) {
		ret = lint_file(rn, rn->o->files[i]);
		if (ret == ERR_INTERNAL)
			return ret;
		if (ret != 0) {
			/* One file: its message is the one main() prints. */
			if (rn->o->nfiles > 1)
				(void)err_report(PROG, ret);
			if (rn->input_err == 0)
				rn->input_err = ret;
			rn->bad_inputs++;
		}
	}
	return 0;
}

static int
run(const struct opts *o)
{
	struct run rn = { .o = o };
	int ret;

	if (o->list_rules)
		return list_rules();
	/* 1. Load the issuer certificate. */
	if (o->issuer != NULL && (ret = x509_load(o->issuer, &rn.issuer)) != 0)
		return ret;
	if (o->json && (rn.json = open_memstream(&rn.jbuf, &rn.jlen)) ==
	    NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	/* 2. Lint every object of every file. */
	if ((ret = lint_all(&rn)) != 0)
		goto out;
	/* 3. Print the JSON array and decide the exit status. */
	if (o->json) {
		if (fclose(rn.json) != 0) {
			rn.json = NULL;
			ret = err_set(ERR_INTERNAL, "out of memory");
			goto out;
		}
		rn.json = NULL;
		printf("[%s%s%s]\n", rn.members ? "\n" : "", rn.jbuf,
		    rn.members ? "\n" : "");
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		ret = err_set(ERR_IO, "writing to standard output");
	else if (rn.input_err != 0 && o->nfiles == 1)
		ret = rn.input_err;
	else if (rn.input_err != 0)
		ret = err_set(rn.input_err, "%lu of %d inputs could not be "
		    "linted", rn.bad_inputs, o->nfiles);
	else if (rn.errors > 0)
		ret = err_set(ERR_NO, "%lu error finding(s)", rn.errors);
out:
	if (rn.json != NULL)
		fclose(rn.json);
	free(rn.jbuf);
	X509_free(rn.issuer);
	return ret;
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
