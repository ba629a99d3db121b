// One record at a time: sendmsg/recvmsg with SCM_RIGHTS descriptors, and the peer's kernel
// credentials (SO_PEERCRED). The framing of records into messages is TypeScript (src/frame-*.ts).
#ifndef SANSHARE_UDS_MESSAGE_H_
#define SANSHARE_UDS_MESSAGE_H_

#include <napi.h>

namespace uds {

// Bits of meta[1] after recvmsg: our own, stable values (not the kernel's MSG_* numbers), mirrored
// by RECV_* in src/load-binding.ts.
constexpr int kFlagTrunc = 1;      // the record was longer than the buffer (MSG_TRUNC)
constexpr int kFlagCtrunc = 2;     // the kernel dropped descriptors (MSG_CTRUNC): out of descriptors
constexpr int kFlagEof = 4;        // orderly shutdown by the peer (no record)
constexpr int kFlagOverLimit = 8;  // more than maxFds descriptors arrived (the extra ones closed here)

// sendmsg(fd, head, body, bodyOffset, bodyLength, fds: Int32Array | null, nfds) -> bytes | -errno.
Napi::Value SendMsg(const Napi::CallbackInfo& info);

// recvmsg(fd, buf, meta: Int32Array, maxFds) -> bytes | -errno; meta says what came with it.
Napi::Value RecvMsg(const Napi::CallbackInfo& info);

// peerCred(fd) -> [pid, uid, gid] as the kernel recorded them at connect()/listen().
Napi::Value PeerCred(const Napi::CallbackInfo& info);

}  // namespace uds

#endif  // SANSHARE_UDS_MESSAGE_H_
