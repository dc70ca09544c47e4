/*
 * dgp_catalog_rules.h — which normaliser rules a catalog field may name,
 * which data types each fits, and which arguments each takes.
 *
 * The normaliser registry (pipeline/dgp_norm.h, issue 3) is the authority
 * on rules; it is being filled family by family.  Until it is complete the
 * catalog checks against this one table, with the registry's argument
 * names.  dgp_catalog_rule_find() is the single place to switch over.
 */
#ifndef DGP_CATALOG_RULES_H
#define DGP_CATALOG_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "dgp_arena.h"

typedef struct dgp_catalog_rule {
	const char *name;       /* e.g. "idcard" */
	const char *data_types; /* data types it fits, e.g. "DC" */
	const char *args;       /* accepted argument keys, comma-separated, "" for none */
} dgp_catalog_rule_t;

/* dgp_catalog_rules — the table, n rows, static storage. */
const dgp_catalog_rule_t *dgp_catalog_rules(size_t *n);

/* dgp_catalog_rule_find — the row for name, or NULL for an unknown rule. */
const dgp_catalog_rule_t *dgp_catalog_rule_find(const char *name);

/*
 * dgp_catalog_rule_check_args — check "k=v;k=v" (NULL or "" = none) against
 * rule: syntax, accepted keys, no key twice, well-formed values, and list=
 * present for code_list.  Does not check that a list exists (the catalog
 * does, once code lists are loaded).  On success stores the list= value,
 * copied into arena, in *list (NULL when none) and returns true; on failure
 * writes a lowercase message into errstr and returns false.
 */
bool dgp_catalog_rule_check_args(const dgp_catalog_rule_t *rule, const char *args,
                                 dgp_arena_t *arena, const char **list, char *errstr,
                                 size_t errstr_size) __attribute__((warn_unused_result));

#endif /* DGP_CATALOG_RULES_H */
