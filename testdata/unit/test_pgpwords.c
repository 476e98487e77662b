/*
 * test_pgpwords.c: the PGP word list against the published vector, its
 * known end points, uniqueness, and the colon hex form.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "err.h"
#include "harness.h"
#include "pgpwords.h"

/* iana-org/dnssec-keytools docs: SHA-256 of "hello, world\n". */
static const char vector_words[] =
    "music customer waffle consensus flagpole Orlando goggles suspicious "
    "virus candidate snowslide underfoot treadmill tambourine stockman "
    "hazardous payday Galveston swelter performance revenge integrate "
    "Dupont Brazilian concert revolver bison surrender kiwi mosquito "
    "facial butterfat";
static const char vector_hex[] =
    "853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020";

static void
test_vector(void)
{
	unsigned char digest[32], want[32];
	char *words = NULL;

	crypto_hash_sha256(digest, (const unsigned char *)"hello, world\n",
	    13);
	CHECK(sodium_hex2bin(want, sizeof(want), vector_hex,
	    strlen(vector_hex), NULL, NULL, NULL) == 0,
	    "vector hex parses");
	CHECK(memcmp(digest, want, 32) == 0,
	    "SHA-256 of \"hello, world\\n\" is the published digest");
	CHECK_RC(pgpwords_format(digest, sizeof(digest), &words), 0,
	    "format 32 bytes");
	CHECK(words != NULL && strcmp(words, vector_words) == 0,
	    "words match dnssec-keytools vector exactly: %s",
	    words ? words : "(null)");
	free(words);
}

static void
test_known_entries(void)
{
	CHECK(strcmp(pgpwords_word(0x00, 0), "aardvark") == 0,
	    "0x00 even is aardvark");
	CHECK(strcmp(pgpwords_word(0x00, 1), "adroitness") == 0,
	    "0x00 odd is adroitness");
	CHECK(strcmp(pgpwords_word(0xff, 0), "Zulu") == 0,
	    "0xFF even is Zulu");
	CHECK(strcmp(pgpwords_word(0xff, 1), "Yucatan") == 0,
	    "0xFF odd is Yucatan");
	/* Entries that a dropped or duplicated row would shift. */
	CHECK(strcmp(pgpwords_word(0x47, 0), "dashboard") == 0,
	    "0x47 even is dashboard");
	CHECK(strcmp(pgpwords_word(0x3d, 1), "crucifix") == 0,
	    "0x3D odd is crucifix");
	CHECK(strcmp(pgpwords_word(0xa4, 1), "Pandora") == 0,
	    "0xA4 odd is Pandora");
	CHECK(strcmp(pgpwords_word(0xe5, 0), "topmost") == 0,
	    "0xE5 even is topmost");
}

static int
word_ok(const char *w)
{
	size_t i, n = strlen(w);

	if (n < 3 || n > 12)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalpha((unsigned char)w[i]) ||
		    (i > 0 && isupper((unsigned char)w[i])))
			return 0;
	return 1;
}

static void
test_unique(void)
{
	const char *all[512];
	int i, j, dup = 0, bad = 0;

	for (i = 0; i < 512; i++) {
		all[i] = pgpwords_word((unsigned char)(i & 0xff), i >> 8);
		if (!word_ok(all[i]))
			bad++;
	}
	for (i = 0; i < 512; i++)
		for (j = i + 1; j < 512; j++)
			if (strcasecmp(all[i], all[j]) == 0)
				dup++;
	CHECK(bad == 0, "all 512 entries are 3-12 letters (%d bad)", bad);
	CHECK(dup == 0, "all 512 entries are distinct, ignoring case "
	    "(%d duplicates)", dup);
}

static void
test_positions(void)
{
	const unsigned char two[] = { 0x00, 0x00, 0xff };
	char *words = NULL, *hex = NULL;

	CHECK_RC(pgpwords_format(two, 3, &words), 0, "format 3 bytes");
	CHECK(words && strcmp(words, "aardvark adroitness Zulu") == 0,
	    "even, odd, even positions: %s", words ? words : "(null)");
	free(words);
	words = NULL;
	CHECK_RC(pgpwords_format(two, 0, &words), 0, "format 0 bytes");
	CHECK(words && words[0] == '\0', "0 bytes give an empty string");
	free(words);

	CHECK_RC(hexfp_format((const unsigned char *)"\xab\xcd\x01", 3,
	    &hex), 0, "hexfp 3 bytes");
	CHECK(hex && strcmp(hex, "AB:CD:01") == 0, "hexfp is AB:CD:01: %s",
	    hex ? hex : "(null)");
	free(hex);
	hex = NULL;
	CHECK_RC(hexfp_format(two, 1, &hex), 0, "hexfp 1 byte");
	CHECK(hex && strcmp(hex, "00") == 0, "hexfp of one byte has no colon");
	free(hex);
	hex = NULL;
	CHECK_RC(hexfp_format(two, 0, &hex), 0, "hexfp 0 bytes");
	CHECK(hex && hex[0] == '\0', "hexfp of 0 bytes is empty");
	free(hex);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 70;
	test_vector();
	test_known_entries();
	test_unique();
	test_positions();
	return harness_done();
}
