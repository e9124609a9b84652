// LD_PRELOAD shim for the fault-injection suite (issue 7, suite 1): makes the Nth write or
// sync call on the store's files fail with EIO, without calling the real function, so that
// nothing of that call reaches the file.
//
//   VIGIL_FAULT_MATCH  substring of the file path whose calls are counted (e.g. the data dir)
//   VIGIL_FAULT_ARM    counting starts once this file exists (the server is idle then)
//   VIGIL_FAULT_N      the counted call to fail, 1-based; 0 counts without failing
//   VIGIL_FAULT_LOG    optional: one line per counted call, "<n> <call> <path> <fail|ok>"
//
// Counted calls: write, pwrite, pwrite64, writev, pwritev, fsync, fdatasync (on a file
// descriptor whose /proc/self/fd link contains VIGIL_FAULT_MATCH) and msync (any, once
// armed: it names a mapping, not a file). Only one call ever fails.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_long counted;
static atomic_int armed;

static int Armed(void) {
  if (atomic_load(&armed)) return 1;
  const char* arm = getenv("VIGIL_FAULT_ARM");
  if (arm == NULL || access(arm, F_OK) != 0) return 0;
  atomic_store(&armed, 1);
  return 1;
}

static int Matches(int fd, char* path, size_t size) {
  const char* match = getenv("VIGIL_FAULT_MATCH");
  if (match == NULL || *match == '\0') return 0;
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, size - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  return strstr(path, match) != NULL;
}

static void Log(long n, const char* call, const char* path, int fail) {
  const char* log = getenv("VIGIL_FAULT_LOG");
  if (log == NULL) return;
  int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;
  char line[600];
  int len = snprintf(line, sizeof line, "%ld %s %s %s\n", n, call, path, fail ? "fail" : "ok");
  if (len > 0) {
    ssize_t (*real_write)(int, const void*, size_t) =
        (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
    real_write(fd, line, (size_t)len);
  }
  close(fd);
}

// 1 if this call (on fd, or on no file for fd < 0) must fail.
static int Fail(int fd, const char* call) {
  if (!Armed()) return 0;
  char path[512] = "(mapping)";
  if (fd >= 0 && !Matches(fd, path, sizeof path)) return 0;
  long n = atomic_fetch_add(&counted, 1) + 1;
  const char* target = getenv("VIGIL_FAULT_N");
  int fail = target != NULL && atol(target) == n;
  Log(n, call, path, fail);
  if (fail) errno = EIO;
  return fail;
}

#define REAL(name, type) ((type)dlsym(RTLD_NEXT, name))

ssize_t write(int fd, const void* buf, size_t count) {
  if (Fail(fd, "write")) return -1;
  return REAL("write", ssize_t(*)(int, const void*, size_t))(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  if (Fail(fd, "pwrite")) return -1;
  return REAL("pwrite", ssize_t(*)(int, const void*, size_t, off_t))(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  if (Fail(fd, "pwrite64")) return -1;
  return REAL("pwrite64", ssize_t(*)(int, const void*, size_t, off64_t))(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  if (Fail(fd, "writev")) return -1;
  return REAL("writev", ssize_t(*)(int, const struct iovec*, int))(fd, iov, iovcnt);
}

ssize_t pwritev(int fd, const struct iovec* iov, int iovcnt, off_t offset) {
  if (Fail(fd, "pwritev")) return -1;
  return REAL("pwritev", ssize_t(*)(int, const struct iovec*, int, off_t))(fd, iov, iovcnt,
                                                                           offset);
}

int fsync(int fd) {
  if (Fail(fd, "fsync")) return -1;
  return REAL("fsync", int (*)(int))(fd);
}

int fdatasync(int fd) {
  if (Fail(fd, "fdatasync")) return -1;
  return REAL("fdatasync", int (*)(int))(fd);
}

int msync(void* addr, size_t length, int flags) {
  if (Fail(-1, "msync")) return -1;
  return REAL("msync", int (*)(void*, size_t, int))(addr, length, flags);
}
