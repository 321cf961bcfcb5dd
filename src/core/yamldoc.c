/*
 * yamldoc: libfyaml with located diagnostics and core-schema scalars.
 * See yamldoc.h.
 */
#include "core/yamldoc.h"

#include "core/diag.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JSON_DEPTH_MAX 32

/* ---- parsing ------------------------------------------------------------- */

/*
 * YAML forbids tabs in indentation, and a tab there makes libfyaml report
 * something obscure on another line ("invalid multiline plain key").  When
 * the parse fails, a line indented with a tab is the likely cause: point at
 * the tab itself.
 */
static int tab_indent_error(const struct yamldoc *yd, const char *yaml,
			    size_t len, struct diag_list *diags)
{
	size_t i = 0;
	int line = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && yaml[j] == ' ')
			j++;
		if (j < len && yaml[j] == '\t')
			return diag_add(diags, DIAG_ERROR, yd->path,
					yd->line_base + line, (int)(j - i) + 1,
					"invalid YAML in %s: a tab is used for indentation; indent with spaces",
					yd->what);
		while (i < len && yaml[i] != '\n')
			i++;
		i++;
		line++;
	}
	return 0;
}

/* The first error libfyaml collected, as a located diagnostic. */
static int syntax_error(const struct yamldoc *yd, struct fy_diag *diag,
			struct diag_list *diags)
{
	struct fy_diag_error *e;
	void *it = NULL;

	while ((e = fy_diag_errors_iterate(diag, &it)) != NULL) {
		if (e->type < FYET_ERROR)
			continue;
		/* libfyaml's collected positions count from 1 (its
		 * struct fy_mark counts from 0). */
		return diag_add(diags, DIAG_ERROR, yd->path,
				yd->line_base + (e->line > 0 ? e->line - 1 : 0),
				e->column > 0 ? e->column : 1,
				"invalid YAML in %s: %s", yd->what, e->msg);
	}
	return diag_add(diags, DIAG_ERROR, yd->path, yd->line_base, 1,
			"invalid YAML in %s", yd->what);
}

/* The earlier of each pair of equal top-level keys, removed with a
 * warning (YAMLDOC_LAST_KEY_WINS).  Sorted, not compared pair by pair: a
 * hostile file may repeat a key a hundred thousand times. */
struct key_at {
	char *text;
	struct fy_node_pair *pair;
	size_t order;
};

static int key_at_cmp(const void *a, const void *b)
{
	const struct key_at *x = a, *y = b;
	int c = strcmp(x->text, y->text);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static void drop_repeated_keys(struct yamldoc *yd, struct diag_list *diags)
{
	struct key_at *keys = NULL;
	struct fy_node_pair *p;
	void *it = NULL;
	size_t nr = 0, alloc = 0, i;

	while ((p = fy_node_mapping_iterate(yd->root, &it)) != NULL) {
		char *text = yamldoc_scalar_dup(fy_node_pair_key(p));

		if (!text)
			continue;
		ALLOC_GROW(keys, nr + 1, alloc);
		keys[nr].text = text;
		keys[nr].pair = p;
		keys[nr].order = nr;
		nr++;
	}
	if (nr > 1)
		qsort(keys, nr, sizeof(*keys), key_at_cmp);
	for (i = 0; i + 1 < nr; i++) {
		int line, col, lline, lcol;

		if (strcmp(keys[i].text, keys[i + 1].text))
			continue;
		yamldoc_node_pos(yd, fy_node_pair_key(keys[i].pair), NULL, &line, &col);
		yamldoc_node_pos(yd, fy_node_pair_key(keys[i + 1].pair), NULL, &lline, &lcol);
		diag_add(diags, DIAG_WARNING, yd->path, line, col,
			 "'%s' is given again at line %d, whose value is used (as Claude Code does); remove one",
			 keys[i].text, lline);
		fy_node_mapping_remove(yd->root, keys[i].pair);
	}
	for (i = 0; i < nr; i++)
		free(keys[i].text);
	free(keys);
}

int yamldoc_parse(struct yamldoc *yd, const char *path, const char *what,
		  const char *yaml, size_t len, int line_base,
		  struct diag_list *diags)
{
	return yamldoc_parse_opts(yd, path, what, yaml, len, line_base, 0, diags);
}

/* JSONC made JSON in place: comments and trailing commas become
 * spaces, newlines stay, so every position is still right. */
static void jsonc_clean(char *s, size_t n)
{
	size_t i, k;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		if (in_str) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			else if (s[i] == '"')
				in_str = 0;
			continue;
		}
		if (s[i] == '"') {
			in_str = 1;
		} else if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') {
			for (; i < n && s[i] != '\n'; i++)
				s[i] = ' ';
		} else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
			for (; i < n && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/'); i++)
				if (s[i] != '\n')
					s[i] = ' ';
			if (i < n)
				s[i] = ' ';
			if (i + 1 < n)
				s[++i] = ' ';
		} else if (s[i] == ',') {
			for (k = i + 1; k < n && strchr(" \t\r\n", s[k]); k++)
				;
			if (k < n && (s[k] == '}' || s[k] == ']'))
				s[i] = ' ';
		}
	}
}

int yamldoc_parse_opts(struct yamldoc *yd, const char *path, const char *what,
		       const char *yaml, size_t len, int line_base, unsigned opts,
		       struct diag_list *diags)
{
	char *clean = NULL;
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg cfg;
	struct fy_diag *diag;
	struct fy_node *root;
	int rc = -1;

	memset(yd, 0, sizeof(*yd));
	yd->path = path;
	yd->what = what;
	yd->line_base = line_base;
	if ((opts & YAMLDOC_JSONC) == YAMLDOC_JSONC) {
		clean = xmemdupz(yaml, len);
		jsonc_clean(clean, len);
		yaml = clean;
	}
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (!diag) {
		free(clean);
		return diag_add(diags, DIAG_ERROR, path, 0, 0,
				"cannot create the YAML diagnostics object");
	}
	fy_diag_set_collect_errors(diag, true);

	memset(&cfg, 0, sizeof(cfg));
	/* No RESOLVE: aliases stay aliases, so a billion-laughs document
	 * costs nothing, and an alias is reported as the wrong type. */
	cfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2;
	if (opts & YAMLDOC_LAST_KEY_WINS)
		cfg.flags |= FYPCF_ALLOW_DUPLICATE_KEYS;
	if (opts & YAMLDOC_JSON)
		cfg.flags |= FYPCF_JSON_FORCE;
	cfg.diag = diag;
	yd->doc = fy_document_build_from_string(&cfg, yaml, len);
	if (!yd->doc) {
		if (!tab_indent_error(yd, yaml, len, diags))
			syntax_error(yd, diag, diags);
		goto out;
	}
	root = fy_document_root(yd->doc);
	if (root && fy_node_get_type(root) == FYNT_MAPPING) {
		yd->root = root;
		if (opts & YAMLDOC_LAST_KEY_WINS)
			drop_repeated_keys(yd, diags);
	} else if (root && !yamldoc_is_null(root)) {
		int line, col;

		yamldoc_node_pos(yd, root, NULL, &line, &col);
		diag_add(diags, DIAG_ERROR, path, line ? line : line_base,
			 col ? col : 1,
			 "%s must be a mapping of keys to values (key: value), not %s",
			 what, yamldoc_type_name(root));
		goto out;
	}
	rc = 0;
out:
	if (rc) {
		yamldoc_release(yd);
		free(clean);
	} else {
		yd->text = clean;
	}
	fy_diag_destroy(diag);
	return rc;
}

void yamldoc_release(struct yamldoc *yd)
{
	if (yd->doc)
		fy_document_destroy(yd->doc);
	yd->doc = NULL;
	yd->root = NULL;
	free(yd->text);
	yd->text = NULL;
}

static struct fy_node *first_scalar(struct fy_node *n, int depth)
{
	void *it = NULL;

	if (!n || depth > 64)
		return NULL;
	if (fy_node_get_type(n) == FYNT_SCALAR)
		return n;
	if (fy_node_get_type(n) == FYNT_SEQUENCE) {
		struct fy_node *c, *s;

		while ((c = fy_node_sequence_iterate(n, &it)) != NULL)
			if ((s = first_scalar(c, depth + 1)) != NULL)
				return s;
	} else {
		struct fy_node_pair *pr;
		struct fy_node *s;

		while ((pr = fy_node_mapping_iterate(n, &it)) != NULL)
			if ((s = first_scalar(fy_node_pair_key(pr), depth + 1)) ||
			    (s = first_scalar(fy_node_pair_value(pr), depth + 1)))
				return s;
	}
	return NULL;
}

static int scalar_pos(const struct yamldoc *yd, struct fy_node *n, int *line,
		      int *col)
{
	struct fy_token *tok;
	const struct fy_mark *m;

	if (!n)
		return -1;
	tok = fy_node_get_scalar_token(n);
	if (!tok)
		return -1;
	m = fy_token_start_mark(tok);
	if (!m)
		return -1;
	*line = yd->line_base + m->line;
	*col = m->column + 1;
	/* libfyaml marks a quoted scalar after its opening quote; point at
	 * the quote, where the value starts for a reader. */
	if ((fy_node_get_style(n) == FYNS_SINGLE_QUOTED ||
	     fy_node_get_style(n) == FYNS_DOUBLE_QUOTED) && *col > 1)
		(*col)--;
	return 0;
}

void yamldoc_node_pos(const struct yamldoc *yd, struct fy_node *node,
		      struct fy_node *fallback, int *line, int *col)
{
	*line = *col = 0;
	if (!scalar_pos(yd, first_scalar(node, 0), line, col))
		return;
	scalar_pos(yd, first_scalar(fallback, 0), line, col);
}

/* ---- scalars ------------------------------------------------------------- */

static int all_chars(const char *s, size_t n, const char *set)
{
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return 0;
	return 1;
}

static int is_float(const char *s, size_t n)
{
	size_t i = 0, digits = 0;

	if (n && (s[0] == '-' || s[0] == '+'))
		i++;
	if (n - i == 4 && (!strncmp(s + i, ".inf", 4) || !strncmp(s + i, ".Inf", 4) ||
			   !strncmp(s + i, ".INF", 4)))
		return 1;
	if (n == 4 && (!strncmp(s, ".nan", 4) || !strncmp(s, ".NaN", 4) ||
		       !strncmp(s, ".NAN", 4)))
		return 1;
	while (i < n && isdigit((unsigned char)s[i]))
		i++, digits++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && isdigit((unsigned char)s[i]))
			i++, digits++;
	}
	if (!digits)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		return all_chars(s + i, n - i, "0123456789");
	}
	return i == n;
}

enum yamldoc_scalar yamldoc_classify(struct fy_node *n)
{
	size_t len;
	const char *s;
	int sign;

	if (!n || fy_node_get_type(n) != FYNT_SCALAR ||
	    fy_node_get_style(n) != FYNS_PLAIN)
		return YAMLDOC_STRING;
	s = fy_node_get_scalar(n, &len);
	if (!len || (len == 1 && s[0] == '~') ||
	    (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) ||
			  !memcmp(s, "NULL", 4))))
		return YAMLDOC_NULL;
	if (len == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4) ||
			 !memcmp(s, "TRUE", 4)))
		return YAMLDOC_TRUE;
	if (len == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5) ||
			 !memcmp(s, "FALSE", 5)))
		return YAMLDOC_FALSE;
	sign = s[0] == '-' || s[0] == '+';
	if (all_chars(s + sign, len - (size_t)sign, "0123456789") ||
	    (len > 2 && !memcmp(s, "0x", 2) &&
	     all_chars(s + 2, len - 2, "0123456789abcdefABCDEF")) ||
	    (len > 2 && !memcmp(s, "0o", 2) && all_chars(s + 2, len - 2, "01234567")))
		return YAMLDOC_INT;
	if (is_float(s, len))
		return YAMLDOC_FLOAT;
	return YAMLDOC_STRING;
}

int yamldoc_is_null(struct fy_node *n)
{
	return !n || (fy_node_get_type(n) == FYNT_SCALAR && !fy_node_is_alias(n) &&
		      yamldoc_classify(n) == YAMLDOC_NULL);
}

const char *yamldoc_type_name(struct fy_node *n)
{
	size_t len;
	const char *s;

	if (!n)
		return "nothing";
	if (fy_node_is_alias(n))
		return "a YAML alias";
	switch (fy_node_get_type(n)) {
	case FYNT_SEQUENCE:
		return "a list";
	case FYNT_MAPPING:
		return "a map";
	default:
		break;
	}
	switch (yamldoc_classify(n)) {
	case YAMLDOC_NULL:
		return "an empty value";
	case YAMLDOC_TRUE:
	case YAMLDOC_FALSE:
		return "a boolean";
	case YAMLDOC_INT:
		return "an integer";
	case YAMLDOC_FLOAT:
		return "a number";
	default:
		break;
	}
	s = fy_node_get_scalar(n, &len);
	/* YAML 1.1 booleans are strings in YAML 1.2. */
	if (fy_node_get_style(n) == FYNS_PLAIN &&
	    ((len == 3 && !strncasecmp(s, "yes", 3)) ||
	     (len == 2 && !strncasecmp(s, "no", 2)) ||
	     (len == 2 && !strncasecmp(s, "on", 2)) ||
	     (len == 3 && !strncasecmp(s, "off", 3))))
		return "a string (YAML 1.2 booleans are true and false)";
	return "a string";
}

char *yamldoc_scalar_dup(struct fy_node *n)
{
	size_t len;
	const char *s;

	if (!n || fy_node_get_type(n) != FYNT_SCALAR || fy_node_is_alias(n))
		return NULL;
	s = fy_node_get_scalar(n, &len);
	return xmemdupz(s ? s : "", s ? len : 0);
}

static json_t *number_json(struct fy_node *n, enum yamldoc_scalar ys)
{
	size_t len;
	const char *s = fy_node_get_scalar(n, &len);
	char *tmp = xmemdupz(s, len);
	json_t *j = NULL;

	errno = 0;
	if (ys == YAMLDOC_INT && s[0] != '0') {
		long long v = strtoll(tmp, NULL, 10);

		if (!errno)
			j = json_integer(v);
	} else if (ys == YAMLDOC_FLOAT) {
		double v = strtod(tmp, NULL);

		if (isfinite(v))
			j = json_real(v);
	}
	free(tmp);
	return j ? j : json_stringn(s, len);
}

static json_t *to_json(struct fy_node *n, int depth)
{
	void *it = NULL;
	json_t *j;
	size_t len;
	const char *s;

	if (!n)
		return json_null();
	if (depth > JSON_DEPTH_MAX)
		return json_string("(nested too deeply to show)");
	if (fy_node_is_alias(n)) {
		struct strbuf sb = STRBUF_INIT;

		s = fy_node_get_scalar(n, &len);
		strbuf_addch(&sb, '*');
		strbuf_add(&sb, s ? s : "", s ? len : 0);
		j = json_string(sb.buf);
		strbuf_release(&sb);
		return j;
	}
	if (fy_node_get_type(n) == FYNT_SEQUENCE) {
		struct fy_node *c;

		j = json_array();
		while ((c = fy_node_sequence_iterate(n, &it)) != NULL)
			json_array_append_new(j, to_json(c, depth + 1));
		return j;
	}
	if (fy_node_get_type(n) == FYNT_MAPPING) {
		struct fy_node_pair *pr;

		j = json_object();
		while ((pr = fy_node_mapping_iterate(n, &it)) != NULL) {
			char *key = yamldoc_scalar_dup(fy_node_pair_key(pr));

			json_object_set_new(j, key ? key : "(complex key)",
					    to_json(fy_node_pair_value(pr), depth + 1));
			free(key);
		}
		return j;
	}
	switch (yamldoc_classify(n)) {
	case YAMLDOC_NULL:
		return json_null();
	case YAMLDOC_TRUE:
		return json_true();
	case YAMLDOC_FALSE:
		return json_false();
	case YAMLDOC_INT:
		return number_json(n, YAMLDOC_INT);
	case YAMLDOC_FLOAT:
		return number_json(n, YAMLDOC_FLOAT);
	default:
		s = fy_node_get_scalar(n, &len);
		return json_stringn(s ? s : "", s ? len : 0);
	}
}

json_t *yamldoc_to_json(struct fy_node *n)
{
	return to_json(n, 0);
}
