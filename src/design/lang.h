/*
 * lang: the words a design document is read by, in the languages real
 * documents are written in (English, Portuguese, German, Spanish,
 * French): what the seven sections and the four considerations are
 * called, and the key words the checks look for — an alternative named
 * ("vs", "statt", "em vez de"), an error ("Fehler 422"), no body
 * ("None", "(empty)", a multipart form).  One table per kind in lang.c,
 * so a language is a row to add.
 *
 * Matching ignores case (ASCII and Latin-1 letters) and emphasis (`**vs
 * argon2**`); a word matches whole, a stem ("compar*") at its start only.
 */
#ifndef ARCHIE_DESIGN_LANG_H
#define ARCHIE_DESIGN_LANG_H

enum design_words {
	DW_ALTERNATIVE,		/* a choice names what it was compared with */
	DW_ERROR,		/* a response is an error */
	DW_NO_BODY,		/* a request has no (JSON) body */
	DW_KINDS,
};

/* 1 if text holds one of the kind's words, in any language. */
int design_lang_has(enum design_words kind, const char *text);

/* The section (0..6) a normalised title (lower case, single spaces, no
 * numbering) names in any language, or -1. */
int design_lang_section(const char *title);

/* The consideration (0 Scalability, 1 Security, 2 Observability, 3
 * Deployment) a label names, or -1. */
int design_lang_consideration(const char *label);

/* s in lower case (ASCII and the Latin-1 letters of UTF-8), emphasis
 * marks (* _ `) made spaces, appended to out. */
struct strbuf;
void design_lang_fold(const char *s, struct strbuf *out);

#endif
