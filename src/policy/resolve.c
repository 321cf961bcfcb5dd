/*
 * resolve: paths as the kernel will find them.  See policy.h.
 *
 * `..` is applied after the component before it is resolved, as the
 * kernel does: with etclink -> /etc, `etclink/..` is `/`, not the
 * workspace.  Symbolic links are followed wherever they are (40 at most,
 * as the kernel allows), the part of the path that does not exist yet is
 * taken as written, and the magic links of /proc (fd/, cwd, root, exe)
 * are not followed: they would name archie's own files, not the
 * command's, so such paths stay under /proc, outside the workspace.
 */
#include "policy/policy.h"

#include "core/strbuf.h"
#include "policy/sensitive.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINKS_MAX 40

/* ~ and ~user at the start of arg, or the working directory. */
static void absolute(const struct policy *p, const char *cwd, const char *arg,
		     struct strbuf *abs)
{
	if (arg[0] == '~') {
		size_t n = strcspn(arg + 1, "/");

		if (!n) {
			strbuf_addstr(abs, p->home);
			strbuf_addstr(abs, arg + 1);
			return;
		} else {
			struct passwd pw, *res = NULL;
			char buf[4096], name[256];

			if (n < sizeof(name)) {
				memcpy(name, arg + 1, n);
				name[n] = '\0';
				if (!getpwnam_r(name, &pw, buf, sizeof(buf), &res) && res) {
					strbuf_addstr(abs, res->pw_dir);
					strbuf_addstr(abs, arg + 1 + n);
					return;
				}
			}
		}
	}
	if (arg[0] == '/') {
		strbuf_addstr(abs, arg);
		return;
	}
	strbuf_addstr(abs, cwd);
	strbuf_addch(abs, '/');
	strbuf_addstr(abs, arg);
}

static void pop(struct strbuf *out)
{
	char *slash = strrchr(out->buf, '/');

	strbuf_setlen(out, slash ? (size_t)(slash - out->buf) : 0);
}

void policy_resolve_path(const struct policy *p, const char *cwd,
			 const char *arg, struct strbuf *out)
{
	struct strbuf rest = STRBUF_INIT, res = STRBUF_INIT, next = STRBUF_INIT;
	int links = 0, exists = 1;

	absolute(p, cwd, arg, &rest);
	/* res: the resolved prefix, without a trailing slash ("" is /) */
	while (rest.len) {
		const char *s = rest.buf;
		size_t n;
		struct stat st;

		while (*s == '/')
			s++;
		n = strcspn(s, "/");
		strbuf_reset(&next);
		strbuf_add(&next, s, n);
		/* what remains after this component */
		{
			const char *after = s + n;
			size_t an = strlen(after);

			memmove(rest.buf, after, an + 1);
			strbuf_setlen(&rest, an);
		}
		if (!n || (n == 1 && next.buf[0] == '.'))
			continue;
		if (n == 2 && next.buf[0] == '.' && next.buf[1] == '.') {
			pop(&res);
			continue;
		}
		strbuf_addch(&res, '/');
		strbuf_add(&res, next.buf, next.len);
		if (!exists || sensitive_proc_magic(res.buf))
			continue;
		if (lstat(res.buf, &st)) {
			exists = 0;	/* the rest is taken as written */
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t tn = readlink(res.buf, target, sizeof(target) - 1);
			struct strbuf joined = STRBUF_INIT;

			if (tn < 0 || ++links > LINKS_MAX) {
				exists = 0;
				continue;
			}
			target[tn] = '\0';
			pop(&res);
			if (target[0] == '/')
				strbuf_reset(&res);
			strbuf_addf(&joined, "%s/%s", target, rest.buf);
			strbuf_reset(&rest);
			strbuf_add(&rest, joined.buf, joined.len);
			strbuf_release(&joined);
		}
	}
	strbuf_addstr(out, res.len ? res.buf : "/");
	strbuf_release(&rest);
	strbuf_release(&res);
	strbuf_release(&next);
}

static int under(const char *root, const char *path)
{
	size_t n = strlen(root);

	return !strncmp(path, root, n) && (path[n] == '/' || !path[n] || (n == 1 && root[0] == '/'));
}

int policy_inside(const struct policy *p, const char *path)
{
	size_t i;

	if (under(p->root, path))
		return 1;
	for (i = 0; i < p->extra_roots.nr; i++)
		if (under(p->extra_roots.v[i], path))
			return 1;
	return 0;
}
