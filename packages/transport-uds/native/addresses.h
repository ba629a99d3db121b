// A socket's local and peer addresses from its descriptor, without wrapping it in a net.Socket:
// getsockname + getpeername in one call.
#ifndef SANSHARE_UDS_ADDRESSES_H_
#define SANSHARE_UDS_ADDRESSES_H_

#include <napi.h>
#include <sys/socket.h>

#include <cstddef>

namespace uds {

// Fills family (4, 6, or 0 for another family), the text form (inet_ntop, `size` >= INET6_ADDRSTRLEN)
// and port of an address; false when the family is not IP.
bool DescribeAddress(const sockaddr_storage& ss, int* family, char* text, size_t size, int* port);

// socketAddresses(fd) -> [localFamily, localAddress, localPort, peerFamily, peerAddress, peerPort]
// for an AF_INET/AF_INET6 socket (family 4 or 6; peer family 0 and '' when not connected).
// Throws errno/syscall when getsockname fails or the socket is not an IP socket (EAFNOSUPPORT).
Napi::Value SocketAddresses(const Napi::CallbackInfo& info);

}  // namespace uds

#endif  // SANSHARE_UDS_ADDRESSES_H_
