// SPDX-License-Identifier: MIT
/*
 * gen-model: writes the test models of testmodel.h.
 *
 *   gen-model gguf <variant> <out.gguf>
 *   gen-model bin <variant> <out.bin> <out-tokenizer.bin>
 *   gen-model export <version> <group size> shared|untied <out.bin>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testmodel.h"

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "gguf"))
		return tm_write_gguf(argv[3], argv[2]) ? 1 : 0;
	if (argc == 5 && !strcmp(argv[1], "bin"))
		return tm_write_bin(argv[3], argv[4], argv[2]) ? 1 : 0;
	if (argc == 6 && !strcmp(argv[1], "export"))
		return tm_write_export(argv[5], atoi(argv[2]), atoi(argv[3]),
				       !strcmp(argv[4], "shared")) ? 1 : 0;
	fprintf(stderr, "usage: gen-model gguf <variant> <out.gguf>\n"
			"       gen-model bin <variant> <out.bin> <out-tokenizer.bin>\n"
			"       gen-model export <version> <group size> shared|untied <out.bin>\n");
	return 1;
}
