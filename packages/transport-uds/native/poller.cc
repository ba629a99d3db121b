#include "poller.h"

#include <errno.h>

#include "napi-helpers.h"

namespace uds {

Napi::Function Poller::Init(Napi::Env env) {
  return DefineClass(env, "Poller",
                     {InstanceMethod("start", &Poller::Start), InstanceMethod("stop", &Poller::Stop),
                      InstanceMethod("close", &Poller::Close), InstanceMethod("ref", &Poller::RefLoop),
                      InstanceMethod("unref", &Poller::UnrefLoop)});
}

Poller::Poller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Poller>(info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgInt(info, 0, &fd) || info.Length() < 2 || !info[1].IsFunction()) {
    ThrowType(env, "new Poller(fd, callback)");
    return;
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    ThrowType(env, "Poller: no event loop");
    return;
  }
  handle_ = new uv_poll_t;
  int rc = uv_poll_init(loop, handle_, fd);
  if (rc != 0) {
    delete handle_;
    handle_ = nullptr;
    ThrowErrno(env, -rc, "uv_poll_init");
    return;
  }
  handle_->data = this;
  callback_ = Napi::Persistent(info[1].As<Napi::Function>());
  // At environment teardown (the process exits with this handle unref()ed and open), JavaScript
  // can no longer run: stop polling before Node drains the loop one last time.
  env_ = env;
  napi_add_env_cleanup_hook(env_, OnCleanup, this);
  hooked_ = true;
}

Poller::~Poller() { Release(); }

void Poller::OnCleanup(void* arg) {
  Poller* self = static_cast<Poller*>(arg);
  self->hooked_ = false;  // Node has already dropped the hook
  self->Release();
}

void Poller::OnPoll(uv_poll_t* handle, int status, int events) {
  Poller* self = static_cast<Poller*>(handle->data);
  if (self == nullptr) return;
  napi_env env = self->env_;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value global, fn, args[2], result;
  napi_get_global(env, &global);
  fn = self->callback_.Value();
  napi_create_int32(env, status, &args[0]);
  napi_create_int32(env, events, &args[1]);
  // The C API, not node-addon-api's MakeCallback: that one aborts the process when the call
  // fails, which it does while the environment is shutting down.
  napi_status rc = napi_make_callback(env, nullptr, global, fn, 2, args, &result);
  if (rc == napi_pending_exception) {
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

Napi::Value Poller::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int events;
  if (!ArgInt(info, 0, &events)) return ThrowType(env, "start(events)");
  if (handle_ == nullptr) return ThrowErrno(env, EBADF, "uv_poll_start");
  int rc = uv_poll_start(handle_, events, OnPoll);
  if (rc != 0) return ThrowErrno(env, -rc, "uv_poll_start");
  if (!pinned_) {
    Ref();  // keep this object (and its callback) alive while the loop may call it
    pinned_ = true;
  }
  return env.Undefined();
}

Napi::Value Poller::Stop(const Napi::CallbackInfo& info) {
  if (handle_ != nullptr) uv_poll_stop(handle_);
  return info.Env().Undefined();
}

// Stops polling and releases the handle; the descriptor itself stays open (the caller closes it,
// which is safe right away: uv_poll_stop has removed it from epoll).
Napi::Value Poller::Close(const Napi::CallbackInfo& info) {
  Release();
  if (pinned_) {
    pinned_ = false;
    Unref();
  }
  return info.Env().Undefined();
}

Napi::Value Poller::RefLoop(const Napi::CallbackInfo& info) {
  if (handle_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
  return info.Env().Undefined();
}

Napi::Value Poller::UnrefLoop(const Napi::CallbackInfo& info) {
  if (handle_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
  return info.Env().Undefined();
}

void Poller::Release() {
  if (hooked_) {
    napi_remove_env_cleanup_hook(env_, OnCleanup, this);
    hooked_ = false;
  }
  if (handle_ == nullptr) return;
  uv_poll_stop(handle_);
  handle_->data = nullptr;
  // libuv frees a handle only after its close callback: the memory outlives this object.
  uv_close(reinterpret_cast<uv_handle_t*>(handle_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
  handle_ = nullptr;
}

}  // namespace uds
