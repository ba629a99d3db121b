#include "datagram.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

#include "napi-helpers.h"

namespace uds {

Napi::Value SendDatagram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsTypedArray())
    return ThrowType(env, "sendDatagram(path, data)");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Uint8Array data = info[1].As<Napi::Uint8Array>();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // An abstract address has no terminating NUL and counts exactly its bytes; a path counts its NUL.
  const bool abstract = !path.empty() && path[0] == '@';
  if (path.empty() || path.size() + (abstract ? 0 : 1) > sizeof(addr.sun_path))
    return ThrowErrno(env, ENAMETOOLONG, "sendto");
  memcpy(addr.sun_path, path.data(), path.size());
  if (abstract) addr.sun_path[0] = '\0';
  const socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ThrowErrno(env, errno, "socket");
  // MSG_DONTWAIT: this runs on JavaScript's thread, so a receiver that does not read (its queue full)
  // must be an EAGAIN to report, never a wait that blocks the whole process for good.
  ssize_t sent;
  do {
    sent = sendto(fd, data.Data(), data.ByteLength(), MSG_NOSIGNAL | MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&addr), length);
  } while (sent < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (sent < 0) return ThrowErrno(env, err, "sendto");
  return Napi::Number::New(env, static_cast<double>(sent));
}

}  // namespace uds
