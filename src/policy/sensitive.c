/*
 * sensitive: secrets and protected paths.  See sensitive.h.
 */
#include "policy/sensitive.h"

#include "core/glob.h"

#include <stdio.h>
#include <string.h>

static const char *const secret_names[] = {
	".env", ".env.*", "*.env", "*.pem", "*.key", "id_rsa", "id_dsa", "id_ecdsa",
	"id_ed25519", "id_ecdsa_sk", "id_ed25519_sk", "*.p12", "*.pfx",
	".netrc", "_netrc", ".pgpass", ".git-credentials", "*.keystore", "*.jks",
	"credentials.json", "service-account*.json", ".htpasswd",
	"*.tfstate", "*.tfstate.backup", ".vault-token", "secrets.y*ml",
	NULL,
};

/* Templates that hold no values, by convention. */
static const char *const not_secret[] = {
	".env.example", ".env.sample", ".env.template", ".env.dist",
	".env.defaults", ".env.schema", "example.env", "sample.env",
	NULL,
};

static const char *const home_secrets[] = {
	".ssh", ".aws", ".gnupg", ".config/gcloud", ".kube", ".azure",
	".docker/config.json", ".config/gh", ".npmrc", ".pypirc",
	".password-store", ".local/share/keyrings", ".config/op",
	".terraform.d/credentials.tfrc.json", ".cargo/credentials",
	".cargo/credentials.toml", ".gem/credentials", ".config/hub",
	".m2/settings.xml", ".vault-token", ".config/archie/credentials",
	NULL,
};

/* In a workspace: any component with these names (".git" in a nested
 * repository too). */
static const char *const protected_names[] = {
	".git", ".archie", ".claude", ".mcp.json", ".opencode", "opencode.json",
	"opencode.jsonc", ".gemini", ".codex", ".vscode", ".envrc", ".husky",
	NULL,
};

/* In home: what a shell, git or an agent runtime runs or loads by itself. */
static const char *const home_protected[] = {
	".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshrc",
	".zprofile", ".zshenv", ".bash_logout", ".gitconfig", ".config/git",
	".claude", ".claude.json", ".config/archie", ".config/opencode",
	".gemini", ".codex", ".local/bin", ".ssh", ".config/systemd",
	".config/autostart", ".mcp.json",
	NULL,
};

const char *const *sensitive_secret_patterns(void)
{
	return secret_names;
}

const char *const *sensitive_not_secret_names(void)
{
	return not_secret;
}

int sensitive_secret_name(const char *name)
{
	size_t i;

	for (i = 0; not_secret[i]; i++)
		if (!strcmp(name, not_secret[i]))
			return 0;
	for (i = 0; secret_names[i]; i++)
		if (glob_match(secret_names[i], name, 0))
			return 1;
	return 0;
}

int sensitive_secret_dir_name(const char *name)
{
	static const char *const dirs[] = {
		".ssh", ".aws", ".gnupg", ".kube", ".azure", ".password-store", NULL,
	};
	size_t i;

	for (i = 0; dirs[i]; i++)
		if (!strcmp(name, dirs[i]))
			return 1;
	return 0;
}

/* 1 if path is dir or under it (dir given without a trailing slash). */
static int under(const char *path, const char *dir, size_t n)
{
	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/* 1 if path is under home/rel for one rel of list. */
static int under_home(const char *home, const char *path, const char *const *list)
{
	size_t hn = strlen(home), i;

	if (!hn || strncmp(path, home, hn) || path[hn] != '/')
		return 0;
	for (i = 0; list[i]; i++)
		if (under(path + hn + 1, list[i], strlen(list[i])))
			return 1;
	return 0;
}

int sensitive_proc_magic(const char *path)
{
	const char *p;

	if (!strncmp(path, "/dev/fd/", 8) || !strcmp(path, "/dev/fd"))
		return 1;
	if (strncmp(path, "/proc/", 6))
		return 0;
	p = path + 6;
	p += strcspn(p, "/");	/* PID, self, thread-self */
	if (*p != '/')
		return 0;
	p++;
	if (!strncmp(p, "task/", 5)) {	/* /proc/PID/task/TID/... */
		p += 5;
		p += strcspn(p, "/");
		if (*p != '/')
			return 0;
		p++;
	}
	return under(p, "fd", 2) || under(p, "root", 4) || under(p, "cwd", 3) ||
	       under(p, "exe", 3) || under(p, "map_files", 9) || under(p, "environ", 7) ||
	       under(p, "mem", 3) || under(p, "fdinfo", 6);
}

int sensitive_secret(const char *home, const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (sensitive_secret_name(base))
		return 1;
	if (under_home(home, path, home_secrets))
		return 1;
	/* any user's home, not only archie's own (~root/.aws, /home/x/.ssh) */
	if (!strncmp(path, "/root/", 6) && under_home("/root", path, home_secrets))
		return 1;
	if (!strncmp(path, "/home/", 6)) {
		const char *u = path + 6, *e = strchr(u, '/');

		if (e) {
			char h[512];

			snprintf(h, sizeof(h), "%.*s", (int)(e - path), path);
			if (under_home(h, path, home_secrets))
				return 1;
		}
	}
	/* another process's environment, or its memory */
	if (!strncmp(path, "/proc/", 6)) {
		size_t n = strlen(path);

		if ((n >= 8 && !strcmp(path + n - 8, "/environ")) ||
		    (n >= 4 && !strcmp(path + n - 4, "/mem")))
			return 1;
	}
	return 0;
}

int sensitive_protected(const char *home, const char *root, const char *path)
{
	size_t rn = strlen(root);

	if (under_home(home, path, home_protected))
		return 1;
	if (!strncmp(path, root, rn) && (path[rn] == '/' || (rn == 1 && root[0] == '/'))) {
		const char *s = path + rn;

		/* any component of the path inside the workspace */
		while (*s) {
			size_t n, i;

			while (*s == '/')
				s++;
			n = strcspn(s, "/");
			for (i = 0; n && protected_names[i]; i++)
				if (strlen(protected_names[i]) == n &&
				    !strncmp(s, protected_names[i], n))
					return 1;
			s += n;
		}
	}
	return 0;
}

const char *const *sensitive_protected_names(void)
{
	return protected_names;
}

const char *const *sensitive_home_secrets(void)
{
	return home_secrets;
}
