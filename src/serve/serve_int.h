/*
 * serve_int: what serve.c and serve_net.c share.  Not for other modules.
 */
#ifndef ARCHIE_SERVE_INT_H
#define ARCHIE_SERVE_INT_H

#include <netinet/in.h>
#include <stddef.h>

struct strbuf;

/* A listening Unix socket at path, 0600 from the start (a dead server's
 * socket replaced, a live one's refused); the socket, or -1 with err. */
int serve_listen_unix(const char *path, struct strbuf *err);

/* A listening TCP socket on sin (port 0: any), sin updated to the port
 * bound; the socket, or -1 with err. */
int serve_listen_tcp(struct sockaddr_in *sin, struct strbuf *err);

/* The bearer token into token[n]: file's first line (refused when others
 * may read the file, or shorter than 16), else a random one written there
 * 0600.  0, or -1 with err. */
int serve_token_load(const char *file, char *token, size_t n, struct strbuf *err);

#endif
