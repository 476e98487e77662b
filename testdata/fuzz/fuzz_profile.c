/*
 * fuzz_profile: a leaf profile file (profile_load()), and the questions
 * pki-issue then asks of whatever profile loaded: fixed names of each
 * kind, a CN, the lifetime, key usage and EKU text.
 */
#include "fuzz.h"
#include "profile.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static const struct {
	enum san_kind kind;
	const char *value;
} names[] = {
	{ SAN_DNS, "api.svc.prod.example.internal" },
	{ SAN_DNS, "*.prod.example.org" },
	{ SAN_DNS, "A.B.C" },
	{ SAN_IP, "10.10.1.2" },
	{ SAN_IP, "fd00::1" },
	{ SAN_URI, "spiffe://prod.example.org/ns/default/sa/api" },
	{ SAN_URI, "urn:example:device:1234" },
	{ SAN_EMAIL, "alice@example.org" },
};

static void
ask(const struct profile *p)
{
	static const unsigned bits[] = {
		PROFILE_KEY_P256, PROFILE_KEY_P384, PROFILE_KEY_RSA,
		PROFILE_KEY_ED25519
	};
	enum san_kind kinds[8];
	const char *values[8];
	char text[PROFILE_KU_TEXT];
	long long secs;
	unsigned ku;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		kinds[i] = names[i].kind;
		values[i] = names[i].value;
		fuzz_check_rc(profile_allows_name(p, names[i].kind,
		    names[i].value), "profile_allows_name");
		fuzz_check_rc(profile_allows_flag(p, names[i].kind),
		    "profile_allows_flag");
	}
	fuzz_check_rc(profile_check_cn(p, "A.b.c", kinds, values, i),
	    "profile_check_cn");
	if (profile_lifetime(p, NULL, &secs) != 0 ||
	    secs != p->lifetime_default || secs > p->lifetime_max)
		fuzz_die("the default lifetime is not allowed");
	fuzz_check_rc(profile_lifetime(p, "1d", &secs), "profile_lifetime");
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		fuzz_check_rc(profile_key_usage_for(p, bits[i], &ku, text,
		    sizeof(text)), "profile_key_usage_for");
	if (profile_eku_text(p, text, PROFILE_EKU_TEXT) != 0)
		fuzz_die("profile_eku_text failed");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = NULL;
	long long secs;
	char *text;
	int rc;

	rc = profile_load(fuzz_file(data, size), &p);
	fuzz_check_rc(rc, "profile_load");
	if (rc == 0) {
		if (p->key_types == 0 || p->nekus == 0 ||
		    p->lifetime_default > p->lifetime_max ||
		    p->lifetime_max > PROFILE_MAX_SECONDS)
			fuzz_die("profile_load accepted a bad profile");
		ask(p);
	}
	profile_free(p);

	/* The input as a duration. */
	text = fuzz_strdup(data, size);
	rc = profile_parse_duration(text, &secs);
	fuzz_check_rc(rc, "profile_parse_duration");
	if (rc == 0 && (secs < 1 || secs > PROFILE_MAX_SECONDS))
		fuzz_die("duration %s gave %lld s", text, secs);
	free(text);
	return 0;
}
