/*
 * mhd_dl: GNU libmicrohttpd, loaded on first use.
 *
 * Only `archie serve` speaks HTTP as a server, and Debian's
 * libmicrohttpd12 pulls in GnuTLS and a dozen libraries with it; linking
 * it would cost every other archie command their loading.  So `serve`
 * dlopen()s libmicrohttpd.so.12 and fills in this table; the macros keep
 * every call spelled as in its manual.  Include this header instead of
 * <microhttpd.h>.
 */
#ifndef ARCHIE_MHD_DL_H
#define ARCHIE_MHD_DL_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <microhttpd.h>

struct strbuf;

struct mhd_dl {
	struct MHD_Daemon *(*start_daemon)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
					   MHD_AccessHandlerCallback, void *, ...);
	void (*stop_daemon)(struct MHD_Daemon *);
	struct MHD_Response *(*create_response_from_buffer)(size_t, void *, enum MHD_ResponseMemoryMode);
	struct MHD_Response *(*create_response_from_callback)(uint64_t, size_t, MHD_ContentReaderCallback,
							      void *, MHD_ContentReaderFreeCallback);
	enum MHD_Result (*add_response_header)(struct MHD_Response *, const char *, const char *);
	enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
	void (*destroy_response)(struct MHD_Response *);
	const char *(*lookup_connection_value)(struct MHD_Connection *, enum MHD_ValueKind, const char *);
};

extern struct mhd_dl mhd_dl;

/* Loads libmicrohttpd once (thread-safe).  0, or -1 with err saying what
 * to install. */
int mhd_dl_load(struct strbuf *err);

#ifndef MHD_DL_IMPLEMENTATION
#define MHD_start_daemon (*mhd_dl.start_daemon)
#define MHD_stop_daemon (*mhd_dl.stop_daemon)
#define MHD_create_response_from_buffer (*mhd_dl.create_response_from_buffer)
#define MHD_create_response_from_callback (*mhd_dl.create_response_from_callback)
#define MHD_add_response_header (*mhd_dl.add_response_header)
#define MHD_queue_response (*mhd_dl.queue_response)
#define MHD_destroy_response (*mhd_dl.destroy_response)
#define MHD_lookup_connection_value (*mhd_dl.lookup_connection_value)
#endif

#endif
