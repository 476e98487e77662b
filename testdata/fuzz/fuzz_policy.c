/*
 * fuzz_policy: the intermediate CA policy that pki-root-sign signs
 * under (policy_load()), and the CIDR parser of its IP constraints.
 */
#include "fuzz.h"
#include "policy.h"

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
	struct intermediate_policy *p = NULL;
	unsigned char range[32];
	size_t len;
	char *cidr;
	int rc;

	rc = policy_load(fuzz_file(data, size), &p);
	fuzz_check_rc(rc, "policy_load");
	if (rc == 0 && (p->key_types == 0 || p->validity_days_default < 1 ||
	    p->validity_days_default > p->validity_days_max ||
	    p->validity_days_max > POLICY_MAX_DAYS ||
	    p->path_len < -1 || p->path_len > 8))
		fuzz_die("policy_load accepted a bad policy");
	policy_free(p);

	/* The input as one CIDR range. */
	cidr = fuzz_strdup(data, size);
	rc = policy_parse_cidr(cidr, range, &len);
	fuzz_check_rc(rc, "policy_parse_cidr");
	if (rc == 0 && len != 8 && len != 32)
		fuzz_die("policy_parse_cidr gave %zu bytes", len);
	free(cidr);
	return 0;
}
