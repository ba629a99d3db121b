#include "socket-file.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

#include "constants.h"
#include "napi-helpers.h"

namespace uds {

namespace {

// Fills a sockaddr_un; the TypeScript side has already checked the length against sun_path.
bool FillAddr(const std::string& path, sockaddr_un* addr, socklen_t* len) {
  if (path.empty() || path.size() >= sizeof(addr->sun_path)) return false;
  memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  memcpy(addr->sun_path, path.data(), path.size());
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return true;
}

int NewSeqpacket() { return socket(AF_UNIX, kSeqpacketType, 0); }

}  // namespace

// A stale socket file (nobody accepting: ECONNREFUSED) is replaced; a live one is never stolen
// (EADDRINUSE); a path that exists but is no socket is left alone (EEXIST).
Napi::Value Listen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString()) return ThrowType(env, "listen(path, backlog)");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int backlog = 0;
  if (!ArgInt(info, 1, &backlog)) return ThrowType(env, "listen(path, backlog)");
  sockaddr_un addr;
  socklen_t len;
  if (!FillAddr(path, &addr, &len)) return ThrowErrno(env, ENAMETOOLONG, "bind");

  int fd = NewSeqpacket();
  if (fd < 0) return ThrowErrno(env, errno, "socket");
  // The socket file takes its mode from the socket inode at bind(): 0600 from the first instant.
  fchmod(fd, 0600);
  for (int attempt = 0;; attempt++) {
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0) break;
    int err = errno;
    if (err != EADDRINUSE || attempt > 0) {
      close(fd);
      return ThrowErrno(env, err, "bind");
    }
    struct stat st;
    if (lstat(path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
      close(fd);
      return ThrowErrno(env, EEXIST, "bind");
    }
    // Is anybody accepting on it? ECONNREFUSED means the owner died without unlinking.
    int probe = NewSeqpacket();
    if (probe < 0) {
      int perr = errno;
      close(fd);
      return ThrowErrno(env, perr, "socket");
    }
    int rc = connect(probe, reinterpret_cast<sockaddr*>(&addr), len);
    int cerr = rc == 0 ? 0 : errno;
    close(probe);
    if (cerr != ECONNREFUSED) {
      close(fd);
      return ThrowErrno(env, EADDRINUSE, "bind");
    }
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      int uerr = errno;
      close(fd);
      return ThrowErrno(env, uerr, "unlink");
    }
  }
  chmod(path.c_str(), 0600);
  if (listen(fd, backlog) != 0) {
    int err = errno;
    close(fd);
    unlink(path.c_str());
    return ThrowErrno(env, err, "listen");
  }
  return Napi::Number::New(env, fd);
}

// EAGAIN means the listener's backlog is full: it is alive but behind, and the caller retries.
Napi::Value Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return ThrowType(env, "connect(path)");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  sockaddr_un addr;
  socklen_t len;
  if (!FillAddr(path, &addr, &len)) return ThrowErrno(env, ENAMETOOLONG, "connect");
  int fd = NewSeqpacket();
  if (fd < 0) return ThrowErrno(env, errno, "socket");
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, err, "connect");
  }
  return Napi::Number::New(env, fd);
}

Napi::Value Accept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, &fd)) return ThrowType(env, "accept(fd)");
  int c;
  do {
    c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  } while (c < 0 && errno == EINTR);
  return Napi::Number::New(env, c >= 0 ? c : -errno);
}

}  // namespace uds
