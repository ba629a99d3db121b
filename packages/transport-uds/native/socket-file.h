// The listener's socket file and the calls that make a connection through it: bind with the
// stale-file policy and the 0600 mode (listen), connect, accept.
#ifndef SANSHARE_UDS_SOCKET_FILE_H_
#define SANSHARE_UDS_SOCKET_FILE_H_

#include <napi.h>

namespace uds {

// listen(path, backlog) -> fd. Throws (errno, syscall) on failure.
Napi::Value Listen(const Napi::CallbackInfo& info);

// connect(path) -> fd. Throws (errno, syscall) on failure, EAGAIN included.
Napi::Value Connect(const Napi::CallbackInfo& info);

// accept(fd) -> fd | -errno (hot path: no exception for EAGAIN).
Napi::Value Accept(const Napi::CallbackInfo& info);

}  // namespace uds

#endif  // SANSHARE_UDS_SOCKET_FILE_H_
