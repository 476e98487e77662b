/*
 * signcfg.h: the signing ceremony file that pki-root-sign and
 * pki-root-crl run.
 *
 * A signing ceremony brings the root key out of its safe to sign an
 * intermediate CA (or cross-sign another root) or to issue the root's
 * CRL.  One reviewed YAML file (pki-sign-ceremony(5)) scripts it: who is
 * in the room, the root certificate and where its key is (an HSM token
 * or an encrypted key file), the root's ledger and transcript, and a
 * sign section (the CSR or certificate to cross-sign, the policy, the
 * outputs), a crl section (the CRL's lifetime and output), or both, so
 * that one file can drive both programs.  signcfg_load() validates the
 * whole file before any key is touched.  The file never holds a PIN;
 * paths are used as written, relative to the current directory.
 */
#ifndef PKI_SIGNCFG_H
#define PKI_SIGNCFG_H

#include <stddef.h>

#define SIGNCFG_MAX_CRL_DAYS	365

struct ynode;

struct root_session {
	char		 *path;		/* the file as named */
	unsigned char	  sha256[32];	/* of the bytes that were parsed */

	char		 *name;
	char		 *administrator;
	const char	**witnesses;	/* 1..16, distinct ignoring case */
	size_t		  nwitnesses;

	char		 *root_cert;	/* path of the root certificate */
	/* Exactly one of: hsm_module and hsm_uri, or key_file. */
	char		 *hsm_module;	/* absolute path of the module */
	char		 *hsm_uri;	/* RFC 7512: token=, object= */
	char		 *key_file;	/* path of the encrypted key file */
	char		 *ledger;	/* the root's hash-protected ledger */
	char		 *transcript;	/* the transcript to append to */

	int		  has_sign;	/* the sign section is present */
	char		 *csr;		/* exactly one of csr ... */
	char		 *cross_sign;	/* ... and cross_sign (a cert) */
	char		 *policy;	/* path of the intermediate policy */
	unsigned	  validity_days; /* 0: the policy's default */
	char		 *out_cert;
	char		 *out_chain;	/* NULL: no chain file */

	int		  has_crl;	/* the crl section is present */
	unsigned	  crl_validity_days; /* 1..SIGNCFG_MAX_CRL_DAYS */
	char		 *crl_out;

	struct ynode	 *tree;		/* private: owns the witnesses */
};

enum signcfg_kind {
	SIGNCFG_SIGN,		/* pki-root-sign: the sign section */
	SIGNCFG_CRL		/* pki-root-crl: the crl section */
};

/*
 * Load and validate the signing ceremony file at path for the program
 * of the given kind: the section for kind is required; the other may
 * be present (and is validated too).  No two of the paths named in the
 * file may be the same.  The caller frees *out with signcfg_free().
 * ERR_NOINPUT if the file is missing; every other refusal is
 * ERR_CONFIG with one sentence "<path> line N: ..." naming the key and
 * the rule; ERR_IO or ERR_INTERNAL otherwise.  Looks at nothing but the
 * file: whether the inputs exist and the outputs do not is the tool's
 * to check.
 */
int	signcfg_load(const char *path, enum signcfg_kind kind,
	    struct root_session **out);

/* Free a session; NULL is accepted. */
void	signcfg_free(struct root_session *s);

#endif
