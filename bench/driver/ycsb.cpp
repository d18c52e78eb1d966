// ycsb: YCSB's core workloads as workloads of the driver.
//
//   ycsb_load  inserts --ycsb_records records into an empty database, the
//              threads taking disjoint ranges of record numbers
//   ycsb_a     50% read, 50% update                     zipfian
//   ycsb_b     95% read, 5% update                      zipfian
//   ycsb_c     100% read                                zipfian
//   ycsb_d     95% read, 5% insert                      latest
//   ycsb_e     95% scan (1..100 entries, uniform), 5% insert   zipfian
//   ycsb_f     50% read, 50% read-modify-write          zipfian
// --ycsb_ops operations per run, split over the threads. --distribution=uniform
// replaces zipfian and latest by uniform. Records are 16-byte keys (see
// keys.hpp: record i at key ycsb_key_number(i)) with --value_size values; an
// update writes a whole new value; an insert takes the next record number.
// The zipfian draws over the records at the start plus twice the inserts
// expected, redrawing numbers not inserted yet, as YCSB does.
#include "workload.hpp"

namespace bench {
namespace {

struct mix {
  double read, update, insert, scan, rmw;
  distribution dist;
};

constexpr mix k_a{0.50, 0.50, 0.00, 0.00, 0.00, distribution::zipfian};
constexpr mix k_b{0.95, 0.05, 0.00, 0.00, 0.00, distribution::zipfian};
constexpr mix k_c{1.00, 0.00, 0.00, 0.00, 0.00, distribution::zipfian};
constexpr mix k_d{0.95, 0.00, 0.05, 0.00, 0.00, distribution::latest};
constexpr mix k_e{0.00, 0.00, 0.05, 0.95, 0.00, distribution::zipfian};
constexpr mix k_f{0.50, 0.00, 0.00, 0.00, 0.50, distribution::zipfian};
constexpr std::uint64_t k_max_scan = 100;

void load(const workload_context& c, session& s, thread_env& t, thread_stats& st) {
  const std::uint64_t total = c.f.record_count();
  const std::uint64_t start = c.share_start(total, t.thread), n = c.share(total, t.thread);
  for (std::uint64_t i = start; i < start + n; ++i) {
    const std::string_view k = t.keys.key(ycsb_key_number(i)), v = t.values.next();
    s.put(k, v);
    c.ycsb.next_insert.fetch_add(1, std::memory_order_relaxed);
    c.ycsb.records.fetch_add(1, std::memory_order_relaxed);
    c.live.add_other(1, k.size() + v.size());
    st.count(op_kind::insert);
    st.bytes += k.size() + v.size();
  }
  st.ops = n;
  st.user_write_bytes = st.bytes;
}

template <const mix& M>
void prepare(const workload_context& c, thread_env& t) {
  const std::uint64_t records = c.ycsb.records.load();
  const auto expected_inserts = static_cast<std::uint64_t>(static_cast<double>(c.f.ycsb_op_count()) * M.insert * 2);
  const distribution d = c.f.distribution == "uniform" ? distribution::uniform : M.dist;
  t.chooser.emplace(d, records + expected_inserts, records, c.f.zipfian_constant);
}

template <const mix& M>
void run(const workload_context& c, session& s, thread_env& t, thread_stats& st) {
  const std::uint64_t ops = c.share(c.f.ycsb_op_count(), t.thread);
  const auto existing = [&] {
    const std::uint64_t records = c.ycsb.records.load(std::memory_order_relaxed);
    if (records == 0) throw std::runtime_error("no YCSB records: run ycsb_load first");
    return t.keys.key(ycsb_key_number(t.chooser->next(t.r, records)));
  };
  const auto read = [&](std::string_view k) {
    st.count(op_kind::read);
    if (s.get(k, t.buf)) {
      st.count(op_kind::read_found);
      ++st.found;
      st.bytes += k.size() + t.buf.size();
    }
  };
  const auto write = [&](std::string_view k) {
    const std::string_view v = t.values.next();
    s.put(k, v);
    st.bytes += k.size() + v.size();
    st.user_write_bytes += k.size() + v.size();
    return v.size();
  };
  for (std::uint64_t i = 0; i < ops; ++i) {
    double u = t.r.next_double();
    if ((u -= M.read) < 0) {
      read(existing());
    } else if ((u -= M.update) < 0) {
      st.count(op_kind::update);
      write(existing());
    } else if ((u -= M.insert) < 0) {
      st.count(op_kind::insert);
      const std::uint64_t n = c.ycsb.next_insert.fetch_add(1, std::memory_order_relaxed);
      const std::string_view k = t.keys.key(ycsb_key_number(n));
      const std::size_t v = write(k);
      c.ycsb.records.fetch_add(1, std::memory_order_relaxed);
      c.live.add_other(1, k.size() + v);
    } else if ((u -= M.scan) < 0) {
      st.count(op_kind::scan);
      const std::uint64_t len = 1 + t.r.uniform(k_max_scan);
      const auto it = s.new_cursor();
      it->seek(existing());
      for (std::uint64_t j = 0; j < len && it->valid(); ++j, it->next()) {
        st.bytes += it->key().size() + it->value().size();
        st.count(op_kind::scan_entries);
      }
      it->check();
    } else {
      st.count(op_kind::rmw);
      const std::string_view k = existing();
      read(k);
      write(k);
    }
    ++st.ops;
  }
}

}  // namespace

std::vector<workload_def> ycsb_workloads() {
  using kind = workload_def::kind;
  return {
      {"ycsb_load", "YCSB load: ycsb_records inserts into an empty database", kind::threads, true, false, false,
       nullptr, load},
      {"ycsb_a", "YCSB A: 50% read, 50% update, zipfian", kind::threads, false, false, true, prepare<k_a>, run<k_a>},
      {"ycsb_b", "YCSB B: 95% read, 5% update, zipfian", kind::threads, false, false, true, prepare<k_b>, run<k_b>},
      {"ycsb_c", "YCSB C: 100% read, zipfian", kind::threads, false, false, true, prepare<k_c>, run<k_c>},
      {"ycsb_d", "YCSB D: 95% read latest, 5% insert", kind::threads, false, false, true, prepare<k_d>, run<k_d>},
      {"ycsb_e", "YCSB E: 95% scan of 1..100 entries, 5% insert, zipfian", kind::threads, false, false, false,
       prepare<k_e>, run<k_e>},
      {"ycsb_f", "YCSB F: 50% read, 50% read-modify-write, zipfian", kind::threads, false, false, true, prepare<k_f>,
       run<k_f>},
  };
}

}  // namespace bench
