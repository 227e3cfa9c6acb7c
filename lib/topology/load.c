// SPDX-License-Identifier: GPL-2.0
/* Loading a topology: the file, then parsing and validation as one check. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse_util.h"

static const char *file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO (named pipe)";
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "a special file";
}

static int not_regular(struct sv_topo_diags *diags, mode_t mode)
{
	if (sv_topo_diag_add(diags, SV_TOPO_ERROR, 0, 0,
			     "is %s, not a regular file; give the path of a topology file",
			     file_kind(mode)))
		return -ENOMEM;
	return -EINVAL;
}

/*
 * O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer,
 * and a `check` that hangs says nothing. Only regular files are read.
 */
static int open_regular(const char *path, struct sv_topo_diags *diags)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int ret;

	if (fd < 0) {
		ret = -errno;
		/* open() says ENXIO for a socket: name it instead. */
		if (ret == -ENXIO && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
			return not_regular(diags, st.st_mode);
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return not_regular(diags, st.st_mode);
	}
	if (st.st_size > (off_t)SV_TOPO_MAX_FILE_SIZE) {
		close(fd);
		return -EFBIG;
	}
	return fd;
}

static int read_file(const char *path, char **text, size_t *len, struct sv_topo_diags *diags)
{
	size_t cap = 4096, used = 0;
	char *buf;
	int fd, ret = 0;

	fd = open_regular(path, diags);
	if (fd < 0)
		return fd;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (used == cap) {
			char *bigger;

			/* The file may have grown since fstat(). */
			if (cap >= SV_TOPO_MAX_FILE_SIZE) {
				ret = -EFBIG;
				break;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				ret = -ENOMEM;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	*text = buf;
	*len = used;
	return 0;
}

int sv_topo_load_text(const char *text, size_t len, const char *path, const char *dir,
		      unsigned int flags, struct sv_topology **out, struct sv_topo_diags *diags)
{
	struct sv_topology *t = NULL;
	int ret = topo_parse_partial(text, len, path, dir, &t, diags);
	int vret;

	*out = NULL;
	if (!t)
		return ret;
	vret = sv_topo_validate(t, flags | (ret ? TOPO_VALIDATE_PARTIAL : 0), diags);
	if (vret == -ENOMEM)
		ret = vret;
	else if (!ret)
		ret = vret;
	if (ret) {
		sv_topo_free(t);
		return ret;
	}
	*out = t;
	return 0;
}

int sv_topo_load(const char *path, unsigned int flags, struct sv_topology **out,
		 struct sv_topo_diags *diags)
{
	char *text = NULL, *copy, *absdir;
	size_t len = 0;
	int ret;

	*out = NULL;
	ret = read_file(path, &text, &len, diags);
	if (ret)
		return ret;
	copy = strdup(path);
	if (!copy) {
		free(text);
		return -ENOMEM;
	}
	/* vmm processes get absolute paths, whatever their working folder. */
	absdir = realpath(dirname(copy), NULL);
	ret = absdir ? sv_topo_load_text(text, len, path, absdir, flags, out, diags) : -errno;
	free(absdir);
	free(copy);
	free(text);
	return ret;
}
