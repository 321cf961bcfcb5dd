/*
 * fileio: reading and writing whole files safely.
 *
 * Reads are capped (a file larger than the cap is an error that says so,
 * never a silent truncation).  Writes are atomic: the data goes to a
 * temporary file in the same directory, is fsync'ed, then renamed over the
 * target and the directory is fsync'ed, so a crash leaves either the old
 * file or the new one, never half of each.
 *
 * Errors are written to `err` (may be NULL) and the functions return -1.
 */
#ifndef ARCHIE_FILEIO_H
#define ARCHIE_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

struct strbuf;

/* Appends the content of path to out.  Fails when the file is larger than
 * `cap` bytes, is not a regular file, or cannot be read. */
int file_read(const char *path, size_t cap, struct strbuf *out,
	      struct strbuf *err);

/* Atomically replaces path with data (mode applied before the rename). */
int file_write_atomic(const char *path, const void *data, size_t len,
		      mode_t mode, struct strbuf *err);

/* Writes all of data to fd (retrying short writes and EINTR).  0, or -1
 * with errno set. */
int file_write_all(int fd, const void *data, size_t len);

/* Finds an executable: name itself when it has a '/', else the first
 * directory of PATH that has it.  0 with the path in out, or -1. */
int file_which(const char *name, struct strbuf *out);

/* mkdir -p with the given mode for directories it creates. */
int file_mkdirs(const char *path, mode_t mode, struct strbuf *err);

/* Creates the directories above path (mkdir -p of its dirname). */
int file_mkdirs_parent(const char *path, mode_t mode, struct strbuf *err);

/* 1 if path is a directory, 0 otherwise (including errors). */
int file_is_dir(const char *path);

/* Appends dir + "/" + name to out, avoiding a doubled slash. */
void file_join(struct strbuf *out, const char *dir, const char *name);

#endif
