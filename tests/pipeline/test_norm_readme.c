/*
 * test_norm_readme.c — README.md's "## Reject reasons" table lists exactly
 * the reasons of pipeline/dgp_norm.c, name and description, in any order.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dgp_norm.h"

Test(norm_readme, reject_reasons_match_the_code)
{
	FILE *f = fopen(DGP_SOURCE_DIR "/README.md", "r");
	cr_assert(f, "cannot open README.md");
	char line[1024];
	bool in_section = false, seen[DGP_REASON__COUNT] = {false};
	int rows = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "## ", 3) == 0) {
			in_section = strcmp(line, "## Reject reasons\n") == 0;
			continue;
		}
		char name[64], desc[512];
		if (!in_section || sscanf(line, "| `%63[^`]` | %511[^|\n]|", name, desc) != 2)
			continue;
		size_t dl = strlen(desc);
		while (dl && desc[dl - 1] == ' ')
			desc[--dl] = '\0';
		rows++;
		int found = -1;
		for (int r = 1; r < DGP_REASON__COUNT; r++)
			if (strcmp(dgp_reason_name((dgp_reason_t)r), name) == 0)
				found = r;
		cr_expect_neq(found, -1, "README lists reason \"%s\" that the code does not have",
		              name);
		if (found < 0)
			continue;
		cr_expect_not(seen[found], "README lists \"%s\" twice", name);
		seen[found] = true;
		cr_expect_str_eq(desc, dgp_reason_desc((dgp_reason_t)found),
		                 "README's description of \"%s\" differs from pipeline/dgp_norm.c",
		                 name);
	}
	fclose(f);
	cr_expect_gt(rows, 0, "README.md has no \"## Reject reasons\" table");
	for (int r = 1; r < DGP_REASON__COUNT; r++)
		cr_expect(seen[r], "README.md's \"## Reject reasons\" lacks \"%s\" (%s)",
		          dgp_reason_name((dgp_reason_t)r), dgp_reason_desc((dgp_reason_t)r));
}
