/*
 * sheet.h: a custodian's share sheet: the text to print, the QR code as
 * SVG for printing and as PBM for machine checks.
 *
 * A sheet describes itself: what it is, which key and set, share x of N,
 * how many are needed, the alphabet, and how to restore -- nothing on it
 * needs the tool's documentation to be understood.
 */
#ifndef PKI_SHEET_H
#define PKI_SHEET_H

#include "share.h"

struct sheet_info {
	const char *fingerprint_hex;	/* colon hex of the root SPKI hash */
	const char *fingerprint_words;	/* the same in PGP words */
	const char *subject;		/* root certificate subject */
	const char *created;		/* UTC time */
	const char *program;		/* "pki-root-keygen 0.1.0" */
};

/*
 * Write share-<x>.txt, share-<x>.svg and share-<x>.pbm into dir, each
 * created new with mode 0600.  The share value only ever sits in secmem
 * buffers on its way to the files.
 */
int	sheet_write(const char *dir, const struct share *s,
	    const struct sheet_info *info);

/* The file name of share x's text sheet in dir, malloc'd. */
char	*sheet_text_path(const char *dir, unsigned x);

/*
 * Show the share's QR code and text on the terminal (fd), for a
 * custodian to scan or copy.
 */
int	sheet_show(int fd, const struct share *s);

/*
 * Read every share sheet share-1.txt .. share-<n>.txt in dir back from
 * disk and check each holds exactly the share in shares[] (the check
 * that what was written is what was made).  ERR_INTERNAL names the
 * sheet that differs.
 */
int	sheet_readback(const char *dir, const struct share *shares,
	    unsigned n);

/* 1 if a and b are the same share (index, set and value). */
int	sheet_same_share(const struct share *a, const struct share *b);

/* Shares read from the command line, for combine, resplit and restore. */
struct sheet_inputs {
	unsigned count;
	struct share *shares[16];	/* secmem each */
	char *names[16];		/* "share-2.txt", "stdin share 1" */
};

/*
 * Read shares from files; "-" reads standard input, which may hold
 * several shares: BEGIN/END blocks, or QR payload lines as zbarimg
 * prints them ("QR-Code:PKISHARE1:...").  Every share is parsed
 * strictly; the first problem is returned, naming its input and line.
 * More than 16 shares is ERR_USAGE.  Free with sheet_inputs_free().
 */
int	sheet_read_inputs(char *const *paths, int npaths,
	    struct sheet_inputs *in);

void	sheet_inputs_free(struct sheet_inputs *in);

#endif
