// The single Node-API binding file: marshals JS values to the plain C core and back.
#include <napi.h>
#include <unistd.h>

namespace {
Napi::Value GetPid(const Napi::CallbackInfo &info)
{
  return Napi::Number::New(info.Env(), static_cast<double>(::getpid()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports)
{
  exports.Set("getpid", Napi::Function::New(env, GetPid, "getpid"));
  return exports;
}
} // namespace

NODE_API_MODULE(nsinit_native, Init)
