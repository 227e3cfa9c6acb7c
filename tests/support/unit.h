/* SPDX-License-Identifier: GPL-2.0 */
/* What every cmocka test program shares. */
#ifndef TESTS_SUPPORT_UNIT_H
#define TESTS_SUPPORT_UNIT_H

/* A test with the program's own setup() and teardown() around it. */
#define SV_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

#endif
