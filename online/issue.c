/*
 * pki-issue: issue a leaf certificate from a CSR under a profile.
 *
 * The CSR's signature proves possession; the profile decides everything
 * else.  The serial is recorded as pending before the CA key signs, and
 * as issued after; the certificate is linted before it is signed.  With
 * --batch many requests share one process, one key session and chunked
 * transactions, and are built and signed on every core.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "audit.h"
#include "cacfg.h"
#include "certout.h"
#include "csr.h"
#include "err.h"
#include "fileio.h"
#include "issuer.h"
#include "keytype.h"
#include "par.h"
#include "pin.h"
#include "profile.h"
#include "secmem.h"
#include "x509.h"

#define PROG		"pki-issue"
#define MAX_FLAGS	LEAF_MAX_NAMES
#define BATCH_CHUNK	1000
#define BATCH_MAX	1000000

enum format { FMT_PEM, FMT_DER, FMT_JSON, FMT_K8S, FMT_PKCS12 };

struct opts {
	const char *ca_dir, *profile, *csr, *out, *chain, *fullchain;
	const char *lifetime, *requester, *batch, *generate_key, *name;
	enum format format;
	int format_set;
	enum san_kind kinds[MAX_FLAGS];
	const char *names[MAX_FLAGS];
	size_t nnames;
	struct pin_source pin, p12;
	int pin_set, p12_set;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [--ca DIR] --profile NAME (--csr FILE|- | "
	    "--generate-key KEYFILE)\n"
	    "           [--dns NAME] [--ip ADDR] [--uri URI] [--email ADDR] "
	    "[--lifetime D]\n"
	    "           [--out FILE] [--chain FILE] [--fullchain FILE] "
	    "[--requester WHO]\n"
	    "           [--format pem|der|json|k8s-secret|pkcs12] "
	    "[--name SECRET]\n"
	    "           [--pin-file FILE | --pin-fd N] "
	    "[--p12-pass-file FILE | --p12-pass-fd N]\n"
	    "       %s [--ca DIR] --batch FILE [--lifetime D] "
	    "[--requester WHO] [--pin-file FILE]\n"
	    "       %s --help | --version\n", PROG, PROG, PROG);
}

static int
parse_format(const char *s, struct opts *o)
{
	static const char *const names[] = { "pem", "der", "json",
	    "k8s-secret", "pkcs12" };
	size_t i;

	if (o->format_set++)
		return err_set(ERR_USAGE, "--format given twice");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			o->format = (enum format)i;
			return 0;
		}
	return err_set(ERR_USAGE, "--format %s: use pem, der, json, "
	    "k8s-secret or pkcs12", s);
}

static int
add_name(struct opts *o, enum san_kind kind, const char *value)
{
	if (o->nnames == MAX_FLAGS)
		return err_set(ERR_USAGE, "too many names");
	o->kinds[o->nnames] = kind;
	o->names[o->nnames++] = value;
	return 0;
}

static int
pin_option(int c, const char *arg, struct opts *o)
{
	int *seen = c == 'p' || c == 'f' ? &o->pin_set : &o->p12_set;
	struct pin_source *src = c == 'p' || c == 'f' ? &o->pin : &o->p12;
	const char *name = c == 'p' ? "--pin-file" : c == 'f' ? "--pin-fd" :
	    c == 'P' ? "--p12-pass-file" : "--p12-pass-fd";

	if ((*seen)++)
		return err_set(ERR_USAGE, "give one source for %s",
		    c == 'p' || c == 'f' ? "the PIN" : "the PKCS#12 passphrase");
	return pin_source_parse(name, arg, src);
}

/* An RFC 1123 subdomain, as Kubernetes object names are. */
static int
k8s_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.' ||
	    s[n - 1] == '-' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

static int
check_args(const struct opts *o)
{
	if (o->batch != NULL) {
		if (o->profile || o->csr || o->generate_key || o->out ||
		    o->chain || o->fullchain || o->nnames || o->format_set)
			return err_set(ERR_USAGE, "--batch takes its requests "
			    "from the file (CSR PROFILE [OUT] per line)");
		return 0;
	}
	if (o->profile == NULL)
		return err_set(ERR_USAGE, "--profile is required");
	if ((o->csr == NULL) == (o->generate_key == NULL))
		return err_set(ERR_USAGE, "give --csr FILE or --generate-key "
		    "KEYFILE");
	if ((o->format == FMT_K8S || o->format == FMT_PKCS12) &&
	    o->generate_key == NULL)
		return err_set(ERR_USAGE, "--format %s needs the private key: "
		    "use --generate-key", o->format == FMT_K8S ? "k8s-secret" :
		    "pkcs12");
	if (o->name != NULL && !k8s_name_ok(o->name))
		return err_set(ERR_USAGE, "--name %s: a Kubernetes name is "
		    "lower-case letters, digits, '-' and '.', at most 253", o->name);
	if ((o->format == FMT_DER || o->format == FMT_PKCS12) &&
	    o->out == NULL && isatty(STDOUT_FILENO))
		return err_set(ERR_USAGE, "binary output: give --out FILE");
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'a' },
		{ "profile", required_argument, NULL, 'r' },
		{ "csr", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ "chain", required_argument, NULL, 'C' },
		{ "fullchain", required_argument, NULL, 'F' },
		{ "dns", required_argument, NULL, 'd' },
		{ "ip", required_argument, NULL, 'i' },
		{ "uri", required_argument, NULL, 'u' },
		{ "email", required_argument, NULL, 'e' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'm' },
		{ "requester", required_argument, NULL, 'q' },
		{ "batch", required_argument, NULL, 'b' },
		{ "generate-key", required_argument, NULL, 'g' },
		{ "name", required_argument, NULL, 'n' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "pin-fd", required_argument, NULL, 'f' },
		{ "p12-pass-file", required_argument, NULL, 'P' },
		{ "p12-pass-fd", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret = 0;

	memset(o, 0, sizeof(*o));
	while (ret == 0 &&
	    (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': ret = args_once(&o->ca_dir, optarg, "ca"); break;
		case 'r': ret = args_once(&o->profile, optarg, "profile"); break;
		case 'c': ret = args_once(&o->csr, optarg, "csr"); break;
		case 'o': ret = args_once(&o->out, optarg, "out"); break;
		case 'C': ret = args_once(&o->chain, optarg, "chain"); break;
		case 'F': ret = args_once(&o->fullchain, optarg, "fullchain");
			break;
		case 'l': ret = args_once(&o->lifetime, optarg, "lifetime");
			break;
		case 'q': ret = args_once(&o->requester, optarg, "requester");
			break;
		case 'b': ret = args_once(&o->batch, optarg, "batch"); break;
		case 'g': ret = args_once(&o->generate_key, optarg,
			    "generate-key");
			break;
		case 'n': ret = args_once(&o->name, optarg, "name"); break;
		case 'd': ret = add_name(o, SAN_DNS, optarg); break;
		case 'i': ret = add_name(o, SAN_IP, optarg); break;
		case 'u': ret = add_name(o, SAN_URI, optarg); break;
		case 'e': ret = add_name(o, SAN_EMAIL, optarg); break;
		case 'm': ret = parse_format(optarg, o); break;
		case 'p': case 'f': case 'P': case 'D':
			ret = pin_option(c, optarg, o);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("%s %s\n", PROG, PKI_VERSION);
			exit(0);
		default:
			return ERR_USAGE;
		}
	}
	if (ret != 0)
		return ret;
	if (optind != argc)
		return err_set(ERR_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	return check_args(o);
}

static const char *
default_requester(const struct opts *o)
{
	return o->requester != NULL ? o->requester : audit_login_name();
}

/* Outputs must be new: checked before anything is signed. */
static int
check_outputs(const struct opts *o)
{
	const char *paths[] = { o->out, o->chain, o->fullchain,
	    o->generate_key };
	size_t i;

	size_t j;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (paths[i] == NULL)
			continue;
		if (fileio_exists(paths[i]))
			return err_set(ERR_EXISTS, "%s: already exists",
			    paths[i]);
		for (j = 0; j < i; j++)
			if (paths[j] != NULL && strcmp(paths[i], paths[j]) == 0)
				return err_set(ERR_USAGE, "%s is named for two "
				    "outputs", paths[i]);
	}
	return 0;
}

/* --generate-key: the profile's preferred key type. */
static int
generate_key(const struct profile *p, EVP_PKEY **key)
{
	if (p->key_types & PROFILE_KEY_P256)
		return keytype_generate(KEY_P256, key);
	if (p->key_types & PROFILE_KEY_P384)
		return keytype_generate(KEY_P384, key);
	if (p->key_types & PROFILE_KEY_RSA)
		return keytype_generate(p->rsa_min_bits > 3072 ? KEY_RSA4096 :
		    KEY_RSA3072, key);
	return err_set(ERR_CONFIG, "profile %s allows no key type "
	    "--generate-key can make", p->name);
}

static int
write_out(const char *path, const void *buf, size_t len, mode_t mode)
{
	if (path == NULL) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
			return err_set(ERR_IO, "cannot write to standard "
			    "output");
		return 0;
	}
	if (mode == 0600)
		return fileio_write_new(path, buf, len, mode);
	return fileio_write_atomic(path, buf, len, mode, 0);
}

/* The PEM certificate followed by the chain. */
static int
fullchain_pem(struct issuer *is, X509 *cert, unsigned char **out,
    size_t *len)
{
	const unsigned char *chain;
	unsigned char *pem = NULL;
	size_t pemlen, chainlen;
	int ret;

	*out = NULL;
	if ((ret = x509_pem(cert, &pem, &pemlen)) != 0)
		return ret;
	chain = issuer_chain_pem(is, &chainlen);
	if ((*out = malloc(pemlen + chainlen + 1)) == NULL) {
		free(pem);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	memcpy(*out, pem, pemlen);
	memcpy(*out + pemlen, chain, chainlen);
	*len = pemlen + chainlen;
	(*out)[*len] = '\0';
	free(pem);
	return 0;
}

static int
write_secret_forms(const struct opts *o, struct issuer *is, X509 *cert,
    EVP_PKEY *key, const unsigned char *keypem, size_t keylen,
    const char *pass)
{
	unsigned char *full = NULL, *p12 = NULL;
	const unsigned char *root, *chain;
	size_t fulllen, rootlen, chainlen, p12len;
	char *yaml = NULL;
	int ret;

	if (o->format == FMT_K8S) {
		root = issuer_root_pem(is, &rootlen);
		if ((ret = fullchain_pem(is, cert, &full, &fulllen)) == 0 &&
		    (ret = certout_k8s_secret(o->name != NULL ? o->name :
		    "tls", full, fulllen, keypem, keylen, root, rootlen,
		    &yaml)) == 0)
			ret = write_out(o->out, yaml, strlen(yaml), 0600);
	} else {
		chain = issuer_chain_pem(is, &chainlen);
		if ((ret = certout_pkcs12(cert, key, chain, chainlen, pass,
		    &p12, &p12len)) == 0)
			ret = write_out(o->out, p12, p12len, 0600);
	}
	secmem_free(yaml);
	free(full);
	free(p12);
	return ret;
}

static int
write_public_forms(const struct opts *o, X509 *cert,
    struct fileio_prepared *prep)
{
	unsigned char *pem = NULL, *der = NULL;
	size_t pemlen, derlen;
	char *json = NULL;
	int ret;

	if ((ret = x509_pem(cert, &pem, &pemlen)) != 0 ||
	    (ret = x509_der(cert, &der, &derlen)) != 0)
		goto out;
	if (prep != NULL)
		ret = fileio_publish(prep);
	else if (o->format == FMT_DER)
		ret = write_out(o->out, der, derlen, 0644);
	else if (o->format == FMT_PEM || o->out != NULL)
		ret = write_out(o->out, pem, pemlen, 0644);
	if (ret == 0 && o->format == FMT_JSON) {
		if ((ret = certout_json(cert, o->profile, o->out,
		    o->fullchain != NULL ? o->fullchain : o->chain,
		    o->generate_key, o->out == NULL ? (char *)pem : NULL,
		    &json)) == 0)
			printf("%s\n", json);
	}
out:
	free(pem);
	free(der);
	free(json);
	return ret;
}

static int
write_outputs(const struct opts *o, struct issuer *is, X509 *cert,
    EVP_PKEY *key, const char *pass, struct fileio_prepared *prep)
{
	const unsigned char *chain;
	unsigned char *full = NULL, *keypem = NULL;
	size_t chainlen, fulllen, keylen = 0;
	int ret;

	if (key != NULL && (ret = certout_key_pem(key, &keypem,
	    &keylen)) != 0)
		return ret;
	if (key != NULL && (ret = fileio_write_new(o->generate_key, keypem,
	    keylen, 0600)) != 0)
		goto out;
	if (o->format == FMT_K8S || o->format == FMT_PKCS12)
		ret = write_secret_forms(o, is, cert, key, keypem, keylen,
		    pass);
	else
		ret = write_public_forms(o, cert, prep);
	if (ret == 0 && o->chain != NULL) {
		chain = issuer_chain_pem(is, &chainlen);
		ret = fileio_write_atomic(o->chain, chain, chainlen, 0644, 0);
	}
	if (ret == 0 && o->fullchain != NULL &&
	    (ret = fullchain_pem(is, cert, &full, &fulllen)) == 0)
		ret = fileio_write_atomic(o->fullchain, full, fulllen, 0644, 0);
out:
	free(full);
	secmem_free(keypem);
	return ret;
}

/*
 * The --out file of a public form is written and flushed on a second
 * thread while issuer_complete() commits the inventory row and the
 * audit entry, in an unnamed file that appears under its name only once
 * those are durable (fileio_prepare(), fileio_publish()): the flushes
 * overlap instead of following one another.
 */
struct early_out {
	const char *path;
	unsigned char *buf;		/* the encoding, made beforehand */
	size_t len;
	struct fileio_prepared *prep;
};

static void *
prepare_out(void *arg)
{
	struct early_out *e = arg;

	/* On failure the ordinary write reports it. */
	if (fileio_prepare(e->path, e->buf, e->len, 0644, &e->prep) != 0)
		e->prep = NULL;
	return NULL;
}

static int
start_early_out(const struct opts *o, const struct issue_item *item,
    X509 *cert, struct early_out *e, pthread_t *tid)
{
	if (item->ret != 0 || o->out == NULL || o->generate_key != NULL ||
	    !(o->format == FMT_PEM || o->format == FMT_DER ||
	    o->format == FMT_JSON))
		return 0;
	e->path = o->out;
	if (o->format == FMT_DER) {
		if ((e->buf = malloc((size_t)item->derlen)) == NULL)
			return 0;
		memcpy(e->buf, item->der, (size_t)item->derlen);
		e->len = (size_t)item->derlen;
	} else if (x509_pem(cert, &e->buf, &e->len) != 0)
		return 0;
	if (pthread_create(tid, NULL, prepare_out, e) != 0) {
		free(e->buf);
		e->buf = NULL;
		return 0;
	}
	return 1;
}

static int
issue_single(const struct opts *o, struct issuer *is)
{
	struct issue_request rq;
	struct issue_item item;
	const struct profile *p;
	X509_REQ *csr = NULL;
	EVP_PKEY *key = NULL, *csrkey = NULL;
	struct early_out eo;
	pthread_t tid;
	X509 *cert = NULL;
	char *pass = NULL;
	int ret, early;

	memset(&rq, 0, sizeof(rq));
	memset(&item, 0, sizeof(item));
	memset(&eo, 0, sizeof(eo));
	if ((ret = issuer_profile(is, o->profile, &p)) != 0)
		return ret;
	/* Every question is asked before anything is issued. */
	if (o->format == FMT_PKCS12 && (ret = pin_read_new(&o->p12,
	    "PKCS#12 passphrase: ", &pass)) != 0)
		return ret;
	if (o->csr != NULL && (ret = csr_load_keyed(o->csr, 0, &csr,
	    &csrkey)) != 0)
		goto out;
	if (o->generate_key != NULL && (ret = generate_key(p, &key)) != 0)
		goto out;
	rq.source = o->csr != NULL ? o->csr : "the generated key";
	rq.profile = o->profile;
	rq.csr = csr;
	rq.pub = csr != NULL ? csrkey : key;
	rq.flag_kinds = o->kinds;
	rq.flag_names = o->names;
	rq.nflags = o->nnames;
	rq.lifetime = o->lifetime;
	rq.requester = default_requester(o);
	item.want_cert = 1;
	issuer_prepare(is, &rq, time(NULL), &item);
	if (item.ret == 0 && (ret = issuer_reserve(is, &item, 1)) != 0)
		goto out;
	issuer_sign(is, &item);
	if (item.ret == 0 && (ret = issue_item_cert(&item, &cert)) != 0)
		goto out;
	early = start_early_out(o, &item, cert, &eo, &tid);
	ret = issuer_complete(is, &item, 1);
	if (early)
		pthread_join(tid, NULL);
	if (ret != 0)
		goto out;
	if ((ret = item.ret) != 0) {
		err_set(ret, "%s", item.error);
		goto out;
	}
	if ((ret = write_outputs(o, is, cert, key, pass, eo.prep)) != 0) {
		/* err_msg() is the buffer err_set() writes: copy it first. */
		char why[512];

		snprintf(why, sizeof(why), "%s", err_msg());
		err_set(ret, "%s; certificate %s was issued and recorded in "
		    "the inventory but not handed out: ask again, and revoke "
		    "it if you like", why, item.serial);
	}
out:
	fileio_prepared_free(eo.prep);
	free(eo.buf);
	secmem_free(pass);
	issue_item_clear(&item);
	X509_free(cert);
	EVP_PKEY_free(key);
	EVP_PKEY_free(csrkey);
	X509_REQ_free(csr);
	return ret;
}

/* One request of a --batch file: "CSR PROFILE [OUT]". */
struct batch_line {
	int lineno;
	char *csr_path, *profile, *out;
	X509_REQ *csr;
	EVP_PKEY *key;			/* the CSR's */
	struct issue_request rq;
};

struct batch {
	const struct opts *o;
	struct issuer *is;
	struct batch_line *lines;
	struct issue_item *items;
	size_t n;
	size_t base;			/* first index of the chunk that the
					   parallel step is on */
	size_t sbase, sm;		/* the chunk of the inventory step */
	const char *flush;		/* an output of the chunk written
					   last, or NULL */
	time_t now;
	char *requester;		/* looked up once: getpwuid() is
					   neither cheap nor thread-safe */
};

static char *
next_token(char **p)
{
	char *start;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p == '\0')
		return NULL;
	start = *p;
	while (**p != '\0' && **p != ' ' && **p != '\t')
		(*p)++;
	if (**p != '\0')
		*(*p)++ = '\0';
	return start;
}

static char *
default_out(const char *csr)
{
	size_t len = strlen(csr);
	char *out = malloc(len + 5);

	if (out == NULL)
		return NULL;
	if (len > 4 && strcmp(csr + len - 4, ".csr") == 0)
		len -= 4;
	memcpy(out, csr, len);
	memcpy(out + len, ".pem", 5);
	return out;
}

static int
parse_line(struct batch *b, char *line, int lineno)
{
	struct batch_line *l = &b->lines[b->n];
	char *p = line, *csr, *profile, *out, *extra;

	line[strcspn(line, "#\r")] = '\0';
	if ((csr = next_token(&p)) == NULL)
		return 0;
	profile = next_token(&p);
	out = next_token(&p);
	extra = next_token(&p);
	if (profile == NULL || extra != NULL)
		return err_set(ERR_DATA, "%s line %d: expected \"CSR PROFILE "
		    "[OUT]\"", b->o->batch, lineno);
	if (b->n == BATCH_MAX)
		return err_set(ERR_DATA, "%s: more than %d requests",
		    b->o->batch, BATCH_MAX);
	l->lineno = lineno;
	l->csr_path = csr;
	l->profile = profile;
	l->out = out != NULL ? strdup(out) : default_out(csr);
	if (l->out == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	b->n++;
	return 0;
}

static int
parse_batch(struct batch *b, char *text)
{
	size_t lines = 1, i;
	char *p, *nl;
	int lineno = 0, ret;

	for (i = 0; text[i] != '\0'; i++)
		lines += text[i] == '\n';
	if (lines > BATCH_MAX)
		lines = BATCH_MAX + 1;
	b->lines = calloc(lines, sizeof(*b->lines));
	b->items = calloc(lines, sizeof(*b->items));
	if (b->lines == NULL || b->items == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	for (p = text; p != NULL && *p != '\0'; p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		if ((ret = parse_line(b, p, ++lineno)) != 0)
			return ret;
	}
	if (b->n == 0)
		return err_set(ERR_DATA, "%s: no requests", b->o->batch);
	return 0;
}

static void
fail_line(struct batch *b, size_t i, int ret)
{
	struct issue_item *it = &b->items[i];

	if (it->ret == 0) {
		it->ret = ret;
		snprintf(it->error, sizeof(it->error), "%s", err_msg());
	}
}

static void
prepare_one(void *arg, size_t k)
{
	struct batch *b = arg;
	size_t i = b->base + k;
	struct batch_line *l = &b->lines[i];
	int ret;

	if (b->items[i].ret != 0)
		return;
	if ((ret = csr_load_keyed(l->csr_path, 1, &l->csr,
	    &l->key)) != 0) {
		fail_line(b, i, ret);
		return;
	}
	l->rq.source = l->csr_path;
	l->rq.profile = l->profile;
	l->rq.csr = l->csr;
	l->rq.pub = l->key;
	l->rq.lifetime = b->o->lifetime;
	l->rq.requester = b->requester;
	issuer_prepare(b->is, &l->rq, b->now, &b->items[i]);
}

static void
sign_one(void *arg, size_t k)
{
	struct batch *b = arg;

	issuer_sign(b->is, &b->items[b->base + k]);
}

/* An output that exists already is refused before anything is done
 * (checked on every core: one stat() each). */
static void
check_out_one(void *arg, size_t i)
{
	struct batch *b = arg;

	if (b->items[i].ret == 0 && fileio_exists(b->lines[i].out))
		fail_line(b, i, err_set(ERR_EXISTS, "%s: already exists",
		    b->lines[i].out));
}

/* Checks before the pipeline: the profiles (loaded one at a time),
 * then the outputs. */
static void
precheck(struct batch *b)
{
	const struct profile *p;
	size_t i;
	int ret;

	for (i = 0; i < b->n; i++)
		if ((ret = issuer_profile(b->is, b->lines[i].profile, &p)) != 0)
			fail_line(b, i, ret);
	par_for(b->n, 0, check_out_one, b);
}

/* One output file (run on every core): PEM, published without a
 * flush of its own (issue_batch() flushes once at the end).  Then the
 * request's memory goes, here rather than on one thread at the end. */
static void
write_one(void *arg, size_t k)
{
	struct batch *b = arg;
	size_t i = b->base + k;
	struct batch_line *l = &b->lines[i];
	unsigned char *pem;
	size_t len;
	int ret = 0;

	char why[512];

	if (b->items[i].ret == 0 &&
	    (ret = x509_der_pem(b->items[i].der, b->items[i].derlen, &pem,
	    &len)) == 0) {
		ret = fileio_write_linked(l->out, pem, len, 0644);
		free(pem);
	}
	if (ret != 0) {
		/* err_msg() is err_set()'s buffer: copy it first. */
		snprintf(why, sizeof(why), "%s", err_msg());
		fail_line(b, i, err_set(ret, "%s; certificate %s was issued "
		    "and recorded in the inventory but not handed out", why,
		    b->items[i].serial));
	}
	issue_item_release(&b->items[i]);
	X509_REQ_free(l->csr);
	EVP_PKEY_free(l->key);
	l->csr = NULL;
	l->key = NULL;
}

static void
print_chunk(const struct batch *b, size_t start, size_t m)
{
	size_t i;

	for (i = start; i < start + m; i++)
		if (b->items[i].ret == 0)
			printf("%s %s\n", b->items[i].serial,
			    b->lines[i].out);
}

/* The inventory's steps, run by the main thread while the workers do
 * another chunk's parallel step. */
static int
complete_step(void *arg)
{
	struct batch *b = arg;
	int ret = issuer_complete(b->is, b->items + b->sbase, b->sm);

	/* The outputs of the chunk before go to disk meanwhile, so that
	 * the flush at the end waits for one chunk only. */
	if (ret == 0 && b->flush != NULL)
		ret = fileio_sync(b->flush);
	b->flush = NULL;
	return ret;
}

static int
reserve_step(void *arg)
{
	struct batch *b = arg;

	if (b->sm == 0)
		return 0;
	return issuer_reserve(b->is, b->items + b->sbase, b->sm);
}

static size_t
chunk_len(const struct batch *b, size_t start)
{
	return b->n - start < BATCH_CHUNK ? b->n - start : BATCH_CHUNK;
}

/*
 * Chunk by chunk: prepare, record as pending, sign, record as issued,
 * write.  The single-threaded inventory steps overlap the other
 * chunks' work: chunk k+1 is prepared while chunk k is recorded as
 * issued (and chunk k-1's outputs are flushed), and chunk k is written
 * (after it was recorded) while chunk k+1 is recorded as pending
 * (before it is signed).
 */
static int
run_chunks(struct batch *b)
{
	unsigned threads = issuer_parallel(b->is) ? 0 : 1;
	size_t start, next, m, mn, i;
	int ret;

	m = chunk_len(b, 0);
	b->base = 0;
	par_for(m, 0, prepare_one, b);
	if ((ret = issuer_reserve(b->is, b->items, m)) != 0)
		return ret;
	for (start = 0; start < b->n; start = next, m = mn) {
		next = start + m;
		mn = next < b->n ? chunk_len(b, next) : 0;
		b->base = start;
		par_for(m, threads, sign_one, b);
		b->base = next;
		b->sbase = start;
		b->sm = m;
		if ((ret = par_for_with(mn, 0, prepare_one, b, complete_step,
		    b)) != 0)
			return ret;
		b->base = start;
		b->sbase = next;
		b->sm = mn;
		ret = par_for_with(m, 0, write_one, b, reserve_step, b);
		print_chunk(b, start, m);
		if (ret != 0)
			return ret;
		for (i = start; i < start + m && b->flush == NULL; i++)
			if (b->items[i].ret == 0)
				b->flush = b->lines[i].out;
	}
	return 0;
}

static int
report(struct batch *b)
{
	size_t i, failed = 0;
	int first = 0;

	for (i = 0; i < b->n; i++) {
		if (b->items[i].ret == 0)
			continue;
		fprintf(stderr, "%s: %s line %d: %s\n", PROG, b->o->batch,
		    b->lines[i].lineno, b->items[i].error);
		if (failed++ == 0)
			first = b->items[i].ret;
	}
	fflush(stdout);
	if (failed == 0)
		return 0;
	return err_set(first, "%zu of %zu requests in %s failed", failed,
	    b->n, b->o->batch);
}

static int
issue_batch(const struct opts *o, struct issuer *is)
{
	struct batch b;
	unsigned char *text = NULL;
	size_t len, i;
	int ret;

	memset(&b, 0, sizeof(b));
	b.o = o;
	b.is = is;
	b.now = time(NULL);
	if ((b.requester = strdup(default_requester(o))) == NULL) {
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	if ((ret = fileio_read(o->batch, (size_t)256 << 20, &text,
	    &len)) != 0 || (ret = parse_batch(&b, (char *)text)) != 0)
		goto out;
	precheck(&b);
	if ((ret = run_chunks(&b)) != 0)
		goto out;
	/* One flush for the whole batch instead of one per file. */
	for (i = 0; i < b.n; i++)
		if (b.items[i].ret == 0) {
			if ((ret = fileio_sync(b.lines[i].out)) != 0)
				goto out;
			break;
		}
	ret = report(&b);
out:
	for (i = 0; i < b.n; i++) {
		X509_REQ_free(b.lines[i].csr);
		EVP_PKEY_free(b.lines[i].key);
		free(b.lines[i].out);
		issue_item_clear(&b.items[i]);
	}
	free(b.lines);
	free(b.items);
	free(b.requester);
	free(text);
	return ret;
}

static int
run(const struct opts *o)
{
	struct issuer *is = NULL;
	const char *dir;
	int ret;

	if ((ret = secmem_init()) != 0)
		return ret;
	/* PKCS#12 output needs OpenSSL's legacy cipher names. */
	if (o->format != FMT_PKCS12)
		x509_no_cipher_names();
	if ((dir = cacfg_dir_from_env(o->ca_dir)) == NULL)
		return ERR_USAGE;
	if (o->batch == NULL && (ret = check_outputs(o)) != 0)
		return ret;
	if ((ret = issuer_open(dir, o->pin_set ? &o->pin : NULL, &is)) != 0)
		return ret;
	ret = o->batch != NULL ? issue_batch(o, is) : issue_single(o, is);
	issuer_close(is);
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
