// workloads: db_bench's workloads, with its conventions.
//
//   fillseq       num puts, keys 0..num-1 in order, into an empty database
//   fillbatch     the same in write batches of 1000
//   fillrandom    num puts of uniformly random keys in [0, num) (so about 63%
//                 distinct), into an empty database
//   overwrite     fillrandom's operations on the existing database
//   fillsync      num/1000 random puts, each synced, into an empty database
//   readrandom    reads gets of random keys in [0, num) (the fills decide how
//                 many exist; the line says how many were found)
//   readmissing   reads gets of keys that sort among the real ones but were
//                 never written (the key followed by '.')
//   readseq       one cursor from the first key forward, reads entries
//   readreverse   one cursor from the last key backward, reads entries
//   seekrandom    reads times: a new cursor, seek to a random key, read the
//                 entry found there (found when it is the key sought)
//   deleterandom  num erases of random keys in [0, num)
//   readwhilewriting  readrandom on --threads threads while one more thread
//                 overwrites random keys without pause (not counted); the
//                 line adds the writer's puts and the readers' CPU time per op
//   flush         moves memtables to the on-disk index (one call, timed)
//   compact       full manual compaction (one call, timed)
// With --threads=N each thread runs the whole workload on its own stream (as
// db_bench does); ops/sec is over all threads.
#include <algorithm>

#include "workload.hpp"

namespace bench {
namespace {

void put(const workload_context& c, session& s, thread_env& t, thread_stats& st, std::uint64_t n) {
  const std::string_view k = t.keys.key(n), v = t.values.next();
  s.put(k, v);
  c.live.insert(n);
  ++st.ops;
  st.bytes += k.size() + v.size();
  st.user_write_bytes += k.size() + v.size();
}

void fill_seq(const workload_context& c, session& s, thread_env& t, thread_stats& st) {
  for (std::uint64_t i = 0; i < c.f.num; ++i) put(c, s, t, st, i);
}

void fill_batch(const workload_context& c, session& s, thread_env& t, thread_stats& st) {
  constexpr std::uint64_t batch = 1000;
  for (std::uint64_t i = 0; i < c.f.num; i += batch) {
    const std::uint64_t end = std::min(c.f.num, i + batch);
    for (std::uint64_t n = i; n < end; ++n) {
      const std::string_view k = t.keys.key(n), v = t.values.next();
      s.batch_put(k, v);
      st.bytes += k.size() + v.size();
    }
    s.batch_commit();
    for (std::uint64_t n = i; n < end; ++n) c.live.insert(n);
    st.ops += end - i;
  }
  st.user_write_bytes = st.bytes;
}

void fill_random(const workload_context& c, session& s, thread_env& t, thread_stats& st) {
  for (std::uint64_t i = 0; i < c.f.num; ++i) put(c, s, t, st, t.r.uniform(c.f.num));
}

void fill_sync(const workload_context& c, session& s, thread_env& t, thread_stats& st) {
  const std::uint64_t ops = std::max<std::uint64_t>(c.f.num / 1000, 1);
  for (std::uint64_t i = 0; i < ops; ++i) put(c, s, t, st, t.r.uniform(c.f.num));
}

void read_random(const workload_context& c, session& s, thread_env& t, thread_stats& st) {
  const std::uint64_t reads = c.f.read_count();
  for (std::uint64_t i = 0; i < reads; ++i) {
    const std::string_view k = t.keys.key(t.r.uniform(c.f.num));
    if (s.get(k, t.buf)) {
      ++st.found;
      st.bytes += k.size() + t.buf.size();
    }
    ++st.ops;
  }
}

void read_missing(const workload_context& c, session& s, thread_env& t, thread_stats& st) {
  const std::uint64_t reads = c.f.read_count();
  for (std::uint64_t i = 0; i < reads; ++i) {
    const std::string_view k = t.keys.missing_key(t.r.uniform(c.f.num));
    if (s.get(k, t.buf)) {
      ++st.found;
      st.bytes += k.size() + t.buf.size();
    }
    ++st.ops;
  }
}

template <bool Forward>
void read_sequential(const workload_context& c, session& s, thread_env&, thread_stats& st) {
  const std::uint64_t reads = c.f.read_count();
  const auto it = s.new_cursor();
  if constexpr (Forward) it->seek_to_first();
  else it->seek_to_last();
  for (; st.ops < reads && it->valid(); ++st.ops) {
    st.bytes += it->key().size() + it->value().size();
    if constexpr (Forward) it->next();
    else it->prev();
  }
  it->check();
}

void seek_random(const workload_context& c, session& s, thread_env& t, thread_stats& st) {
  const std::uint64_t reads = c.f.read_count();
  for (std::uint64_t i = 0; i < reads; ++i) {
    const std::string_view k = t.keys.key(t.r.uniform(c.f.num));
    const auto it = s.new_cursor();
    it->seek(k);
    if (it->valid()) {
      if (it->key() == k) ++st.found;
      st.bytes += it->key().size() + it->value().size();
    }
    it->check();
    ++st.ops;
  }
}

void delete_random(const workload_context& c, session& s, thread_env& t, thread_stats& st) {
  for (std::uint64_t i = 0; i < c.f.num; ++i) {
    const std::uint64_t n = t.r.uniform(c.f.num);
    const std::string_view k = t.keys.key(n);
    s.erase(k);
    c.live.erase(n);
    ++st.ops;
    st.bytes += k.size();
    st.user_write_bytes += k.size();
  }
}

std::vector<workload_def> db_bench_workloads() {
  using kind = workload_def::kind;
  std::vector<workload_def> w = {
      {"fillseq", "num puts in key order into an empty database", kind::threads, true, false, false, nullptr, fill_seq},
      {"fillbatch", "fillseq in write batches of 1000", kind::threads, true, false, false, nullptr, fill_batch},
      {"fillrandom", "num puts of random keys into an empty database", kind::threads, true, false, false, nullptr,
       fill_random},
      {"overwrite", "num puts of random keys into the existing database", kind::threads, false, false, false,
       nullptr, fill_random},
      {"fillsync", "num/1000 synced puts of random keys into an empty database", kind::threads, true, true, false,
       nullptr, fill_sync},
      {"readrandom", "reads gets of random keys", kind::threads, false, false, true, nullptr, read_random},
      {"readwhilewriting", "readrandom while one more thread overwrites random keys", kind::threads, false, false,
       true, nullptr, read_random, true},
      {"readmissing", "reads gets of absent keys", kind::threads, false, false, true, nullptr, read_missing},
      {"readseq", "a forward scan of reads entries", kind::threads, false, false, false, nullptr,
       read_sequential<true>},
      {"readreverse", "a backward scan of reads entries", kind::threads, false, false, false, nullptr,
       read_sequential<false>},
      {"seekrandom", "reads seeks to random keys, reading the entry found", kind::threads, false, false, true,
       nullptr, seek_random},
      {"deleterandom", "num erases of random keys", kind::threads, false, false, false, nullptr, delete_random},
      {"flush", "move memtables to the on-disk index", kind::flush, false, false, false, nullptr, nullptr},
      {"compact", "full manual compaction", kind::compact, false, false, false, nullptr, nullptr},
  };
  return w;
}

}  // namespace

const std::vector<workload_def>& all_workloads() {
  static const std::vector<workload_def> all = [] {
    std::vector<workload_def> w = db_bench_workloads();
    for (auto& y : ycsb_workloads()) w.push_back(y);
    return w;
  }();
  return all;
}

const workload_def* find_workload(std::string_view name) {
  for (const auto& w : all_workloads())
    if (w.name == name) return &w;
  return nullptr;
}

std::vector<std::string> default_benchmarks() {
  return {"fillseq",    "fillsync",    "fillrandom", "overwrite",    "readrandom", "readmissing",
          "readseq",    "readreverse", "seekrandom", "deleterandom", "ycsb_load",  "ycsb_a",
          "ycsb_b",     "ycsb_c",      "ycsb_f",     "ycsb_d",       "ycsb_e"};
}

bool expand_benchmarks(std::vector<std::string>& names, bool use_existing_db, std::string& error) {
  std::vector<std::string> out;
  bool loaded = use_existing_db;
  for (const auto& n : names) {
    const workload_def* w = find_workload(n);
    if (w == nullptr) {
      error = "unknown workload '" + n + "' (--help lists them)";
      return false;
    }
    if (w->fresh_db && !use_existing_db) loaded = false;
    if (n == "ycsb_load") loaded = !use_existing_db || loaded;
    else if (n.rfind("ycsb_", 0) == 0 && !loaded) {
      out.emplace_back("ycsb_load");
      loaded = true;
    }
    out.push_back(n);
  }
  names = std::move(out);
  return true;
}

}  // namespace bench
