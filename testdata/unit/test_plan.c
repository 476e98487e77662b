/*
 * test_plan.c: the plan JSON that --plan prints, from the shipped
 * examples: one well-formed object whose members carry the validated
 * values (M-of-N, custodians, key type, validity, policy).
 */
#include <stdlib.h>

#include "err.h"
#include "harness.h"
#include "plan.h"

static const char *
has(const char *text, const char *needle)
{
	return strstr(text, needle);
}

static void
test_keygen(void)
{
	struct root_ceremony *c = NULL;
	struct json_buf *j = NULL;
	const char *text = NULL;
	size_t len = 0;

	CHECK_RC(ceremonycfg_load("policies/root-ceremony.yaml", &c), 0,
	    "the example ceremony loads");
	CHECK_RC(json_new(&j), 0, "a writer");
	if (c == NULL || j == NULL)
		goto out;
	plan_begin(j, "pki-root-keygen", 1, c->path, c->sha256);
	plan_root_ceremony(j, c);
	json_end_object(j);
	CHECK_RC(json_text(j, &text, &len), 0, "the plan is built");
	if (text == NULL)
		goto out;
	CHECK_RC(json_check_object(text, len), 0, "one well-formed object");
	CHECK(has(text, "\"rehearsal\":true") != NULL &&
	    has(text, "\"program\":\"pki-root-keygen\"") != NULL,
	    "program and rehearsal");
	CHECK(has(text, "\"threshold\":3,\"shares\":5,\"custodians\":[\"Carol\","
	    "\"Dave\",\"Erin\",\"Frank\",\"Grace\"]") != NULL,
	    "M-of-N and the custodians in order");
	CHECK(has(text, "\"type\":\"p384\"") != NULL &&
	    has(text, "\"validity_years\":20") != NULL &&
	    has(text, "\"common_name\":\"Example Corp Root CA 2026\"") != NULL,
	    "key type, validity, subject");
	CHECK(has(text, "\"state\"") == NULL, "unset subject parts left out");
out:
	json_free(j);
	ceremonycfg_free(c);
}

static void
test_sign(void)
{
	struct root_session *s = NULL;
	struct intermediate_policy *p = NULL;
	struct json_buf *j = NULL;
	const char *text = NULL;
	size_t len = 0;

	CHECK_RC(signcfg_load("policies/root-sign-prod.yaml", SIGNCFG_SIGN,
	    &s), 0, "the example signing ceremony loads");
	if (s == NULL)
		goto out;
	CHECK_RC(policy_load(s->policy, &p), 0, "its policy loads");
	CHECK_RC(json_new(&j), 0, "a writer");
	if (p == NULL || j == NULL)
		goto out;
	plan_begin(j, "pki-root-sign", 0, s->path, s->sha256);
	plan_root_session(j, s);
	plan_policy(j, p, 0);
	json_end_object(j);
	CHECK_RC(json_text(j, &text, &len), 0, "the plan is built");
	if (text == NULL)
		goto out;
	CHECK_RC(json_check_object(text, len), 0, "one well-formed object");
	CHECK(has(text, "\"csr\":\"prod.csr\",\"cross_sign\":null") != NULL,
	    "the CSR, and null for the unset cross_sign");
	CHECK(has(text, "\"crl\":{\"validity_days\":180") != NULL,
	    "the crl section too");
	CHECK(has(text, "\"path_len\":0") != NULL &&
	    has(text, "\"dns\":[\"svc.prod.example.internal\"") != NULL &&
	    has(text, "\"subject_from_csr\":[\"common_name\"]") != NULL,
	    "the policy's values");
	CHECK(has(text, "},\"validity_days\":1825") != NULL,
	    "the days the certificate gets: the policy default when 0");
out:
	json_free(j);
	policy_free(p);
	signcfg_free(s);
}

int
main(void)
{
	test_keygen();
	test_sign();
	return harness_done();
}
