/*
 * registry: the agent search path, loading, and override resolution.
 * See registry.h.
 */
#include "agent/registry.h"

#include "agent/agent.h"
#include "agent/builtin.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Agent directories nested deeper than this are not searched: it bounds
 * the walk even through a symlink loop. */
#define DIR_DEPTH_MAX 8

void agent_registry_init(struct agent_registry *reg)
{
	memset(reg, 0, sizeof(*reg));
	diag_list_init(&reg->diags);
}

void agent_registry_release(struct agent_registry *reg)
{
	size_t i, j;

	for (i = 0; i < reg->nr; i++) {
		agent_free(reg->entries[i].agent);
		for (j = 0; j < reg->entries[i].shadowed_nr; j++)
			agent_free(reg->entries[i].shadowed[j]);
		free(reg->entries[i].shadowed);
	}
	free(reg->entries);
	for (i = 0; i < reg->dirs_nr; i++)
		free(reg->dirs[i].path);
	free(reg->dirs);
	diag_list_release(&reg->diags);
	agent_registry_init(reg);
}

void agent_project_root(const char *cwd, struct strbuf *out)
{
	struct strbuf probe = STRBUF_INIT;
	char *dir = xstrdup(cwd);

	for (;;) {
		char *slash;

		strbuf_reset(&probe);
		file_join(&probe, dir, ".git");
		if (!access(probe.buf, F_OK)) {
			strbuf_addstr(out, dir);
			goto out;
		}
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
	}
	strbuf_addstr(out, cwd);
out:
	free(dir);
	strbuf_release(&probe);
}

static void add_dir(struct agent_registry *reg, const char *path,
		    const char *label)
{
	ALLOC_GROW(reg->dirs, reg->dirs_nr + 1, reg->dirs_alloc);
	reg->dirs[reg->dirs_nr].path = xstrdup(path);
	reg->dirs[reg->dirs_nr].label = label;
	reg->dirs_nr++;
}

static int is_agent_file(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.')
		return 0;
	/* A README in an agent folder documents the folder; it is not an
	 * agent.  (`agents validate README.md` still parses it if asked.) */
	if (!strcasecmp(name, "README.md"))
		return 0;
	return n > 3 && !strcasecmp(name + n - 3, ".md");
}

static void collect(const char *dir, int depth, struct strvec *files)
{
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	DIR *d;

	if (depth > DIR_DEPTH_MAX)
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		int is_dir, is_reg;

		if (de->d_name[0] == '.')
			continue;
		strbuf_reset(&path);
		file_join(&path, dir, de->d_name);
		/* the directory entry's type spares a stat per file; a link
		 * or a file system that does not say is stat'ed */
		if (de->d_type == DT_DIR || de->d_type == DT_REG) {
			is_dir = de->d_type == DT_DIR;
			is_reg = !is_dir;
		} else if (stat(path.buf, &st) == 0) {
			is_dir = S_ISDIR(st.st_mode);
			is_reg = S_ISREG(st.st_mode);
		} else {
			continue;
		}
		if (is_dir)
			collect(path.buf, depth + 1, files);
		else if (is_reg && is_agent_file(de->d_name))
			strvec_push(files, path.buf);
	}
	closedir(d);
	strbuf_release(&path);
}

/*
 * Loads files into an array of agents (NULL where a file has errors),
 * the diagnostics appended in file order.  A directory of hundreds of
 * agents is parsed by a few threads: the wall time before the first
 * request is what a user waits for.  Each file's diagnostics are its
 * own, so the result is the same as one thread's.
 */
struct load_job {
	const struct strvec *files;
	struct agent **got;
	struct diag_list *diags;	/* one per file */
	size_t next;			/* the next file to take */
	pthread_mutex_t lock;
};

static void *load_worker(void *arg)
{
	struct load_job *j = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->files->nr)
			return NULL;
		j->got[i] = agent_load_file(j->files->v[i], &j->diags[i]);
	}
}

#define LOAD_THREADS 4
#define LOAD_PER_THREAD 64	/* fewer files than this: one thread */

static struct agent **load_files(const struct strvec *files, struct diag_list *diags)
{
	struct load_job j;
	pthread_t tids[LOAD_THREADS];
	int started[LOAD_THREADS] = { 0 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t i, n = files->nr / LOAD_PER_THREAD;

	memset(&j, 0, sizeof(j));
	j.files = files;
	j.got = xcalloc(files->nr ? files->nr : 1, sizeof(*j.got));
	j.diags = xcalloc(files->nr ? files->nr : 1, sizeof(*j.diags));
	pthread_mutex_init(&j.lock, NULL);
	if (n > LOAD_THREADS - 1)
		n = LOAD_THREADS - 1;
	if (cpus > 0 && n > (size_t)cpus - 1)
		n = cpus > 1 ? (size_t)cpus - 1 : 0;
	for (i = 0; i < n; i++)
		started[i] = !pthread_create(&tids[i], NULL, load_worker, &j);
	load_worker(&j);
	for (i = 0; i < n; i++)
		if (started[i])
			pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&j.lock);
	for (i = 0; i < files->nr; i++)
		diag_list_move(diags, &j.diags[i]);
	free(j.diags);
	return j.got;
}

/* For each position of list, the earlier position holding the same name,
 * or (size_t)-1 (NULL entries skipped); the caller frees it.  Sorted, not
 * compared pair by pair: a directory may hold hundreds of agents. */
struct name_at {
	const char *name;
	size_t pos;
};

static int cmp_name_at(const void *pa, const void *pb)
{
	const struct name_at *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

static size_t *first_of_name(struct agent **list, size_t nr)
{
	struct name_at *v = xcalloc(nr ? nr : 1, sizeof(*v));
	size_t *first = xcalloc(nr ? nr : 1, sizeof(*first)), i, n = 0;

	for (i = 0; i < nr; i++) {
		first[i] = (size_t)-1;
		if (list[i]) {
			v[n].name = list[i]->name;
			v[n++].pos = i;
		}
	}
	qsort(v, n, sizeof(*v), cmp_name_at);
	for (i = 1; i < n; i++)
		if (!strcmp(v[i].name, v[i - 1].name))
			first[v[i].pos] = first[v[i - 1].pos] != (size_t)-1 ? first[v[i - 1].pos] : v[i - 1].pos;
	free(v);
	return first;
}

void agent_registry_check_duplicates(struct agent **list, size_t nr,
				     struct diag_list *diags)
{
	size_t *first = first_of_name(list, nr), i;

	for (i = 0; i < nr; i++) {
		struct agent *a = list[i];

		if (first[i] == (size_t)-1)
			continue;
		diag_add(diags, DIAG_ERROR, a->path, a->name_line ? a->name_line : 1,
			 a->name_line ? a->name_col : 1,
			 "duplicate agent name '%s': also defined in %s; rename one of them",
			 a->name, list[first[i]]->path);
	}
	free(first);
}

size_t agent_registry_load_dir(const char *dir, struct agent ***out, size_t *nr,
			       size_t *alloc, struct diag_list *diags)
{
	struct strvec files = STRVEC_INIT;
	size_t i, j, start = *nr, nfiles;

	collect(dir, 0, &files);
	strvec_sort(&files);
	{
		struct agent **got = load_files(&files, diags);

		for (i = 0; i < files.nr; i++) {
			log_debug("agents", "%s: %s", files.v[i], got[i] ? got[i]->name : "(errors)");
			if (!got[i])
				continue;
			ALLOC_GROW(*out, *nr + 1, *alloc);
			(*out)[(*nr)++] = got[i];
		}
		free(got);
	}
	nfiles = files.nr;
	strvec_release(&files);

	/* Within one directory a name must be unique: report the later
	 * files and keep the first, so the result does not depend on which
	 * duplicate happens to load last. */
	agent_registry_check_duplicates(*out + start, *nr - start, diags);
	{
		size_t *first = first_of_name(*out + start, *nr - start);

		for (i = start; i < *nr; i++)
			if (first[i - start] != (size_t)-1) {
				agent_free((*out)[i]);
				(*out)[i] = NULL;
			}
		free(first);
	}
	for (i = j = start; i < *nr; i++)
		if ((*out)[i])
			(*out)[j++] = (*out)[i];
	*nr = j;
	return nfiles;
}

static struct agent_entry *find_entry(struct agent_registry *reg,
				      const char *name)
{
	size_t i;

	for (i = 0; i < reg->nr; i++)
		if (!strcmp(reg->entries[i].agent->name, name))
			return &reg->entries[i];
	return NULL;
}

/* The entries by name while a registry loads: open addressing over
 * entry positions, so hundreds of agents are not compared pairwise. */
struct name_index {
	size_t *slot;		/* position + 1; 0: empty */
	size_t cap;		/* a power of two */
};

static size_t name_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static struct agent_entry *index_find(struct agent_registry *reg, struct name_index *ix,
				      const char *name, size_t **hole)
{
	size_t i = name_hash(name) & (ix->cap - 1);

	while (ix->slot[i]) {
		struct agent_entry *e = &reg->entries[ix->slot[i] - 1];

		if (!strcmp(e->agent->name, name))
			return e;
		i = (i + 1) & (ix->cap - 1);
	}
	*hole = &ix->slot[i];
	return NULL;
}

static void index_grow(struct agent_registry *reg, struct name_index *ix)
{
	size_t i, *hole;

	if (ix->cap && reg->nr * 2 < ix->cap)
		return;
	free(ix->slot);
	ix->cap = ix->cap ? ix->cap * 2 : 64;
	while (ix->cap < reg->nr * 2 + 2)
		ix->cap *= 2;
	ix->slot = xcalloc(ix->cap, sizeof(*ix->slot));
	for (i = 0; i < reg->nr; i++)
		if (!index_find(reg, ix, reg->entries[i].agent->name, &hole))
			*hole = i + 1;
}

static void add_agent(struct agent_registry *reg, struct name_index *ix, struct agent *a,
		      size_t dir)
{
	size_t *hole = NULL;
	struct agent_entry *e;

	index_grow(reg, ix);
	e = index_find(reg, ix, a->name, &hole);

	if (e) {
		log_debug("agents", "%s overrides %s", a->path, e->agent->path);
		ALLOC_GROW(e->shadowed, e->shadowed_nr + 1, e->shadowed_alloc);
		e->shadowed[e->shadowed_nr++] = e->agent;
		e->agent = a;
		e->dir = dir;
		return;
	}
	ALLOC_GROW(reg->entries, reg->nr + 1, reg->alloc);
	e = &reg->entries[reg->nr++];
	memset(e, 0, sizeof(*e));
	e->agent = a;
	e->dir = dir;
	*hole = reg->nr;
}

static void load_builtins(struct agent_registry *reg, struct name_index *ix)
{
	struct strbuf path = STRBUF_INIT;
	size_t i;

	add_dir(reg, "builtin", "builtin");
	for (i = 0; i < builtin_agent_files_nr; i++) {
		const struct builtin_file *f = &builtin_agent_files[i];
		struct agent *a;

		strbuf_reset(&path);
		strbuf_addf(&path, "builtin/%s", f->name);
		reg->files++;
		a = agent_parse(path.buf, f->data, f->len, &reg->diags);
		if (!a)
			continue;
		a->builtin = 1;
		a->format = "archie";
		free(a->path);
		a->path = xstrdup(path.buf);
		add_agent(reg, ix, a, reg->dirs_nr - 1);
	}
	strbuf_release(&path);
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct agent_entry *a = pa, *b = pb;

	return strcmp(a->agent->name, b->agent->name);
}

int agent_registry_load(struct agent_registry *reg,
			const struct agent_search *search, struct strbuf *err)
{
	static const char *const project_dirs[] = {
		".claude/agents", ".opencode/agent", ".opencode/agents",
		".gemini/agents", ".archie/agents",
	};
	struct strbuf root = STRBUF_INIT, p = STRBUF_INIT;
	char cwdbuf[PATH_MAX];
	const char *cwd = search->cwd, *home, *config;
	struct name_index ix = { NULL, 0 };
	size_t i, first_dir;
	int rc = -1;

	if (!cwd) {
		if (!getcwd(cwdbuf, sizeof(cwdbuf))) {
			strbuf_seterr(err, "cannot get the working directory: %s",
				      strerror(errno));
			goto out;
		}
		cwd = cwdbuf;
	}
	if (!search->no_builtin)
		load_builtins(reg, &ix);

	first_dir = reg->dirs_nr;
	home = search->home ? search->home : getenv("HOME");
	config = search->config_home ? search->config_home
				     : getenv("XDG_CONFIG_HOME");
	if (config && *config) {
		file_join(&p, config, "archie/agents");
		add_dir(reg, p.buf, "user");
	} else if (home && *home) {
		file_join(&p, home, ".config/archie/agents");
		add_dir(reg, p.buf, "user");
	}
	agent_project_root(cwd, &root);
	for (i = 0; i < ARRAY_SIZE(project_dirs); i++) {
		strbuf_reset(&p);
		file_join(&p, root.buf, project_dirs[i]);
		add_dir(reg, p.buf, "project");
		/* after .opencode/agents: opencode.json's own agents */
		if (!strcmp(project_dirs[i], ".opencode/agents")) {
			strbuf_reset(&p);
			file_join(&p, root.buf, "opencode.json");
			add_dir(reg, p.buf, "project");
			strbuf_reset(&p);
			file_join(&p, root.buf, "opencode.jsonc");
			add_dir(reg, p.buf, "project");
		}
	}
	for (i = 0; search->extra_dirs && i < search->extra_dirs->nr; i++) {
		if (!file_is_dir(search->extra_dirs->v[i])) {
			strbuf_seterr(err, "--agents-dir %s: not a directory",
				      search->extra_dirs->v[i]);
			goto out;
		}
		add_dir(reg, search->extra_dirs->v[i], "flag");
	}

	for (i = first_dir; i < reg->dirs_nr; i++) {
		struct agent **list = NULL;
		size_t nr = 0, alloc = 0, j;

		size_t pl = strlen(reg->dirs[i].path);

		if (pl > 5 && (!strcmp(reg->dirs[i].path + pl - 5, ".json") ||
			       !strcmp(reg->dirs[i].path + pl - 6, ".jsonc")))
			reg->files += (size_t)agent_load_opencode_json(reg->dirs[i].path, &list, &nr,
								       &alloc, &reg->diags);
		else
			reg->files += agent_registry_load_dir(reg->dirs[i].path, &list,
							      &nr, &alloc, &reg->diags);
		for (j = 0; j < nr; j++)
			add_agent(reg, &ix, list[j], i);
		free(list);
	}
	if (reg->nr > 1)
		qsort(reg->entries, reg->nr, sizeof(*reg->entries), cmp_entry);
	rc = 0;
out:
	free(ix.slot);
	strbuf_release(&root);
	strbuf_release(&p);
	return rc;
}

const struct agent_entry *agent_registry_entry(const struct agent_registry *reg,
					       const char *name)
{
	return find_entry((struct agent_registry *)reg, name);
}

const struct agent *agent_registry_find(const struct agent_registry *reg,
					const char *name)
{
	const struct agent_entry *e = agent_registry_entry(reg, name);

	return e ? e->agent : NULL;
}
