#include "addresses.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "napi-helpers.h"

namespace uds {

// Fills family (4, 6, or 0 for another family), text and port from an address; false when the
// family is not IP.
bool DescribeAddress(const sockaddr_storage& ss, int* family, char* text, size_t size, int* port) {
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    *family = 4;
    *port = ntohs(in->sin_port);
    return inet_ntop(AF_INET, &in->sin_addr, text, size) != nullptr;
  }
  if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    *family = 6;
    *port = ntohs(in6->sin6_port);
    return inet_ntop(AF_INET6, &in6->sin6_addr, text, size) != nullptr;
  }
  *family = 0;
  return false;
}

Napi::Value SocketAddresses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, &fd)) return ThrowType(env, "socketAddresses(fd)");
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return ThrowErrno(env, errno, "getsockname");
  char localText[INET6_ADDRSTRLEN] = "";
  int localFamily = 0;
  int localPort = 0;
  if (!DescribeAddress(local, &localFamily, localText, sizeof(localText), &localPort)) return ThrowErrno(env, EAFNOSUPPORT, "getsockname");
  sockaddr_storage peer{};
  length = sizeof(peer);
  char peerText[INET6_ADDRSTRLEN] = "";
  int peerFamily = 0;
  int peerPort = 0;
  // Not connected (ENOTCONN), or reset: no peer, which is an answer, not a failure.
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == 0 &&
      !DescribeAddress(peer, &peerFamily, peerText, sizeof(peerText), &peerPort)) {
    peerFamily = 0;
    peerText[0] = '\0';
    peerPort = 0;
  }
  Napi::Array out = Napi::Array::New(env, 6);
  out.Set(0u, Napi::Number::New(env, localFamily));
  out.Set(1u, Napi::String::New(env, localText));
  out.Set(2u, Napi::Number::New(env, localPort));
  out.Set(3u, Napi::Number::New(env, peerFamily));
  out.Set(4u, Napi::String::New(env, peerText));
  out.Set(5u, Napi::Number::New(env, peerPort));
  return out;
}

}  // namespace uds
