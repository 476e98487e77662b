/*
 * plan.c: a ceremony's plan as JSON, for --plan and the paper script.
 *
 * Copies fields of a configuration that ceremonycfg_load(),
 * signcfg_load() or policy_load() has already validated; decides
 * nothing and reads nothing.  A value that is not set in the file is
 * left out (subject parts) or written as null (optional paths), so that
 * the script can tell "not set" from an empty string.  The json writer
 * keeps the first error, so these functions return nothing: the caller
 * checks json_text() once.
 */
#include <sodium.h>

#include "plan.h"

#define PLAN_VERSION	1

static void
add_sha256(struct json_buf *j, const char *key, const unsigned char d[32])
{
	char hex[65];

	sodium_bin2hex(hex, sizeof(hex), d, 32);
	json_add_str(j, key, hex);
}

/* A string member, or null when the value is not set. */
static void
add_opt(struct json_buf *j, const char *key, const char *value)
{
	if (value != NULL)
		json_add_str(j, key, value);
	else
		json_add_raw(j, key, "null");
}

/* Only the parts that are set: the certificate has no others. */
static void
add_subject(struct json_buf *j, const char *const part[6])
{
	static const char *const names[6] = { "country", "state",
	    "locality", "organization", "organizational_unit",
	    "common_name" };
	int i;

	json_begin_object(j, "subject");
	for (i = 0; i < 6; i++)
		if (part[i] != NULL)
			json_add_str(j, names[i], part[i]);
	json_end_object(j);
}

static void
add_people(struct json_buf *j, const char *name, const char *admin,
    const char *const *witnesses, size_t nwitnesses)
{
	json_begin_object(j, "ceremony");
	json_add_str(j, "name", name);
	json_add_str(j, "administrator", admin);
	json_add_str_array(j, "witnesses", witnesses, nwitnesses);
	json_end_object(j);
}

static void
add_key(struct json_buf *j, const char *type, const char *module,
    const char *uri, const char *file)
{
	json_begin_object(j, "key");
	if (type != NULL)
		json_add_str(j, "type", type);
	if (module != NULL) {
		json_begin_object(j, "hsm");
		json_add_str(j, "module", module);
		json_add_str(j, "uri", uri);
		json_end_object(j);
	} else
		json_add_str(j, "file", file);
	json_end_object(j);
}

void
plan_begin(struct json_buf *j, const char *program, int rehearsal,
    const char *path, const unsigned char sha256[32])
{
	json_begin_object(j, NULL);
	json_add_int(j, "plan_version", PLAN_VERSION);
	json_add_str(j, "program", program);
	json_add_str(j, "version", PKI_VERSION);
	json_add_bool(j, "rehearsal", rehearsal);
	json_begin_object(j, "config");
	json_add_str(j, "path", path);
	add_sha256(j, "sha256", sha256);
	json_end_object(j);
}

void
plan_root_ceremony(struct json_buf *j, const struct root_ceremony *c)
{
	const char *subject[6] = { c->subject_c, c->subject_st, c->subject_l,
	    c->subject_o, c->subject_ou, c->subject_cn };

	add_people(j, c->name, c->administrator,
	    (const char *const *)c->witnesses, c->nwitnesses);
	add_key(j, keytype_name(c->key_type), c->hsm_module, c->hsm_uri,
	    c->key_file);
	json_begin_object(j, "certificate");
	add_subject(j, subject);
	json_add_int(j, "validity_years", c->validity_years);
	json_end_object(j);
	json_begin_object(j, "backup");
	json_add_str(j, "method", c->backup_shamir ? "shamir" : "none");
	if (c->backup_shamir) {
		json_add_int(j, "threshold", c->threshold);
		json_add_int(j, "shares", (long long)c->ncustodians);
		json_add_str_array(j, "custodians",
		    (const char *const *)c->custodians, c->ncustodians);
	}
	json_end_object(j);
	json_begin_object(j, "output");
	json_add_str(j, "directory", c->output_dir);
	json_end_object(j);
}

void
plan_root_session(struct json_buf *j, const struct root_session *s)
{
	add_people(j, s->name, s->administrator, s->witnesses,
	    s->nwitnesses);
	json_begin_object(j, "root");
	json_add_str(j, "certificate", s->root_cert);
	add_key(j, NULL, s->hsm_module, s->hsm_uri, s->key_file);
	json_add_str(j, "ledger", s->ledger);
	json_add_str(j, "transcript", s->transcript);
	json_end_object(j);
	if (s->has_sign) {
		json_begin_object(j, "sign");
		add_opt(j, "csr", s->csr);
		add_opt(j, "cross_sign", s->cross_sign);
		json_add_str(j, "policy", s->policy);
		if (s->validity_days != 0)
			json_add_int(j, "validity_days", s->validity_days);
		else
			json_add_raw(j, "validity_days", "null");
		json_begin_object(j, "output");
		json_add_str(j, "certificate", s->out_cert);
		add_opt(j, "chain", s->out_chain);
		json_end_object(j);
		json_end_object(j);
	}
	if (s->has_crl) {
		json_begin_object(j, "crl");
		json_add_int(j, "validity_days", s->crl_validity_days);
		json_add_str(j, "output", s->crl_out);
		json_end_object(j);
	}
}

static void
add_subtrees(struct json_buf *j, const char *key,
    const struct policy_subtrees *t)
{
	json_begin_object(j, key);
	json_add_str_array(j, "dns", t->dns, t->ndns);
	json_add_str_array(j, "ip", t->ip, t->nip);
	json_add_str_array(j, "uri", t->uri, t->nuri);
	json_add_str_array(j, "email", t->email, t->nemail);
	json_end_object(j);
}

static void
add_policy_subject(struct json_buf *j, const struct intermediate_policy *p)
{
	const char *subject[6] = { p->subject_c, p->subject_st, p->subject_l,
	    p->subject_o, p->subject_ou, p->subject_cn };
	const char *from[3];
	size_t n = 0;

	add_subject(j, subject);
	if (p->csr_may_set_o)
		from[n++] = "organization";
	if (p->csr_may_set_ou)
		from[n++] = "organizational_unit";
	if (p->csr_may_set_cn)
		from[n++] = "common_name";
	json_add_str_array(j, "subject_from_csr", from, n);
}

void
plan_policy(struct json_buf *j, const struct intermediate_policy *p,
    unsigned requested_days)
{
	const char *types[4];
	size_t n = 0;
	int t;

	json_begin_object(j, "policy");
	json_add_str(j, "path", p->path);
	add_sha256(j, "sha256", p->sha256);
	json_add_str(j, "name", p->name);
	add_policy_subject(j, p);
	json_begin_object(j, "validity");
	json_add_int(j, "default_days", p->validity_days_default);
	json_add_int(j, "max_days", p->validity_days_max);
	json_end_object(j);
	if (p->path_len >= 0)
		json_add_int(j, "path_len", p->path_len);
	else
		json_add_raw(j, "path_len", "null");
	for (t = KEY_P256; t <= KEY_RSA4096; t++)
		if (p->key_types & POLICY_KEY_BIT(t))
			types[n++] = keytype_name((enum key_type)t);
	json_add_str_array(j, "key_types", types, n);
	if (p->has_nc) {
		json_begin_object(j, "name_constraints");
		json_add_bool(j, "critical", p->nc_critical);
		add_subtrees(j, "permitted", &p->permitted);
		add_subtrees(j, "excluded", &p->excluded);
		json_end_object(j);
	} else
		json_add_raw(j, "name_constraints", "null");
	json_add_str_array(j, "ekus", p->ekus, p->nekus);
	json_begin_object(j, "root_urls");
	add_opt(j, "crl", p->crl_url);
	add_opt(j, "ca_issuers", p->ca_issuers_url);
	json_end_object(j);
	json_add_str_array(j, "certificate_policies", p->policy_oids,
	    p->npolicy_oids);
	json_end_object(j);
	json_add_int(j, "validity_days", requested_days != 0 ?
	    requested_days : p->validity_days_default);
}
