// Native half of @sanshare/transport-uds: the few syscalls libuv does not expose.
//
// Why an addon at all: libuv's stream reader calls recvmsg() itself and keeps (or drops) the
// ancillary data, so a Node net.Socket over a Unix socket cannot deliver SCM_RIGHTS descriptors
// together with the bytes that carried them. Here the addon owns the Unix socket: JavaScript asks
// for one sendmsg()/recvmsg() at a time and learns readiness from a uv_poll_t on Node's own event
// loop (no thread per connection, no busy loop).
//
// Conventions: hot-path calls (sendmsg, recvmsg, accept) return a negative errno instead of
// throwing, so EAGAIN costs no exception; set-up calls throw an Error carrying `errno` and `syscall`,
// which the TypeScript side turns into a UdsError.
#include <napi.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <vector>

#ifndef SO_COOKIE
#define SO_COOKIE 57  // Linux 4.13+
#endif

namespace {

// Bits of meta[1] after recvmsg (our own, stable values; not the kernel's MSG_* numbers).
constexpr int kFlagTrunc = 1;   // the record was longer than the buffer (MSG_TRUNC)
constexpr int kFlagCtrunc = 2;  // more descriptors than allowed (MSG_CTRUNC or over the limit)
constexpr int kFlagEof = 4;     // orderly shutdown by the peer (no record)

// SCM_MAX_FD (include/net/scm.h): the kernel never passes more in one message. Control buffers
// live on the stack, sized for that plus one (to see "too many").
constexpr int kMaxFds = 253;
constexpr size_t kControlBytes = CMSG_SPACE(sizeof(int) * (kMaxFds + 1));

Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall) {
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowType(Napi::Env env, const char* what) {
  Napi::TypeError::New(env, what).ThrowAsJavaScriptException();
  return env.Undefined();
}

bool ArgInt(const Napi::CallbackInfo& info, size_t i, int* out) {
  if (info.Length() <= i || !info[i].IsNumber()) return false;
  *out = info[i].As<Napi::Number>().Int32Value();
  return true;
}

// Fills a sockaddr_un; the TypeScript side has already checked the length against sun_path.
bool FillAddr(const std::string& path, sockaddr_un* addr, socklen_t* len) {
  if (path.empty() || path.size() >= sizeof(addr->sun_path)) return false;
  memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  memcpy(addr->sun_path, path.data(), path.size());
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return true;
}

int NewSeqpacket() {
  return socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

// listen(path, backlog) -> fd. A stale socket file (nobody accepting: ECONNREFUSED) is replaced;
// a live one is never stolen (EADDRINUSE); a path that exists but is no socket is left alone (EEXIST).
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

// connect(path) -> fd; throws (EAGAIN when the listener's backlog is full: the caller retries).
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

// socketpair() -> [fd, fd], a connected SOCK_SEQPACKET pair (tests, and in-process hand-offs).
Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
    return ThrowErrno(env, errno, "socketpair");
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, sv[0]));
  out.Set(1u, Napi::Number::New(env, sv[1]));
  return out;
}

// accept(fd) -> fd | -errno
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

// peerCred(fd) -> [pid, uid, gid] as the kernel recorded them at connect()/listen().
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

// sendmsg(fd, head, body, bodyOffset, bodyLength, fds: Int32Array | null, nfds) -> bytes | -errno.
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
    n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  return Napi::Number::New(env, n >= 0 ? static_cast<double>(n) : -errno);
}

// recvmsg(fd, buf, meta: Int32Array, maxFds) -> bytes | -errno.
// meta[0] = descriptors received (kept, CLOEXEC), meta[1] = kFlag* bits, meta[2..] = descriptors.
// Descriptors beyond maxFds are closed here and reported with kFlagCtrunc, so none leaks.
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
        flags |= kFlagCtrunc;
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
  int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (d < 0) return ThrowErrno(env, errno, "fcntl");
  return Napi::Number::New(env, d);
}

// isOpen(fd) -> boolean (fcntl F_GETFD; no side effect).
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

// socketInfo(fd) -> [domain, type, protocol] | null (not a socket); throws on EBADF.
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

// Poller: a uv_poll_t on Node's loop. callback(status, events) runs as a normal macrotask, so
// promise reactions settle right after it (MakeCallback drains the microtask queue).
class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Poller",
                       {InstanceMethod("start", &Poller::Start), InstanceMethod("stop", &Poller::Stop),
                        InstanceMethod("close", &Poller::Close), InstanceMethod("ref", &Poller::RefLoop),
                        InstanceMethod("unref", &Poller::UnrefLoop)});
  }

  explicit Poller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Poller>(info) {
    Napi::Env env = info.Env();
    int fd;
    if (!ArgInt(info, 0, &fd) || info.Length() < 2 || !info[1].IsFunction()) {
      ThrowType(env, "new Poller(fd, callback)");
      return;
    }
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
      ThrowType(env, "Poller: no event loop");
      return;
    }
    handle_ = new uv_poll_t;
    int rc = uv_poll_init(loop, handle_, fd);
    if (rc != 0) {
      delete handle_;
      handle_ = nullptr;
      ThrowErrno(env, -rc, "uv_poll_init");
      return;
    }
    handle_->data = this;
    callback_ = Napi::Persistent(info[1].As<Napi::Function>());
    // At environment teardown (the process exits with this handle unref()ed and open), JavaScript
    // can no longer run: stop polling before Node drains the loop one last time.
    env_ = env;
    napi_add_env_cleanup_hook(env_, OnCleanup, this);
    hooked_ = true;
  }

  ~Poller() override { Release(); }

 private:
  static void OnCleanup(void* arg) {
    Poller* self = static_cast<Poller*>(arg);
    self->hooked_ = false;  // Node has already dropped the hook
    self->Release();
  }

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    Poller* self = static_cast<Poller*>(handle->data);
    if (self == nullptr) return;
    napi_env env = self->env_;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value global, fn, args[2], result;
    napi_get_global(env, &global);
    fn = self->callback_.Value();
    napi_create_int32(env, status, &args[0]);
    napi_create_int32(env, events, &args[1]);
    // The C API, not node-addon-api's MakeCallback: that one aborts the process when the call
    // fails, which it does while the environment is shutting down.
    napi_status rc = napi_make_callback(env, nullptr, global, fn, 2, args, &result);
    if (rc == napi_pending_exception) {
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
    }
    napi_close_handle_scope(env, scope);
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int events;
    if (!ArgInt(info, 0, &events)) return ThrowType(env, "start(events)");
    if (handle_ == nullptr) return ThrowErrno(env, EBADF, "uv_poll_start");
    int rc = uv_poll_start(handle_, events, OnPoll);
    if (rc != 0) return ThrowErrno(env, -rc, "uv_poll_start");
    if (!pinned_) {
      Ref();  // keep this object (and its callback) alive while the loop may call it
      pinned_ = true;
    }
    return env.Undefined();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_poll_stop(handle_);
    return info.Env().Undefined();
  }

  // Stops polling and releases the handle; the descriptor itself stays open (the caller closes it,
  // which is safe right away: uv_poll_stop has removed it from epoll).
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Release();
    if (pinned_) {
      pinned_ = false;
      Unref();
    }
    return info.Env().Undefined();
  }

  Napi::Value RefLoop(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value UnrefLoop(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  void Release() {
    if (hooked_) {
      napi_remove_env_cleanup_hook(env_, OnCleanup, this);
      hooked_ = false;
    }
    if (handle_ == nullptr) return;
    uv_poll_stop(handle_);
    handle_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(handle_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    handle_ = nullptr;
  }

  uv_poll_t* handle_ = nullptr;
  napi_env env_ = nullptr;
  bool hooked_ = false;
  Napi::FunctionReference callback_;
  bool pinned_ = false;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("listen", Napi::Function::New(env, Listen));
  exports.Set("connect", Napi::Function::New(env, Connect));
  exports.Set("socketpair", Napi::Function::New(env, SocketPair));
  exports.Set("accept", Napi::Function::New(env, Accept));
  exports.Set("peerCred", Napi::Function::New(env, PeerCred));
  exports.Set("sendmsg", Napi::Function::New(env, SendMsg));
  exports.Set("recvmsg", Napi::Function::New(env, RecvMsg));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd));
  exports.Set("dupFd", Napi::Function::New(env, DupFd));
  exports.Set("isOpen", Napi::Function::New(env, IsOpen));
  exports.Set("getSockOptInt", Napi::Function::New(env, GetSockOptInt));
  exports.Set("setSockOptInt", Napi::Function::New(env, SetSockOptInt));
  exports.Set("getSocketCookie", Napi::Function::New(env, GetSocketCookie));
  exports.Set("getLinger", Napi::Function::New(env, GetLinger));
  exports.Set("setLinger", Napi::Function::New(env, SetLinger));
  exports.Set("socketInfo", Napi::Function::New(env, SocketInfo));
  exports.Set("Poller", Poller::Init(env));
  exports.Set("SUN_PATH_MAX", Napi::Number::New(env, sizeof(sockaddr_un{}.sun_path) - 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(transport_uds, Init)
