// Native half of @sanshare/transport-uds: the few syscalls libuv does not expose. This file only
// registers the module's exports; each concept lives in its own file:
//   socket-file.cc  listen (stale-file policy, 0600 mode), connect, accept
//   message.cc      sendmsg/recvmsg with SCM_RIGHTS, SO_PEERCRED
//   descriptors.cc  close, dup, socket options, SO_COOKIE, socket kind, socketpair
//   addresses.cc    getsockname + getpeername of a descriptor in one call
//   datagram.cc     one datagram to a Unix datagram socket (sd_notify)
//   poller.cc       readiness from a uv_poll_t on Node's event loop
//   napi-helpers.cc how arguments are read and failures thrown
//
// Why an addon at all: libuv's stream reader calls recvmsg() itself and keeps (or drops) the
// ancillary data, so a Node net.Socket over a Unix socket cannot deliver SCM_RIGHTS descriptors
// together with the bytes that carried them. Here the addon owns the Unix socket: JavaScript asks
// for one sendmsg()/recvmsg() at a time and learns readiness from a uv_poll_t on Node's own event
// loop (no thread per connection, no busy loop).
//
// Conventions: hot-path calls (sendmsg, recvmsg, accept) return a negative errno instead of
// throwing, so EAGAIN costs no exception; set-up calls throw an Error carrying `errno` and `syscall`,
// which the TypeScript side turns into a UdsError. The names exported here are the NativeBinding
// interface of src/load-binding.ts, which checks them at load.
#include <napi.h>

#include <sys/un.h>

#include "addresses.h"
#include "datagram.h"
#include "descriptors.h"
#include "message.h"
#include "poller.h"
#include "socket-file.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("listen", Napi::Function::New(env, uds::Listen));
  exports.Set("connect", Napi::Function::New(env, uds::Connect));
  exports.Set("socketpair", Napi::Function::New(env, uds::SocketPair));
  exports.Set("accept", Napi::Function::New(env, uds::Accept));
  exports.Set("peerCred", Napi::Function::New(env, uds::PeerCred));
  exports.Set("sendmsg", Napi::Function::New(env, uds::SendMsg));
  exports.Set("recvmsg", Napi::Function::New(env, uds::RecvMsg));
  exports.Set("closeFd", Napi::Function::New(env, uds::CloseFd));
  exports.Set("dupFd", Napi::Function::New(env, uds::DupFd));
  exports.Set("isOpen", Napi::Function::New(env, uds::IsOpen));
  exports.Set("getSockOptInt", Napi::Function::New(env, uds::GetSockOptInt));
  exports.Set("setSockOptInt", Napi::Function::New(env, uds::SetSockOptInt));
  exports.Set("getSocketCookie", Napi::Function::New(env, uds::GetSocketCookie));
  exports.Set("getLinger", Napi::Function::New(env, uds::GetLinger));
  exports.Set("setLinger", Napi::Function::New(env, uds::SetLinger));
  exports.Set("describeSockets", Napi::Function::New(env, uds::DescribeSockets));
  exports.Set("socketAddresses", Napi::Function::New(env, uds::SocketAddresses));
  exports.Set("sendDatagram", Napi::Function::New(env, uds::SendDatagram));
  exports.Set("Poller", uds::Poller::Init(env));
  // sun_path's capacity minus its terminating NUL: the longest path listen/connect accept.
  exports.Set("SUN_PATH_MAX", Napi::Number::New(env, sizeof(sockaddr_un{}.sun_path) - 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(transport_uds, Init)
