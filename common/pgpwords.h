/*
 * pgpwords.h: fingerprints in forms people can read aloud and compare.
 *
 * The PGP word list (Juola and Zimmermann, 1995) maps each byte to a
 * word: bytes at even positions (0, 2, ...) use the 256 two-syllable
 * "even" words, bytes at odd positions the 256 three-syllable "odd"
 * words, so that a swapped, dropped or repeated word is heard.  The
 * colon hex form is what the witnesses write beside it.  Both take
 * public data only (digests, fingerprints); the results are plain
 * malloc'd strings.
 */
#ifndef PKI_PGPWORDS_H
#define PKI_PGPWORDS_H

#include <stddef.h>

/*
 * The PGP words for len bytes of buf, separated by single spaces, in a
 * malloc'd NUL-terminated string that the caller frees with free() (""
 * for len 0).  The list's capitalisation is kept ("Dupont").  Returns 0
 * or ERR_INTERNAL (out of memory); *words is NULL on error.
 */
int	pgpwords_format(const unsigned char *buf, size_t len, char **words);

/*
 * len bytes of buf as uppercase hex pairs separated by colons
 * ("AB:CD:01"), in a malloc'd string the caller frees with free() (""
 * for len 0).  Returns 0 or ERR_INTERNAL; *hex is NULL on error.
 */
int	hexfp_format(const unsigned char *buf, size_t len, char **hex);

/*
 * The word for byte b at an even (odd = 0) or odd (odd = 1) position;
 * a pointer into a static table.  For tests and for sheets that print
 * the list.
 */
const char *pgpwords_word(unsigned char b, int odd);

#endif
