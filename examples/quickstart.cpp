// quickstart: compose an engine, write, read, scan, reopen.
//
//   quickstart [DIR]      (default: a fresh directory under the temp dir)
#include <jadekv/jadekv.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

namespace kv = jadekv;

// One type alias is the whole engine: a lock-free skiplist memtable, a
// write-ahead log, the memtable as the whole store, any number of threads.
using db_t = kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, kv::index::memory<>, kv::concurrency::lock_free<>>;

namespace {

int fail(const kv::status& s) {
  std::fprintf(stderr, "quickstart: %s\n", s.to_string().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path dir =
      argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::temp_directory_path() / "jadekv-quickstart";
  if (argc <= 1) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  db_t::options opt;
  opt.dir = dir;
  {
    kv::result<db_t> r = db_t::open(opt);
    if (!r) return fail(r.status());
    db_t db = std::move(*r);

    if (auto s = db.put("apple", "red"); !s.ok()) return fail(s);
    if (auto s = db.put("banana", "yellow", kv::write_options{.sync = true}); !s.ok()) return fail(s);
    kv::write_batch b;  // applied whole, also across a crash
    b.put("cherry", "dark red");
    b.put("date", "brown");
    b.erase("apple");
    if (auto s = db.write(b); !s.ok()) return fail(s);

    kv::result<std::string> v = db.get("banana");
    if (!v) return fail(v.status());
    std::printf("banana -> %s\n", v->c_str());
    std::printf("apple  -> %s\n", db.get("apple").status().is_not_found() ? "(erased)" : "still there?");

    std::printf("scan from \"b\":\n");
    auto it = db.iterator();
    for (it.seek("b"); it.valid(); it.next())
      std::printf("  %.*s = %.*s\n", static_cast<int>(it.key().size()), it.key().data(),
                  static_cast<int>(it.value().size()), it.value().data());
    if (auto s = it.status(); !s.ok()) return fail(s);
  }  // the iterator, then the engine, close here

  kv::result<db_t> again = db_t::open(opt);
  if (!again) return fail(again.status());
  const kv::stats st = again->stats();
  std::printf("reopened %s: %llu records replayed, cherry -> %s\n", dir.c_str(),
              static_cast<unsigned long long>(st.recovered_records), again->get("cherry").value_or("?").c_str());
  return again->get("cherry").has_value() ? 0 : 1;
}
