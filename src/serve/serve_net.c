/*
 * serve_net: where archie serve listens, and its token (see serve.h for
 * why each is as it is).
 */
#include "serve/serve_int.h"

#include "core/strbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int serve_listen_unix(const char *path, struct strbuf *err)
{
	struct sockaddr_un a;
	struct stat st;
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return strbuf_seterr(err, "the socket path %s is longer than a Unix socket's %zu bytes",
				     path, sizeof(a.sun_path) - 1);
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return strbuf_seterr(err, "socket: %s", strerror(errno));
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			close(fd);
			return strbuf_seterr(err, "%s exists and is not a socket; choose another --socket", path);
		}
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			close(fd);
			return strbuf_seterr(err, "another server listens on %s", path);
		}
		unlink(path);	/* a dead server's */
		close(fd);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	old = umask(0177);	/* 0600 from the start: no window for others */
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64)) {
		umask(old);
		strbuf_seterr(err, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	return fd;
}

/* A listening TCP socket on sin (port 0: any), sin updated to the port
 * bound; the socket, or -1 with err. */
int serve_listen_tcp(struct sockaddr_in *sin, struct strbuf *err)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return strbuf_seterr(err, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)sin, sizeof(*sin)) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)sin, &len)) {
		strbuf_seterr(err, "cannot listen on 127.0.0.1:%u: %s", ntohs(sin->sin_port),
			      strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The token: the file's first line, made (random, 0600) when missing. */
int serve_token_load(const char *file, char *token, size_t n, struct strbuf *err)
{
	unsigned char r[24];
	FILE *f;
	size_t i;
	int fd;

	if ((f = fopen(file, "r"))) {
		struct stat st;

		/* a token others can read is no one's secret (ssh refuses
		 * such keys too) */
		if (!fstat(fileno(f), &st) && (st.st_mode & 077)) {
			fclose(f);
			return strbuf_seterr(err, "the token file %s can be read by others (mode %03o); chmod 600 it, or remove it for a new one",
					     file, (unsigned)(st.st_mode & 0777));
		}
		if (!fgets(token, n, f))
			token[0] = '\0';
		fclose(f);
		token[strcspn(token, "\r\n")] = '\0';
		if (strlen(token) < 16)
			return strbuf_seterr(err, "the token in %s is shorter than 16 characters", file);
		return 0;
	}
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
		if (fd >= 0)
			close(fd);
		return strbuf_seterr(err, "cannot read /dev/urandom for a token");
	}
	close(fd);
	for (i = 0; i < sizeof(r); i++)
		snprintf(token + 2 * i, 3, "%02x", r[i]);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, token, strlen(token)) < 0 || write(fd, "\n", 1) < 0) {
		strbuf_seterr(err, "cannot write the token to %s: %s", file, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
