/*
 * lang: the multilingual word tables a design document is read by.  See
 * lang.h.  A row per language; a trailing '*' marks a stem.
 */
#include "design/lang.h"

#include "core/strbuf.h"

#include <ctype.h>
#include <string.h>

static const char *const alternative_words[] = {
	/* en */ "over", "instead of", "instead", "vs", "vs.", "versus", "rather than", "compar*",
	"alternative*", "considered", "rejected", "chose", "chosen", "preferred to", "in favour of",
	"in favor of", "than", "trade-off*", "tradeoff*", "opted for", "evaluated",
	/* pt */ "em vez de", "ao invés de", "em lugar de", "alternativa*", "preferid*", "escolhid*",
	"em detrimento",
	/* de */ "statt", "anstatt", "anstelle", "gegenüber", "im vergleich", "verglichen",
	"vorgezogen", "abgewogen",
	/* es */ "en lugar de", "en vez de", "frente a", "elegid*",
	/* fr */ "au lieu de", "plutôt que", "par rapport", "préféré*", "choisi*",
	NULL,
};

static const char *const error_words[] = {
	"error*", "fail*", "invalid", "erro", "erros", "falha*", "inválid*", "fehler*", "ungültig*",
	"fallo*", "errores", "erreur*", "échec", "invalide*",
	NULL,
};

static const char *const no_body_words[] = {
	"none", "no body", "no request body", "empty body", "without a body", "body: none",
	"no payload", "(empty)", "empty", "n/a", "multipart/form-data", "multipart", "form-data",
	"form data", "x-www-form-urlencoded",
	"nenhum", "sem corpo", "vazio", "kein", "keiner", "leer", "ninguno", "sin cuerpo", "vacío",
	"aucun", "sans corps", "vide",
	NULL,
};

static const char *const *const tables[DW_KINDS] = { alternative_words, error_words, no_body_words };

/* What the sections are called, after design_lang_fold and numbering
 * are taken off (the English ones first). */
static const char *const section_words[7][24] = {
	{ "executive summary", "summary", "overview and summary", "resumo executivo",
	  "sumário executivo", "resumo", "zusammenfassung", "management summary", "kurzfassung",
	  "resumen ejecutivo", "resumen", "résumé exécutif", "résumé", "synthèse", NULL },
	{ "architecture overview", "architecture", "system architecture", "architectural overview",
	  "high level architecture", "system overview", "visão geral da arquitetura", "arquitetura",
	  "visão geral", "architekturüberblick", "architekturübersicht", "architektur",
	  "systemarchitektur", "visión general de la arquitectura", "arquitectura",
	  "vue d ensemble de l architecture", "vue d ensemble", NULL },
	{ "service definitions", "service definition", "services", "service boundaries",
	  "service catalog", "definição dos serviços", "definições de serviços",
	  "definições dos serviços", "serviços", "servicedefinitionen", "dienste",
	  "definiciones de servicios", "servicios", "définitions des services",
	  "définition des services", NULL },
	{ "api contracts", "api contract", "api design", "api specification", "api endpoints",
	  "apis", "api", "endpoints", "api reference", "contratos de api", "contratos da api",
	  "api verträge", "schnittstellen", "contratos de la api", "contrats d api",
	  "contrats api", NULL },
	{ "data schema", "data schemas", "database schema", "data model", "data models", "schema",
	  "database design", "data model and schema", "esquema de dados", "modelo de dados",
	  "datenschema", "datenmodell", "esquema de datos", "modelo de datos",
	  "schéma de données", "modèle de données", NULL },
	{ "technology stack rationale", "technology stack", "tech stack rationale", "tech stack",
	  "technology rationale", "technology choices", "technology stack and rationale",
	  "justificativa da stack tecnológica", "stack tecnológica", "justificativa tecnológica",
	  "tecnologias", "begründung des technologie stacks", "technologie stack",
	  "technologiestack", "technologieauswahl", "justificación del stack tecnológico",
	  "stack tecnológico", "tecnologías", "justification de la pile technologique",
	  "pile technologique", "choix technologiques", NULL },
	{ "key considerations", "considerations", "cross cutting concerns",
	  "non functional requirements", "considerações principais", "considerações chave",
	  "considerações", "wichtige überlegungen", "überlegungen", "wesentliche aspekte",
	  "consideraciones clave", "consideraciones", "considérations clés", "considérations",
	  NULL },
};

static const char *const consideration_words[4][12] = {
	{ "scalab*", "scaling", "scale", "escalabilidade", "skalierbar*", "escalabilidad",
	  "scalabilité", "évolutivité", NULL },
	{ "security", "segurança", "sicherheit", "seguridad", "sécurité", NULL },
	{ "observab*", "monitoring", "monitoramento", "observabilidade", "beobachtbarkeit",
	  "überwachung", "observabilidad", "observabilité", "supervision", NULL },
	{ "deploy*", "ci/cd", "ci / cd", "release", "implantação", "bereitstellung",
	  "despliegue", "déploiement", NULL },
};

void design_lang_fold(const char *s, struct strbuf *out)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p == '*' || *p == '_' || *p == '`') {
			strbuf_addch(out, ' ');
		} else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97) {
			/* À..Þ (not ×): their lower case is 0x20 on */
			strbuf_addch(out, (char)*p);
			strbuf_addch(out, (char)(*++p + 0x20));
		} else {
			strbuf_addch(out, (char)tolower(*p));
		}
	}
}

static int word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

/* 1 if folded holds w (folded too) as a word, or as a stem with '*'. */
static int has_word(const char *folded, const char *w)
{
	size_t n = strlen(w);
	int stem = n && w[n - 1] == '*';
	const char *p;

	if (stem)
		n--;
	for (p = folded; *p; p++) {
		if (strncmp(p, w, n))
			continue;
		if (p > folded && word_byte((unsigned char)p[-1]) && word_byte((unsigned char)w[0]))
			continue;
		if (!stem && word_byte((unsigned char)p[n]) && word_byte((unsigned char)w[n - 1]))
			continue;
		return 1;
	}
	return 0;
}

int design_lang_has(enum design_words kind, const char *text)
{
	struct strbuf f = STRBUF_INIT;
	size_t i;
	int found = 0;

	design_lang_fold(text, &f);
	for (i = 0; tables[kind][i] && !found; i++)
		found = has_word(f.buf, tables[kind][i]);
	strbuf_release(&f);
	return found;
}

int design_lang_section(const char *title)
{
	int i, k;

	for (i = 0; i < 7; i++)
		for (k = 0; k < 24 && section_words[i][k]; k++)
			if (!strcmp(title, section_words[i][k]))
				return i;
	return -1;
}

int design_lang_consideration(const char *label)
{
	struct strbuf f = STRBUF_INIT;
	int i, k, found = -1;

	design_lang_fold(label, &f);
	for (i = 0; i < 4 && found < 0; i++)
		for (k = 0; k < 12 && consideration_words[i][k] && found < 0; k++)
			if (has_word(f.buf, consideration_words[i][k]))
				found = i;
	strbuf_release(&f);
	return found;
}
