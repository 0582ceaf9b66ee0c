/* dicom-serve.c — the decoder process's loop: a request, a fork, its wait
 * status (see dicom-serve.h)
 *
 * Linked into lungscope-dicom-decode and the tests' stand-in decoder, not
 * into the library. Plain POSIX: the server starts no thread, so a fork of
 * it is a copy of one thread with nothing locked.
 *
 * The server blocks SIGCHLD and waits for its fork with sigtimedwait, so
 * the time limit needs no second thread and no alarm; the fork is killed
 * before it is reaped, so the pid killed is always the fork's. A fork asks
 * to be killed when the server dies (PR_SET_PDEATHSIG), so a server the
 * parent kills takes its fork with it.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE 1

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "imaging/dicom-serve.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* Closes every descriptor from @first on. */
static void
close_from (int first)
{
  DIR *dir;

#ifdef SYS_close_range
  if (syscall (SYS_close_range, (unsigned) first, ~0u, 0) == 0)
    return;
#endif
  dir = opendir ("/proc/self/fd");
  if (dir != NULL)
    {
      int self = dirfd (dir);
      struct dirent *e;

      while ((e = readdir (dir)) != NULL)
        {
          int fd = atoi (e->d_name);

          if (fd >= first && fd != self)
            close (fd);
        }
      closedir (dir);
      return;
    }
  for (int fd = first; fd < 1024; fd++)
    close (fd);
}

static void
send_reply (int sock,
            LsDicomReplyKind kind,
            int status)
{
  LsDicomReply reply = { LS_DICOM_SERVE_MAGIC, kind, status, 0 };

  while (send (sock, &reply, sizeof reply, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      _exit (0); /* the parent is gone */
}

/* The next request and its three descriptors; FALSE at the end of the
 * parent's side. A malformed request ends the server. */
static gboolean
receive (int sock,
         LsDicomRequest *request,
         int fds[3])
{
  union
  {
    char buf[CMSG_SPACE (3 * sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { request, sizeof *request };
  struct msghdr msg = { 0 };
  struct cmsghdr *cmsg;
  gssize n;
  int got = 0;

  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    return FALSE;
  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg != NULL; cmsg = CMSG_NXTHDR (&msg, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      {
        int k = (int) ((cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int));

        for (int i = 0; i < k; i++)
          {
            int fd;

            memcpy (&fd, CMSG_DATA (cmsg) + i * sizeof (int), sizeof fd);
            if (got < 3)
              fds[got] = fd;
            else
              close (fd);
            got++;
          }
      }
  if (n != (gssize) sizeof *request || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 || got != 3 ||
      request->magic != LS_DICOM_SERVE_MAGIC)
    _exit (2);
  return TRUE;
}

G_NORETURN static void
run_fork (const LsDicomRequest *request,
          const int fds[3],
          pid_t server,
          LsDicomServeFunc func,
          gpointer user_data)
{
  sigset_t none;

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid () != server)
    _exit (1);
  for (int i = 0; i < 3; i++)
    if (dup2 (fds[i], i) != i)
      _exit (1);
  close_from (3);
  if (request->memory > 0 && !UNDER_ASAN)
    {
      /* AddressSanitizer's shadow memory needs terabytes of address space:
       * under it, its own allocator's limits apply. */
      struct rlimit rl = { (rlim_t) request->memory, (rlim_t) request->memory };

      if (setrlimit (RLIMIT_AS, &rl) != 0)
        _exit (1);
    }
  _exit (func (request, user_data));
}

/* Waits for @pid at most @timeout_ms; kills it then. FALSE (errno) when
 * it cannot be waited for. */
static gboolean
wait_fork (pid_t pid,
           guint32 timeout_ms,
           gboolean *timed_out,
           int *status)
{
  sigset_t chld;
  struct timespec now, deadline;

  sigemptyset (&chld);
  sigaddset (&chld, SIGCHLD);
  clock_gettime (CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += timeout_ms / 1000;
  deadline.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L)
    {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000L;
    }
  *timed_out = FALSE;
  for (;;)
    {
      struct timespec left;
      pid_t r = waitpid (pid, status, WNOHANG);

      if (r == pid)
        return TRUE;
      if (r < 0 && errno != EINTR)
        return FALSE;
      clock_gettime (CLOCK_MONOTONIC, &now);
      left.tv_sec = deadline.tv_sec - now.tv_sec;
      left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
      if (left.tv_nsec < 0)
        {
          left.tv_sec--;
          left.tv_nsec += 1000000000L;
        }
      if (left.tv_sec < 0)
        break;
      if (sigtimedwait (&chld, NULL, &left) < 0 && errno == EAGAIN)
        break;
    }
  /* Not reaped yet: the pid is still the fork's. */
  *timed_out = TRUE;
  kill (pid, SIGKILL);
  for (;;)
    {
      if (waitpid (pid, status, 0) == pid)
        return TRUE;
      if (errno != EINTR)
        return FALSE;
    }
}

void
ls_dicom_serve (int sock,
                LsDicomServeFunc func,
                gpointer user_data)
{
  sigset_t chld;
  pid_t self = getpid ();
  struct rlimit no_core = { 0, 0 };

  /* Whatever the parent let through exec (it posix_spawns with
   * descriptors inherited) is not ours. */
  close_from (3);
  /* An abort in GDCM is an answer here, not a crash to keep. */
  setrlimit (RLIMIT_CORE, &no_core);
  sigemptyset (&chld);
  sigaddset (&chld, SIGCHLD);
  sigprocmask (SIG_BLOCK, &chld, NULL);
  /* Not ignored (inherited through exec, that would reap the forks by
   * itself and hide how they ended). */
  signal (SIGCHLD, SIG_DFL);
  signal (SIGPIPE, SIG_IGN);
  send_reply (sock, LS_DICOM_REPLY_HELLO, 0);
  for (;;)
    {
      LsDicomRequest request;
      int fds[3] = { -1, -1, -1 };
      gboolean timed_out = FALSE;
      pid_t pid;
      int status = 0;

      if (!receive (sock, &request, fds))
        _exit (0);
      pid = fork ();
      if (pid == 0)
        run_fork (&request, fds, self, func, user_data);
      for (int i = 0; i < 3; i++)
        close (fds[i]);
      if (pid < 0)
        {
          send_reply (sock, LS_DICOM_REPLY_NO_FORK, errno);
          continue;
        }
      if (!wait_fork (pid, request.timeout_ms, &timed_out, &status))
        send_reply (sock, LS_DICOM_REPLY_NO_FORK, errno);
      else
        send_reply (sock, timed_out ? LS_DICOM_REPLY_TIMED_OUT : LS_DICOM_REPLY_DONE, status);
    }
}
