/*
 * cacfg.h: an online intermediate CA's directory and its ca.yaml.
 *
 * Every online program (pki-ca-init, pki-ca-install, pki-issue,
 * pki-renew, pki-revoke, pki-crl, pki-ocsp, pki-report) works on one CA
 * directory, named by --ca DIR or $PKI_CA_DIR.  Its ca.yaml
 * (pki-ca(5)) says where the CA key is (a PKCS#11 token or an encrypted
 * key file in DIR), the URLs written into leaves, the profiles the CA may
 * issue, the CRL and OCSP settings, the publish directories, the audit
 * log's sealing key, and whether the certificate the root signed has
 * been installed.  Before it is (state.installed), nothing may be
 * issued.
 *
 * The same schema, without the version, key.spki_sha256, audit and state
 * keys, is the init file that pki-ca-init reads (policies/ca-*.yaml).
 * Both are loaded strictly: unknown and misspelt keys, values out of
 * range and inconsistent settings are ERR_CONFIG "<file> line N: ...".
 * ca.yaml and the init file hold paths, URLs and settings, never a PIN
 * or a passphrase (key.pin_file names a file that holds one).
 */
#ifndef PKI_CACFG_H
#define PKI_CACFG_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "keytype.h"
#include "pin.h"

/* The fixed names in a CA directory. */
#define CACFG_FILE		"ca.yaml"	/* this configuration */
#define CACFG_DB		"inventory.db"	/* db.h */
#define CACFG_AUDIT		"audit.log"	/* audit.h */
#define CACFG_AUDIT_KEY		"audit.key"	/* keyfile.h, Ed25519 */
#define CACFG_CSR		"ca.csr"	/* for the root ceremony */
#define CACFG_CERT		"ca.pem"	/* installed certificate */
#define CACFG_CHAIN		"ca-chain.pem"	/* ca.pem + root.pem */
#define CACFG_ROOT		"root.pem"	/* the trust anchor */

#define CACFG_VERSION		1	/* of the ca.yaml format */
#define CACFG_MAX_PROFILES	64
#define CACFG_MAX_SHARDS	1024
#define CACFG_MAX_URL		1024
#define CACFG_SHARD_TOKEN	"{shard}"	/* in a sharded CRL URL */

/*
 * A loaded ca.yaml (or init file).  Every string is NUL-terminated and
 * owned by the structure; a string that is absent is NULL.  Paths are
 * ready to open: relative ones were resolved against the CA directory
 * (for an init file: profiles.directory against the init file's own
 * directory).  Durations are in seconds.  Read-only for the tools: the
 * state changes only through cacfg_set_identity() and
 * cacfg_set_installed(), and reaches the disk through cacfg_write().
 */
struct ca_config {
	char		 *dir;		/* the CA directory as given */
	char		 *path;		/* the file that was loaded */
	unsigned char	  sha256[32];	/* of the bytes that were parsed */
	int		  version;	/* CACFG_VERSION; 0 for an init file */

	char		 *name;		/* [a-z0-9][a-z0-9._-]{0,63} */

	/* The key: hsm_module and hsm_uri, or key_file. */
	enum key_type	  key_type;	/* default KEY_P256 */
	char		 *hsm_module;	/* absolute path of the module */
	char		 *hsm_uri;	/* RFC 7512: token=, object= */
	char		 *key_file;	/* DIR/<file>: encrypted key file */
	char		 *pin_file;	/* absolute; NULL: prompt */
	char		 *key_spki_sha256; /* hex, ca.yaml only */

	/* The CSR's subject (pki-ca-init); NULL parts are absent. */
	char		 *subject_c, *subject_st, *subject_l;
	char		 *subject_o, *subject_ou, *subject_cn;

	/* URLs written into leaves (http:// only). */
	char		 *crl_url;	/* has {shard} iff crl_shards > 1 */
	char		 *delta_crl_url; /* set iff crl_delta */
	char		 *ocsp_url;	/* or NULL: no OCSP in leaves */
	char		 *ca_issuers_url; /* or NULL: no caIssuers */

	char		 *profiles_dir;
	const char	**profiles;	/* allowed names, unique */
	size_t		  nprofiles;	/* 1..CACFG_MAX_PROFILES */

	long long	  backdate;	/* notBefore = now - backdate */
	long long	  crl_validity;	/* nextUpdate - thisUpdate */
	unsigned	  crl_shards;	/* 1..CACFG_MAX_SHARDS */
	int		  crl_delta;	/* publish delta CRLs too */
	int		  crl_keep_expired; /* expired entries stay */
	long long	  ocsp_validity; /* nextUpdate - thisUpdate */
	long long	  ocsp_refresh;	/* re-sign once this old */
	char		 *crl_dir;	/* publish directories */
	char		 *ocsp_dir;

	char		 *audit_public_key_hex;	/* Ed25519, ca.yaml only */
	int		  installed;	/* state.installed */
	char		 *cert_sha256;	/* hex of ca.pem's DER, if
					   installed */

	/* DIR joined with the fixed names above. */
	char		 *cert_path, *chain_path, *root_path, *csr_path;
	char		 *db_path, *audit_path, *audit_key_path;

	/* The paths as written in the file, for cacfg_write(). */
	struct {
		char	 *key_file;	/* plain file name */
		char	 *profiles_dir;
		char	 *crl_dir;
		char	 *ocsp_dir;
	} written;

	struct ynode	 *tree;		/* private: owns profiles[] */
};

/*
 * The CA directory: opt (the --ca option) if not NULL, else
 * $PKI_CA_DIR if set and not empty.  NULL with ERR_USAGE "no CA
 * directory: give --ca DIR or set PKI_CA_DIR" recorded otherwise.  The
 * string returned is opt or the environment's; do not free it.
 */
const char *cacfg_dir_from_env(const char *opt);

/*
 * Load DIR/ca.yaml strictly.  The caller frees *out with cacfg_free().
 * ERR_NOINPUT "DIR: not a CA directory (no ca.yaml)" if it is missing;
 * ERR_CONFIG "<DIR/ca.yaml> line N: ..." for every refusal (including
 * a version other than CACFG_VERSION and a ca.yaml without its audit
 * key); ERR_IO, ERR_INTERNAL.  Looks at nothing but ca.yaml.
 */
int	cacfg_load(const char *dir, struct ca_config **out);

/*
 * Load the init file at path (pki-ca-init) for a CA to be created in
 * dir: the ca.yaml schema without version, key.spki_sha256, audit and
 * state (each refused).  dir (not NULL) is where the CA directory will
 * be: the paths inside it are set up as for cacfg_load().  A relative
 * profiles.directory (default ".") is taken from the init file's
 * directory and must exist (ERR_CONFIG naming its line otherwise); it is
 * kept as an absolute path.  Errors as cacfg_load(), ERR_NOINPUT for a
 * missing file.  Whether dir exists, and whether the profiles load, is
 * the tool's to check.
 */
int	cacfg_load_init(const char *path, const char *dir,
	    struct ca_config **out);

/* Free a configuration; NULL is accepted. */
void	cacfg_free(struct ca_config *c);

/*
 * A duration as ca.yaml writes it: the largest exact unit ("7d", "36h",
 * "90s", "0s"), into buf of len bytes (32 always suffice).
 */
void	cacfg_duration_text(long long secs, char *buf, size_t len);

/*
 * Record what pki-ca-init made: the SHA-256 of the CA key's
 * SubjectPublicKeyInfo and the audit key's Ed25519 public key, both as
 * 64 lowercase hex digits (copied).  ERR_DATA for malformed hex.
 */
int	cacfg_set_identity(struct ca_config *c, const char *spki_sha256,
	    const char *audit_public_key);

/*
 * Record the installed certificate (pki-ca-install): installed = 1 and
 * the SHA-256 of its DER as 64 lowercase hex digits (copied).
 */
int	cacfg_set_installed(struct ca_config *c, const char *cert_sha256);

/*
 * Write c as a ca.yaml (version CACFG_VERSION, with the paths as
 * written) to path, atomically (temp file, fsync, rename), mode 0644.
 * The identity must be set.  replace 0: ERR_EXISTS if path exists.
 * cacfg_load() of the result gives the same values.  Returns 0,
 * ERR_EXISTS, ERR_DATA (no identity), ERR_IO, ERR_INTERNAL.
 */
int	cacfg_write(const struct ca_config *c, const char *path, int replace);

/*
 * May this CA issue under profile name?  0, or ERR_NO "profile X is not
 * allowed for CA prod (allowed: a, b)".  name is untrusted.
 */
int	cacfg_profile_allowed(const struct ca_config *c, const char *name);

struct profile;

/*
 * cacfg_profile_allowed(), then profile_load_named(profiles_dir, name).
 * Free *out with profile_free().  Errors of both.
 */
int	cacfg_load_profile(const struct ca_config *c, const char *name,
	    struct profile **out);

/*
 * The CRL distribution point URL for shard (0 .. crl_shards - 1): the
 * CRL URL, or with delta non-zero the delta CRL URL, with "{shard}"
 * replaced by the shard number in decimal.  *url is malloc'd; the
 * caller frees it.  ERR_USAGE for a shard out of range or a delta URL
 * the CA does not have; ERR_INTERNAL.
 */
int	cacfg_crl_url(const struct ca_config *c, unsigned shard, int delta,
	    char **url);

/*
 * The PIN or passphrase of the CA key: from cli when it is not NULL and
 * not PIN_PROMPT (the --pin-file / --pin-fd of the command line; a
 * tool passes its zeroed struct pin_source when neither was given),
 * else from key.pin_file, else from a prompt naming the CA ("HSM user
 * PIN for CA prod: ").
 * With new_key non-zero and a file key, a prompt asks twice (for
 * pki-ca-init).  *pin is a secmem_alloc() secret; free it with
 * secmem_free().  Errors of pin_read().
 */
int	cacfg_read_pin(const struct ca_config *c,
	    const struct pin_source *cli, int new_key, char **pin);

/*
 * The installed certificate DIR/ca.pem, whose SHA-256 must be the one
 * ca.yaml recorded at installation.  Free *cert with X509_free().
 * ERR_CONFIG "CA prod is not installed yet: run pki-ca-install" before
 * installation; ERR_DATA if ca.pem is not the installed certificate;
 * errors of x509_load().  Does not check the validity period.
 */
int	cacfg_load_cert(const struct ca_config *c, X509 **cert);

/* An open CA key, ready to sign, and optionally the audit key. */
struct ca_key;

#define CACFG_KEY_AUDIT	0x01	/* also decrypt audit.key (Argon2id:
				   about a second) */

/*
 * Open the CA key for signing and prove that it is cert's: the PIN is
 * read once with cacfg_read_pin(c, cli, 0, ...); a token key must be
 * sensitive and not extractable; a test signature made with the key
 * must verify under cert's public key.  With CACFG_KEY_AUDIT the same
 * PIN decrypts audit.key, whose public key must be ca.yaml's
 * audit.public_key.  Free *out with cacfg_key_close().  Returns 0,
 * ERR_NO "the key of CA prod does not match <what>" (another key, or a
 * token key that is extractable), ERR_AUTH (wrong PIN or passphrase),
 * ERR_DATA (audit.key is not ca.yaml's), ERR_UNAVAILABLE (module,
 * token), ERR_NOINPUT (no such key), ERR_INTERNAL.
 */
int	cacfg_open_key(const struct ca_config *c,
	    const struct pin_source *cli, X509 *cert, unsigned flags,
	    struct ca_key **out);

/*
 * Open only the audit key, for a program that changes state without the
 * CA key (pki-revoke, pki-ocsp refresh) yet seals the log when it
 * finishes: the PIN as cacfg_open_key() reads it decrypts audit.key,
 * whose public key must be ca.yaml's audit.public_key.  The returned
 * handle has no signing key (cacfg_key_pkey() gives NULL).  Free *out
 * with cacfg_key_close().  Returns 0, ERR_AUTH (wrong PIN or
 * passphrase), ERR_DATA (audit.key is not ca.yaml's), ERR_NOINPUT,
 * errors of cacfg_read_pin().
 */
int	cacfg_open_audit_key(const struct ca_config *c,
	    const struct pin_source *cli, struct ca_key **out);

/* The signing key (owned by k; in the token or in memory) and its type,
 * for x509_sign(), X509_CRL_sign(), OCSP_basic_sign(). */
EVP_PKEY *cacfg_key_pkey(const struct ca_key *k);

/*
 * After a signature with k failed with ret: for a key in a token and
 * ERR_UNAVAILABLE, the message is prefixed with the token's URI and the
 * module, so that the operator knows which HSM to look at.  Returns ret.
 */
int	cacfg_key_failed(const struct ca_config *c, const struct ca_key *k,
	    int ret);
enum key_type cacfg_key_type(const struct ca_key *k);

/* The audit key (libsodium's 64-byte Ed25519 secret key, in locked
 * memory owned by k) for audit_seal(), or NULL if not opened. */
const unsigned char *cacfg_key_audit_sk(const struct ca_key *k);

/* Wipe the audit key, free the key, close the token; NULL accepted. */
void	cacfg_key_close(struct ca_key *k);

/*
 * Append one entry to DIR/audit.log as program (audit_append()'s
 * action and members), then seal the log if k holds the audit key
 * (k may be NULL: the entry waits for the next seal).  The log must
 * exist.  Errors of audit_open(), audit_append(), audit_seal().
 */
int	cacfg_audit(const struct ca_config *c, const struct ca_key *k,
	    const char *program, const char *action, const char *members);

#endif
