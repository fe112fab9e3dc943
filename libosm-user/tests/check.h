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

/* One test of a program: its name in the TAP line, its function. */
struct check_test {
	const char *name;
	void (*fn)(void);
};

/*
 * Run the @n tests in order, an "ok"/"not ok" line each (the name after
 * @prefix), then the counts.  Returns the exit code: 1 if any failed.
 */
static inline int check_run(const struct check_test *tests, size_t n,
			    const char *prefix)
{
	size_t i;
	int failed_tests = 0;

	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		int before = failures;

		tests[i].fn();
		if (failures != before)
			failed_tests++;
		printf("%s %zu - %s%s\n", failures == before ? "ok" : "not ok",
		       i + 1, prefix, tests[i].name);
	}
	printf("# %d checks, %d failed\n", checks, failures);
	return failed_tests ? 1 : 0;
}

#endif /* __LIBOSM_TESTS_CHECK_H */
