// Prints every cell of the policy product, one per line, as
//   valid <engine type>    or    invalid <rule> <engine type>
// where <rule> names the first rule the cell breaks (lock_free, snapshot):
// the generated list the compile-fail test and README use.
#include <cstdio>
#include <tuple>

#include "compositions.hpp"

namespace {

template <class M, class P, class I, class C>
void print_cell() {
  const bool lock_free_broken = C::needs_concurrent_insert && !jadekv::memtable::concurrent_insert<M>;
  const char* verdict = jadekv::detail::is_valid_composition<M, P, I, C>() ? "valid"
                        : lock_free_broken                                 ? "invalid lock_free"
                                                                           : "invalid snapshot";
  std::printf("%s jadekv::engine<%s, %s, %s, %s>\n", verdict, conformance::spell<M>(), conformance::spell<P>(),
              conformance::spell<I>(), conformance::spell<C>());
}

template <class M, class P, class I, class... Cs>
void print_row(std::tuple<Cs...>*) { (print_cell<M, P, I, Cs>(), ...); }
template <class M, class P, class... Is>
void print_is(std::tuple<Is...>*) { (print_row<M, P, Is>(static_cast<conformance::concurrencies*>(nullptr)), ...); }
template <class M, class... Ps>
void print_ps(std::tuple<Ps...>*) { (print_is<M, Ps>(static_cast<conformance::indexes*>(nullptr)), ...); }
template <class... Ms>
void print_ms(std::tuple<Ms...>*) { (print_ps<Ms>(static_cast<conformance::persists*>(nullptr)), ...); }

}  // namespace

int main() { print_ms(static_cast<conformance::memtables*>(nullptr)); }
