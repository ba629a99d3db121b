// Numbers the native files share, each with the reason it has that value.
#ifndef SANSHARE_UDS_CONSTANTS_H_
#define SANSHARE_UDS_CONSTANTS_H_

#include <sys/socket.h>

#ifndef SO_COOKIE
#define SO_COOKIE 57  // Linux 4.13+; older C libraries lack the name, not the kernel the option
#endif

namespace uds {

// Every socket this addon makes: SOCK_SEQPACKET keeps each record and the descriptors sent with it
// together; non-blocking because readiness comes from a uv_poll_t, never from a blocked call;
// close-on-exec so that a child process never inherits a transport socket by accident.
constexpr int kSeqpacketType = SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC;

// SCM_MAX_FD (include/net/scm.h): the kernel never passes more descriptors in one message.
constexpr int kMaxFds = 253;

}  // namespace uds

#endif  // SANSHARE_UDS_CONSTANTS_H_
