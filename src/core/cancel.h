/*
 * cancel: the flag that stops work (Ctrl-C, a subagent's deadline).
 *
 * One flag is written by a signal handler or by a parent's thread and
 * read by workers in other threads (a child loop, its HTTP transfer, its
 * commands).  `volatile sig_atomic_t` only makes that safe against a
 * signal handler in the same thread; across threads it is a data race.
 * Every read and write goes through these functions, which make it
 * an atomic access (lock-free on int, so a signal handler may call
 * cancel_set too).
 */
#ifndef ARCHIE_CANCEL_H
#define ARCHIE_CANCEL_H

#include <signal.h>

/* 1 when the flag (may be NULL) asks to stop. */
static inline int cancel_requested(volatile sig_atomic_t *flag)
{
	return flag && __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

/* Asks to stop. */
static inline void cancel_set(volatile sig_atomic_t *flag)
{
	__atomic_store_n(flag, 1, __ATOMIC_RELEASE);
}

/* Takes the request back (before new work starts). */
static inline void cancel_clear(volatile sig_atomic_t *flag)
{
	__atomic_store_n(flag, 0, __ATOMIC_RELEASE);
}

#endif
