// Prints every cell of the policy product as "valid|invalid <engine type>",
// one per line: the generated list the compile-fail test and README use.
#include <cstdio>
#include <tuple>

#include "compositions.hpp"

namespace {

template <class M, class P, class I, class C>
void print_cell() {
  std::printf("%s jadekv::engine<%s, %s, %s, %s>\n",
              jadekv::detail::is_valid_composition<M, P, I, C>() ? "valid" : "invalid", conformance::spell<M>(),
              conformance::spell<P>(), conformance::spell<I>(), conformance::spell<C>());
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
