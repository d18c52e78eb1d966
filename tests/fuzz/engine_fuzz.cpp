// Fuzz target: a durable engine driven by random operations and checked
// against std::map after every read and every reopen.
//
// Input: one byte choosing the composition, then operations, each an op
// byte and its arguments (fuzz::input yields zeros past the end):
//   0 put k v   1 erase k   2 batch of 1-4 puts/erases   3 get k
//   4 scan (forward, and backward from a seek)   5 flush   6 compact
//   7 close and reopen
// Keys are mostly one of 16 hot keys (so that versions pile up and erases
// hit), sometimes a short string from the input; a value is a short string
// from the input repeated up to 40 times, so a small input still makes
// values that span blocks, pages and overflow runs.
//
// Compositions (single-threaded, over memory_fs, tiny memtables and pages,
// no background compaction so that a replay is deterministic):
//   0 skiplist + wal + lsm          2 rbtree + snapshot<wal> + memory
//   1 skiplist + wal + bptree
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "jadekv/concurrency/single.hpp"
#include "jadekv/engine.hpp"
#include "jadekv/index/bptree.hpp"
#include "jadekv/index/lsm.hpp"
#include "jadekv/index/memory.hpp"
#include "jadekv/io/memory_fs.hpp"
#include "jadekv/memtable/rbtree.hpp"
#include "jadekv/memtable/skiplist.hpp"
#include "jadekv/persist/snapshot.hpp"
#include "jadekv/persist/wal.hpp"

namespace {

namespace kv = jadekv;
using model = std::map<std::string, std::string>;

using lsm_engine = kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, kv::index::lsm<>, kv::concurrency::single<>>;
using bptree_engine =
    kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, kv::index::bptree<>, kv::concurrency::single<>>;
using memory_engine = kv::engine<kv::memtable::rbtree<>, kv::persist::snapshot<kv::persist::wal<>>,
                                 kv::index::memory<>, kv::concurrency::single<>>;

constexpr std::size_t k_max_ops = 96;

template <class E>
typename E::options options(std::shared_ptr<kv::io::memory_fs> fs) {
  typename E::options o;
  o.dir = "/db";
  o.fs = std::move(fs);
  o.memtable_bytes = 4 << 10;
  if constexpr (requires { o.memtable.arena_block_size; }) o.memtable.arena_block_size = 1 << 10;
  if constexpr (requires { o.memtable.arena_shards; }) o.memtable.arena_shards = 1;
  if constexpr (requires { o.index.disable_auto_compactions; }) {
    o.index.disable_auto_compactions = true;
    o.index.table.block_size = 256;
    o.index.target_file_bytes = 2 << 10;
    o.index.block_cache_bytes = 8 << 10;
  }
  if constexpr (requires { o.index.page_size; }) {
    o.index.page_size = 512;
    o.index.cache_bytes = 8 << 10;
  }
  if constexpr (requires { o.persist.every_writes; }) o.persist.every_writes = 8;
  return o;
}

template <class E>
E open(const std::shared_ptr<kv::io::memory_fs>& fs) {
  auto r = E::open(options<E>(fs));
  if (!r) std::fprintf(stderr, "open: %s\n", r.status().to_string().c_str());
  FUZZ_CHECK(r.has_value());
  return std::move(*r);
}

std::string key_from(fuzz::input& in) {
  const std::uint8_t b = in.byte();
  if (b < 0xf0) return "key" + std::to_string(b % 16);
  return std::string(in.short_string(12));
}

std::string value_from(fuzz::input& in) {
  const std::size_t times = 1 + in.byte() % 40;
  const std::string_view piece = in.short_string(16);
  std::string v;
  for (std::size_t i = 0; i < times; ++i) v += piece;
  return v;
}

template <class E>
void check_get(E& db, const model& m, const std::string& k) {
  auto v = db.get(k);
  const auto it = m.find(k);
  if (it == m.end()) {
    FUZZ_CHECK(!v && v.status().is_not_found());
  } else {
    FUZZ_CHECK(v.has_value() && *v == it->second);
  }
}

template <class E>
void check_scan(E& db, const model& m, const std::string& from) {
  auto it = db.iterator();
  auto expect = m.begin();
  for (it.seek_to_first(); it.valid(); it.next(), ++expect) {
    FUZZ_CHECK(expect != m.end() && it.key() == expect->first && it.value() == expect->second);
  }
  FUZZ_CHECK(it.status().ok() && expect == m.end());
  // Backward from the first key >= from.
  auto back = m.lower_bound(from);
  for (it.seek(from); it.valid(); it.prev()) {
    FUZZ_CHECK(back != m.end() && it.key() == back->first && it.value() == back->second);
    if (back == m.begin()) {
      back = m.end();
    } else {
      --back;
    }
  }
  FUZZ_CHECK(it.status().ok());
  FUZZ_CHECK(m.lower_bound(from) == m.end() || back == m.end());
}

template <class E>
void run(fuzz::input& in) {
  auto fs = std::make_shared<kv::io::memory_fs>();
  std::optional<E> db(open<E>(fs));
  model m;
  for (std::size_t op = 0; op < k_max_ops && !in.empty(); ++op) {
    switch (in.byte() % 8) {
      case 0: {
        std::string k = key_from(in);
        std::string v = value_from(in);
        FUZZ_CHECK(db->put(k, v).ok());
        m[k] = v;
        break;
      }
      case 1: {
        std::string k = key_from(in);
        FUZZ_CHECK(db->erase(k).ok());
        m.erase(k);
        break;
      }
      case 2: {
        kv::write_batch b;
        model after = m;
        for (int n = 1 + in.byte() % 4; n > 0; --n) {
          std::string k = key_from(in);
          if (in.byte() % 2 == 0) {
            std::string v = value_from(in);
            b.put(k, v);
            after[k] = v;
          } else {
            b.erase(k);
            after.erase(k);
          }
        }
        FUZZ_CHECK(db->write(b).ok());
        m = std::move(after);
        break;
      }
      case 3: check_get(*db, m, key_from(in)); break;
      case 4: check_scan(*db, m, key_from(in)); break;
      case 5: FUZZ_CHECK(db->flush().ok()); break;
      case 6: FUZZ_CHECK(db->compact().ok()); break;
      default: {
        FUZZ_CHECK(db->close().ok());
        db.reset();
        db.emplace(open<E>(fs));
        check_scan(*db, m, "key8");
        break;
      }
    }
  }
  FUZZ_CHECK(db->close().ok());
  db.reset();
  db.emplace(open<E>(fs));
  check_scan(*db, m, "");
  for (const auto& [k, v] : m) check_get(*db, m, k);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  switch (in.byte() % 3) {
    case 0: run<lsm_engine>(in); break;
    case 1: run<bptree_engine>(in); break;
    default: run<memory_engine>(in); break;
  }
  return 0;
}
