/*
 * mklog: test helper for testdata/regress/audit.sh.  Appends N entries
 * to an audit log (created if missing) and seals it with an Ed25519 key
 * derived from a fixed seed, then prints the public key in hex.  The
 * key is a test key and nothing here is secret.  Built by the regress
 * script; never installed (the unit Makefile rule builds test_*.c only).
 *
 *   mklog FILE N SEED [MEMBERS [open]]
 *
 * SEED is a byte 0-255 repeated 32 times.  MEMBERS is added to every
 * entry as JSON members ("" for none); "open" leaves the log unsealed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "err.h"
#include "json.h"
#include "secmem.h"

static int
entries(struct audit *a, long n, const char *extra)
{
	struct json_buf *j = NULL;
	const char *text;
	char *members;
	size_t len;
	long i;
	int ret = 0;

	for (i = 0; i < n && ret == 0; i++) {
		if ((ret = json_new(&j)) != 0)
			break;
		json_add_int(j, "i", i + 1);
		json_add_str(j, "note", i == 2 ? "entry 3" : "an entry");
		if ((ret = json_text(j, &text, &len)) == 0 &&
		    (members = malloc(len + strlen(extra) + 2)) != NULL) {
			snprintf(members, len + strlen(extra) + 2, "%s%s%s",
			    text, extra[0] ? "," : "", extra);
			ret = audit_append(a, "step", members);
			free(members);
		}
		json_free(j);
		j = NULL;
	}
	return ret;
}

int
main(int argc, char **argv)
{
	unsigned char seed[32], pk[32], *sk = NULL;
	char hex[65];
	struct audit *a = NULL;
	long n;
	int ret;

	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: mklog FILE N SEED [MEMBERS [open]]\n");
		return 64;
	}
	if ((ret = secmem_init()) != 0 || (sk = secmem_alloc(64)) == NULL)
		return err_report("mklog", ret ? ret : ERR_INTERNAL);
	n = strtol(argv[2], NULL, 10);
	memset(seed, (int)(strtol(argv[3], NULL, 10) & 0xff), sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	if ((ret = audit_open(argv[1], "mklog", 1, &a)) == 0 &&
	    (ret = entries(a, n, argc > 4 ? argv[4] : "")) == 0 &&
	    (argc < 6 || strcmp(argv[5], "open") != 0))
		ret = audit_seal(a, sk);
	audit_close(a);
	secmem_free(sk);
	if (ret != 0)
		return err_report("mklog", ret);
	sodium_bin2hex(hex, sizeof(hex), pk, 32);
	printf("%s\n", hex);
	return 0;
}
