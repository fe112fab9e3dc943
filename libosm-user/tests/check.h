/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The checks libosm's unit tests count.  A failed check prints where and
 * why as a TAP comment and is counted; each test program prints its own
 * "ok"/"not ok" lines from the counters.
 */
#ifndef __LIBOSM_TESTS_CHECK_H
#define __LIBOSM_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int failures, checks;

#define CHECK(cond)							\
	do {								\
		checks++;						\
		if (!(cond)) {						\
			failures++;					\
			printf("#   %s:%d: check failed: %s\n",		\
			       __FILE__, __LINE__, #cond);		\
		}							\
	} while (0)

/* Two strings are equal; NULL equals nothing, not even NULL. */
#define CHECK_STR(got, want)						\
	do {								\
		const char *__g = (got), *__w = (want);			\
		checks++;						\
		if (!__g || !__w || strcmp(__g, __w)) {			\
			failures++;					\
			printf("#   %s:%d:\n#     got  %s\n#     want %s\n", \
			       __FILE__, __LINE__, __g ? __g : "(null)", \
			       __w ? __w : "(null)");			\
		}							\
	} while (0)

#endif /* __LIBOSM_TESTS_CHECK_H */
