// SPDX-License-Identifier: MIT
/*
 * gen-model: writes the test models of testmodel.h.
 *
 *   gen-model gguf <variant> <out.gguf>
 *   gen-model bin <variant> <out.bin> <out-tokenizer.bin>
 */
#include <stdio.h>
#include <string.h>

#include "testmodel.h"

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "gguf"))
		return tm_write_gguf(argv[3], argv[2]) ? 1 : 0;
	if (argc == 5 && !strcmp(argv[1], "bin"))
		return tm_write_bin(argv[3], argv[4], argv[2]) ? 1 : 0;
	fprintf(stderr, "usage: gen-model gguf <variant> <out.gguf>\n"
			"       gen-model bin <variant> <out.bin> <out-tokenizer.bin>\n");
	return 1;
}
