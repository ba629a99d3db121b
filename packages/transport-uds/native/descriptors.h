// Synchronous calls on raw descriptors: close, dup, open check, socket options, SO_COOKIE, socket
// kind, and a connected SOCK_SEQPACKET pair. Each throws (errno, syscall) on failure; none blocks.
#ifndef SANSHARE_UDS_DESCRIPTORS_H_
#define SANSHARE_UDS_DESCRIPTORS_H_

#include <napi.h>

namespace uds {

// closeFd(fd): closes once, never retried (Linux releases the descriptor even on EINTR).
Napi::Value CloseFd(const Napi::CallbackInfo& info);

// dupFd(fd) -> fd: F_DUPFD_CLOEXEC, the copy shares the open file.
Napi::Value DupFd(const Napi::CallbackInfo& info);

// isOpen(fd) -> boolean (fcntl F_GETFD; no side effect).
Napi::Value IsOpen(const Napi::CallbackInfo& info);

// getSockOptInt(fd, level, name) -> int / setSockOptInt(fd, level, name, value).
Napi::Value GetSockOptInt(const Napi::CallbackInfo& info);
Napi::Value SetSockOptInt(const Napi::CallbackInfo& info);

// getSocketCookie(fd) -> bigint: the kernel's id of the socket, equal in every process sharing it.
Napi::Value GetSocketCookie(const Napi::CallbackInfo& info);

// getLinger(fd) -> [onoff, seconds] / setLinger(fd, onoff, seconds).
Napi::Value GetLinger(const Napi::CallbackInfo& info);
Napi::Value SetLinger(const Napi::CallbackInfo& info);

// describeSockets(fds: Int32Array, count, out: Int32Array, cookies: BigUint64Array, names?: Uint8Array):
// describes fds[0..count) in one call: per descriptor twelve ints in out (errno or 0, the failed call, SO_DOMAIN,
// SO_TYPE, SO_PROTOCOL, flags: 1 SO_ACCEPTCONN, 2 connected; then, with `names` (a Uint8Array of
// 96 bytes per descriptor), the family, port and text length of the local and of the peer address,
// their text in names) and its SO_COOKIE in cookies. Never throws for a descriptor: each slot says
// its own failure (ENOTSOCK, EBADF...).
Napi::Value DescribeSockets(const Napi::CallbackInfo& info);

// socketpair() -> [fd, fd], a connected SOCK_SEQPACKET pair (tests, and in-process hand-offs).
Napi::Value SocketPair(const Napi::CallbackInfo& info);

}  // namespace uds

#endif  // SANSHARE_UDS_DESCRIPTORS_H_
