/*
 * fuzz_yaml: the strict YAML reader under every configuration file
 * (yamlcfg_parse()), and its getters run over whatever tree comes out,
 * as the loaders would run them on the keys they expect.
 */
#include "fuzz.h"
#include "yamlcfg.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static const char *const allowed[] = {
	"ceremony", "name", "key", "type", "threshold", "subject", NULL
};
static const char *const names[] = {
	"none", "shamir", "p256", "p384", NULL
};

/* Each getter on each key of map, then the same for its sub-maps. */
static void
walk(const struct ynode *map, int depth)
{
	const struct ynode *sub;
	const char **list, *s;
	unsigned u;
	size_t i, n;
	int b, e;

	if (map == NULL || map->kind != YNODE_MAP || depth > 8)
		return;
	fuzz_check_rc(yamlcfg_check_keys(map, "fuzz", NULL, allowed),
	    "yamlcfg_check_keys");
	for (i = 0; i < map->count; i++) {
		const char *k = map->keys[i];

		if (yamlcfg_get(map, k) != map->items[i])
			fuzz_die("yamlcfg_get(%s) is not the key's value", k);
		(void)yamlcfg_line(map, k);
		fuzz_check_rc(yamlcfg_str(map, "fuzz", k, 1, &s),
		    "yamlcfg_str");
		fuzz_check_rc(yamlcfg_uint(map, "fuzz", k, 1, 2, 16, 2, &u),
		    "yamlcfg_uint");
		fuzz_check_rc(yamlcfg_bool(map, "fuzz", k, 1, 0, &b),
		    "yamlcfg_bool");
		fuzz_check_rc(yamlcfg_enum(map, "fuzz", k, 1, names, 0, &e),
		    "yamlcfg_enum");
		fuzz_check_rc(yamlcfg_strlist(map, "fuzz", k, 1, 1, 16, &list,
		    &n), "yamlcfg_strlist");
		fuzz_check_rc(yamlcfg_seq(map, "fuzz", k, 1, 0, 64, &sub),
		    "yamlcfg_seq");
		if (yamlcfg_map(map, "fuzz", k, 1, &sub) == 0)
			walk(sub, depth + 1);
	}
	/* An absent key, required and not. */
	fuzz_check_rc(yamlcfg_str(map, "fuzz", "absent key", 1, &s),
	    "yamlcfg_str");
	fuzz_check_rc(yamlcfg_uint(map, "fuzz", "absent key", 0, 1, 9, 3, &u),
	    "yamlcfg_uint");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ynode *root = NULL;
	int rc;

	rc = yamlcfg_parse("fuzz", data, size, &root);
	fuzz_check_rc(rc, "yamlcfg_parse");
	if ((rc == 0) != (root != NULL))
		fuzz_die("yamlcfg_parse returned %d and a tree %p", rc,
		    (void *)root);
	if (root != NULL && root->kind != YNODE_MAP)
		fuzz_die("the root is not a mapping");
	walk(root, 0);
	yamlcfg_free(root);
	return 0;
}
