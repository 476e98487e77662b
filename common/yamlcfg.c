/*
 * yamlcfg.c: strict loading of reviewed YAML configuration files.
 *
 * Reads the whole file (at most 1 MiB), walks libyaml's event stream and
 * builds a tree of at most YAMLCFG_MAX_DEPTH levels and YAMLCFG_MAX_ITEMS
 * entries per mapping or sequence, so a hostile file can neither recurse
 * deeply nor make the duplicate-key check quadratic in a large count.
 * Trusts libyaml for tokenising and UTF-8 checking and nothing else:
 * every YAML feature that lets a file say something other than what it
 * shows (anchors and aliases, tags, directives, several documents,
 * duplicate keys, complex keys) is refused, and scalars stay text until a
 * getter checks them against the schema.  Never prints; every refusal is
 * ERR_CONFIG with "<path> line N: ..." through err_set().
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <yaml.h>

#include "err.h"
#include "fileio.h"
#include "yamlcfg.h"

#define YAMLCFG_MAX_SIZE	((size_t)1 << 20)
#define YAMLCFG_MAX_DEPTH	32
#define YAMLCFG_MAX_ITEMS	4096
#define YAMLCFG_MAX_KEYLEN	32	/* longer words get no suggestion */

struct pctx {
	yaml_parser_t		 parser;
	const char		*path;
	const unsigned char	*buf;
	size_t			 len;
};

static int	parse_value(struct pctx *, const yaml_event_t *, const char *,
		    int, int, struct ynode **);

/* Where a mapping is, for messages: "in section X" or "at the top
 * level"; two arguments for "%s%s". */
#define SECTION(n)	((n)->where[0] != '\0' ? "in section " : "at "), \
			((n)->where[0] != '\0' ? (n)->where : "the top level")

int
yamlcfg_err(const char *path, int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(ERR_CONFIG, "%s line %d: %s", path, line, msg);
}

static int
oom(void)
{
	return err_set(ERR_INTERNAL, "out of memory");
}

/* 1-based line of a byte offset, for reader errors that carry no mark. */
static int
offset_line(const struct pctx *p, size_t off)
{
	size_t i;
	int line = 1;

	for (i = 0; i < off && i < p->len; i++)
		if (p->buf[i] == '\n')
			line++;
	return line;
}

/* 1 if the given 0-based line of the input holds a tab. */
static int
line_has_tab(const struct pctx *p, size_t line)
{
	size_t i = 0, n = 0;

	while (i < p->len && n < line)
		if (p->buf[i++] == '\n')
			n++;
	for (; i < p->len && p->buf[i] != '\n'; i++)
		if (p->buf[i] == '\t')
			return 1;
	return 0;
}

static int
syntax_error(struct pctx *p)
{
	yaml_parser_t *ps = &p->parser;
	const char *problem = ps->problem != NULL ? ps->problem : "bad YAML";

	switch (ps->error) {
	case YAML_MEMORY_ERROR:
		return oom();
	case YAML_READER_ERROR:
		return yamlcfg_err(p->path,
		    offset_line(p, ps->problem_offset), "%s", problem);
	default:
		break;
	}
	return yamlcfg_err(p->path, (int)ps->problem_mark.line + 1,
	    "%s%s%s%s%s", problem, ps->context != NULL ? " (" : "",
	    ps->context != NULL ? ps->context : "",
	    ps->context != NULL ? ")" : "",
	    strstr(problem, "tab") == NULL &&
	    line_has_tab(p, ps->problem_mark.line) ?
	    "; this line has a tab: indent YAML with spaces" : "");
}

static int
next_event(struct pctx *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&p->parser, ev))
		return syntax_error(p);
	return 0;
}

static int
ev_line(const yaml_event_t *ev)
{
	return (int)ev->start_mark.line + 1;
}

/* Refuse aliases, anchors and tags: reviewed files are plain. */
static int
check_plain(struct pctx *p, const yaml_event_t *ev)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return yamlcfg_err(p->path, ev_line(ev), "alias *%s is not "
		    "allowed: write the value out in full",
		    (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		return yamlcfg_err(p->path, ev_line(ev), "unexpected YAML "
		    "structure");
	}
	if (anchor != NULL)
		return yamlcfg_err(p->path, ev_line(ev), "anchor &%s is not "
		    "allowed: write the value out in full",
		    (const char *)anchor);
	if (tag != NULL)
		return yamlcfg_err(p->path, ev_line(ev), "tags (\"!...\") "
		    "are not allowed: values are typed by the schema");
	return 0;
}

static struct ynode *
node_new(enum ynode_kind kind, int line, int head_line, const char *where)
{
	struct ynode *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->kind = kind;
	n->line = line;
	n->head_line = head_line;
	if ((n->where = strdup(where)) == NULL) {
		free(n);
		return NULL;
	}
	return n;
}

void
yamlcfg_free(struct ynode *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->count; i++) {
		if (n->keys != NULL)
			free(n->keys[i]);
		yamlcfg_free(n->items[i]);
	}
	free(n->keys);
	free(n->key_lines);
	free(n->items);
	free(n->values);
	free(n->value);
	free(n->where);
	free(n);
}

/* Make room for one more entry; keys only for mappings. */
static int
grow(struct pctx *p, struct ynode *n, size_t *cap, int line)
{
	size_t ncap;
	void *q;

	if (n->count < *cap)
		return 0;
	if (n->count >= YAMLCFG_MAX_ITEMS)
		return yamlcfg_err(p->path, line, "more than %d entries "
		    "%s%s", YAMLCFG_MAX_ITEMS, SECTION(n));
	ncap = *cap == 0 ? 8 : *cap * 2;
	if ((q = reallocarray(n->items, ncap, sizeof(*n->items))) == NULL)
		return oom();
	n->items = q;
	if (n->kind == YNODE_MAP) {
		if ((q = reallocarray(n->keys, ncap, sizeof(*n->keys))) ==
		    NULL)
			return oom();
		n->keys = q;
		if ((q = reallocarray(n->key_lines, ncap,
		    sizeof(*n->key_lines))) == NULL)
			return oom();
		n->key_lines = q;
	}
	*cap = ncap;
	return 0;
}

/*
 * 1 if s holds a C0 control, DEL or a C1 control (UTF-8 C2 80..9F):
 * bytes that could drive a terminal when a message quotes the text.
 */
static int
has_control(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < 0x20 || s[i] == 0x7f ||
		    (s[i] == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f))
			return 1;
	return 0;
}

static int
parse_scalar(struct pctx *p, const yaml_event_t *ev, struct ynode *n)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;

	if (memchr(v, '\0', len) != NULL)
		return yamlcfg_err(p->path, n->line, "value contains a NUL "
		    "character");
	if ((n->value = strndup(v, len)) == NULL)
		return oom();
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	return 0;
}

/* Check a mapping key event: a non-empty plain string, not a duplicate. */
static int
check_key(struct pctx *p, const struct ynode *map, const yaml_event_t *kev)
{
	const char *key;
	size_t i;
	int line = ev_line(kev), ret;

	if ((ret = check_plain(p, kev)) != 0)
		return ret;
	if (kev->type != YAML_SCALAR_EVENT)
		return yamlcfg_err(p->path, line, "keys must be strings, not "
		    "%s", kev->type == YAML_MAPPING_START_EVENT ?
		    "mappings" : "lists");
	key = (const char *)kev->data.scalar.value;
	if (kev->data.scalar.length == 0)
		return yamlcfg_err(p->path, line, "empty key %s%s",
		    SECTION(map));
	if (memchr(key, '\0', kev->data.scalar.length) != NULL ||
	    has_control(key))
		return yamlcfg_err(p->path, line, "key contains a control "
		    "character");
	for (i = 0; i < map->count; i++)
		if (strcmp(map->keys[i], key) == 0)
			return yamlcfg_err(p->path, line, "duplicate key "
			    "\"%s\" (first at line %d)", key,
			    map->key_lines[i]);
	return 0;
}

static char *
child_where(const struct ynode *parent, const char *key, size_t index)
{
	char *s = NULL;
	int r;

	if (parent->kind == YNODE_SEQ)
		r = asprintf(&s, "%s[%zu]", parent->where, index);
	else if (parent->where[0] == '\0')
		r = asprintf(&s, "%s", key);
	else
		r = asprintf(&s, "%s.%s", parent->where, key);
	return r == -1 ? NULL : s;
}

/* One "key: value" pair; kev is the key's event. */
static int
map_entry(struct pctx *p, struct ynode *map, size_t *cap,
    const yaml_event_t *kev, int depth)
{
	yaml_event_t vev;
	struct ynode *val = NULL;
	char *key = NULL, *where = NULL;
	int kline = ev_line(kev), ret;

	if ((ret = check_key(p, map, kev)) != 0 ||
	    (ret = grow(p, map, cap, kline)) != 0)
		return ret;
	if ((key = strdup((const char *)kev->data.scalar.value)) == NULL ||
	    (where = child_where(map, key, 0)) == NULL) {
		ret = oom();
		goto out;
	}
	if ((ret = next_event(p, &vev)) != 0)
		goto out;
	ret = parse_value(p, &vev, where, kline, depth + 1, &val);
	yaml_event_delete(&vev);
	if (ret != 0)
		goto out;
	map->keys[map->count] = key;
	map->key_lines[map->count] = kline;
	map->items[map->count++] = val;
	key = NULL;
	val = NULL;
out:
	free(key);
	free(where);
	yamlcfg_free(val);
	return ret;
}

static int
parse_map(struct pctx *p, struct ynode *map, int depth)
{
	yaml_event_t kev;
	size_t cap = 0;
	int ret;

	for (;;) {
		if ((ret = next_event(p, &kev)) != 0)
			return ret;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return 0;
		}
		ret = map_entry(p, map, &cap, &kev, depth);
		yaml_event_delete(&kev);
		if (ret != 0)
			return ret;
	}
}

static int
seq_item(struct pctx *p, struct ynode *seq, size_t *cap,
    const yaml_event_t *ev, int depth)
{
	struct ynode *item = NULL;
	char *where;
	int ret;

	if ((ret = grow(p, seq, cap, ev_line(ev))) != 0)
		return ret;
	if ((where = child_where(seq, NULL, seq->count)) == NULL)
		return oom();
	ret = parse_value(p, ev, where, ev_line(ev), depth + 1, &item);
	free(where);
	if (ret != 0)
		return ret;
	seq->items[seq->count++] = item;
	return 0;
}

/* Index the scalar items, so that yamlcfg_strlist() can point at them. */
static int
seq_values(struct ynode *seq)
{
	size_t i;

	if ((seq->values = calloc(seq->count + 1, sizeof(*seq->values))) ==
	    NULL)
		return oom();
	for (i = 0; i < seq->count; i++)
		if (seq->items[i]->kind == YNODE_SCALAR)
			seq->values[i] = seq->items[i]->value;
	return 0;
}

static int
parse_seq(struct pctx *p, struct ynode *seq, int depth)
{
	yaml_event_t ev;
	size_t cap = 0;
	int ret;

	for (;;) {
		if ((ret = next_event(p, &ev)) != 0)
			return ret;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return seq_values(seq);
		}
		ret = seq_item(p, seq, &cap, &ev, depth);
		yaml_event_delete(&ev);
		if (ret != 0)
			return ret;
	}
}

/* Build the node that starts with event ev (which the caller deletes). */
static int
parse_value(struct pctx *p, const yaml_event_t *ev, const char *where,
    int head_line, int depth, struct ynode **out)
{
	struct ynode *n = NULL;
	enum ynode_kind kind;
	int ret;

	*out = NULL;
	if ((ret = check_plain(p, ev)) != 0)
		return ret;
	if (depth > YAMLCFG_MAX_DEPTH)
		return yamlcfg_err(p->path, ev_line(ev), "nested more than %d "
		    "levels deep", YAMLCFG_MAX_DEPTH);
	kind = ev->type == YAML_SCALAR_EVENT ? YNODE_SCALAR :
	    ev->type == YAML_MAPPING_START_EVENT ? YNODE_MAP : YNODE_SEQ;
	if ((n = node_new(kind, ev_line(ev), head_line, where)) == NULL)
		return oom();
	if (kind == YNODE_SCALAR)
		ret = parse_scalar(p, ev, n);
	else if (kind == YNODE_MAP)
		ret = parse_map(p, n, depth);
	else
		ret = parse_seq(p, n, depth);
	if (ret != 0) {
		yamlcfg_free(n);
		return ret;
	}
	*out = n;
	return 0;
}

/* The document: directives refused, the root must be a mapping. */
static int
parse_document(struct pctx *p, const yaml_event_t *dev, struct ynode **root)
{
	yaml_event_t ev;
	int ret;

	if (dev->data.document_start.version_directive != NULL ||
	    dev->data.document_start.tag_directives.start !=
	    dev->data.document_start.tag_directives.end)
		return yamlcfg_err(p->path, ev_line(dev), "YAML directives "
		    "(%%YAML, %%TAG) are not allowed");
	if ((ret = next_event(p, &ev)) != 0)
		return ret;
	if ((ret = check_plain(p, &ev)) == 0 &&
	    ev.type != YAML_MAPPING_START_EVENT)
		ret = yamlcfg_err(p->path, ev_line(&ev), "the top level must "
		    "be a mapping of sections, not %s",
		    ev.type == YAML_SCALAR_EVENT ? "a single value" : "a list");
	if (ret == 0)
		ret = parse_value(p, &ev, "", ev_line(&ev), 0, root);
	yaml_event_delete(&ev);
	if (ret != 0)
		return ret;
	if ((ret = next_event(p, &ev)) != 0)
		return ret;
	yaml_event_delete(&ev);	/* DOCUMENT-END, by the grammar */
	return 0;
}

static int
parse_stream(struct pctx *p, struct ynode **root)
{
	yaml_event_t ev;
	int ret;

	if ((ret = next_event(p, &ev)) != 0)	/* STREAM-START */
		return ret;
	yaml_event_delete(&ev);
	if ((ret = next_event(p, &ev)) != 0)
		return ret;
	if (ev.type == YAML_STREAM_END_EVENT)
		ret = yamlcfg_err(p->path, 1, "the file is empty");
	else
		ret = parse_document(p, &ev, root);
	yaml_event_delete(&ev);
	if (ret != 0)
		return ret;
	if ((ret = next_event(p, &ev)) != 0)
		return ret;
	if (ev.type != YAML_STREAM_END_EVENT)
		ret = yamlcfg_err(p->path, ev_line(&ev), "a second YAML "
		    "document is not allowed: one file, one document");
	yaml_event_delete(&ev);
	return ret;
}

int
yamlcfg_parse(const char *path, const unsigned char *buf, size_t len,
    struct ynode **root)
{
	struct pctx p;
	struct ynode *tree = NULL;
	int ret;

	*root = NULL;
	if (len > YAMLCFG_MAX_SIZE)
		return err_set(ERR_CONFIG, "%s: larger than %zu bytes", path,
		    YAMLCFG_MAX_SIZE);
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.buf = buf;
	p.len = len;
	if (!yaml_parser_initialize(&p.parser))
		return oom();
	yaml_parser_set_input_string(&p.parser, buf, len);
	ret = parse_stream(&p, &tree);
	yaml_parser_delete(&p.parser);
	if (ret != 0) {
		yamlcfg_free(tree);
		return ret;
	}
	*root = tree;
	return 0;
}

int
yamlcfg_load(const char *path, struct ynode **root)
{
	return yamlcfg_load_hashed(path, NULL, root);
}

int
yamlcfg_load_hashed(const char *path, unsigned char sha256[32],
    struct ynode **root)
{
	unsigned char *buf = NULL;
	size_t len;
	int ret;

	*root = NULL;
	ret = fileio_read(path, YAMLCFG_MAX_SIZE, &buf, &len);
	if (ret == ERR_DATA)
		ret = err_set(ERR_CONFIG, "%s: larger than %zu bytes", path,
		    YAMLCFG_MAX_SIZE);
	if (ret != 0)
		goto out;
	/* The file is read once: the hash is of the bytes parsed. */
	if (sha256 != NULL &&
	    EVP_Digest(buf, len, sha256, NULL, EVP_sha256(), NULL) != 1) {
		ret = err_set(ERR_INTERNAL, "SHA-256 failed");
		goto out;
	}
	ret = yamlcfg_parse(path, buf, len, root);
out:
	free(buf);
	return ret;
}

const struct ynode *
yamlcfg_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (map == NULL || map->kind != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->count; i++)
		if (strcmp(map->keys[i], key) == 0)
			return map->items[i];
	return NULL;
}

int
yamlcfg_line(const struct ynode *map, const char *key)
{
	size_t i;

	if (map == NULL)
		return 0;
	for (i = 0; map->kind == YNODE_MAP && i < map->count; i++)
		if (strcmp(map->keys[i], key) == 0)
			return map->key_lines[i];
	return map->head_line;
}

/*
 * Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions), or SIZE_MAX for words too long to bother with.
 */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t d[YAMLCFG_MAX_KEYLEN + 1][YAMLCFG_MAX_KEYLEN + 1];
	size_t la = strlen(a), lb = strlen(b), i, j, v;

	if (la > YAMLCFG_MAX_KEYLEN || lb > YAMLCFG_MAX_KEYLEN)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* The name nearest to word within distance 2 (and shorter than the
 * name itself, so "ab" does not suggest "cn"), or NULL. */
static const char *
nearest(const char *word, const char *const names[])
{
	const char *best = NULL;
	size_t i, d, bestd = 3;

	for (i = 0; names[i] != NULL; i++) {
		d = edit_distance(word, names[i]);
		if (d < bestd && d < strlen(names[i])) {
			best = names[i];
			bestd = d;
		}
	}
	return best;
}

/* "a, b, c" into buf, truncated if need be. */
static const char *
join_names(const char *const names[], char *buf, size_t sz)
{
	size_t i, used = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; names[i] != NULL && used < sz; i++) {
		n = snprintf(buf + used, sz - used, "%s%s", i > 0 ? ", " : "",
		    names[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

/* " (did you mean "x"?)" or " (allowed: a, b)" for an unknown word. */
static const char *
hint(const char *word, const char *const names[], const char *what,
    char *buf, size_t sz)
{
	char list[512];
	const char *near;

	if ((near = nearest(word, names)) != NULL)
		snprintf(buf, sz, " (did you mean \"%s\"?)", near);
	else
		snprintf(buf, sz, " (%s: %s)", what,
		    join_names(names, list, sizeof(list)));
	return buf;
}

int
yamlcfg_check_keys(const struct ynode *map, const char *path,
    const char *section, const char *const allowed[])
{
	char buf[600];
	size_t i, j;

	if (map == NULL || map->kind != YNODE_MAP)
		return err_set(ERR_INTERNAL, "yamlcfg: keys checked on a "
		    "node that is not a mapping");
	for (i = 0; i < map->count; i++) {
		for (j = 0; allowed[j] != NULL; j++)
			if (strcmp(map->keys[i], allowed[j]) == 0)
				break;
		if (allowed[j] != NULL)
			continue;
		hint(map->keys[i], allowed, "allowed", buf, sizeof(buf));
		if (section == NULL && map->where[0] == '\0')
			return yamlcfg_err(path, map->key_lines[i], "unknown "
			    "key \"%s\" at the top level%s", map->keys[i], buf);
		return yamlcfg_err(path, map->key_lines[i], "unknown key "
		    "\"%s\" in section %s%s", map->keys[i],
		    section != NULL ? section : map->where, buf);
	}
	return 0;
}

/* Find key; a missing required key names the section it belongs in. */
static int
lookup(const struct ynode *map, const char *path, const char *key,
    int required, const struct ynode **out)
{
	*out = NULL;
	if (map == NULL || map->kind != YNODE_MAP)
		return err_set(ERR_INTERNAL, "yamlcfg: key %s looked up in "
		    "a node that is not a mapping", key);
	if ((*out = yamlcfg_get(map, key)) != NULL || !required)
		return 0;
	return yamlcfg_err(path, map->head_line, "missing required key "
	    "\"%s\" %s%s", key, SECTION(map));
}

static int
is_null(const struct ynode *n)
{
	return n->kind == YNODE_SCALAR && !n->quoted &&
	    (n->value[0] == '\0' || strcmp(n->value, "~") == 0 ||
	    strcmp(n->value, "null") == 0 || strcmp(n->value, "Null") == 0 ||
	    strcmp(n->value, "NULL") == 0);
}

static const char *
kind_name(const struct ynode *n)
{
	switch (n->kind) {
	case YNODE_MAP:
		return "a mapping";
	case YNODE_SEQ:
		return "a list";
	default:
		return "a single value";
	}
}

/* Refuse a node of the wrong kind; what says what was expected. */
static int
want_kind(const char *path, const struct ynode *n, const char *label,
    enum ynode_kind kind, const char *what)
{
	if (is_null(n))
		return yamlcfg_err(path, n->head_line, "%s has no value "
		    "(expected %s)", label, what);
	if (n->kind != kind)
		return yamlcfg_err(path, n->head_line, "%s must be %s, not %s",
		    label, what, kind_name(n));
	return 0;
}

/* The text rules of yamlcfg_str() for scalar n, named label. */
static int
check_text(const char *path, const struct ynode *n, const char *label)
{
	const unsigned char *s;
	size_t len;
	int ret;

	if ((ret = want_kind(path, n, label, YNODE_SCALAR, "a string")) != 0)
		return ret;
	s = (const unsigned char *)n->value;
	len = strlen(n->value);
	if (len == 0)
		return yamlcfg_err(path, n->line, "%s is empty", label);
	if (has_control(n->value))
		return yamlcfg_err(path, n->line, "%s contains a control "
		    "character", label);
	if (s[0] == ' ' || s[len - 1] == ' ' || (len >= 2 &&
	    s[len - 2] == 0xc2 && s[len - 1] == 0xa0) ||
	    (s[0] == 0xc2 && s[1] == 0xa0))
		return yamlcfg_err(path, n->line, "%s has leading or trailing "
		    "white space", label);
	return 0;
}

int
yamlcfg_str(const struct ynode *map, const char *path, const char *key,
    int required, const char **out)
{
	const struct ynode *n;
	int ret;

	*out = NULL;
	if ((ret = lookup(map, path, key, required, &n)) != 0 || n == NULL)
		return ret;
	if ((ret = check_text(path, n, key)) != 0)
		return ret;
	*out = n->value;
	return 0;
}

int
yamlcfg_text(const struct ynode *map, const char *path, const char *key,
    int required, size_t max, char **dst)
{
	const char *s;
	size_t len;
	int ret;

	*dst = NULL;
	if ((ret = yamlcfg_str(map, path, key, required, &s)) != 0 ||
	    s == NULL)
		return ret;
	if ((len = strlen(s)) > max)
		return yamlcfg_err(path, yamlcfg_line(map, key), "%s is %zu "
		    "bytes long; at most %zu are allowed", key, len, max);
	if ((*dst = strdup(s)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	return 0;
}

int
yamlcfg_country(const struct ynode *map, const char *path, const char *key,
    const char **out)
{
	const char *s;
	int ret;

	*out = NULL;
	if ((ret = yamlcfg_str(map, path, key, 0, &s)) != 0 || s == NULL)
		return ret;
	if (strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' ||
	    s[1] > 'Z')
		return yamlcfg_err(path, yamlcfg_line(map, key), "%s \"%s\" "
		    "must be two upper-case letters (an ISO 3166 code such as "
		    "\"DE\")", key, s);
	*out = s;
	return 0;
}

/* A plain, unquoted scalar for numbers and booleans. */
static int
plain_scalar(const char *path, const struct ynode *n, const char *key,
    const char *what)
{
	int ret;

	if ((ret = want_kind(path, n, key, YNODE_SCALAR, what)) != 0)
		return ret;
	if (n->quoted && has_control(n->value))
		return yamlcfg_err(path, n->line, "%s is quoted and contains "
		    "a control character", key);
	if (n->quoted)
		return yamlcfg_err(path, n->line, "%s \"%s\" is quoted: write "
		    "%s without quotes", key, n->value, what);
	return 0;
}

/* Digits only, no leading zero (YAML 1.1 reads 010 as octal). */
static int
parse_decimal(const char *s, unsigned long long *v)
{
	size_t i;

	*v = 0;
	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (*v > (UINT64_MAX - 9) / 10)
			*v = UINT64_MAX;	/* saturate: out of range */
		else
			*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

int
yamlcfg_uint(const struct ynode *map, const char *path, const char *key,
    int required, unsigned min, unsigned max, unsigned def, unsigned *out)
{
	const struct ynode *n;
	unsigned long long v;
	int ret;

	*out = def;
	if ((ret = lookup(map, path, key, required, &n)) != 0 || n == NULL)
		return ret;
	if ((ret = plain_scalar(path, n, key, "a number")) != 0)
		return ret;
	if (parse_decimal(n->value, &v) != 0)
		return yamlcfg_err(path, n->line, "%s \"%s\" is not a decimal "
		    "number (digits 0-9 only, no sign, no leading zero)", key,
		    n->value);
	if (v < min || v > max)
		return yamlcfg_err(path, n->line, "%s %s is out of range "
		    "(%u..%u)", key, n->value, min, max);
	*out = (unsigned)v;
	return 0;
}

int
yamlcfg_bool(const struct ynode *map, const char *path, const char *key,
    int required, int def, int *out)
{
	const struct ynode *n;
	int ret;

	*out = def;
	if ((ret = lookup(map, path, key, required, &n)) != 0 || n == NULL)
		return ret;
	if ((ret = plain_scalar(path, n, key, "true or false")) != 0)
		return ret;
	if (strcmp(n->value, "true") == 0)
		*out = 1;
	else if (strcmp(n->value, "false") == 0)
		*out = 0;
	else
		return yamlcfg_err(path, n->line, "%s must be true or false, "
		    "not \"%s\"", key, n->value);
	return 0;
}

int
yamlcfg_enum(const struct ynode *map, const char *path, const char *key,
    int required, const char *const names[], int def, int *out)
{
	const struct ynode *n;
	char buf[600];
	int i, ret;

	*out = def;
	if ((ret = lookup(map, path, key, required, &n)) != 0 || n == NULL)
		return ret;
	if ((ret = check_text(path, n, key)) != 0)
		return ret;
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(n->value, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return yamlcfg_err(path, n->line, "%s \"%s\" is not known%s", key,
	    n->value, hint(n->value, names, "known", buf, sizeof(buf)));
}

/* Count a list's items against min..max. */
static int
check_count(const char *path, const struct ynode *n, const char *key,
    size_t min, size_t max)
{
	if (n->count < min)
		return yamlcfg_err(path, n->head_line, "%s has %zu %s; at "
		    "least %zu %s required", key, n->count,
		    n->count == 1 ? "entry" : "entries", min,
		    min == 1 ? "is" : "are");
	if (n->count > max)
		return yamlcfg_err(path, n->head_line, "%s has %zu entries; "
		    "at most %zu %s allowed", key, n->count, max,
		    max == 1 ? "is" : "are");
	return 0;
}

int
yamlcfg_strlist(const struct ynode *map, const char *path, const char *key,
    int required, size_t min, size_t max, const char ***out, size_t *count)
{
	const struct ynode *n;
	char label[96];
	size_t i;
	int ret;

	*out = NULL;
	*count = 0;
	if ((ret = lookup(map, path, key, required, &n)) != 0 || n == NULL)
		return ret;
	if ((ret = want_kind(path, n, key, YNODE_SEQ, "a list of "
	    "strings")) != 0 || (ret = check_count(path, n, key, min,
	    max)) != 0)
		return ret;
	for (i = 0; i < n->count; i++) {
		snprintf(label, sizeof(label), "%s entry %zu", key, i + 1);
		if ((ret = check_text(path, n->items[i], label)) != 0)
			return ret;
	}
	*out = n->values;
	*count = n->count;
	return 0;
}

int
yamlcfg_map(const struct ynode *map, const char *path, const char *key,
    int required, const struct ynode **out)
{
	const struct ynode *n;
	int ret;

	*out = NULL;
	if ((ret = lookup(map, path, key, required, &n)) != 0 || n == NULL)
		return ret;
	if ((ret = want_kind(path, n, key, YNODE_MAP, "a mapping of "
	    "keys")) != 0)
		return ret;
	*out = n;
	return 0;
}

int
yamlcfg_seq(const struct ynode *map, const char *path, const char *key,
    int required, size_t min, size_t max, const struct ynode **out)
{
	const struct ynode *n;
	int ret;

	*out = NULL;
	if ((ret = lookup(map, path, key, required, &n)) != 0 || n == NULL)
		return ret;
	if ((ret = want_kind(path, n, key, YNODE_SEQ, "a list")) != 0 ||
	    (ret = check_count(path, n, key, min, max)) != 0)
		return ret;
	*out = n;
	return 0;
}
