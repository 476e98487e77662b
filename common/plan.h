/*
 * plan.h: a ceremony's plan as JSON, for --plan and the paper script.
 *
 * pki-root-keygen, pki-root-sign and pki-root-crl print with --plan what
 * the validated ceremony file says they will do, so that the paper
 * script (scripts/ceremony-script) is written from the very values the
 * programs run with, never from a second reading of the YAML.  These
 * functions only copy fields of an already validated configuration into
 * a JSON writer: they read no file and hold no secret.  The members are
 * documented in each program's man page under --plan and are stable.
 */
#ifndef PKI_PLAN_H
#define PKI_PLAN_H

#include "ceremonycfg.h"
#include "json.h"
#include "policy.h"
#include "signcfg.h"

/*
 * Open the outermost object in the empty writer j and add the members
 * every plan has: "plan_version" (1), "program", "version",
 * "rehearsal", and "config": { "path", "sha256" }.  The caller adds the
 * rest and closes the object with json_end_object().  Errors are kept
 * in j (json.h) and returned by json_text().
 */
void	plan_begin(struct json_buf *j, const char *program, int rehearsal,
	    const char *path, const unsigned char sha256[32]);

/*
 * Add the root key ceremony c: "ceremony" (name, administrator,
 * witnesses), "key" (type, and hsm {module, uri} or file),
 * "certificate" (subject {country, state, locality, organization,
 * organizational_unit, common_name: only those set}, validity_years),
 * "backup" (method; for shamir also threshold, shares, custodians) and
 * "output" (directory).
 */
void	plan_root_ceremony(struct json_buf *j, const struct root_ceremony *c);

/*
 * Add the signing ceremony s: "ceremony" as above, "root" (certificate,
 * key {hsm {module, uri}} or {file}, ledger, transcript), "sign" when
 * present (csr or cross_sign, policy, validity_days as in the file or
 * null for the policy's default, output {certificate, chain or null})
 * and "crl" when present (validity_days, output).
 */
void	plan_root_session(struct json_buf *j, const struct root_session *s);

/*
 * Add "policy": the validated intermediate policy p (path, sha256,
 * name, subject with from_csr, validity {default_days, max_days},
 * path_len or null, key_types, name_constraints or null, ekus,
 * root_urls, certificate_policies) and "validity_days": the days the
 * certificate will get (requested_days, or the policy's default when
 * requested_days is 0).
 */
void	plan_policy(struct json_buf *j, const struct intermediate_policy *p,
	    unsigned requested_days);

#endif
