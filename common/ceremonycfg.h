/*
 * ceremonycfg.h: the root key ceremony file that pki-root-keygen runs.
 *
 * The whole ceremony is scripted in advance in one reviewed YAML file
 * (pki-ceremony(5)): who is in the room, where the key lives (an HSM
 * token or an encrypted key file), the root certificate's subject and
 * lifetime, the M-of-N Shamir backup and its custodians, and the output
 * directory.  ceremonycfg_load() validates all of it before anything
 * touches an HSM, so that a typo stops the ceremony at the first step,
 * not halfway through.  The file never holds a PIN or passphrase; its
 * SHA-256 goes into the transcript so that the witnesses can check that
 * the file they reviewed is the file that ran.
 */
#ifndef PKI_CEREMONYCFG_H
#define PKI_CEREMONYCFG_H

#include <stddef.h>

#include "keytype.h"

#define CEREMONY_MAX_SHARES	16	/* N: the share format's limit */
#define CEREMONY_MAX_NAME	32	/* bytes in a custodian's name */

struct root_ceremony {
	char		 *path;		/* the file as named */
	unsigned char	  sha256[32];	/* of the bytes that were parsed */

	char		 *name;
	char		 *administrator;
	char		**witnesses;
	size_t		  nwitnesses;

	/* Exactly one of: hsm_module and hsm_uri, or key_file. */
	char		 *hsm_module;	/* absolute path of the module */
	char		 *hsm_uri;	/* RFC 7512: token=, object= */
	char		 *key_file;	/* a file name in output_dir */
	enum key_type	  key_type;	/* default KEY_P384 */

	/* Subject of the root certificate; NULL when not set. */
	char		 *subject_c;	/* two upper-case letters */
	char		 *subject_st;
	char		 *subject_l;
	char		 *subject_o;
	char		 *subject_ou;
	char		 *subject_cn;	/* always set */
	unsigned	  validity_years; /* 1..25 */

	int		  backup_shamir; /* 1: shamir; 0: none (HSM) */
	unsigned	  threshold;	/* shamir: 2 <= M <= N */
	char		**custodians;	/* shamir: N distinct, N <= 16 */
	size_t		  ncustodians;

	char		 *output_dir;	/* must not exist (tool checks) */
};

/*
 * Load and validate the ceremony file at path.  The caller frees *out
 * with ceremonycfg_free().  ERR_NOINPUT if the file is missing; every
 * other refusal is ERR_CONFIG with one sentence "<path> line N: ..."
 * naming the key and the rule; ERR_IO or ERR_INTERNAL otherwise.  Does
 * not look at the file system beyond reading path (the output directory
 * and the PKCS#11 module are checked by the tool).
 */
int	ceremonycfg_load(const char *path, struct root_ceremony **out);

/* Free a ceremony; NULL is accepted. */
void	ceremonycfg_free(struct root_ceremony *c);

/*
 * Check an RFC 7512 URI naming a root key, as written at line of the
 * file path: "pkcs11:" and path attributes only, token= and object=
 * present, each known attribute at most once, type= (if any) private,
 * no PIN and no query part (the module and the PIN come from
 * elsewhere).  0, or ERR_CONFIG "<path> line N: ..." naming the rule.
 * Shared with the signing ceremony file (signcfg.h).
 */
int	ceremonycfg_check_uri(const char *path, int line, const char *uri);

#endif
