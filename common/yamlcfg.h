/*
 * yamlcfg.h: strict loading of reviewed YAML configuration files.
 *
 * The only module that includes <yaml.h>.  A file is read into a small
 * tree of scalars, mappings and sequences that remembers the line of
 * every node and every key, so that each later complaint can say
 * "<path> line N: ...".  Only plain YAML is accepted: one document whose
 * root is a mapping, string keys, no duplicate keys, no anchors, aliases,
 * tags or directives.  A file that an operator reviewed on paper must
 * mean exactly what it says.
 *
 * The getters read like a schema: each takes the mapping, the file name
 * (for messages), the key, whether it is required, and the constraints;
 * each refuses a value of the wrong kind, out of range or ambiguous with
 * ERR_CONFIG and one sentence naming the file, the line and the key.
 * Scalars are never typed by their look (the YAML 1.1 "Norway problem":
 * country: NO stays the string "NO"); the getter decides.
 *
 * Everything a getter returns points into the tree and lives until
 * yamlcfg_free() unless its comment says otherwise.  Messages quote
 * configuration values, which are never secret: PINs and passphrases do
 * not belong in these files.
 */
#ifndef PKI_YAMLCFG_H
#define PKI_YAMLCFG_H

#include <stddef.h>

enum ynode_kind {
	YNODE_SCALAR,
	YNODE_MAP,
	YNODE_SEQ
};

struct ynode {
	enum ynode_kind	  kind;
	int		  line;		/* 1-based line where it starts */
	int		  head_line;	/* line of the key naming it, else
					   as line */
	char		 *where;	/* "certificate.subject",
					   "items[0]"; "" for the root */
	char		 *value;	/* scalar: text without NUL */
	int		  quoted;	/* scalar: quoted or block style */
	size_t		  count;	/* map: keys; seq: items */
	char		**keys;		/* map: keys[i] -> items[i] */
	int		 *key_lines;	/* map: line of keys[i] */
	struct ynode	**items;	/* map values or seq items */
	const char	**values;	/* seq: items[i]->value, NULL for
					   a non-scalar; NULL-terminated */
};

/*
 * Load the YAML file at path into a tree; the caller frees *root with
 * yamlcfg_free().  ERR_NOINPUT if the file does not exist; ERR_CONFIG,
 * "<path> line N: ...", for a syntax error, a duplicate key, an anchor,
 * alias, tag or directive, a second document, a non-scalar or empty key,
 * an empty file or a root that is not a mapping; ERR_IO, ERR_INTERNAL.
 * Files over 1 MiB are refused (ERR_CONFIG).
 */
int	yamlcfg_load(const char *path, struct ynode **root);

/*
 * yamlcfg_load(), and the SHA-256 of exactly the bytes parsed into
 * sha256 (NULL: not wanted), for the reviewed files whose hash goes on
 * screen and into transcripts.
 */
int	yamlcfg_load_hashed(const char *path, unsigned char sha256[32],
	    struct ynode **root);

/*
 * As yamlcfg_load() for len bytes already in memory, which path names
 * in messages.  For callers that must hash the very bytes they parse.
 */
int	yamlcfg_parse(const char *path, const unsigned char *buf, size_t len,
	    struct ynode **root);

/* Free a tree; NULL is accepted. */
void	yamlcfg_free(struct ynode *root);

/* The value of key in map, or NULL if map is not a mapping or lacks it. */
const struct ynode *yamlcfg_get(const struct ynode *map, const char *key);

/* The line of key in map, or map's head line if the key is absent. */
int	yamlcfg_line(const struct ynode *map, const char *key);

/*
 * Record "<path> line N: <message>" and return ERR_CONFIG: for a config
 * loader's own checks across keys (threshold against custodians, ...).
 */
int	yamlcfg_err(const char *path, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Refuse a key of map that is not in allowed (NULL-terminated):
 * ERR_CONFIG "<path> line N: unknown key "subjet" in section certificate
 * (did you mean "subject"?)".  The suggestion is the nearest allowed key
 * within an edit distance of 2 (a transposition counts 1), else the
 * message lists the allowed keys.  section names the mapping in the
 * message; NULL uses the map's own place in the file.
 */
int	yamlcfg_check_keys(const struct ynode *map, const char *path,
	    const char *section, const char *const allowed[]);

/*
 * A string.  Absent and not required: *out = NULL and 0.  Refused: a
 * mapping or sequence, an empty or null value (key: / ~ / null),
 * control characters (C0, DEL, C1: they could drive the terminal that
 * shows the ceremony preview), leading or trailing white space.
 */
int	yamlcfg_str(const struct ynode *map, const char *path, const char *key,
	    int required, const char **out);

/*
 * yamlcfg_str() of at most max bytes, copied into a new string *dst
 * (NULL when absent and not required; the caller frees it).  Longer:
 * "key is N bytes long; at most max are allowed".  ERR_INTERNAL when out
 * of memory.
 */
int	yamlcfg_text(const struct ynode *map, const char *path,
	    const char *key, int required, size_t max, char **dst);

/*
 * An optional country of a subject: an ISO 3166 alpha-2 code, two
 * upper-case letters ("DE").  *out points into the tree, NULL when
 * absent.
 */
int	yamlcfg_country(const struct ynode *map, const char *path,
	    const char *key, const char **out);

/*
 * A non-negative decimal number in min..max; def when absent and not
 * required.  Refused: quotes, signs, leading zeros, "0x10", "1e3",
 * "12abc", overflow; out of range is "threshold 1 is out of range
 * (2..16)".
 */
int	yamlcfg_uint(const struct ynode *map, const char *path,
	    const char *key, int required, unsigned min, unsigned max,
	    unsigned def, unsigned *out);

/* A boolean: plain true or false only (not yes/no/on/off, no quotes);
 * def when absent and not required. */
int	yamlcfg_bool(const struct ynode *map, const char *path,
	    const char *key, int required, int def, int *out);

/*
 * One of the strings in names (NULL-terminated); *out is its index, def
 * when absent and not required.  A near miss gets a suggestion.
 */
int	yamlcfg_enum(const struct ynode *map, const char *path,
	    const char *key, int required, const char *const names[], int def,
	    int *out);

/*
 * A sequence of min..max strings, each meeting yamlcfg_str()'s rules.
 * Absent and not required: *out = NULL, *count = 0.  *out points into
 * the tree (do not free it).
 */
int	yamlcfg_strlist(const struct ynode *map, const char *path,
	    const char *key, int required, size_t min, size_t max,
	    const char ***out, size_t *count);

/* A mapping (a section).  Absent and not required: *out = NULL. */
int	yamlcfg_map(const struct ynode *map, const char *path,
	    const char *key, int required, const struct ynode **out);

/*
 * A sequence of min..max items of any kind (for lists of sections);
 * the caller walks (*out)->items.  Absent and not required: *out = NULL.
 */
int	yamlcfg_seq(const struct ynode *map, const char *path,
	    const char *key, int required, size_t min, size_t max,
	    const struct ynode **out);

#endif
