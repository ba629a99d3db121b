// Poller: a uv_poll_t on Node's own event loop, watching one descriptor, so that readiness costs
// no thread per connection and no busy loop. JavaScript decides what to do when the descriptor is
// readable or writable (src/connection.ts, src/listen.ts); this class only reports it.
#ifndef SANSHARE_UDS_POLLER_H_
#define SANSHARE_UDS_POLLER_H_

#include <napi.h>
#include <uv.h>

namespace uds {

// new Poller(fd, callback(status, events)); start(events), stop(), close(), ref(), unref().
// callback runs as a normal macrotask, so promise reactions settle right after it
// (napi_make_callback drains the microtask queue).
class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Init(Napi::Env env);

  explicit Poller(const Napi::CallbackInfo& info);
  ~Poller() override;

 private:
  static void OnCleanup(void* arg);
  static void OnPoll(uv_poll_t* handle, int status, int events);

  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value RefLoop(const Napi::CallbackInfo& info);
  Napi::Value UnrefLoop(const Napi::CallbackInfo& info);
  void Release();

  uv_poll_t* handle_ = nullptr;
  napi_env env_ = nullptr;
  bool hooked_ = false;
  Napi::FunctionReference callback_;
  // True while this object is Ref()ed because the loop may call it (between start and close).
  bool pinned_ = false;
};

}  // namespace uds

#endif  // SANSHARE_UDS_POLLER_H_
