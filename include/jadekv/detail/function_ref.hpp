// function_ref<R(A...)>: a non-owning reference to a callable, so that
// non-template code can call back into a caller's lambda without
// std::function's allocation. It must not outlive the callable it refers to.
//
// Thread safety: as the callable.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace jadekv::inline v0::detail {

template <class Sig>
class function_ref;

template <class R, class... A>
class function_ref<R(A...)> {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, function_ref> && std::is_invocable_r_v<R, F&, A...>)
  function_ref(F&& f) noexcept  // NOLINT: implicit by design, like std::function
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o, A... a) -> R { return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<A>(a)...); }) {}

  R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

}  // namespace jadekv::inline v0::detail
