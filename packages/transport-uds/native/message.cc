#include "message.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "constants.h"
#include "napi-helpers.h"

namespace uds {

namespace {

// Control buffers live on the stack, sized for SCM_MAX_FD plus one (to see "too many").
constexpr size_t kControlBytes = CMSG_SPACE(sizeof(int) * (kMaxFds + 1));

}  // namespace

// One record: head and body are gathered by the kernel (no copy here); fds ride as SCM_RIGHTS.
Napi::Value SendMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, off, blen, nfds;
  if (info.Length() < 7 || !ArgInt(info, 0, &fd) || !info[1].IsTypedArray() ||
      !info[2].IsTypedArray() || !ArgInt(info, 3, &off) || !ArgInt(info, 4, &blen) ||
      !ArgInt(info, 6, &nfds))
    return ThrowType(env, "sendmsg(fd, head, body, offset, length, fds, nfds)");
  Napi::Uint8Array head = info[1].As<Napi::Uint8Array>();
  Napi::Uint8Array body = info[2].As<Napi::Uint8Array>();
  if (off < 0 || blen < 0 || static_cast<size_t>(off) + static_cast<size_t>(blen) > body.ByteLength())
    return ThrowType(env, "sendmsg: body range out of bounds");
  iovec iov[2];
  iov[0].iov_base = head.Data();
  iov[0].iov_len = head.ByteLength();
  iov[1].iov_base = body.Data() + off;
  iov[1].iov_len = static_cast<size_t>(blen);
  msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = iov;
  msg.msg_iovlen = blen > 0 ? 2 : 1;
  alignas(cmsghdr) char control[kControlBytes];
  if (nfds > 0) {
    if (!info[5].IsTypedArray()) return ThrowType(env, "sendmsg: fds must be an Int32Array");
    Napi::Int32Array fds = info[5].As<Napi::Int32Array>();
    if (static_cast<size_t>(nfds) > fds.ElementLength() || nfds > kMaxFds)
      return ThrowType(env, "sendmsg: nfds");
    memset(control, 0, CMSG_SPACE(sizeof(int) * nfds));
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(cm), fds.Data(), sizeof(int) * nfds);
  }
  ssize_t n;
  do {
    // MSG_NOSIGNAL: a closed peer is an EPIPE to report, never a SIGPIPE that kills the process.
    n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  return Napi::Number::New(env, n >= 0 ? static_cast<double>(n) : -errno);
}

// meta[0] = descriptors received (kept, CLOEXEC), meta[1] = kFlag* bits, meta[2..] = descriptors.
// Descriptors beyond maxFds are closed here and reported with kFlagOverLimit, so none leaks.
// MSG_CTRUNC is reported apart (kFlagCtrunc): with room for maxFds + 1 in the control buffer, the
// kernel sets it either because the peer sent more than that (then kFlagOverLimit is set too) or
// because it could not install every descriptor in this process (RLIMIT_NOFILE reached, or a
// security module refused one): it then delivers the ones installed so far, in the order sent, and
// releases the rest.
Napi::Value RecvMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, maxFds;
  if (info.Length() < 4 || !ArgInt(info, 0, &fd) || !info[1].IsTypedArray() ||
      !info[2].IsTypedArray() || !ArgInt(info, 3, &maxFds) || maxFds < 0)
    return ThrowType(env, "recvmsg(fd, buf, meta, maxFds)");
  Napi::Uint8Array buf = info[1].As<Napi::Uint8Array>();
  Napi::Int32Array meta = info[2].As<Napi::Int32Array>();
  if (meta.ElementLength() < static_cast<size_t>(maxFds) + 2)
    return ThrowType(env, "recvmsg: meta too short");
  iovec iov;
  iov.iov_base = buf.Data();
  iov.iov_len = buf.ByteLength();
  // Room for one more descriptor than allowed, so "too many" is seen even when alignment
  // padding would have hidden it.
  if (maxFds > kMaxFds) return ThrowType(env, "recvmsg: maxFds above SCM_MAX_FD");
  alignas(cmsghdr) char control[kControlBytes];
  msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * (maxFds + 1));
  ssize_t n;
  do {
    n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  meta[0] = 0;
  meta[1] = 0;
  if (n < 0) return Napi::Number::New(env, -errno);
  int kept = 0;
  int flags = 0;
  if (msg.msg_flags & MSG_TRUNC) flags |= kFlagTrunc;
  if (msg.msg_flags & MSG_CTRUNC) flags |= kFlagCtrunc;
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    int* in = reinterpret_cast<int*>(CMSG_DATA(cm));
    for (size_t i = 0; i < count; i++) {
      int rfd;
      memcpy(&rfd, in + i, sizeof(int));
      if (kept < maxFds) {
        meta[2 + kept] = rfd;
        kept++;
      } else {
        close(rfd);
        flags |= kFlagOverLimit;
      }
    }
  }
  meta[0] = kept;
  if (n == 0 && kept == 0 && !(flags & kFlagTrunc)) {
    // SOCK_SEQPACKET returns 0 both for an empty record and for the peer's shutdown; a peek tells
    // them apart (after EOF it returns 0 again, after an empty record EAGAIN or the next record).
    char c;
    ssize_t p;
    do {
      p = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    } while (p < 0 && errno == EINTR);
    if (p == 0) flags |= kFlagEof;
  }
  meta[1] = flags;
  return Napi::Number::New(env, static_cast<double>(n));
}

Napi::Value PeerCred(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, &fd)) return ThrowType(env, "peerCred(fd)");
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    return ThrowErrno(env, errno, "getsockopt");
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, Napi::Number::New(env, cred.pid));
  out.Set(1u, Napi::Number::New(env, cred.uid));
  out.Set(2u, Napi::Number::New(env, cred.gid));
  return out;
}

}  // namespace uds
