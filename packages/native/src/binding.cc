// The single Node-API file: marshals JS values to the plain C core (nsinit.h) and back. Errors are
// built by the factories lib/load.ts passes to init() (NsinitError), so every throw carries code,
// errno, syscall and path like Node's SystemError. No C++ exceptions (NAPI_DISABLE_CPP_EXCEPTIONS).
#include <napi.h>

#include <fcntl.h>
#include <unistd.h>
#include <termios.h>

#include <cerrno>
#include <csignal>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "nsinit.h"

namespace
{

struct AddonData {
  Napi::FunctionReference sysError;
  Napi::FunctionReference planError;
  napi_threadsafe_function tsfn = nullptr;
  int active = 0;
};

AddonData *Data(Napi::Env env)
{
  return env.GetInstanceData<AddonData>();
}

Napi::Value Str(Napi::Env env, const char *s)
{
  return s == nullptr ? env.Undefined() : Napi::String::New(env, s);
}

Napi::Value MakeSysError(Napi::Env env, int err, const char *syscall, const char *path,
                         const char *dest = nullptr)
{
  AddonData *d = Data(env);
  if (d != nullptr && !d->sysError.IsEmpty()) {
    return d->sysError.Call({Napi::Number::New(env, err), Str(env, syscall ? syscall : "unknown"),
                             Str(env, path), Str(env, dest)});
  }
  Napi::Error e = Napi::Error::New(env, std::string(syscall ? syscall : "syscall") +
                                            " failed: " + std::strerror(err));
  e.Set("errno", Napi::Number::New(env, -err));
  return e.Value();
}

Napi::Value ThrowSys(Napi::Env env, const nsinit_err &e)
{
  Napi::Value v = MakeSysError(env, e.err, e.syscall, e.path);
  if (!env.IsExceptionPending()) napi_throw(env, v);
  return env.Undefined();
}

Napi::Value ThrowPlan(Napi::Env env, const char *msg)
{
  AddonData *d = Data(env);
  Napi::Value v;
  if (d != nullptr && !d->planError.IsEmpty())
    v = d->planError.Call({Napi::String::New(env, msg)});
  else
    v = Napi::Error::New(env, std::string("invalid plan: ") + msg).Value();
  if (!env.IsExceptionPending()) napi_throw(env, v);
  return env.Undefined();
}

bool IntArg(const Napi::CallbackInfo &info, size_t i, const char *name, int64_t &out)
{
  if (i >= info.Length() || !info[i].IsNumber()) {
    Napi::TypeError::New(info.Env(), std::string("the \"") + name + "\" argument must be a number")
        .ThrowAsJavaScriptException();
    return false;
  }
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (v != static_cast<double>(static_cast<int64_t>(v))) {
    Napi::RangeError::New(info.Env(),
                          std::string("the \"") + name + "\" argument must be an integer")
        .ThrowAsJavaScriptException();
    return false;
  }
  out = static_cast<int64_t>(v);
  return true;
}

bool FdArg(const Napi::CallbackInfo &info, size_t i, const char *name, int &fd)
{
  int64_t v;
  if (!IntArg(info, i, name, v)) return false;
  if (v < -1 || v > INT32_MAX) {
    Napi::RangeError::New(info.Env(), std::string("the \"") + name + "\" argument is not an fd")
        .ThrowAsJavaScriptException();
    return false;
  }
  fd = static_cast<int>(v);
  return true;
}

bool StrArg(const Napi::CallbackInfo &info, size_t i, const char *name, std::string &out,
            bool nullable = false)
{
  if (nullable && (i >= info.Length() || info[i].IsNull() || info[i].IsUndefined())) return true;
  if (i >= info.Length() || !info[i].IsString()) {
    Napi::TypeError::New(info.Env(), std::string("the \"") + name + "\" argument must be a string")
        .ThrowAsJavaScriptException();
    return false;
  }
  out = info[i].As<Napi::String>().Utf8Value();
  if (out.find('\0') != std::string::npos) {
    Napi::TypeError::New(info.Env(),
                         std::string("the \"") + name + "\" argument contains a NUL byte")
        .ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

nsinit_plan *PlanArg(const Napi::CallbackInfo &info, size_t i)
{
  Napi::Env env = info.Env();
  if (i >= info.Length() || !info[i].IsTypedArray()) {
    Napi::TypeError::New(env, "the \"plan\" argument must be an encoded plan (Uint8Array)")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  Napi::Uint8Array buf = info[i].As<Napi::Uint8Array>();
  nsinit_plan *plan = nullptr;
  nsinit_err e;
  if (nsinit_plan_decode(buf.Data(), buf.ByteLength(), &plan, &e) != 0) {
    ThrowPlan(env, e.msg);
    return nullptr;
  }
  return plan;
}

Napi::Value SpawnedObject(Napi::Env env, const nsinit_spawned &s)
{
  Napi::Object o = Napi::Object::New(env);
  o.Set("pid", Napi::Number::New(env, s.pid));
  o.Set("pidfd", Napi::Number::New(env, s.pidfd));
  o.Set("sync", Napi::Number::New(env, s.sync));
  return o;
}

// --- the plan executor -----------------------------------------------------------------------

Napi::Value Init(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsFunction() || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "init(systemError, invalidPlan) needs two functions")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  AddonData *d = Data(env);
  d->sysError = Napi::Persistent(info[0].As<Napi::Function>());
  d->planError = Napi::Persistent(info[1].As<Napi::Function>());
  return env.Undefined();
}

Napi::Value Spawn(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  nsinit_plan *plan = PlanArg(info, 0);
  if (plan == nullptr) return env.Undefined();
  nsinit_spawned out;
  nsinit_err e;
  if (nsinit_plan_require_mntns(plan, plan->clone_flags, &e) != 0) {
    nsinit_plan_free(plan);
    return ThrowPlan(env, e.msg);
  }
  int rc = nsinit_spawn_start(plan, &out, &e);
  nsinit_plan_free(plan);
  if (rc != 0) return ThrowSys(env, e);
  return SpawnedObject(env, out);
}

Napi::Value Go(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  if (!FdArg(info, 0, "sync", fd)) return env.Undefined();
  nsinit_err e;
  if (nsinit_sync_go(fd, &e) != 0) return ThrowSys(env, e);
  return env.Undefined();
}

// One pending promise, settled on the JS thread by CallJs. WATCH: a watcher result (`res`); SPAWN:
// a clone the spawner thread ran (`rc`, `err`, `out`); FAILED: a job that failed before anything
// was left to watch (`err`).
enum class Pending { WATCH, SPAWN, FAILED };

struct WatchCtx {
  WatchCtx()
  {
    res.listener_fd = res.sync_fd = -1;
  } // owns no fd until a result says so
  AddonData *data;
  napi_deferred deferred;
  Pending pending = Pending::WATCH;
  nsinit_watch_result res{};
  nsinit_join join; // JOIN: the join whose intermediate is watched
  // For the spawner thread's jobs: the decoded plan (freed there) and the outcome.
  nsinit_plan *plan = nullptr;
  int target = -1;
  uint32_t ns = 0;
  int rc = 0;
  nsinit_err err;
  nsinit_spawned out;
};

// A join's intermediate has exited and been reaped (or could not be watched): settle the join.
napi_value JoinOutcome(Napi::Env env, WatchCtx *ctx, bool &ok)
{
  nsinit_err e;
  if (ctx->res.err != 0) {
    nsinit_join_abandon(&ctx->join);
    ok = false;
    return MakeSysError(env, ctx->res.err, ctx->res.syscall, nullptr);
  }
  nsinit_spawned out;
  if (nsinit_join_finish(&ctx->join, &out, &e) != 0) {
    ok = false;
    return MakeSysError(env, e.err, e.syscall, e.path);
  }
  return SpawnedObject(env, out);
}

// What a result owns that nobody will receive (the environment is gone): closed. A spawned child
// nobody will supervise is killed through its pidfd (the process is ending; pdeathsig would
// follow anyway).
void Discard(WatchCtx *ctx)
{
  if (ctx->pending == Pending::WATCH) {
    if (ctx->res.listener_fd >= 0) close(ctx->res.listener_fd);
    if (ctx->res.sync_fd >= 0) close(ctx->res.sync_fd);
    ctx->res.listener_fd = ctx->res.sync_fd = -1;
  }
  if (ctx->pending == Pending::SPAWN && ctx->rc == 0) {
    nsinit_err e;
    nsinit_proc_pidfd_signal(ctx->out.pidfd, SIGKILL, &e);
    close(ctx->out.pidfd);
    close(ctx->out.sync);
  }
  delete ctx;
}

void CallJs(napi_env raw_env, napi_value, void *, void *payload)
{
  WatchCtx *ctx = static_cast<WatchCtx *>(payload);
  if (raw_env == nullptr) {
    Discard(ctx);
    return;
  }
  Napi::Env env(raw_env);
  Napi::HandleScope scope(env);
  const nsinit_watch_result &r = ctx->res;
  napi_value value;
  bool ok = true;
  if (ctx->pending == Pending::SPAWN && ctx->rc == 0) {
    value = SpawnedObject(env, ctx->out);
  } else if (ctx->pending != Pending::WATCH) {
    ok = false;
    value = MakeSysError(env, ctx->err.err, ctx->err.syscall, ctx->err.path);
  } else if (r.kind == NSINIT_WATCH_JOIN) {
    value = JoinOutcome(env, ctx, ok);
  } else if (r.err != 0) {
    ok = false;
    value = MakeSysError(env, r.err, r.syscall, nullptr);
  } else if (r.kind == NSINIT_WATCH_EXIT) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("exitCode", r.signal ? env.Null() : Napi::Number::New(env, r.exit_code));
    o.Set("signal", r.signal ? Napi::Number::New(env, r.signal) : env.Null());
    value = o;
  } else if (r.listener_fd >= 0) {
    // A seccomp listener from the child: the fd for the agent, and the sync socket to watch again
    // (awaitExec takes it). Both belong to JS from here.
    Napi::Object o = Napi::Object::New(env);
    o.Set("listenerFd", Napi::Number::New(env, r.listener_fd));
    o.Set("sync", Napi::Number::New(env, r.sync_fd));
    o.Set("step", Napi::Number::New(env, r.rec.step));
    value = o;
  } else if (!r.failed) {
    value = env.Null();
  } else {
    Napi::Object o = Napi::Object::New(env);
    o.Set("step", Napi::Number::New(env, r.rec.step));
    o.Set("op", Napi::Number::New(env, r.rec.op));
    o.Set("syscall", Napi::String::New(env, r.rec.syscall));
    o.Set("errno", Napi::Number::New(env, r.rec.err));
    o.Set("path", Napi::String::New(env, r.rec.path));
    value = o;
  }
  if (env.IsExceptionPending()) {
    ok = false;
    value = env.GetAndClearPendingException().Value();
  }
  if (ok)
    napi_resolve_deferred(env, ctx->deferred, value);
  else
    napi_reject_deferred(env, ctx->deferred, value);
  AddonData *d = ctx->data;
  // Only keep the event loop alive while something is watched: an idle process may exit.
  if (--d->active == 0) napi_unref_threadsafe_function(env, d->tsfn);
  delete ctx;
}

// From the watcher or the spawner thread: hand the result to the JS thread.
void Deliver(WatchCtx *ctx)
{
  if (napi_call_threadsafe_function(ctx->data->tsfn, ctx, napi_tsfn_blocking) != napi_ok)
    Discard(ctx);
}

void OnWatched(void *c, const nsinit_watch_result *r)
{
  WatchCtx *ctx = static_cast<WatchCtx *>(c);
  ctx->res = *r;
  Deliver(ctx);
}

bool EnsureTsfn(Napi::Env env, AddonData *d)
{
  if (d->tsfn != nullptr) return true;
  napi_value rname = Napi::String::New(env, "nsinit-watch");
  if (napi_create_threadsafe_function(env, nullptr, nullptr, rname, 0, 1, nullptr, nullptr, nullptr,
                                      CallJs, &d->tsfn) != napi_ok) {
    Napi::Error::New(env, "cannot create the watcher's thread-safe function")
        .ThrowAsJavaScriptException();
    return false;
  }
  napi_unref_threadsafe_function(env, d->tsfn);
  return true;
}

Napi::Value Watch(const Napi::CallbackInfo &info, int kind, const char *name)
{
  Napi::Env env = info.Env();
  int fd;
  if (!FdArg(info, 0, name, fd)) return env.Undefined();
  if (fd < 0) {
    Napi::RangeError::New(env, std::string("the \"") + name + "\" argument is not an fd")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  AddonData *d = Data(env);
  if (!EnsureTsfn(env, d)) return env.Undefined();
  napi_deferred deferred;
  napi_value promise;
  napi_create_promise(env, &deferred, &promise);
  WatchCtx *ctx = new WatchCtx();
  ctx->data = d;
  ctx->deferred = deferred;
  if (d->active++ == 0) napi_ref_threadsafe_function(env, d->tsfn);
  nsinit_err e;
  int rc = nsinit_watch_add(fd, kind, OnWatched, ctx, &e);
  // awaitExec takes the sync socket on every path (the watcher holds its own copy): the caller
  // has nothing left to close, and no number of its own that the watcher could touch later.
  if (kind == NSINIT_WATCH_SYNC) close(fd);
  if (rc != 0) {
    if (--d->active == 0) napi_unref_threadsafe_function(env, d->tsfn);
    napi_reject_deferred(env, deferred, MakeSysError(env, e.err, e.syscall, nullptr));
    delete ctx;
  }
  return Napi::Value(env, promise);
}

// A pending promise whose context holds a reference on the thread-safe function until CallJs.
WatchCtx *NewPending(Napi::Env env, AddonData *d, napi_value *promise)
{
  WatchCtx *ctx = new WatchCtx();
  ctx->data = d;
  napi_create_promise(env, &ctx->deferred, promise);
  if (d->active++ == 0) napi_ref_threadsafe_function(env, d->tsfn);
  return ctx;
}

// Settle a pending promise now with `e` (the job never left this thread).
void RejectNow(Napi::Env env, WatchCtx *ctx, const nsinit_err &e)
{
  AddonData *d = ctx->data;
  if (--d->active == 0) napi_unref_threadsafe_function(env, d->tsfn);
  napi_reject_deferred(env, ctx->deferred, MakeSysError(env, e.err, e.syscall, e.path));
  if (ctx->plan != nullptr) nsinit_plan_free(ctx->plan);
  delete ctx;
}

// On the spawner thread: the clone, then the result to the JS thread.
void SpawnJob(void *arg)
{
  WatchCtx *ctx = static_cast<WatchCtx *>(arg);
  ctx->pending = Pending::SPAWN;
  ctx->rc = nsinit_spawn_start(ctx->plan, &ctx->out, &ctx->err);
  nsinit_plan_free(ctx->plan);
  ctx->plan = nullptr;
  Deliver(ctx);
}

// On the spawner thread: the intermediate's clone, then its watch (the watcher settles the join).
void JoinJob(void *arg)
{
  WatchCtx *ctx = static_cast<WatchCtx *>(arg);
  int rc = nsinit_join_begin(ctx->plan, ctx->target, ctx->ns, &ctx->join, &ctx->err);
  nsinit_plan_free(ctx->plan);
  ctx->plan = nullptr;
  if (rc == 0 &&
      nsinit_watch_add(ctx->join.mid_pidfd, NSINIT_WATCH_JOIN, OnWatched, ctx, &ctx->err) == 0)
    return;
  if (rc == 0) nsinit_join_abandon(&ctx->join);
  ctx->pending = Pending::FAILED;
  Deliver(ctx);
}

// The decoded plan (ERR_NSINIT_INVALID_PLAN thrown here, before anything exists) for a job.
// `ns_flags`: the namespaces a join enters, beside those the plan's clone creates.
nsinit_plan *JobPlan(const Napi::CallbackInfo &info, size_t i, uint64_t ns_flags)
{
  nsinit_plan *plan = PlanArg(info, i);
  if (plan == nullptr) return nullptr;
  nsinit_err e;
  if (nsinit_plan_require_mntns(plan, ns_flags | plan->clone_flags, &e) != 0) {
    nsinit_plan_free(plan);
    ThrowPlan(info.Env(), e.msg);
    return nullptr;
  }
  return plan;
}

// spawnAsync: spawn's clone on the spawner thread; the promise settles with the child.
Napi::Value SpawnAsync(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  AddonData *d = Data(env);
  if (!EnsureTsfn(env, d)) return env.Undefined();
  nsinit_plan *plan = JobPlan(info, 0, 0);
  if (plan == nullptr) return env.Undefined();
  napi_value promise;
  WatchCtx *ctx = NewPending(env, d, &promise);
  ctx->plan = plan;
  nsinit_err e;
  if (nsinit_spawner_submit(SpawnJob, ctx, &e) != 0) RejectNow(env, ctx, e);
  return Napi::Value(env, promise);
}

// join: the intermediate is cloned on the spawner thread and reaped by the watcher thread; the
// promise settles with the joiner. Nothing of it runs on (or waits on) the event loop.
Napi::Value Join(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int target;
  int64_t flags;
  if (!FdArg(info, 0, "targetPidfd", target) || !IntArg(info, 1, "nsFlags", flags))
    return env.Undefined();
  AddonData *d = Data(env);
  if (!EnsureTsfn(env, d)) return env.Undefined();
  nsinit_plan *plan = JobPlan(info, 2, static_cast<uint64_t>(flags));
  if (plan == nullptr) return env.Undefined();
  napi_value promise;
  WatchCtx *ctx = NewPending(env, d, &promise);
  ctx->plan = plan;
  ctx->target = target;
  ctx->ns = static_cast<uint32_t>(flags);
  nsinit_err e;
  if (nsinit_spawner_submit(JoinJob, ctx, &e) != 0) RejectNow(env, ctx, e);
  return Napi::Value(env, promise);
}

Napi::Value AwaitExec(const Napi::CallbackInfo &info)
{
  return Watch(info, NSINIT_WATCH_SYNC, "sync");
}

Napi::Value WaitExit(const Napi::CallbackInfo &info)
{
  return Watch(info, NSINIT_WATCH_EXIT, "pidfd");
}

// Test-only: decode and validate a plan buffer without spawning (the fuzz target).
Napi::Value DecodePlan(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  nsinit_plan *plan = PlanArg(info, 0);
  if (plan == nullptr) return env.Undefined();
  Napi::Array ops = Napi::Array::New(env, plan->nsteps);
  for (uint32_t i = 0; i < plan->nsteps; i++)
    ops.Set(i, Napi::String::New(env, nsinit_op_name(plan->steps[i].op)));
  nsinit_plan_free(plan);
  return ops;
}

// Test-only: an fd WITHOUT close-on-exec (Node opens everything CLOEXEC), to prove close-fds.
Napi::Value DupInheritable(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  if (!FdArg(info, 0, "fd", fd)) return env.Undefined();
  int n = fcntl(fd, F_DUPFD, 3);
  if (n < 0) {
    nsinit_err e;
    nsinit_err_set(&e, errno, "fcntl", nullptr);
    return ThrowSys(env, e);
  }
  return Napi::Number::New(env, n);
}

// compileSeccomp(defaultAction, arches[], names[], actions[], args[][]): the BPF program as a
// Buffer. TypeScript validated and resolved the profile (actions are SECCOMP_RET_* values, each
// args entry [index, op, value, valueTwo] with BigInt values); libseccomp compiles it here, in
// the parent, so the child only loads bytes.
Napi::Value CompileSeccomp(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsNumber() || !info[1].IsArray() || !info[2].IsArray() ||
      !info[3].IsArray() || !info[4].IsArray()) {
    Napi::TypeError::New(env, "compileSeccomp(defaultAction, arches, names, actions, args)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array archArr = info[1].As<Napi::Array>(), names = info[2].As<Napi::Array>();
  Napi::Array actions = info[3].As<Napi::Array>(), args = info[4].As<Napi::Array>();
  uint32_t nrules = names.Length();
  if (actions.Length() != nrules || args.Length() != nrules) {
    Napi::TypeError::New(env, "compileSeccomp: names, actions and args differ in length")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<std::string> archStore, nameStore;
  for (uint32_t i = 0; i < archArr.Length(); i++)
    archStore.push_back(archArr.Get(i).ToString().Utf8Value());
  std::vector<const char *> arches;
  for (auto &a : archStore)
    arches.push_back(a.c_str());
  for (uint32_t i = 0; i < nrules; i++)
    nameStore.push_back(names.Get(i).ToString().Utf8Value());
  std::vector<nsinit_seccomp_rule> rules(nrules);
  for (uint32_t i = 0; i < nrules; i++) {
    nsinit_seccomp_rule &r = rules[i];
    r.name = nameStore[i].c_str();
    r.action = actions.Get(i).ToNumber().Uint32Value();
    Napi::Array cmps = args.Get(i).As<Napi::Array>();
    r.nargs = std::min<uint32_t>(cmps.Length(), NSINIT_SECCOMP_MAX_ARGS);
    for (uint32_t j = 0; j < r.nargs; j++) {
      Napi::Array c = cmps.Get(j).As<Napi::Array>();
      bool lossless = true;
      r.args[j].arg = c.Get(0u).ToNumber().Uint32Value();
      r.args[j].op = c.Get(1u).ToNumber().Uint32Value();
      r.args[j].value = c.Get(2u).As<Napi::BigInt>().Uint64Value(&lossless);
      r.args[j].value_two = c.Get(3u).As<Napi::BigInt>().Uint64Value(&lossless);
    }
  }
  if (env.IsExceptionPending()) return env.Undefined();
  nsinit_seccomp_profile p = {info[0].As<Napi::Number>().Uint32Value(), arches.data(),
                              arches.size(), rules.data(), rules.size()};
  unsigned char *out = nullptr;
  size_t len = 0;
  nsinit_err e;
  if (nsinit_seccomp_compile(&p, &out, &len, &e) != 0) return ThrowSys(env, e);
  Napi::Buffer<unsigned char> buf = Napi::Buffer<unsigned char>::Copy(env, out, len);
  free(out);
  return buf;
}

// --- primitives ------------------------------------------------------------------------------

Napi::Value PidfdOpen(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int64_t pid;
  if (!IntArg(info, 0, "pid", pid)) return env.Undefined();
  nsinit_err e;
  int fd = nsinit_proc_pidfd_open(static_cast<pid_t>(pid), &e);
  if (fd < 0) return ThrowSys(env, e);
  return Napi::Number::New(env, fd);
}

Napi::Value PidfdSignal(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  int64_t sig;
  if (!FdArg(info, 0, "pidfd", fd) || !IntArg(info, 1, "signal", sig)) return env.Undefined();
  nsinit_err e;
  int r = nsinit_proc_pidfd_signal(fd, static_cast<int>(sig), &e);
  if (r < 0) return ThrowSys(env, e);
  return Napi::Boolean::New(env, r == 1);
}

Napi::Value StartTime(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int64_t pid;
  if (!IntArg(info, 0, "pid", pid)) return env.Undefined();
  char buf[32];
  nsinit_err e;
  int r = nsinit_proc_start_time(static_cast<pid_t>(pid), buf, sizeof(buf), &e);
  if (r < 0) return ThrowSys(env, e);
  return r == 0 ? env.Null() : Napi::String::New(env, buf);
}

Napi::Value IsMainThread(const Napi::CallbackInfo &info)
{
  return Napi::Boolean::New(info.Env(), nsinit_proc_is_main_thread());
}

Napi::Value OpenPty(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int m, s, pidfd = -1;
  int64_t pid = 0;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!FdArg(info, 0, "pidfd", pidfd) || !IntArg(info, 1, "pid", pid)) return env.Undefined();
  }
  nsinit_err e;
  if (nsinit_pty_open(pidfd, (int)pid, &m, &s, &e) != 0) return ThrowSys(env, e);
  Napi::Object o = Napi::Object::New(env);
  o.Set("master", Napi::Number::New(env, m));
  o.Set("slave", Napi::Number::New(env, s));
  return o;
}

Napi::Value GetWinSize(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  if (!FdArg(info, 0, "fd", fd)) return env.Undefined();
  unsigned cols, rows;
  nsinit_err e;
  if (nsinit_pty_get_winsize(fd, &cols, &rows, &e) != 0) return ThrowSys(env, e);
  Napi::Object o = Napi::Object::New(env);
  o.Set("cols", Napi::Number::New(env, cols));
  o.Set("rows", Napi::Number::New(env, rows));
  return o;
}

Napi::Value SetWinSize(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  int64_t cols, rows;
  if (!FdArg(info, 0, "fd", fd) || !IntArg(info, 1, "cols", cols) || !IntArg(info, 2, "rows", rows))
    return env.Undefined();
  if (cols < 0 || cols > 65535 || rows < 0 || rows > 65535) {
    Napi::RangeError::New(env, "window size must be within 0..65535").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  nsinit_err e;
  if (nsinit_pty_set_winsize(fd, static_cast<unsigned>(cols), static_cast<unsigned>(rows), &e) != 0)
    return ThrowSys(env, e);
  return env.Undefined();
}

Napi::Value MakeRaw(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  if (!FdArg(info, 0, "fd", fd)) return env.Undefined();
  struct termios saved;
  nsinit_err e;
  if (nsinit_pty_make_raw(fd, &saved, &e) != 0) return ThrowSys(env, e);
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t *>(&saved), sizeof(saved));
}

Napi::Value RestoreTermios(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  if (!FdArg(info, 0, "fd", fd)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[1].As<Napi::Uint8Array>().ByteLength() != sizeof(struct termios)) {
    Napi::TypeError::New(env, "the \"saved\" argument must be the Uint8Array makeRaw returned")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct termios t;
  std::memcpy(&t, info[1].As<Napi::Uint8Array>().Data(), sizeof(t));
  nsinit_err e;
  if (nsinit_pty_set_termios(fd, &t, &e) != 0) return ThrowSys(env, e);
  return env.Undefined();
}

Napi::Value GetTermios(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  if (!FdArg(info, 0, "fd", fd)) return env.Undefined();
  struct termios t;
  nsinit_err e;
  if (nsinit_pty_get_termios(fd, &t, &e) != 0) return ThrowSys(env, e);
  Napi::Object o = Napi::Object::New(env);
  o.Set("iflag", Napi::Number::New(env, t.c_iflag));
  o.Set("oflag", Napi::Number::New(env, t.c_oflag));
  o.Set("cflag", Napi::Number::New(env, t.c_cflag));
  o.Set("lflag", Napi::Number::New(env, t.c_lflag));
  return o;
}

Napi::Value Pipe(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fds[2];
  nsinit_err e;
  if (nsinit_proc_pipe(fds, &e) != 0) return ThrowSys(env, e);
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, fds[0]));
  a.Set(1u, Napi::Number::New(env, fds[1]));
  return a;
}

Napi::Value GateListen(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  std::string path;
  if (!StrArg(info, 0, "path", path)) return env.Undefined();
  nsinit_err e;
  int fd = nsinit_gate_listen(path.c_str(), &e);
  if (fd < 0) return ThrowSys(env, e);
  return Napi::Number::New(env, fd);
}

Napi::Value GateConnect(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  std::string path;
  if (!StrArg(info, 0, "path", path)) return env.Undefined();
  nsinit_err e;
  int fd = nsinit_gate_connect(path.c_str(), &e);
  if (fd < 0) return ThrowSys(env, e);
  return Napi::Number::New(env, fd);
}

Napi::Value SendFd(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  std::string path, name;
  int fd;
  if (!StrArg(info, 0, "socketPath", path) || !FdArg(info, 1, "fd", fd) ||
      !StrArg(info, 2, "name", name))
    return env.Undefined();
  nsinit_err e;
  if (nsinit_gate_send_fd(path.c_str(), fd, name.c_str(), &e) != 0) return ThrowSys(env, e);
  return env.Undefined();
}

Napi::Value NsOpen(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  std::string path;
  if (!StrArg(info, 0, "path", path)) return env.Undefined();
  nsinit_err e;
  uint32_t nstype = 0;
  int fd = nsinit_ns_open(path.c_str(), &nstype, &e);
  if (fd < 0) return ThrowSys(env, e);
  Napi::Object o = Napi::Object::New(env);
  o.Set("fd", Napi::Number::New(env, fd));
  o.Set("nstype", Napi::Number::New(env, nstype));
  return o;
}

Napi::Value Close(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  if (!FdArg(info, 0, "fd", fd)) return env.Undefined();
  nsinit_err e;
  if (nsinit_proc_close(fd, &e) != 0) return ThrowSys(env, e);
  return env.Undefined();
}

Napi::Value TryLock(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  if (!FdArg(info, 0, "fd", fd)) return env.Undefined();
  nsinit_err e;
  int r = nsinit_proc_try_lock(fd, &e);
  if (r < 0) return ThrowSys(env, e);
  return Napi::Boolean::New(env, r == 1);
}

Napi::Value NetlinkOpen(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  if (!FdArg(info, 0, "nsFd", fd)) return env.Undefined();
  nsinit_err e;
  int s = nsinit_netlink_open(fd, &e);
  if (s < 0) return ThrowSys(env, e);
  return Napi::Number::New(env, s);
}

Napi::Value NetlinkSend(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  if (!FdArg(info, 0, "fd", fd)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsTypedArray()) {
    Napi::TypeError::New(env, "the \"message\" argument must be a Uint8Array")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array m = info[1].As<Napi::Uint8Array>();
  nsinit_err e;
  if (nsinit_netlink_send(fd, m.Data(), m.ByteLength(), &e) != 0) return ThrowSys(env, e);
  return env.Undefined();
}

Napi::Value NetlinkRecv(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  int fd;
  if (!FdArg(info, 0, "fd", fd)) return env.Undefined();
  nsinit_err e;
  ssize_t len = nsinit_netlink_peek(fd, &e);
  if (len < 0) return ThrowSys(env, e);
  Napi::Buffer<uint8_t> buf =
      Napi::Buffer<uint8_t>::New(env, len > 0 ? static_cast<size_t>(len) : 1);
  ssize_t n = nsinit_netlink_recv(fd, buf.Data(), buf.Length(), &e);
  if (n < 0) return ThrowSys(env, e);
  return Napi::Buffer<uint8_t>::Copy(env, buf.Data(), static_cast<size_t>(n));
}

Napi::Value Mount(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  std::string src, tgt, fstype, data;
  int64_t flags;
  bool hasType = info.Length() > 2 && info[2].IsString();
  bool hasData = info.Length() > 4 && info[4].IsString();
  if (!StrArg(info, 0, "source", src) || !StrArg(info, 1, "target", tgt) ||
      !StrArg(info, 2, "fstype", fstype, true) || !IntArg(info, 3, "flags", flags) ||
      !StrArg(info, 4, "data", data, true))
    return env.Undefined();
  nsinit_err e;
  if (nsinit_proc_mount(src.c_str(), tgt.c_str(), hasType ? fstype.c_str() : nullptr,
                        static_cast<unsigned long>(flags), hasData ? data.c_str() : nullptr,
                        &e) != 0) {
    Napi::Value v = MakeSysError(env, e.err, "mount", src.c_str(), tgt.c_str());
    if (!env.IsExceptionPending()) napi_throw(env, v);
    return env.Undefined();
  }
  return env.Undefined();
}

Napi::Value Umount(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  std::string tgt;
  int64_t flags;
  if (!StrArg(info, 0, "target", tgt) || !IntArg(info, 1, "flags", flags)) return env.Undefined();
  nsinit_err e;
  if (nsinit_proc_umount(tgt.c_str(), static_cast<int>(flags), &e) != 0) return ThrowSys(env, e);
  return env.Undefined();
}

// openIdmappedTree(source, recursive, flags, idmapRecursive, uidMap, gidMap) -> fd of a detached
// idmapped clone of source (lib/native.ts formats the maps and checks the booleans).
Napi::Value OpenIdmappedTree(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  std::string source, uidMap, gidMap;
  int64_t flags;
  if (!StrArg(info, 0, "source", source) || !IntArg(info, 2, "flags", flags) ||
      !StrArg(info, 4, "uidMap", uidMap) || !StrArg(info, 5, "gidMap", gidMap))
    return env.Undefined();
  if (!info[1].IsBoolean() || !info[3].IsBoolean()) {
    Napi::TypeError::New(env, "the \"recursive\" arguments must be booleans")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (flags < 0 || flags > UINT32_MAX) {
    Napi::RangeError::New(env, "the \"flags\" argument is out of range")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  nsinit_err e;
  int fd = nsinit_idmap_open_tree(source.c_str(), info[1].As<Napi::Boolean>().Value(),
                                  static_cast<uint32_t>(flags), info[3].As<Napi::Boolean>().Value(),
                                  uidMap.c_str(), gidMap.c_str(), &e);
  if (fd < 0) return ThrowSys(env, e);
  return Napi::Number::New(env, fd);
}

// rules: Int32Array of [type char, major, minor, access bits, allow] per rule (lib/native.ts
// validates and packs them).
Napi::Value CgroupDeviceFilter(const Napi::CallbackInfo &info)
{
  Napi::Env env = info.Env();
  std::string dir;
  if (!StrArg(info, 0, "cgroupDir", dir)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      info[1].As<Napi::Int32Array>().ElementLength() % 5 != 0) {
    Napi::TypeError::New(env, "the \"rules\" argument must be an Int32Array of 5-tuples")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Int32Array a = info[1].As<Napi::Int32Array>();
  std::vector<nsinit_dev_rule> rules(a.ElementLength() / 5);
  for (size_t i = 0; i < rules.size(); i++) {
    rules[i].type = static_cast<char>(a[i * 5]);
    rules[i].major = a[i * 5 + 1];
    rules[i].minor = a[i * 5 + 2];
    rules[i].access = static_cast<uint32_t>(a[i * 5 + 3]);
    rules[i].allow = a[i * 5 + 4] != 0;
  }
  nsinit_err e;
  if (nsinit_bpf_device_filter(dir.c_str(), rules.data(), rules.size(), &e) != 0)
    return ThrowSys(env, e);
  return env.Undefined();
}

Napi::Object Table(Napi::Env env, const nsinit_const *t)
{
  Napi::Object o = Napi::Object::New(env);
  for (; t->name != nullptr; t++)
    o.Set(t->name, Napi::Number::New(env, static_cast<double>(t->value)));
  return o;
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports)
{
  env.SetInstanceData(new AddonData());
  struct {
    const char *name;
    Napi::Function::Callback fn;
  } fns[] = {
      {"init", Init},
      {"spawn", Spawn},
      {"spawnAsync", SpawnAsync},
      {"compileSeccomp", CompileSeccomp},
      {"join", Join},
      {"go", Go},
      {"awaitExec", AwaitExec},
      {"waitExit", WaitExit},
      {"decodePlan", DecodePlan},
      {"dupInheritable", DupInheritable},
      {"pidfdOpen", PidfdOpen},
      {"pidfdSignal", PidfdSignal},
      {"startTime", StartTime},
      {"isMainThread", IsMainThread},
      {"openPty", OpenPty},
      {"getWinSize", GetWinSize},
      {"setWinSize", SetWinSize},
      {"makeRaw", MakeRaw},
      {"restoreTermios", RestoreTermios},
      {"getTermios", GetTermios},
      {"pipe", Pipe},
      {"close", Close},
      {"nsOpen", NsOpen},
      {"tryLock", TryLock},
      {"gateListen", GateListen},
      {"gateConnect", GateConnect},
      {"sendFd", SendFd},
      {"netlinkOpen", NetlinkOpen},
      {"netlinkSend", NetlinkSend},
      {"netlinkRecv", NetlinkRecv},
      {"mount", Mount},
      {"umount", Umount},
      {"cgroupDeviceFilter", CgroupDeviceFilter},
      {"openIdmappedTree", OpenIdmappedTree},
  };
  for (auto &f : fns)
    exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
  exports.Set("capabilities", Table(env, nsinit_capabilities));
  exports.Set("rlimits", Table(env, nsinit_rlimits));
  exports.Set("constants", Table(env, nsinit_constants));
  return exports;
}

} // namespace

NODE_API_MODULE(nsinit_native, InitModule)
