/*
 * kekshare.c: the root key backup: wrap, split, check, combine, open.
 *
 * Security invariants: the KEK and every y live only in secmem buffers
 * and are wiped on every path; a share is checked against the signed
 * backup header before any arithmetic touches it, so a forged, mistyped
 * or foreign share is named instead of silently producing garbage.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "err.h"
#include "kekshare.h"
#include "secmem.h"
#include "shamir.h"
#include "x509.h"

static int
fill_shares(const struct kekshare_params *p, const unsigned char *set_id,
    const unsigned char *ys, struct share *shares, struct backup_header *hdr)
{
	unsigned i;
	int ret;

	for (i = 0; i < p->n; i++) {
		struct share *s = &shares[i];

		if (strlen(p->custodians[i]) > SHARE_CUSTODIAN_MAX)
			return err_set(ERR_CONFIG, "custodian name \"%s\" is "
			    "longer than %d bytes", p->custodians[i],
			    SHARE_CUSTODIAN_MAX);
		s->version = 1;
		s->kind = SHARE_KIND_KEK;
		memcpy(s->set_id, set_id, SHARE_SET_ID_LEN);
		s->m = (unsigned char)p->m;
		s->n = (unsigned char)p->n;
		s->x = (unsigned char)(i + 1);
		memcpy(s->fp_prefix, p->fingerprint, SHARE_FP_PREFIX_LEN);
		snprintf(s->custodian, sizeof(s->custodian), "%s",
		    p->custodians[i]);
		memcpy(s->y, ys + (size_t)i * SHARE_Y_LEN, SHARE_Y_LEN);
		if ((ret = backup_commitment(set_id, s->x, s->y,
		    hdr->commitments[i])) != 0)
			return ret;
	}
	return 0;
}

int
kekshare_create(const unsigned char *plain, size_t plainlen,
    const struct kekshare_params *p, unsigned char **backup,
    size_t *backuplen, struct share **shares)
{
	struct backup_header hdr;
	unsigned char *kek = NULL, *ys = NULL;
	struct share *out = NULL;
	int ret;

	*backup = NULL;
	*shares = NULL;
	memset(&hdr, 0, sizeof(hdr));
	if (p->m < 2 || p->m > p->n || p->n > SHAMIR_MAX_SHARES)
		return err_set(ERR_CONFIG, "threshold %u of %u is out of "
		    "range (2 <= M <= N <= 16)", p->m, p->n);
	kek = secmem_alloc(BACKUP_KEK_LEN);
	ys = secmem_alloc((size_t)p->n * SHARE_Y_LEN);
	out = secmem_alloc(sizeof(*out) * p->n);
	if (kek == NULL || ys == NULL || out == NULL) {
		ret = err_set(ERR_INTERNAL, "out of locked memory");
		goto out;
	}
	memset(out, 0, sizeof(*out) * p->n);
	randombytes_buf(kek, BACKUP_KEK_LEN);
	randombytes_buf(hdr.set_id, sizeof(hdr.set_id));
	hdr.m = (unsigned char)p->m;
	hdr.n = (unsigned char)p->n;
	memcpy(hdr.fingerprint, p->fingerprint, sizeof(hdr.fingerprint));
	hdr.key_type = (unsigned char)p->key_type;
	memcpy(hdr.signer_pk, p->signer_pk, sizeof(hdr.signer_pk));
	hdr.created = (unsigned long long)time(NULL);
	if ((ret = shamir_split(kek, BACKUP_KEK_LEN, p->m, p->n, ys)) != 0 ||
	    (ret = fill_shares(p, hdr.set_id, ys, out, &hdr)) != 0 ||
	    (ret = backup_seal(&hdr, kek, plain, plainlen, p->signer_sk,
	    backup, backuplen)) != 0)
		goto out;
	*shares = out;
	out = NULL;
out:
	secmem_free(kek);
	secmem_free(ys);
	secmem_free(out);
	return ret;
}

static int
check_one(const struct backup_header *hdr, const struct share *s,
    const char *name, const char *backup_name)
{
	char set[5], bset[5];

	share_set_tag(s->set_id, set);
	share_set_tag(hdr->set_id, bset);
	if (sodium_memcmp(s->set_id, hdr->set_id, sizeof(hdr->set_id)) != 0)
		return err_set(ERR_DATA, "%s (share %u, %s) is from share set "
		    "%s, not from the set %s of backup %s", name, s->x,
		    s->custodian, set, bset, backup_name);
	if (s->m != hdr->m || s->n != hdr->n)
		return err_set(ERR_DATA, "%s says %u of %u, backup %s says "
		    "%u of %u", name, s->m, s->n, backup_name, hdr->m, hdr->n);
	if (memcmp(s->fp_prefix, hdr->fingerprint, SHARE_FP_PREFIX_LEN) != 0)
		return err_set(ERR_DATA, "%s protects another key than "
		    "backup %s", name, backup_name);
	return 0;
}

static int
check_shares(const struct backup_header *hdr, struct share *const *shares,
    const char *const *names, unsigned count, const char *backup_name)
{
	unsigned i, j;
	int ret;

	for (i = 0; i < count; i++) {
		if ((ret = check_one(hdr, shares[i], names[i],
		    backup_name)) != 0)
			return ret;
		for (j = 0; j < i; j++)
			if (shares[j]->x == shares[i]->x)
				return err_set(ERR_DATA, "%s and %s are the "
				    "same share (index %u)", names[j],
				    names[i], shares[i]->x);
	}
	if (count < hdr->m)
		return err_set(ERR_NO, "%u share%s given, %u needed to open "
		    "backup %s", count, count == 1 ? "" : "s", hdr->m,
		    backup_name);
	for (i = 0; i < count; i++)
		if (backup_check_share(hdr, shares[i]->x, shares[i]->y) != 0)
			return err_set(ERR_NO, "%s (share %u, %s) does not "
			    "belong to backup %s: its value does not match "
			    "the commitment", names[i], shares[i]->x,
			    shares[i]->custodian, backup_name);
	return 0;
}

int
kekshare_recover(const unsigned char *backup, size_t backuplen,
    const char *backup_name, struct share *const *shares,
    const char *const *names, unsigned count, unsigned char **plain,
    size_t *plainlen, struct backup_header *hdr_out)
{
	struct backup_header hdr;
	const unsigned char *ys[SHAMIR_MAX_SHARES];
	unsigned char xs[SHAMIR_MAX_SHARES];
	unsigned char *kek = NULL;
	unsigned i;
	int ret;

	*plain = NULL;
	if ((ret = backup_parse(backup, backuplen, backup_name, &hdr)) != 0)
		return ret;
	if (count > SHAMIR_MAX_SHARES)
		return err_set(ERR_USAGE, "at most %d shares", SHAMIR_MAX_SHARES);
	if ((ret = check_shares(&hdr, shares, names, count, backup_name)) != 0)
		return ret;
	if ((kek = secmem_alloc(BACKUP_KEK_LEN)) == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	for (i = 0; i < hdr.m; i++) {
		xs[i] = shares[i]->x;
		ys[i] = shares[i]->y;
	}
	if ((ret = shamir_combine(xs, ys, hdr.m, BACKUP_KEK_LEN, kek)) != 0)
		goto out;
	if ((ret = backup_open(backup, backuplen, backup_name, kek, plain,
	    plainlen)) != 0)
		goto out;
	if (hdr_out != NULL)
		*hdr_out = hdr;
out:
	secmem_free(kek);
	return ret;
}

static void
pick_random(unsigned n, unsigned *order)
{
	unsigned i, j, t;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = randombytes_uniform(i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

int
kekshare_selftest(const unsigned char *backup, size_t backuplen,
    struct share *shares, unsigned n, unsigned m, EVP_PKEY *pub,
    char *used, size_t usedlen)
{
	unsigned order[SHAMIR_MAX_SHARES], i;
	struct share *picked[SHAMIR_MAX_SHARES];
	const char *names[SHAMIR_MAX_SHARES];
	unsigned char *plain = NULL;
	EVP_PKEY *restored = NULL;
	size_t plainlen, off = 0;
	int ret;

	if (n > SHAMIR_MAX_SHARES || m < 2 || m > n)
		return err_set(ERR_CONFIG, "threshold %u of %u is out of "
		    "range (2 <= M <= N <= 16)", m, n);
	pick_random(n, order);
	used[0] = '\0';
	for (i = 0; i < m; i++) {
		picked[i] = &shares[order[i]];
		names[i] = picked[i]->custodian;
		if (off < usedlen)
			off += (size_t)snprintf(used + off, usedlen - off,
			    "%s%u", i ? "," : "", picked[i]->x);
	}
	if ((ret = kekshare_recover(backup, backuplen, "the new backup",
	    picked, names, m, &plain, &plainlen, NULL)) != 0 ||
	    (ret = x509_private_parse(plain, plainlen, &restored)) != 0)
		goto out;
	if (EVP_PKEY_eq(restored, pub) != 1)
		ret = err_set(ERR_NO, "restore test: shares %s recover a key "
		    "that is not the root certificate's", used);
out:
	EVP_PKEY_free(restored);
	secmem_free(plain);
	return ret;
}
