/*
 * fileio: capped reads and atomic writes.  See fileio.h.
 */
#include "core/fileio.h"

#include "core/strbuf.h"
#include "core/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read(const char *path, size_t cap, struct strbuf *out,
	      struct strbuf *err)
{
	struct stat st;
	char chunk[65536];
	size_t total = 0;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return strbuf_seterr(err, "cannot open %s: %s", path,
				     strerror(errno));
	if (fstat(fd, &st) < 0) {
		strbuf_seterr(err, "cannot stat %s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		strbuf_seterr(err, "%s is a directory, not a file", path);
		goto out;
	}
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > cap) {
		strbuf_seterr(err, "%s is %lld bytes; the limit is %zu bytes",
			      path, (long long)st.st_size, cap);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			strbuf_seterr(err, "cannot read %s: %s", path,
				      strerror(errno));
			goto out;
		}
		if (!n)
			break;
		total += (size_t)n;
		/* The stat size can lie (procfs, a file growing under us):
		 * the cap is enforced on what is actually read. */
		if (total > cap) {
			strbuf_seterr(err, "%s is larger than the limit of %zu bytes",
				      path, cap);
			goto out;
		}
		strbuf_add(out, chunk, (size_t)n);
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

static int fsync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc;

	if (!slash)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int file_write_atomic(const char *path, const void *data, size_t len,
		      mode_t mode, struct strbuf *err)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *p = data;
	int fd, rc = -1;

	strbuf_addf(&tmp, "%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp.buf, O_CLOEXEC);
	if (fd < 0) {
		strbuf_seterr(err, "cannot create a temporary file next to %s: %s",
			      path, strerror(errno));
		goto out;
	}
	if (file_write_all(fd, p, len)) {
		strbuf_seterr(err, "cannot write %s: %s", tmp.buf, strerror(errno));
		goto fail;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		strbuf_seterr(err, "cannot sync %s: %s", tmp.buf, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		strbuf_seterr(err, "cannot close %s: %s", tmp.buf, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp.buf, path) < 0) {
		strbuf_seterr(err, "cannot rename %s to %s: %s", tmp.buf, path,
			      strerror(errno));
		goto fail;
	}
	/* Without this the rename itself may not survive a power loss. */
	fsync_dir_of(path);
	rc = 0;
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp.buf);
out:
	strbuf_release(&tmp);
	return rc;
}

int file_mkdirs(const char *path, mode_t mode, struct strbuf *err)
{
	char *copy = xstrdup(path);
	char *p;
	int rc = -1;

	for (p = copy + 1; ; p++) {
		char saved = *p;

		if (saved != '/' && saved != '\0')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST) {
			strbuf_seterr(err, "cannot create directory %s: %s", copy,
				      strerror(errno));
			goto out;
		}
		*p = saved;
		if (!saved)
			break;
	}
	if (!file_is_dir(path)) {
		strbuf_seterr(err, "%s exists and is not a directory", path);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

int file_mkdirs_parent(const char *path, mode_t mode, struct strbuf *err)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash && slash != dir) {
		*slash = '\0';
		rc = file_mkdirs(dir, mode, err);
	}
	free(dir);
	return rc;
}

int file_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void file_join(struct strbuf *out, const char *dir, const char *name)
{
	strbuf_addstr(out, dir);
	if (out->len && out->buf[out->len - 1] != '/')
		strbuf_addch(out, '/');
	strbuf_addstr(out, name);
}

int file_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int file_which(const char *name, struct strbuf *out)
{
	const char *path = getenv("PATH");

	if (strchr(name, '/')) {
		if (access(name, X_OK))
			return -1;
		strbuf_addstr(out, name);
		return 0;
	}
	while (path && *path) {
		size_t l = strcspn(path, ":"), before = out->len;

		if (l) {
			strbuf_add(out, path, l);
			strbuf_addch(out, '/');
			strbuf_addstr(out, name);
			if (!access(out->buf + before, X_OK))
				return 0;
			strbuf_setlen(out, before);
		}
		path += l + (path[l] == ':');
	}
	return -1;
}
