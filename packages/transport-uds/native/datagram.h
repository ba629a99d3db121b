// One datagram to a Unix datagram socket, without a socket of Node's: what systemd's sd_notify
// protocol needs (READY=1, MAINPID=...), since Node has no AF_UNIX SOCK_DGRAM sockets.
#ifndef SANSHARE_UDS_DATAGRAM_H_
#define SANSHARE_UDS_DATAGRAM_H_

#include <napi.h>

namespace uds {

// sendDatagram(path: string, data: Uint8Array) -> bytes sent. `path` beginning with '@' names an
// abstract socket (Linux), as $NOTIFY_SOCKET may. Throws errno/syscall on failure.
Napi::Value SendDatagram(const Napi::CallbackInfo& info);

}  // namespace uds

#endif  // SANSHARE_UDS_DATAGRAM_H_
