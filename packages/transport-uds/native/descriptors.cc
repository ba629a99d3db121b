#include "descriptors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "constants.h"
#include "napi-helpers.h"

namespace uds {

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, &fd)) return ThrowType(env, "closeFd(fd)");
  // Linux releases the descriptor even when close() reports EINTR: never retry.
  if (close(fd) != 0 && errno != EINTR) return ThrowErrno(env, errno, "close");
  return env.Undefined();
}

Napi::Value DupFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, &fd)) return ThrowType(env, "dupFd(fd)");
  // Lowest free number from 3: a copy never lands on stdin, stdout or stderr.
  int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (d < 0) return ThrowErrno(env, errno, "fcntl");
  return Napi::Number::New(env, d);
}

Napi::Value IsOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, &fd)) return ThrowType(env, "isOpen(fd)");
  return Napi::Boolean::New(env, fcntl(fd, F_GETFD) >= 0);
}

Napi::Value GetSockOptInt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, level, name;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &level) || !ArgInt(info, 2, &name))
    return ThrowType(env, "getSockOptInt(fd, level, name)");
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd, level, name, &value, &len) != 0) return ThrowErrno(env, errno, "getsockopt");
  return Napi::Number::New(env, value);
}

Napi::Value SetSockOptInt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, level, name, value;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &level) || !ArgInt(info, 2, &name) ||
      !ArgInt(info, 3, &value))
    return ThrowType(env, "setSockOptInt(fd, level, name, value)");
  if (setsockopt(fd, level, name, &value, sizeof(value)) != 0)
    return ThrowErrno(env, errno, "setsockopt");
  return env.Undefined();
}

Napi::Value GetSocketCookie(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, &fd)) return ThrowType(env, "getSocketCookie(fd)");
  uint64_t cookie = 0;
  socklen_t len = sizeof(cookie);
  if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len) != 0)
    return ThrowErrno(env, errno, "getsockopt");
  // A BigInt: the cookie is a full 64-bit counter, past what a double holds exactly.
  return Napi::BigInt::New(env, cookie);
}

Napi::Value GetLinger(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, &fd)) return ThrowType(env, "getLinger(fd)");
  linger l;
  memset(&l, 0, sizeof(l));
  socklen_t len = sizeof(l);
  if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len) != 0)
    return ThrowErrno(env, errno, "getsockopt");
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, l.l_onoff));
  out.Set(1u, Napi::Number::New(env, l.l_linger));
  return out;
}

Napi::Value SetLinger(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, onoff, secs;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &onoff) || !ArgInt(info, 2, &secs))
    return ThrowType(env, "setLinger(fd, onoff, seconds)");
  linger l;
  l.l_onoff = onoff;
  l.l_linger = secs;
  if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) != 0)
    return ThrowErrno(env, errno, "setsockopt");
  return env.Undefined();
}

Napi::Value SocketInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, &fd)) return ThrowType(env, "socketInfo(fd)");
  int v[3];
  const int names[3] = {SO_DOMAIN, SO_TYPE, SO_PROTOCOL};
  for (int i = 0; i < 3; i++) {
    socklen_t len = sizeof(int);
    if (getsockopt(fd, SOL_SOCKET, names[i], &v[i], &len) != 0) {
      if (errno == ENOTSOCK) return env.Null();
      return ThrowErrno(env, errno, "getsockopt");
    }
  }
  Napi::Array out = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; i++) out.Set(i, Napi::Number::New(env, v[i]));
  return out;
}

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sv[2];
  if (socketpair(AF_UNIX, kSeqpacketType, 0, sv) != 0) return ThrowErrno(env, errno, "socketpair");
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, sv[0]));
  out.Set(1u, Napi::Number::New(env, sv[1]));
  return out;
}

}  // namespace uds
