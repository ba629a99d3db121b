#include "descriptors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "addresses.h"
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

namespace {

// What one describeSockets() slot holds (kInfoInts ints per descriptor, mirrored by src/socket-info.ts).
constexpr int kInfoErrno = 0;     // 0, or the errno of the first call that failed
constexpr int kInfoSyscall = 1;   // which call failed: 0 getsockopt, 1 getpeername
constexpr int kInfoDomain = 2;
constexpr int kInfoType = 3;
constexpr int kInfoProtocol = 4;
constexpr int kInfoFlags = 5;     // kInfoAcceptConn | kInfoConnected
// Filled only when describeSockets is given a names array: each address's family (4, 6; 0 when
// unknown: not an IP socket, no peer, or getsockname failed), port, and the length of its text in
// the names array (local text at slot * kNameBytes, peer text kTextBytes further).
constexpr int kInfoLocalFamily = 6;
constexpr int kInfoLocalPort = 7;
constexpr int kInfoLocalLength = 8;
constexpr int kInfoPeerFamily = 9;
constexpr int kInfoPeerPort = 10;
constexpr int kInfoPeerLength = 11;
constexpr int kInfoInts = 12;
constexpr int kInfoAcceptConn = 1;
constexpr int kInfoConnected = 2;
constexpr size_t kTextBytes = 48;  // >= INET6_ADDRSTRLEN (46)
constexpr size_t kNameBytes = 2 * kTextBytes;

// Writes an address's family, port and text (not NUL-terminated; its length in the ints) into a slot.
void PutAddress(const sockaddr_storage& ss, int32_t* familyPortLength, char* text) {
  char buffer[kTextBytes] = "";
  int family = 0;
  int port = 0;
  if (!DescribeAddress(ss, &family, buffer, sizeof(buffer), &port)) return;
  size_t length = strnlen(buffer, sizeof(buffer));
  memcpy(text, buffer, length);
  familyPortLength[0] = family;
  familyPortLength[1] = port;
  familyPortLength[2] = static_cast<int32_t>(length);
}

// Fills one slot. Five getsockopt calls and a getpeername (with `names`: a getsockname, and SO_DOMAIN
// read from it):
// each is a plain syscall (about a microsecond), while every call from JavaScript into the addon
// costs several; so the whole description of a descriptor, or of a batch of them, is one call in.
// The addresses ride along because getpeername is made anyway: a caller that also needs them (the
// provider's access-control key) saves a second call in.
void DescribeSocket(int fd, int32_t* out, uint64_t* cookie, char* names) {
  memset(out, 0, sizeof(int32_t) * kInfoInts);
  *cookie = 0;
  const int options[4] = {SO_DOMAIN, SO_TYPE, SO_PROTOCOL, SO_ACCEPTCONN};
  int values[4] = {0, 0, 0, 0};
  // With the names asked for, getsockname comes first and its family is SO_DOMAIN (a socket's
  // address is of its own family): one syscall fewer. When it fails (not a socket, not open...),
  // SO_DOMAIN is asked as without names, so that the slot reports the same failure.
  sockaddr_storage local{};
  bool haveLocal = false;
  int first = 0;
  if (names != nullptr) {
    socklen_t llen = sizeof(local);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) == 0) {
      haveLocal = true;
      values[0] = local.ss_family;
      first = 1;
    }
  }
  for (int i = first; i < 4; i++) {
    socklen_t len = sizeof(int);
    if (getsockopt(fd, SOL_SOCKET, options[i], &values[i], &len) != 0) {
      out[kInfoErrno] = errno;
      return;
    }
  }
  socklen_t len = sizeof(*cookie);
  if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, cookie, &len) != 0) {
    out[kInfoErrno] = errno;
    return;
  }
  // Connected means the kernel knows a peer: ENOTCONN for a listening or fresh socket (and for a
  // TCP socket that is closed or still in SYN_SENT).
  sockaddr_storage peer{};
  socklen_t plen = sizeof(peer);
  int flags = values[3] != 0 ? kInfoAcceptConn : 0;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0) {
    flags |= kInfoConnected;
  } else if (errno != ENOTCONN) {
    out[kInfoErrno] = errno;
    out[kInfoSyscall] = 1;
    return;
  }
  out[kInfoDomain] = values[0];
  out[kInfoType] = values[1];
  out[kInfoProtocol] = values[2];
  out[kInfoFlags] = flags;
  if (names == nullptr) return;
  // The addresses are extra: a getsockname that failed leaves them unknown, never fails the slot.
  if (haveLocal) PutAddress(local, out + kInfoLocalFamily, names);
  if ((flags & kInfoConnected) != 0) PutAddress(peer, out + kInfoPeerFamily, names + kTextBytes);
}

}  // namespace

Napi::Value DescribeSockets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int count;
  if (info.Length() < 4 || !info[0].IsTypedArray() || !ArgInt(info, 1, &count) ||
      !info[2].IsTypedArray() || !info[3].IsTypedArray() ||
      (info.Length() > 4 && !info[4].IsUndefined() && !info[4].IsTypedArray()))
    return ThrowType(env, "describeSockets(fds, count, out, cookies, names?)");
  Napi::Int32Array fds = info[0].As<Napi::Int32Array>();
  Napi::Int32Array out = info[2].As<Napi::Int32Array>();
  Napi::BigUint64Array cookies = info[3].As<Napi::BigUint64Array>();
  char* names = nullptr;
  size_t namesLength = 0;
  if (info.Length() > 4 && info[4].IsTypedArray()) {
    Napi::Uint8Array array = info[4].As<Napi::Uint8Array>();
    names = reinterpret_cast<char*>(array.Data());
    namesLength = array.ElementLength();
  }
  if (count < 0 || static_cast<size_t>(count) > fds.ElementLength() ||
      static_cast<size_t>(count) * kInfoInts > out.ElementLength() ||
      static_cast<size_t>(count) > cookies.ElementLength() ||
      (names != nullptr && static_cast<size_t>(count) * kNameBytes > namesLength))
    return ThrowType(env, "describeSockets: arrays shorter than count");
  for (int i = 0; i < count; i++) {
    DescribeSocket(fds[i], out.Data() + i * kInfoInts, cookies.Data() + i, names == nullptr ? nullptr : names + i * kNameBytes);
  }
  return env.Undefined();
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
