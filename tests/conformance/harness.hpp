// What the conformance and model suites need to open any composition: a
// fresh in-memory file system per test, and traits of the composition.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include <jadekv/engine.hpp>
#include <jadekv/io/memory_fs.hpp>

namespace conformance {

namespace kv = jadekv;

// Whether acknowledged writes survive a clean close and reopen.
template <class E>
inline constexpr bool survives_close = !kv::detail::is_persist_none<typename E::persist_type>;

template <class E>
inline constexpr bool thread_safe = E::concurrency_type::thread_safe;

template <class E>
struct harness {
  std::shared_ptr<kv::io::memory_fs> fs = std::make_shared<kv::io::memory_fs>();

  typename E::options options() const {
    typename E::options o;
    o.dir = "/db";
    o.fs = fs;
    return o;
  }

  E open() const { return open(options()); }

  static E open(const typename E::options& o) {
    auto r = E::open(o);
    if (!r) FAIL("open failed: " << r.status().to_string());
    return std::move(*r);
  }

  // Closes db and opens the same directory again.
  E reopen(E& db) const {
    REQUIRE(db.close().ok());
    return open();
  }
};

}  // namespace conformance
