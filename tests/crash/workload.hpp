// The engine side of the crash tests, for any durable composition E: the
// options they open it with, applying a write_op, the maintenance calls
// (flush, compact, checkpoint), reading back what survived, and the index's
// own check() once the engine is closed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <jadekv/engine.hpp>
#include <jadekv/persist/concepts.hpp>

#include "../conformance/harness.hpp"
#include "write_op.hpp"

namespace crash {

namespace kv = jadekv;

// Every acknowledged write survives kill -9 (all persist policies but
// none and snapshot<>).
template <class E>
inline constexpr bool logs_writes = E::persist_type::durable;
// Writes survive only at completed checkpoints (persist::snapshot<>).
template <class E>
inline constexpr bool checkpoints_only = !logs_writes<E>;
template <class E>
inline constexpr bool has_checkpoint = kv::persist::checkpointing<typename E::persist_type>;
template <class E>
inline constexpr bool has_transactions = E::concurrency_type::snapshots;
// A successful flush() makes every write acknowledged before it durable
// (an on-disk index, or a checkpoint); elsewhere flush is a no-op.
template <class E>
inline constexpr bool flush_is_durable = E::index_type::on_disk || has_checkpoint<E>;

// The conformance harness's small sizes (many flushes, splits and
// compactions in a short run) in dir over fs.
template <class E>
typename E::options crash_options(const std::filesystem::path& dir, std::shared_ptr<kv::io::file_system> fs) {
  typename E::options o = conformance::harness<E>{}.options();
  o.dir = dir;
  o.fs = std::move(fs);
  return o;
}

template <class E>
kv::status apply(E& db, const write_op& op) {
  const kv::write_options wo{op.sync};
  switch (op.kind) {
    case op_kind::put: return db.put(key_name(op.writes[0].key), value_of(op.writes[0].key, op.writes[0].version), wo);
    case op_kind::erase: return db.erase(key_name(op.writes[0].key), wo);
    case op_kind::batch: {
      kv::write_batch b;
      for (const auto& w : op.writes) {
        if (w.version == 0) b.erase(key_name(w.key));
        else b.put(key_name(w.key), value_of(w.key, w.version));
      }
      return db.write(b, wo);
    }
    case op_kind::transaction:
      if constexpr (has_transactions<E>) {
        auto tx = db.begin();
        for (const auto& w : op.writes) {
          // A read first, so that the commit validates a read set too.
          if (auto r = tx.get(key_name(w.key)); !r && !r.status().is_not_found()) return r.status();
          auto s = w.version == 0 ? tx.erase(key_name(w.key)) : tx.put(key_name(w.key), value_of(w.key, w.version));
          if (!s.ok()) return s;
        }
        return tx.commit(wo);
      } else {
        return kv::status::invalid_argument("crash workload: a transaction on an engine without them");
      }
  }
  return kv::status::invalid_argument("crash workload: unknown op kind");
}

enum class maintenance { flush, compact, checkpoint };

template <class E>
kv::status maintain(E& db, maintenance m) {
  switch (m) {
    case maintenance::flush: return db.flush();
    case maintenance::compact: return db.compact();
    case maintenance::checkpoint:
      if constexpr (has_checkpoint<E>) return db.checkpoint();
      else return db.flush();
  }
  return kv::status::invalid_argument("crash workload: unknown maintenance");
}

// What a reopened engine holds: the version of every key (0: absent), and
// the problems found reading it (an unknown key, a value no write wrote, a
// get that disagrees with the iterator, an error).
struct observed {
  std::vector<std::uint64_t> versions = std::vector<std::uint64_t>(k_keys, 0);
  std::string problems;
};

template <class E>
observed observe(const E& db) {
  observed o;
  kv::read_options ro;
  ro.verify_checksums = true;
  auto it = db.iterator(ro);
  for (it.seek_to_first(); it.valid(); it.next()) {
    const auto key = key_index(it.key());
    if (!key) {
      o.problems += " unknown key '" + std::string(it.key()) + "';";
      continue;
    }
    const auto version = version_in(*key, it.value());
    if (!version) {
      o.problems += " " + key_name(*key) + " holds a value no write wrote ('" + std::string(it.value()) + "');";
      continue;
    }
    o.versions[*key] = *version;
  }
  if (!it.status().ok()) o.problems += " iteration: " + it.status().to_string() + ";";
  for (std::uint32_t k = 0; k < k_keys; ++k) {
    auto v = db.get(key_name(k), ro);
    const std::uint64_t got = v ? version_in(k, *v).value_or(~std::uint64_t{0}) : 0;
    if (!v && !v.status().is_not_found()) {
      o.problems += " get " + key_name(k) + ": " + v.status().to_string() + ";";
    } else if (got != o.versions[k]) {
      o.problems += " get " + key_name(k) + " disagrees with the iterator;";
    }
  }
  return o;
}

// The on-disk index's own consistency check, run on the closed directory.
template <class E>
kv::status check_index(const typename E::options& o) {
  if constexpr (E::index_type::on_disk) {
    using store = typename E::index_type::template store<typename E::comparator_type>;
    auto fs = o.fs ? o.fs : kv::io::default_fs();
    auto st = store::open(fs, o.dir, o.index, o.comparator);
    if (!st) return st.status().with_context("reopening the index for check()");
    auto s = (*st)->check();
    auto c = (*st)->close();
    return s.ok() ? c : s;
  } else {
    return {};
  }
}

}  // namespace crash
