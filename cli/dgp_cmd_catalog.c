/*
 * dgp_cmd_catalog.c — `dgp catalog validate [DIR]`: check the catalog's
 * definition files and summarise what they describe.
 *
 * The library collects diagnostics; this file prints them, PostgreSQL
 * style, as `DIR/FILE:LINE: COLUMN: message` with an optional `hint:` line,
 * so that editors and CI logs can jump to the offending cell.
 */
#include <stdio.h>
#include <string.h>

#include "dgp_catalog.h"
#include "dgp_cmd.h"

static void print_diag(const char *dir, const dgp_catalog_diag_t *d)
{
	char buf[4096];
	fprintf(stderr, "%s\n", dgp_catalog_diag_format(d, dir, buf, sizeof(buf)));
	if (d->hint)
		fprintf(stderr, "hint: %s\n", d->hint);
}

static void print_summary(const char *dir, const dgp_catalog_summary_t *s)
{
	printf("catalog %s: %zu resources from %zu providers, %zu fields\n", dir, s->resources,
	       s->providers, s->fields);
	printf("  classes:        %s %zu, %s %zu, %s %zu\n", dgp_catalog_class_name(DGP_CLASS_BASE),
	       s->by_class[DGP_CLASS_BASE], dgp_catalog_class_name(DGP_CLASS_THEME),
	       s->by_class[DGP_CLASS_THEME], dgp_catalog_class_name(DGP_CLASS_DEPT),
	       s->by_class[DGP_CLASS_DEPT]);
	printf("  share types:   ");
	for (int i = 0; i < DGP_SHARE__COUNT; i++)
		printf("%s %s %zu", i ? "," : "", dgp_catalog_share_type_name((dgp_share_type_t)i),
		       s->by_share[i]);
	printf("\n  update cycles: ");
	for (int i = 0; i < DGP_CYCLE__COUNT; i++)
		printf("%s %s %zu", i ? "," : "",
		       dgp_catalog_update_cycle_name((dgp_update_cycle_t)i), s->by_cycle[i]);
	printf("\n  base library:  ");
	for (int i = DGP_LIB_PERSON; i <= DGP_LIB__COUNT; i++) {
		int lib = i % DGP_LIB__COUNT; /* person, legal_entity, then none */
		printf("%s %s %zu", i > DGP_LIB_PERSON ? "," : "",
		       dgp_catalog_base_library_name((dgp_base_library_t)lib), s->by_library[lib]);
	}
	printf("\n  open data:      %zu of %zu resources open to the public\n", s->open,
	       s->resources);
	printf("  sensitive:      %zu of %zu fields (masked in external exports)\n",
	       s->sensitive_fields, s->fields);
	printf("  golden tables:  %zu columns fed by %zu field mappings\n", s->base_columns,
	       s->mapped_fields);
	printf("  code lists:     %zu lists, %zu codes\n", s->code_lists, s->codes);
	printf("  三清单 lists:    demand %zu, responsibility %zu, negative %zu\n", s->demands,
	       s->responsibilities, s->negatives);
}

static int catalog_validate(dgp_cli_t *cli, int argc, char **argv)
{
	if (argc > 3) {
		dgp_cli_err("catalog",
		            "validate takes at most one directory (try \"dgp catalog --help\")");
		return DGP_EXIT_USAGE;
	}
	if (!dgp_cli_catalog_dir_exists(cli, "catalog validate", argc == 3 ? argv[2] : NULL))
		return DGP_EXIT_FAIL;
	const char *dir = dgp_cli_catalog_dir(cli, argc == 3 ? argv[2] : NULL, NULL);

	dgp_catalog_t *cat;
	dgp_err_t err = dgp_catalog_load(dir, &cat);
	err =
	    dgp_catalog_validate(cat); /* also after a failed load: one run reports every problem */
	bool valid = err == DGP_OK;

	size_t n;
	const dgp_catalog_diag_t *d = dgp_catalog_diags(cat, &n);
	for (size_t i = 0; i < n; i++)
		print_diag(dir, &d[i]);

	dgp_catalog_summary_t sum;
	dgp_catalog_summarize(cat, &sum);
	if (sum.providers || sum.resources)
		print_summary(dir, &sum);
	if (valid)
		printf("catalog is valid\n");
	fflush(stdout); /* the verdict comes last, also when stdout is a pipe */
	if (!valid)
		dgp_cli_err("catalog", "%s: %zu error%s", dir, n, n == 1 ? "" : "s");
	dgp_catalog_destroy(cat);
	return valid ? DGP_EXIT_OK : DGP_EXIT_FAIL;
}

int dgp_cmd_catalog(dgp_cli_t *cli, int argc, char **argv)
{
	if (dgp_cli_wants_help(argc, argv)) {
		dgp_cli_print_help(dgp_cmd_find("catalog"));
		return DGP_EXIT_OK;
	}
	if (argc < 2) {
		dgp_cli_err("catalog", "missing subcommand (try \"dgp catalog --help\")");
		return DGP_EXIT_USAGE;
	}
	if (strcmp(argv[1], "validate") == 0)
		return catalog_validate(cli, argc, argv);
	if (strcmp(argv[1], "sync") == 0)
		return dgp_cmd_catalog_sync(cli, argc, argv);
	if (strcmp(argv[1], "status") == 0)
		return dgp_cmd_catalog_status(cli, argc, argv);
	if (strcmp(argv[1], "export") == 0)
		return dgp_cmd_catalog_export(cli, argc, argv);
	dgp_cli_err("catalog", "unknown subcommand \"%s\" (try \"dgp catalog --help\")", argv[1]);
	return DGP_EXIT_USAGE;
}
