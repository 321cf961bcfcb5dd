/*
 * gitsafe: git with the repository's programs switched off.  See gitsafe.h.
 */
#include "policy/gitsafe.h"

#include "core/fileio.h"
#include "core/strbuf.h"
#include "policy/childenv.h"

#include <ctype.h>
#include <string.h>

#define CONFIG_MAX ((size_t)1 << 20)

/* The repository's git directories: .git, or where a .git file points
 * (worktrees), and its common directory. */
static void git_dirs(const char *root, struct strvec *dirs)
{
	struct strbuf p = STRBUF_INIT, data = STRBUF_INIT, err = STRBUF_INIT;

	file_join(&p, root, ".git");
	if (file_is_dir(p.buf)) {
		strvec_push(dirs, p.buf);
	} else if (!file_read(p.buf, 4096, &data, &err) && !strncmp(data.buf, "gitdir: ", 8)) {
		struct strbuf gd = STRBUF_INIT, common = STRBUF_INIT;

		strbuf_trim(&data);
		if (data.buf[8] == '/')
			strbuf_addstr(&gd, data.buf + 8);
		else
			file_join(&gd, root, data.buf + 8);
		strvec_push(dirs, gd.buf);
		strbuf_reset(&p);
		file_join(&p, gd.buf, "commondir");
		strbuf_reset(&data);
		if (!file_read(p.buf, 4096, &data, &err)) {
			strbuf_trim(&data);
			if (data.buf[0] == '/')
				strbuf_addstr(&common, data.buf);
			else
				file_join(&common, gd.buf, data.buf);
			strvec_push(dirs, common.buf);
		}
		strbuf_release(&gd);
		strbuf_release(&common);
	}
	strbuf_release(&p);
	strbuf_release(&data);
	strbuf_release(&err);
}

/* [filter "NAME"] sections: each driver gets harmless programs. */
static int scan_config(const char *text, struct strvec *argv, struct strbuf *why)
{
	const char *p = text;

	while ((p = strchr(p, '[')) != NULL) {
		const char *q = p + 1, *e;

		while (*q == ' ' || *q == '\t')
			q++;
		if (!strncasecmp(q, "include", 7)) {
			strbuf_addstr(why, "the repository's git config includes other files");
			return -1;
		}
		if (!strncasecmp(q, "filter", 6) && (q[6] == ' ' || q[6] == '\t' || q[6] == '"')) {
			q += 6;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '"' && (e = strchr(q + 1, '"')) != NULL) {
				struct strbuf name = STRBUF_INIT;

				strbuf_add(&name, q + 1, (size_t)(e - q - 1));
				strvec_push(argv, "-c");
				strvec_pushf(argv, "filter.%s.clean=cat", name.buf);
				strvec_push(argv, "-c");
				strvec_pushf(argv, "filter.%s.smudge=cat", name.buf);
				strvec_push(argv, "-c");
				strvec_pushf(argv, "filter.%s.process=", name.buf);
				strvec_push(argv, "-c");
				strvec_pushf(argv, "filter.%s.required=false", name.buf);
				strbuf_release(&name);
			}
		}
		p++;
	}
	return 0;
}

int gitsafe_prepare(const char *root, struct strvec *argv, struct strvec *env,
		    struct strbuf *why)
{
	static const char *const off[] = {
		"core.fsmonitor=false", "core.hooksPath=/dev/null", "core.pager=cat",
		"diff.external=", "core.untrackedCache=false", "core.attributesFile=/dev/null",
		"core.sshCommand=false", "credential.helper=", "gpg.program=false",
		"protocol.allow=never", "log.showSignature=false", NULL,
	};
	struct strvec dirs = STRVEC_INIT, all = STRVEC_INIT;
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT, p = STRBUF_INIT;
	size_t i;
	int rc = 0;

	strvec_push(argv, "git");
	strvec_push(argv, "--no-optional-locks");
	for (i = 0; off[i]; i++) {
		strvec_push(argv, "-c");
		strvec_push(argv, off[i]);
	}
	git_dirs(root, &dirs);
	for (i = 0; i < dirs.nr && !rc; i++) {
		strbuf_reset(&p);
		strbuf_reset(&data);
		file_join(&p, dirs.v[i], "config");
		if (!file_read(p.buf, CONFIG_MAX, &data, &err))
			rc = scan_config(data.buf, argv, why);
		strbuf_reset(&p);
		file_join(&p, dirs.v[i], "config.worktree");
		strbuf_reset(&data);
		if (!rc && !file_read(p.buf, CONFIG_MAX, &data, &err))
			rc = scan_config(data.buf, argv, why);
	}
	/* no GIT_* from archie's environment (GIT_EXTERNAL_DIFF,
	 * GIT_CONFIG_PARAMETERS, GIT_DIR...) */
	childenv_build(&all, NULL);
	for (i = 0; i < all.nr; i++)
		if (strncmp(all.v[i], "GIT_", 4))
			strvec_push(env, all.v[i]);
	strvec_release(&all);
	strvec_release(&dirs);
	strbuf_release(&data);
	strbuf_release(&err);
	strbuf_release(&p);
	return rc;
}
