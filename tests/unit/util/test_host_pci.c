// SPDX-License-Identifier: GPL-2.0
/* Host PCI function addresses (one parser for the topology and the vmm) and sysfs checks. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <splitvirt/host_pci.h>

#include "../../support/fake_sysfs.h"

static void test_bdf_parse(void **state)
{
	static const struct {
		const char *text;
		const char *want; /* NULL: refused */
	} cases[] = {
		{ "0000:00:01.0", "0000:00:01.0" },
		{ "00:01.0", "0000:00:01.0" },
		{ "0001:ff:1f.7", "0001:ff:1f.7" },
		{ "ABCD:EF:1A.3", "abcd:ef:1a.3" },
		{ "1:2.3", "0000:01:02.3" },
		{ "0:0:1.0", "0000:00:01.0" },
		{ "00:20.0", NULL }, /* device over 0x1f */
		{ "00:01.8", NULL }, /* function over 7 */
		{ "00000:00:01.0", NULL },
		{ "0000:000:01.0", NULL },
		{ "0000:00:001.0", NULL },
		{ "00:01.00", NULL },
		{ "00:01", NULL },
		{ "0000:00:01", NULL },
		{ "00.01.0", NULL },
		{ "0:0:0:1.0", NULL },
		{ "0x0:01.0", NULL },
		{ "+0:01.0", NULL },
		{ " 00:01.0", NULL },
		{ "00:01.0 ", NULL },
		{ "00:-1.0", NULL },
		{ "00:0g.0", NULL },
		{ ":01.0", NULL },
		{ "00:.0", NULL },
		{ "", NULL },
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[SV_PCI_BDF_SIZE] = "untouched";
		int ret = sv_pci_bdf_parse(cases[i].text, out);

		if (cases[i].want && (ret || strcmp(out, cases[i].want)))
			fail_msg("'%s': %d '%s', expected '%s'", cases[i].text, ret, out,
				 cases[i].want);
		if (!cases[i].want && (ret != -EINVAL || strcmp(out, "untouched")))
			fail_msg("'%s' accepted as '%s'", cases[i].text, out);
	}
	assert_int_equal(sv_pci_bdf_parse(NULL, (char[SV_PCI_BDF_SIZE]){ 0 }), -EINVAL);
}

static void test_roots(void **state)
{
	char path[64];

	(void)state;
	unsetenv("SPLITVIRT_SYSFS");
	unsetenv("SPLITVIRT_DEVFS");
	assert_string_equal(sv_sysfs_root(), "/sys");
	assert_string_equal(sv_devfs_root(), "/dev");
	setenv("SPLITVIRT_SYSFS", "", 1);
	assert_string_equal(sv_sysfs_root(), "/sys");
	setenv("SPLITVIRT_SYSFS", "/tmp/fake", 1);
	assert_int_equal(sv_sysfs_path(path, sizeof(path), "/bus/pci/devices/%s", "0000:00:01.0"),
			 0);
	assert_string_equal(path, "/tmp/fake/bus/pci/devices/0000:00:01.0");
	assert_int_equal(sv_devfs_path(path, sizeof(path), "/vfio/%d", 3), 0);
	assert_string_equal(path, "/dev/vfio/3");
	assert_int_equal(sv_sysfs_path(path, 12, "/bus"), -ENAMETOOLONG);
	unsetenv("SPLITVIRT_SYSFS");
}

static void test_host_check(void **state)
{
	char root[64];

	(void)state;
	assert_int_equal(fake_sysfs_create(root, sizeof(root)), 0);
	assert_int_equal(fake_sysfs_add_pci(root, "0000:00:01.0", 3, "nvme"), 0);
	assert_int_equal(fake_sysfs_add_pci(root, "0000:00:02.0", -1, NULL), 0);
	assert_int_equal(sv_host_pci_check("0000:00:01.0"), 0);
	assert_int_equal(sv_host_pci_check("0000:00:02.0"), -ENXIO);
	assert_int_equal(sv_host_pci_check("0000:00:03.0"), -ENOENT);
	assert_non_null(strstr(sv_host_pci_strerror(-ENOENT), "no such PCI device"));
	assert_non_null(strstr(sv_host_pci_strerror(-ENXIO),
			       "in no IOMMU group: the host has no IOMMU for it"));
	assert_string_equal(sv_host_pci_strerror(-EACCES), strerror(EACCES));
	/* What the links name: the group and the driver, "" for none. */
	{
		char name[16];

		assert_int_equal(
			sv_host_pci_link("0000:00:01.0", "iommu_group", name, sizeof(name)), 0);
		assert_string_equal(name, "3");
		assert_int_equal(sv_host_pci_link("0000:00:01.0", "driver", name, sizeof(name)), 0);
		assert_string_equal(name, "nvme");
		assert_int_equal(sv_host_pci_link("0000:00:02.0", "driver", name, sizeof(name)), 0);
		assert_string_equal(name, "");
		assert_int_equal(sv_host_pci_link("0000:00:01.0", "driver", name, 4),
				 -ENAMETOOLONG);
	}
	fake_sysfs_remove(root);
	/* The default root is the host's: this machine has no such function. */
	assert_int_equal(sv_host_pci_check("ffff:ff:1f.7"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdf_parse),
		cmocka_unit_test(test_roots),
		cmocka_unit_test(test_host_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
