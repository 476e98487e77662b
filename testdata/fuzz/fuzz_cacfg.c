/*
 * fuzz_cacfg: an online CA's ca.yaml (cacfg_load() on a directory that
 * holds the input as ca.yaml) and the same bytes as a pki-ca-init file
 * (cacfg_load_init()); then what the programs derive from a loaded
 * configuration: the CRL URLs of each shard, the profile check, the
 * duration text, and cacfg_write() read back by cacfg_load().
 */
#include "cacfg.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static void
use(const struct ca_config *c)
{
	char *url, text[32];
	unsigned shard;
	int delta;

	if (c->nprofiles < 1 || c->crl_shards < 1 ||
	    c->crl_shards > CACFG_MAX_SHARDS ||
	    (c->hsm_uri == NULL) == (c->key_file == NULL))
		fuzz_die("cacfg accepted a bad configuration");
	for (shard = 0; shard <= c->crl_shards && shard < 4; shard++)
		for (delta = 0; delta < 2; delta++) {
			url = NULL;
			fuzz_check_rc(cacfg_crl_url(c, shard, delta, &url),
			    "cacfg_crl_url");
			free(url);
		}
	fuzz_check_rc(cacfg_profile_allowed(c, c->profiles[0]),
	    "cacfg_profile_allowed");
	fuzz_check_rc(cacfg_profile_allowed(c, "no-such-profile"),
	    "cacfg_profile_allowed");
	cacfg_duration_text(c->crl_validity, text, sizeof(text));
	cacfg_duration_text(c->ocsp_refresh, text, sizeof(text));
}

/* cacfg_write() of c gives a ca.yaml that loads with the same values. */
static void
rewrite(const struct ca_config *c, const char *dir)
{
	struct ca_config *back = NULL;
	char path[128];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, CACFG_FILE);
	if ((rc = cacfg_write(c, path, 1)) != 0)
		fuzz_die("cacfg_write of a loaded ca.yaml failed (%d)", rc);
	if ((rc = cacfg_load(dir, &back)) != 0)
		fuzz_die("cacfg_load of what cacfg_write wrote failed (%d)",
		    rc);
	if (back->nprofiles != c->nprofiles ||
	    back->crl_shards != c->crl_shards ||
	    back->crl_validity != c->crl_validity ||
	    back->ocsp_validity != c->ocsp_validity ||
	    back->backdate != c->backdate ||
	    back->installed != c->installed ||
	    strcmp(back->name, c->name) != 0 ||
	    strcmp(back->crl_url, c->crl_url) != 0)
		fuzz_die("ca.yaml did not survive cacfg_write");
	cacfg_free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_config *c = NULL;
	const char *dir;
	int rc;

	dir = fuzz_dir(CACFG_FILE, data, size);
	rc = cacfg_load(dir, &c);
	fuzz_check_rc(rc, "cacfg_load");
	if (rc == 0) {
		use(c);
		rewrite(c, dir);
	}
	cacfg_free(c);
	fuzz_dir_remove(dir, CACFG_FILE);

	c = NULL;
	rc = cacfg_load_init(fuzz_file(data, size), "/nonexistent/ca", &c);
	fuzz_check_rc(rc, "cacfg_load_init");
	if (rc == 0)
		use(c);
	cacfg_free(c);
	return 0;
}
