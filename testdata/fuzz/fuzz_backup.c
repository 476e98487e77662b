/*
 * fuzz_backup: the root key backup file that pki-shares and
 * pki-root-restore read from removable media (backup_parse(), then the
 * share commitment check and the decryption that follow it).
 */
#include "backup.h"
#include "fuzz.h"
#include "secmem.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
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

	rc = backup_parse(data, size, "fuzz", &hdr);
	fuzz_check_rc(rc, "backup_parse");
	if (rc != 0)
		return 0;
	if (hdr.m < 2 || hdr.m > hdr.n || hdr.n > BACKUP_MAX_SHARES)
		fuzz_die("backup_parse accepted M %u of N %u", hdr.m, hdr.n);
	backup_set_tag(&hdr, tag);
	if ((kek = secmem_alloc(BACKUP_KEK_LEN)) == NULL)
		fuzz_die("out of locked memory");
	memset(kek, 0x5a, BACKUP_KEK_LEN);
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
