// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM lives in a memfd so that it can be handed to a device VM
 * (the same pages, mapped there too). 2 MiB pages cut stage-2 TLB misses:
 * hugetlbfs pages when the host has some reserved, else shmem THP when the
 * host allows it ("advise" or "always"), else plain 4 KiB pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <splitvirt/log.h>

#include "vmm.h"

#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21u << 26)
#endif

static int try_hugetlb(struct guest_ram *ram)
{
	int fd = memfd_create("splitvirt-ram", MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_2MB);
	void *p;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)ram->size) < 0)
		goto fail;
	/*
	 * A shared hugetlb mapping reserves its pages here (mmap fails if too
	 * few are free), so faulting them in lazily cannot SIGBUS later, and we
	 * skip zeroing all of RAM up front (MAP_POPULATE), which showed in boot time.
	 */
	p = mmap(NULL, ram->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	ram->memfd = fd;
	ram->host = p;
	ram->backing = "hugetlb 2 MiB pages";
	return 0;
fail:
	close(fd);
	return -ENOMEM;
}

static const char *shmem_thp_mode(void)
{
	static char buf[128];
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "r");

	if (!f)
		return "never";
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (strstr(buf, "[always]") || strstr(buf, "[force]"))
		return "always";
	if (strstr(buf, "[advise]") || strstr(buf, "[within_size]"))
		return "advise";
	return "never";
}

static int map_shmem(struct guest_ram *ram)
{
	int fd = memfd_create("splitvirt-ram", MFD_CLOEXEC);
	const char *thp;
	void *p;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)ram->size) < 0) {
		close(fd);
		return -ENOMEM;
	}
	/* Reserve 2 MiB more, so the mapping itself can be 2 MiB aligned. */
	p = mmap(NULL, ram->size + (2u << 20), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -ENOMEM;
	}
	{
		uintptr_t aligned = ((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
		uintptr_t end = aligned + ram->size;

		if (aligned > (uintptr_t)p)
			munmap(p, aligned - (uintptr_t)p);
		munmap((void *)end, (uintptr_t)p + ram->size + (2u << 20) - end);
		p = mmap((void *)aligned, ram->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 fd, 0);
	}
	if (p == MAP_FAILED) {
		close(fd);
		return -ENOMEM;
	}
	thp = shmem_thp_mode();
	if (strcmp(thp, "never") != 0 && madvise(p, ram->size, MADV_HUGEPAGE) == 0)
		ram->backing = strcmp(thp, "always") == 0 ? "shmem THP 2 MiB pages (always)" :
							    "shmem THP 2 MiB pages (advise)";
	else
		ram->backing = "4 KiB pages (no hugetlb pages reserved, shmem THP disabled)";
	ram->memfd = fd;
	ram->host = p;
	return 0;
}

int guest_ram_create(struct guest_ram *ram, uint64_t gpa, uint64_t size)
{
	int ret;

	ram->gpa = gpa;
	ram->size = size;
	ram->memfd = -1;
	ret = try_hugetlb(ram);
	if (ret)
		ret = map_shmem(ram);
	return ret;
}

/*
 * RAM that the supervisor created (and shares with device VMs). Its pages
 * are hugetlb pages if the supervisor got them; otherwise ask for THP.
 */
int guest_ram_from_fd(struct guest_ram *ram, int fd, uint64_t gpa, uint64_t size)
{
	struct statfs sfs;
	struct stat st;

	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0)
		return -errno;
	if ((uint64_t)st.st_size < size)
		return -EINVAL;
	ram->gpa = gpa;
	ram->size = size;
	ram->host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ram->host == MAP_FAILED) {
		ram->host = NULL;
		return -errno;
	}
	ram->memfd = fd;
	if (sfs.f_type == HUGETLBFS_MAGIC)
		ram->backing = "shared memfd, hugetlb 2 MiB pages";
	else if (madvise(ram->host, size, MADV_HUGEPAGE) == 0 &&
		 strcmp(shmem_thp_mode(), "never") != 0)
		ram->backing = "shared memfd, shmem THP 2 MiB pages";
	else
		ram->backing = "shared memfd, 4 KiB pages";
	return 0;
}

void guest_ram_destroy(struct guest_ram *ram)
{
	if (ram->host)
		munmap(ram->host, ram->size);
	if (ram->memfd >= 0)
		close(ram->memfd);
	ram->host = NULL;
	ram->memfd = -1;
}

void *guest_ram_ptr(struct guest_ram *ram, uint64_t gpa, uint64_t len)
{
	if (gpa < ram->gpa || gpa - ram->gpa > ram->size || len > ram->size - (gpa - ram->gpa))
		return NULL;
	return (uint8_t *)ram->host + (gpa - ram->gpa);
}
