/*
 * issuer.c: the online CA's issuance pipeline.
 *
 * Trusts ca.yaml, the profiles and the installed CA certificate (their
 * loaders validated them); trusts nothing in a request.  Invariants: a
 * serial is recorded as pending before the CA key signs it; only a
 * certificate whose TBS equals the linted TBS is signed and recorded; a
 * key on the blocklist is never certified.  A software CA key signs the
 * very TBS bytes that were linted (encoded once), and the certificate's
 * DER is put together around them (x509_sign_tbs()); a token key signs
 * the linted certificate object, whose TBS is then compared with the
 * linted bytes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "csr.h"
#include "db.h"
#include "err.h"
#include "fileio.h"
#include "issuer.h"
#include "json.h"
#include "lint.h"
#include "profile.h"
#include "x509.h"

#define MAX_PROFILES	CACFG_MAX_PROFILES
#define PEM_MAX		(64 * 1024)

struct cached_profile {
	struct profile *profile;
	struct leaf_template *template;
};

struct issuer {
	struct ca_config *cfg;
	X509 *ca;
	unsigned char *chain_pem, *root_pem;
	size_t chain_len, root_len;
	struct db *db;
	struct ca_key *key;
	EVP_PKEY *lint_key;		/* throwaway, of the CA key's type */
	unsigned char *algid;		/* the CA key's AlgorithmIdentifier
					   (DER), or NULL: sign the object */
	size_t algidlen;
	struct cached_profile profiles[MAX_PROFILES];
	size_t nprofiles;
	pthread_mutex_t sign_lock;	/* token keys sign one at a time */
	int key_failed;			/* the token failed: sign no more */
};

static int
check_ca_valid(const struct issuer *is)
{
	if (X509_cmp_current_time(X509_get0_notAfter(is->ca)) <= 0)
		return err_set(ERR_CONFIG, "the certificate of CA %s has "
		    "expired: nothing can be issued", is->cfg->name);
	if (X509_cmp_current_time(X509_get0_notBefore(is->ca)) >= 0)
		return err_set(ERR_CONFIG, "the certificate of CA %s is not "
		    "valid yet", is->cfg->name);
	return 0;
}

int
issuer_open(const char *dir, const struct pin_source *pin,
    struct issuer **out)
{
	struct issuer *is;
	int ret;

	*out = NULL;
	if ((is = calloc(1, sizeof(*is))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	pthread_mutex_init(&is->sign_lock, NULL);
	x509_rand_setup();
	if ((ret = cacfg_load(dir, &is->cfg)) != 0 ||
	    (ret = cacfg_load_cert(is->cfg, &is->ca)) != 0 ||
	    (ret = check_ca_valid(is)) != 0 ||
	    (ret = fileio_read(is->cfg->chain_path, PEM_MAX, &is->chain_pem,
	    &is->chain_len)) != 0 ||
	    (ret = fileio_read(is->cfg->root_path, PEM_MAX, &is->root_pem,
	    &is->root_len)) != 0 ||
	    (ret = db_open(is->cfg->db_path, 0, &is->db)) != 0 ||
	    (ret = cacfg_open_key(is->cfg, pin, is->ca, CACFG_KEY_AUDIT,
	    &is->key)) != 0 ||
	    (ret = keytype_generate(cacfg_key_type(is->key),
	    &is->lint_key)) != 0)
		goto out;
	/* A software key that names its algorithm signs the linted bytes. */
	if (issuer_parallel(is) && x509_sig_algid(cacfg_key_pkey(is->key),
	    cacfg_key_type(is->key), &is->algid, &is->algidlen) != 0)
		err_clear();
	*out = is;
	is = NULL;
out:
	issuer_close(is);
	return ret;
}

void
issuer_close(struct issuer *is)
{
	size_t i;

	if (is == NULL)
		return;
	for (i = 0; i < is->nprofiles; i++) {
		leaf_template_free(is->profiles[i].template);
		profile_free(is->profiles[i].profile);
	}
	EVP_PKEY_free(is->lint_key);
	free(is->algid);
	cacfg_key_close(is->key);
	db_close(is->db);
	free(is->chain_pem);
	free(is->root_pem);
	X509_free(is->ca);
	cacfg_free(is->cfg);
	pthread_mutex_destroy(&is->sign_lock);
	free(is);
}

const struct ca_config *
issuer_config(const struct issuer *is)
{
	return is->cfg;
}

X509 *
issuer_ca_cert(const struct issuer *is)
{
	return is->ca;
}

const unsigned char *
issuer_chain_pem(const struct issuer *is, size_t *len)
{
	*len = is->chain_len;
	return is->chain_pem;
}

const unsigned char *
issuer_root_pem(const struct issuer *is, size_t *len)
{
	*len = is->root_len;
	return is->root_pem;
}

const struct ca_key *
issuer_key(const struct issuer *is)
{
	return is->key;
}

int
issuer_parallel(const struct issuer *is)
{
	return is->cfg->hsm_uri == NULL;
}

static struct cached_profile *
find_profile(const struct issuer *is, const char *name)
{
	size_t i;

	for (i = 0; i < is->nprofiles; i++)
		if (strcmp(is->profiles[i].profile->name, name) == 0)
			return (struct cached_profile *)(uintptr_t)
			    &is->profiles[i];
	return NULL;
}

int
issuer_profile(struct issuer *is, const char *name,
    const struct profile **out)
{
	struct cached_profile *c = find_profile(is, name);
	int ret;

	if (c == NULL) {
		if (is->nprofiles == MAX_PROFILES)
			return err_set(ERR_USAGE, "too many profiles");
		c = &is->profiles[is->nprofiles];
		if ((ret = cacfg_load_profile(is->cfg, name, &c->profile)) != 0)
			return ret;
		if ((ret = leaf_template_new(c->profile, is->cfg, is->ca,
		    &c->template)) != 0) {
			profile_free(c->profile);
			c->profile = NULL;
			return ret;
		}
		is->nprofiles++;
	}
	*out = c->profile;
	return 0;
}

static int
item_fail(struct issue_item *item, int ret)
{
	if (item->ret == 0) {
		item->ret = ret;
		snprintf(item->error, sizeof(item->error), "%s", err_msg());
	}
	return ret;
}

static int
spki_hex(EVP_PKEY *pub, X509_REQ *csr, char out[65])
{
	unsigned char digest[32], *der = NULL;
	int ret, len;

	if (csr != NULL) {
		/* The CSR's encoding as it is: no encoder round trip. */
		len = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(csr), &der);
		if (len <= 0)
			return err_set(ERR_INTERNAL, "cannot encode the key");
		ret = EVP_Digest(der, (size_t)len, digest, NULL, EVP_sha256(),
		    NULL) == 1 ? 0 : err_set(ERR_INTERNAL, "SHA-256 failed");
		OPENSSL_free(der);
	} else
		ret = x509_spki_sha256(pub, digest);
	if (ret != 0)
		return ret;
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
	return 0;
}

/* The names: from the CSR (as the profile allows), then from flags. */
static int
collect_names(const struct profile *p, const struct issue_request *rq,
    struct leaf_names *ln)
{
	size_t i;
	int ret;

	if (rq->csr != NULL && (ret = leaf_names_from_csr(ln, p, rq->csr,
	    rq->source)) != 0)
		return ret;
	for (i = 0; i < rq->nflags; i++) {
		if ((ret = profile_allows_flag(p, rq->flag_kinds[i])) != 0 ||
		    (ret = leaf_names_add(ln, p, rq->flag_kinds[i],
		    rq->flag_names[i])) != 0)
			return ret;
	}
	return 0;
}

static const char *
first_error(const struct lint_report *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		if (r->findings[i].severity == LINT_ERROR)
			return r->findings[i].message;
	return "";
}

/*
 * Sign with the throwaway key and lint; keep the linted TBS.  The
 * throwaway signature is a real one, with a fresh nonce, although the
 * lint reads only the signature's algorithm from it: about 15% of a
 * batch's instructions, which a fixed or reused-nonce signature would
 * save by putting a fake or broken ECDSA signature into the very
 * certificate that the lint takes for the one to be issued.
 */
static int
lint_item(struct issuer *is, const struct profile *p, struct issue_item *it)
{
	struct lint_expect expect = { LINT_LEAF, p->ekus, p->nekus, 1 };
	struct lint_report report;
	int ret;

	memset(&report, 0, sizeof(report));
	if ((ret = x509_sign(it->linted, is->lint_key,
	    cacfg_key_type(is->key))) != 0 ||
	    (ret = lint_cert(it->linted, &expect, &report)) != 0 ||
	    (ret = lint_cert_issuer_tbs(it->linted, is->ca, &report)) != 0)
		goto out;
	if (report.errors > 0) {
		ret = err_set(ERR_NO, "the certificate fails lint, nothing "
		    "was signed: %s", first_error(&report));
		goto out;
	}
	if ((it->tbslen = i2d_re_X509_tbs(it->linted, &it->tbs)) <= 0)
		ret = err_set(ERR_INTERNAL, "cannot encode the TBS");
out:
	lint_report_free(&report);
	return ret;
}

static int
prepare(struct issuer *is, const struct issue_request *rq, time_t now,
    struct issue_item *it)
{
	struct cached_profile *c = find_profile(is, rq->profile);
	struct leaf_names names;
	long long lifetime;
	EVP_PKEY *pub = rq->pub;
	char *serial;
	int ret;

	memset(&names, 0, sizeof(names));
	if (c == NULL)
		return err_set(ERR_INTERNAL, "profile %s not loaded",
		    rq->profile);
	it->profile = c->profile->name;
	it->requester = rq->requester;
	if (rq->csr != NULL) {
		if (pub == NULL)
			pub = X509_REQ_get0_pubkey(rq->csr);
		if ((ret = csr_verify_key(rq->csr, pub, rq->source)) != 0)
			return ret;
	}
	if ((ret = profile_allows_key(c->profile, pub)) != 0 ||
	    (ret = spki_hex(pub, rq->csr, it->spki_sha256)) != 0)
		return ret;
	it->source = rq->source;
	it->program = rq->program != NULL ? rq->program : "pki-issue";
	if ((ret = profile_lifetime(c->profile, rq->lifetime,
	    &lifetime)) != 0 ||
	    (ret = collect_names(c->profile, rq, &names)) != 0)
		goto out;
	if ((ret = leaf_build(c->template, pub, &names, lifetime, now,
	    &it->linted)) != 0)
		goto out;
	if ((serial = x509_serial_hex(it->linted)) == NULL ||
	    (it->sans_json = leaf_names_json(&names)) == NULL) {
		free(serial);
		ret = err_set(ERR_INTERNAL, "out of memory");
		goto out;
	}
	snprintf(it->serial, sizeof(it->serial), "%s", serial);
	free(serial);
	it->shard = leaf_shard(it->linted, is->cfg->crl_shards);
	ret = lint_item(is, c->profile, it);
out:
	leaf_names_free(&names);
	return ret;
}

void
issuer_prepare(struct issuer *is, const struct issue_request *rq,
    time_t now, struct issue_item *item)
{
	int ret;

	if (item->ret != 0)
		return;
	if ((ret = prepare(is, rq, now, item)) != 0)
		item_fail(item, ret);
}

static int
reserve_rows(struct issuer *is, struct issue_item *items, size_t n)
{
	size_t i;
	int ret, blocked;

	if ((ret = db_begin(is->db)) != 0)
		return ret;
	for (i = 0; i < n; i++) {
		if (items[i].ret != 0)
			continue;
		/* Inside the transaction: a keyCompromise revocation that
		 * commits first is seen here. */
		if ((ret = db_key_blocked(is->db, items[i].spki_sha256,
		    &blocked)) != 0) {
			db_rollback(is->db);
			return ret;
		}
		if (blocked) {
			item_fail(&items[i], err_set(ERR_NO, "%s: its public "
			    "key was revoked for keyCompromise and is never "
			    "certified again", items[i].source));
			continue;
		}
		ret = db_reserve(is->db, items[i].serial, items[i].profile,
		    items[i].requester, items[i].spki_sha256,
		    (int)items[i].shard);
		if (ret == ERR_EXISTS)	/* 2^-159: refuse, never reuse */
			item_fail(&items[i], ret);
		else if (ret != 0) {
			db_rollback(is->db);
			return ret;
		} else
			items[i].reserved = 1;
	}
	if ((ret = db_commit(is->db)) != 0)
		for (i = 0; i < n; i++)
			items[i].reserved = 0;
	return ret;
}

/*
 * The pending rows need not wait for the disk: nothing signed under
 * them leaves the process before issuer_complete() commits durably,
 * which flushes them too (db_set_durable()).  Other issuers see them at
 * once, so a serial is never drawn twice.
 */
int
issuer_reserve(struct issuer *is, struct issue_item *items, size_t n)
{
	int ret, ret2;

	if ((ret = db_set_durable(is->db, 0)) != 0)
		return ret;
	ret = reserve_rows(is, items, n);
	ret2 = db_set_durable(is->db, 1);
	return ret != 0 ? ret : ret2;
}

/* A token key (or one that cannot name its algorithm) signs the linted
 * object; its TBS must not have changed. */
static int
sign_object(struct issuer *is, struct issue_item *it)
{
	unsigned char *tbs = NULL;
	int len, ret, locked = !issuer_parallel(is);

	if (locked)
		pthread_mutex_lock(&is->sign_lock);
	/* After a token failure, no further request goes to the token. */
	if (is->key_failed)
		ret = err_set(ERR_UNAVAILABLE, "not signed: the HSM failed "
		    "earlier in this run");
	else if ((ret = x509_sign(it->linted, cacfg_key_pkey(is->key),
	    cacfg_key_type(is->key))) != 0) {
		is->key_failed = locked && ret == ERR_UNAVAILABLE;
		ret = cacfg_key_failed(is->cfg, is->key, ret);
	}
	if (locked)
		pthread_mutex_unlock(&is->sign_lock);
	if (ret != 0)
		return ret;
	len = i2d_re_X509_tbs(it->linted, &tbs);
	if (len != it->tbslen || memcmp(tbs, it->tbs, (size_t)len) != 0)
		ret = err_set(ERR_INTERNAL, "serial %s: the signed "
		    "certificate differs from the linted one", it->serial);
	else
		ret = x509_der(it->linted, &it->der, &it->derlen);
	OPENSSL_free(tbs);
	return ret;
}

/* A software key signs the linted TBS bytes themselves, under the
 * AlgorithmIdentifier that they name. */
static int
sign_bytes(struct issuer *is, struct issue_item *it)
{
	unsigned char *alg = NULL;
	int len, ret;

	len = i2d_X509_ALGOR(X509_get0_tbs_sigalg(it->linted), &alg);
	if (len <= 0 || (size_t)len != is->algidlen ||
	    memcmp(alg, is->algid, is->algidlen) != 0)
		ret = err_set(ERR_INTERNAL, "serial %s: the linted "
		    "certificate names another signature algorithm than the "
		    "CA key's: not signing it", it->serial);
	else if ((ret = x509_sign_tbs(cacfg_key_pkey(is->key),
	    cacfg_key_type(is->key), it->tbs, (size_t)it->tbslen, is->algid,
	    is->algidlen, &it->der, &it->derlen)) != 0)
		ret = cacfg_key_failed(is->cfg, is->key, ret);
	OPENSSL_free(alg);
	return ret;
}

void
issuer_sign(struct issuer *is, struct issue_item *it)
{
	int ret;

	if (it->ret != 0)
		return;
	if (!it->reserved) {
		item_fail(it, err_set(ERR_INTERNAL, "serial %s was not "
		    "recorded as pending: not signing it", it->serial));
		return;
	}
	/* One certificate whose object the caller takes (pki-issue
	 * without --batch, pki-renew) is signed as an object: parsing the
	 * DER back would cost more than encoding the TBS again. */
	if (is->algid != NULL && !it->want_cert)
		ret = sign_bytes(is, it);
	else if ((ret = sign_object(is, it)) == 0)
		it->signed_object = 1;
	if (ret == 0 && (it->subject = x509_subject_line(it->linted)) ==
	    NULL)
		ret = err_set(ERR_INTERNAL, "out of memory");
	if (ret != 0) {
		free(it->der);
		it->der = NULL;
		item_fail(it, ret);
	}
}

int
issue_item_cert(const struct issue_item *it, X509 **out)
{
	const unsigned char *p = it->der;

	*out = NULL;
	if (it->ret != 0 || it->der == NULL)
		return err_set(ERR_INTERNAL, "serial %s was not signed",
		    it->serial);
	if (it->signed_object) {
		if (X509_up_ref(it->linted) != 1)
			return err_set(ERR_INTERNAL, "out of memory");
		*out = it->linted;
		return 0;
	}
	if ((*out = d2i_X509(NULL, &p, (long)it->derlen)) == NULL ||
	    p != it->der + it->derlen) {
		X509_free(*out);
		*out = NULL;
		ERR_clear_error();
		return err_set(ERR_INTERNAL, "serial %s: the signed "
		    "certificate does not parse", it->serial);
	}
	return 0;
}

static long long
asn1_unix(const ASN1_TIME *t)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (long long)timegm(&tm);
}

static int
complete_one(struct issuer *is, struct issue_item *it)
{
	if (it->der == NULL || it->subject == NULL)
		return err_set(ERR_INTERNAL, "serial %s was not signed",
		    it->serial);
	return db_complete(is->db, it->serial, it->subject, it->sans_json,
	    asn1_unix(X509_get0_notBefore(it->linted)),
	    asn1_unix(X509_get0_notAfter(it->linted)), it->der, it->derlen);
}

/* Pending rows of items that failed to sign become failed rows. */
static int
complete_rows(struct issuer *is, struct issue_item *items, size_t n)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < n && ret == 0; i++) {
		if (items[i].ret == 0)
			ret = complete_one(is, &items[i]);
		else if (items[i].reserved)
			ret = db_fail(is->db, items[i].serial);
	}
	return ret;
}

static int
audit_items(struct issuer *is, const struct issue_item *items, size_t n)
{
	struct json_buf *j = NULL;
	const char **serials = NULL;
	size_t i, k = 0;
	int ret;

	if ((serials = calloc(n + 1, sizeof(*serials))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	const struct issue_item *first = NULL;

	for (i = 0; i < n; i++)
		if (items[i].ret == 0) {
			serials[k++] = items[i].serial;
			if (first == NULL)
				first = &items[i];
		}
	if (first == NULL) {
		free(serials);
		return 0;
	}
	if ((ret = json_new(&j)) == 0) {
		json_add_str(j, "requester", first->requester);
		json_add_str(j, "profile", first->profile);
		json_add_int(j, "count", (long long)k);
		json_add_str_array(j, "serials", serials, k);
		json_add_str(j, "outcome", "issued");
		if ((ret = json_text(j, (const char **)&serials[n], &i)) == 0)
			ret = cacfg_audit(is->cfg, is->key, first->program,
			    "issue", serials[n]);
	}
	json_free(j);
	free(serials);
	return ret;
}

/*
 * The audit entry first, then the rows: a row is issued only once an
 * entry names it, so a kill between the two leaves signed serials that
 * the log names and the inventory still holds as pending (never handed
 * out: the outputs wait for both), not issued rows that no entry names.
 * The log is flushed outside the inventory's write lock.
 */
int
issuer_complete(struct issuer *is, struct issue_item *items, size_t n)
{
	int ret;

	if ((ret = audit_items(is, items, n)) != 0 ||
	    (ret = db_begin(is->db)) != 0)
		return ret;
	if ((ret = complete_rows(is, items, n)) != 0) {
		db_rollback(is->db);
		return ret;
	}
	return db_commit(is->db);
}

void
issue_item_release(struct issue_item *item)
{
	X509_free(item->linted);
	OPENSSL_free(item->tbs);
	free(item->der);
	free(item->subject);
	free(item->sans_json);
	item->linted = NULL;
	item->tbs = item->der = NULL;
	item->subject = item->sans_json = NULL;
}

void
issue_item_clear(struct issue_item *item)
{
	issue_item_release(item);
	memset(item, 0, sizeof(*item));
}
