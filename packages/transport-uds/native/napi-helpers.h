// How every native call reads its arguments and reports a failure, so that the TypeScript side
// can turn any of them into a UdsError the same way.
#ifndef SANSHARE_UDS_NAPI_HELPERS_H_
#define SANSHARE_UDS_NAPI_HELPERS_H_

#include <napi.h>

#include <cstddef>

namespace uds {

// Throws an Error carrying `errno` (positive) and `syscall`; returns undefined for the caller to
// return. The TypeScript side maps errno to a UdsError code (src/errors.ts, fromNativeError).
Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall);

// Throws a TypeError naming the call's expected signature: a bug of the TypeScript wrapper, which
// validates every argument before calling in.
Napi::Value ThrowType(Napi::Env env, const char* what);

// Reads argument `i` as a 32-bit integer; false when it is missing or not a number.
bool ArgInt(const Napi::CallbackInfo& info, size_t i, int* out);

}  // namespace uds

#endif  // SANSHARE_UDS_NAPI_HELPERS_H_
