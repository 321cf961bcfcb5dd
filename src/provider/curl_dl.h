/*
 * curl_dl: libcurl, loaded on first use.
 *
 * libcurl pulls in some thirty shared libraries (TLS, Kerberos, LDAP,
 * compression); linking it directly costs every archie process about
 * 4.5 ms before main() runs, including `archie --version` and `archie
 * agents list`, which never touch the network.  So archie does not link
 * libcurl: the first HTTP request dlopen()s libcurl.so.4 and fills in this
 * table.  Include this header instead of <curl/curl.h>; the macros below
 * keep every call spelled as in libcurl's documentation.
 */
#ifndef ARCHIE_CURL_DL_H
#define ARCHIE_CURL_DL_H

#include <curl/curl.h>

struct strbuf;

struct curl_dl {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	time_t (*getdate)(const char *, const time_t *);
	CURLU *(*url)(void);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
	CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
	void (*url_cleanup)(CURLU *);
	void (*free)(void *);
};

extern struct curl_dl curl_dl;

/* Loads libcurl once (thread-safe) and runs curl_global_init.  Returns 0,
 * or -1 with err saying what to install. */
int curl_dl_load(struct strbuf *err);

#ifndef CURL_DL_IMPLEMENTATION
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init (*curl_dl.global_init)
#define curl_easy_init (*curl_dl.easy_init)
#define curl_easy_setopt (*curl_dl.easy_setopt)
#define curl_easy_perform (*curl_dl.easy_perform)
#define curl_easy_getinfo (*curl_dl.easy_getinfo)
#define curl_easy_cleanup (*curl_dl.easy_cleanup)
#define curl_easy_reset (*curl_dl.easy_reset)
#define curl_easy_strerror (*curl_dl.easy_strerror)
#define curl_multi_init (*curl_dl.multi_init)
#define curl_multi_add_handle (*curl_dl.multi_add_handle)
#define curl_multi_remove_handle (*curl_dl.multi_remove_handle)
#define curl_multi_perform (*curl_dl.multi_perform)
#define curl_multi_poll (*curl_dl.multi_poll)
#define curl_multi_info_read (*curl_dl.multi_info_read)
#define curl_multi_cleanup (*curl_dl.multi_cleanup)
#define curl_slist_append (*curl_dl.slist_append)
#define curl_slist_free_all (*curl_dl.slist_free_all)
#define curl_getdate (*curl_dl.getdate)
#define curl_url (*curl_dl.url)
#define curl_url_set (*curl_dl.url_set)
#define curl_url_get (*curl_dl.url_get)
#define curl_url_cleanup (*curl_dl.url_cleanup)
#define curl_free (*curl_dl.free)
#endif

#endif
