/*
 * fuzz_backup: the root key backup file that pki-shares and
 * pki-root-restore read from removable media (backup_parse(), then the
 * share commitment check and the decryption that follow it).
 *
 * The header is signed, so mutations of a file stop at the signature.
 * An input that does not start with the file's magic byte 0x89 is
 * therefore taken as the makings of a backup instead: M, N, key type,
 * set id, creation time and the plaintext, sealed by backup_seal()
 * under a fixed KEK and signing key.  Invariant: whatever backup_seal()
 * accepts, backup_parse() reads back field for field, every share's
 * commitment checks, and backup_open() returns the plaintext.
 */
#include "backup.h"
#include "fuzz.h"
#include "secmem.h"

#define MAKINGS	(3 + BACKUP_SET_ID_LEN + 8)

static unsigned char signer_pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char *signer_sk;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char seed[crypto_sign_SEEDBYTES];

	(void)argc;
	(void)argv;
	fuzz_init();
	if ((signer_sk = secmem_alloc(crypto_sign_SECRETKEYBYTES)) == NULL)
		fuzz_die("out of locked memory");
	memset(seed, 9, sizeof(seed));
	crypto_sign_seed_keypair(signer_pk, signer_sk, seed);
	return 0;
}

/* Seal a backup from the input's makings and read it back. */
static void
seal(const uint8_t *data, size_t size, const unsigned char *kek)
{
	struct backup_header hdr, back;
	unsigned char *file = NULL, *plain = NULL;
	size_t len = 0, plainlen = 0, i;
	unsigned x;
	int rc;

	if (size < MAKINGS)
		return;
	memset(&hdr, 0, sizeof(hdr));
	hdr.m = data[0];
	hdr.n = data[1];
	hdr.key_type = data[2];
	memcpy(hdr.set_id, data + 3, BACKUP_SET_ID_LEN);
	for (i = 3 + BACKUP_SET_ID_LEN; i < MAKINGS; i++)
		hdr.created = hdr.created << 8 | data[i];
	memset(hdr.fingerprint, 0x42, sizeof(hdr.fingerprint));
	memcpy(hdr.signer_pk, signer_pk, sizeof(signer_pk));
	for (x = 1; x <= hdr.n && x <= BACKUP_MAX_SHARES; x++)
		if (backup_commitment(hdr.set_id, (unsigned char)x, kek,
		    hdr.commitments[x - 1]) != 0)
			fuzz_die("backup_commitment failed");
	rc = backup_seal(&hdr, kek, data + MAKINGS, size - MAKINGS,
	    signer_sk, &file, &len);
	fuzz_check_rc(rc, "backup_seal");
	if (rc != 0)
		return;
	if ((rc = backup_parse(file, len, "sealed", &back)) != 0)
		fuzz_die("a sealed backup does not parse (%d)", rc);
	if (back.version != hdr.version || back.alg != hdr.alg ||
	    back.m != hdr.m || back.n != hdr.n ||
	    back.key_type != hdr.key_type || back.created != hdr.created ||
	    memcmp(back.set_id, hdr.set_id, sizeof(hdr.set_id)) != 0 ||
	    memcmp(back.nonce, hdr.nonce, sizeof(hdr.nonce)) != 0 ||
	    memcmp(back.fingerprint, hdr.fingerprint,
	    sizeof(hdr.fingerprint)) != 0 ||
	    memcmp(back.commitments, hdr.commitments,
	    sizeof(hdr.commitments)) != 0 ||
	    memcmp(back.signer_pk, hdr.signer_pk, sizeof(hdr.signer_pk)) != 0)
		fuzz_die("a sealed backup's header reads back differently");
	for (x = 1; x <= hdr.n; x++)
		if (backup_check_share(&back, (unsigned char)x, kek) != 0)
			fuzz_die("share %u does not check", x);
	if (backup_open(file, len, "sealed", kek, &plain, &plainlen) != 0 ||
	    plainlen != size - MAKINGS ||
	    memcmp(plain, data + MAKINGS, plainlen) != 0)
		fuzz_die("a sealed backup does not open to its plaintext");
	secmem_free(plain);
	free(file);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_header hdr;
	unsigned char *kek, *plain = NULL;
	size_t plainlen = 0;
	char tag[5];
	unsigned x;
	int rc;

	if ((kek = secmem_alloc(BACKUP_KEK_LEN)) == NULL)
		fuzz_die("out of locked memory");
	memset(kek, 0x5a, BACKUP_KEK_LEN);
	if (size > 0 && data[0] != 0x89) {
		seal(data, size, kek);
		secmem_free(kek);
		return 0;
	}
	rc = backup_parse(data, size, "fuzz", &hdr);
	fuzz_check_rc(rc, "backup_parse");
	if (rc != 0) {
		secmem_free(kek);
		return 0;
	}
	if (hdr.m < 2 || hdr.m > hdr.n || hdr.n > BACKUP_MAX_SHARES)
		fuzz_die("backup_parse accepted M %u of N %u", hdr.m, hdr.n);
	backup_set_tag(&hdr, tag);
	for (x = 0; x <= BACKUP_MAX_SHARES + 1; x++) {
		rc = backup_check_share(&hdr, (unsigned char)x, kek);
		fuzz_check_rc(rc, "backup_check_share");
		if ((x == 0 || x > hdr.n) && rc != ERR_DATA)
			fuzz_die("share %u of %u was not refused", x, hdr.n);
	}
	rc = backup_open(data, size, "fuzz", kek, &plain, &plainlen);
	fuzz_check_rc(rc, "backup_open");
	secmem_free(plain);
	secmem_free(kek);
	return 0;
}
