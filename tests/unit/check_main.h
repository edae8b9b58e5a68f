/* check_main.h: what ends every unit test program's main(): run its
 * suite and exit 0 when every test passed. */
#ifndef HL_CHECK_MAIN_H
#define HL_CHECK_MAIN_H
#include <check.h>
#include <stdlib.h>

static inline int
hl_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
