// Writes the seed corpora of the fuzz targets: valid inputs made by the
// library's own encoders, a few of each shape, plus a damaged variant or
// two. Run once when a format changes:  fuzz_seeds tests/fuzz/corpus
// Existing files are overwritten, others are left alone (crash inputs the
// fuzzers found stay in the corpus).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "jadekv/concurrency/single.hpp"
#include "jadekv/core/comparator.hpp"
#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/write_batch.hpp"
#include "jadekv/engine.hpp"
#include "jadekv/index/bptree.hpp"
#include "jadekv/index/bptree/format.hpp"
#include "jadekv/index/bptree/node.hpp"
#include "jadekv/index/lsm/block_builder.hpp"
#include "jadekv/index/lsm/bloom.hpp"
#include "jadekv/index/lsm/table_builder.hpp"
#include "jadekv/index/lsm/table_format.hpp"
#include "jadekv/index/lsm/version_edit.hpp"
#include "jadekv/io/memory_fs.hpp"
#include "jadekv/memtable/skiplist.hpp"
#include "jadekv/persist/detail/log_writer.hpp"
#include "jadekv/persist/detail/snapshot_file.hpp"
#include "jadekv/persist/wal.hpp"

namespace {

namespace kv = jadekv;
namespace pd = kv::persist::detail;
namespace sst = kv::index::sst;
namespace bp = kv::index::detail::bptree;
namespace ld = kv::index::lsm_detail;

std::filesystem::path g_root;

void emit(std::string_view target, std::string_view name, std::string_view bytes) {
  const auto dir = g_root / std::string(target);
  std::filesystem::create_directories(dir);
  std::ofstream out(dir / ("seed-" + std::string(name)), std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string with_flags(std::uint8_t flags, std::string_view body) { return std::string(1, static_cast<char>(flags)) + std::string(body); }

std::string read_all(kv::io::file_system& fs, const std::filesystem::path& p) {
  auto r = kv::io::read_file(fs, p);
  if (!r) {
    std::fprintf(stderr, "read %s: %s\n", p.c_str(), r.status().to_string().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

kv::write_batch sample_batch(int i, kv::sequence_number seq) {
  kv::write_batch b;
  b.set_sequence(seq);
  b.put("key" + std::to_string(i), std::string(static_cast<std::size_t>(1 + i * 7), static_cast<char>('a' + i % 26)));
  if (i % 3 == 0) b.erase("key" + std::to_string(i + 1));
  return b;
}

void coding_seeds() {
  std::string v;
  for (std::uint64_t x : {0ull, 1ull, 127ull, 128ull, 16383ull, 16384ull, 0xffffffffull, 0x100000000ull, ~0ull}) {
    kv::put_varint64(v, x);
  }
  emit("coding", "varints", v);
  std::string lp;
  kv::put_length_prefixed(lp, "hello");
  kv::put_length_prefixed(lp, "");
  kv::put_length_prefixed(lp, std::string(200, 'x'));
  emit("coding", "length_prefixed", lp);
  emit("coding", "internal_key", kv::make_internal_key("user", 42, kv::value_kind::put));
  emit("coding", "batch", sample_batch(3, 7).data());
  emit("coding", "batch_empty", kv::write_batch().data());
}

std::string segment(std::uint32_t block_size, int records, std::size_t value_scale) {
  std::string seg = pd::encode_segment_header(1, block_size, 1);
  std::uint64_t end = seg.size();
  kv::sequence_number seq = 1;
  for (int i = 0; i < records; ++i) {
    kv::write_batch b = sample_batch(i, seq);
    if (value_scale > 1) b.put("big", std::string(value_scale, 'v'));
    seq += b.count();
    end = pd::frame_record(seg, end, block_size, pd::segment_seed(1), b.data());
  }
  return seg;
}

void wal_seeds() {
  const std::string small = segment(64, 6, 1), big = segment(128, 3, 300), normal = segment(32 * 1024, 10, 1);
  emit("wal", "small_blocks", with_flags(0, small));
  emit("wal", "small_blocks_reseal_pit", with_flags(1 | (2 << 1), small));
  emit("wal", "multi_fragment", with_flags(1, big));
  emit("wal", "multi_fragment_absolute", with_flags(1 << 1, big));
  emit("wal", "default_block", with_flags(0, normal));
  emit("wal", "torn_tail", with_flags(0, normal.substr(0, normal.size() - 5)));
  emit("wal", "header_only", with_flags(0, pd::encode_segment_header(1, 4096, 1)));
}

void snapshot_seeds() {
  for (int n : {0, 1, 5, 40}) {
    kv::io::memory_fs fs;
    auto f = fs.open("/s", kv::io::open_mode::truncate);
    pd::snapshot_writer w(**f, {1, static_cast<kv::sequence_number>(100 + n), 3});
    for (int i = 0; i < n; ++i) w.add("key" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'v'));
    (void)w.finish();
    (void)(*f)->close();
    const std::string bytes = read_all(fs, "/s");
    emit("snapshot", "entries_" + std::to_string(n), with_flags(0, bytes));
    emit("snapshot", "entries_" + std::to_string(n) + "_reseal", with_flags(1, bytes));
  }
}

std::vector<std::string> sorted_internal_keys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "k%04d", i);
    keys.push_back(kv::make_internal_key(buf, static_cast<kv::sequence_number>(1000 - i),
                                         i % 5 == 4 ? kv::value_kind::erase : kv::value_kind::put));
  }
  return keys;
}

void block_seeds() {
  for (int interval : {1, 4, 16}) {
    sst::block_builder<> b(interval);
    for (const auto& k : sorted_internal_keys(24)) b.add(k, k.substr(0, 3));
    emit("block", "block_interval_" + std::to_string(interval), with_flags(static_cast<std::uint8_t>(interval - 1), b.finish()));
  }
  sst::bloom_builder<> bloom(10);
  for (int i = 0; i < 50; ++i) bloom.add_hash(sst::key_hash("k" + std::to_string(i)));
  std::string filter;
  bloom.finish(filter);
  emit("block", "bloom", with_flags(3, filter));
  char foot[sst::k_footer_size];
  sst::encode_footer(foot, {{0, 0}, {16, 10}, {31, 20}});
  std::string padded(4, '\0');  // file size = 80 + 0
  emit("block", "footer", with_flags(0x80, padded + std::string(foot, sizeof foot)));
}

std::string table_file(int entries, std::size_t block_size, int bits_per_key, std::size_t value_size) {
  kv::io::memory_fs fs;
  auto f = fs.open("/t", kv::io::open_mode::truncate);
  sst::table_options o;
  o.block_size = block_size;
  o.bits_per_key = bits_per_key;
  sst::table_builder<> b(**f, o);
  for (const auto& k : sorted_internal_keys(entries)) {
    (void)b.add(k, std::string(value_size, 'v'));
  }
  (void)b.finish();
  (void)(*f)->close();
  return read_all(fs, "/t");
}

void table_seeds() {
  emit("table", "one_block", with_flags(0, table_file(8, 4096, 10, 4)));
  emit("table", "many_blocks", with_flags(1, table_file(40, 128, 10, 10)));
  emit("table", "many_blocks_cached", with_flags(3, table_file(40, 128, 10, 10)));
  emit("table", "no_filter", with_flags(1, table_file(20, 256, 0, 3)));
  emit("table", "empty", with_flags(1, table_file(0, 4096, 10, 0)));
}

void manifest_seeds() {
  const std::uint32_t bs = 256;
  auto manifest = [&](int files, bool with_delete) {
    std::string m = pd::encode_segment_header(1, bs, 0);
    std::uint64_t end = pd::frame_record(m, m.size(), bs, pd::segment_seed(1), ld::encode_manifest_header(kv::bytewise_comparator::name()));
    ld::version_edit<> e;
    e.set_next_file_number(100);
    e.set_flushed_sequence(50);
    for (int i = 0; i < files; ++i) {
      auto f = std::make_shared<ld::file_meta>();
      f->number = static_cast<std::uint64_t>(10 + i);
      f->size = 1000;
      f->smallest = kv::make_internal_key("a" + std::to_string(i), 5, kv::value_kind::put);
      f->largest = kv::make_internal_key("a" + std::to_string(i) + "z", 4, kv::value_kind::put);
      f->smallest_seq = 4;
      f->largest_seq = 5;
      e.add_file(i % 3, std::move(f));
    }
    end = pd::frame_record(m, end, bs, pd::segment_seed(1), ld::encode_version_edit(e));
    if (with_delete) {
      ld::version_edit<> d;
      d.delete_file(0, 10);
      d.set_flushed_sequence(60);
      end = pd::frame_record(m, end, bs, pd::segment_seed(1), ld::encode_version_edit(d));
    }
    return m;
  };
  emit("manifest", "empty_store", with_flags(0, manifest(0, false)));
  emit("manifest", "three_levels", with_flags(0, manifest(6, false)));
  emit("manifest", "with_delete_reseal", with_flags(1, manifest(6, true)));
  emit("manifest", "torn", with_flags(0, manifest(6, true).substr(0, 300)));
}

void bptree_page_seeds() {
  const std::size_t ps = 512;
  std::string page(ps, '\0');
  bp::meta m;
  m.page_size = ps;
  m.tx = 5;
  m.root = 3;
  m.page_count = 9;
  m.comparator = std::string(kv::bytewise_comparator::name());
  bp::encode_meta(page.data(), m);
  const std::string counts("\x09\x00", 2);
  emit("bptree_page", "meta", with_flags(0, counts + page));
  std::vector<std::string> keys;
  for (int i = 0; i < 8; ++i) keys.push_back("key" + std::to_string(i));
  std::vector<bp::leaf_item> leaf;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    bp::leaf_item it;
    it.key = keys[i];
    it.seq = 10 + i;
    it.value = keys[i];
    it.value_len = static_cast<std::uint32_t>(keys[i].size());
    if (i == 3) {
      it.spill = true;
      it.overflow = 5;
      it.value_len = 2000;
      it.value = {};
    }
    leaf.push_back(it);
  }
  bp::encode_leaf(page.data(), ps, 4, leaf);
  emit("bptree_page", "leaf", with_flags(0, counts + page + "key4"));
  std::vector<bp::branch_item> branch;
  for (std::size_t i = 0; i < 4; ++i) branch.push_back({keys[2 * i], 2 + i});
  bp::encode_branch(page.data(), ps, 3, branch);
  emit("bptree_page", "branch", with_flags(0, counts + page + "key3"));
}

template <class E>
typename E::options engine_options(std::shared_ptr<kv::io::memory_fs> fs) {
  typename E::options o;
  o.dir = "/db";
  o.fs = std::move(fs);
  o.index.page_size = 512;
  return o;
}

void bptree_file_seeds() {
  using E = kv::engine<kv::memtable::skiplist<>, kv::persist::wal<>, kv::index::bptree<>, kv::concurrency::single<>>;
  for (int n : {0, 5, 60}) {
    auto fs = std::make_shared<kv::io::memory_fs>();
    {
      auto db = E::open(engine_options<E>(fs));
      if (!db) std::exit(1);
      for (int i = 0; i < n; ++i) (void)db->put("key" + std::to_string(i), std::string(static_cast<std::size_t>(i * 13), 'v'));
      (void)db->erase("key1");
      (void)db->flush();
      (void)db->close();
    }
    const std::string file = read_all(*fs, "/db/data.jkb");
    emit("bptree_file", "keys_" + std::to_string(n), with_flags(0, file));
    emit("bptree_file", "keys_" + std::to_string(n) + "_reseal", with_flags(1, file));
  }
}

void engine_seeds() {
  std::mt19937 rng(12345);
  for (int i = 0; i < 24; ++i) {
    std::string ops(1, static_cast<char>(i % 3));
    const int n = 20 + i * 4;
    for (int j = 0; j < n; ++j) ops.push_back(static_cast<char>(rng() & 0xff));
    emit("engine", "random_" + std::to_string(i), ops);
  }
  // put, put, flush, get, reopen, scan for each composition.
  for (char c = 0; c < 3; ++c) {
    const std::string prog{c, 0, 1, 3, 2, 'a', 'b', 0, 2, 5, 'x', 'y', 5, 3, 1, 7, 4, 2, 6};
    emit("engine", "basic_" + std::to_string(static_cast<int>(c)), prog);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds <corpus root>\n");
    return 2;
  }
  g_root = argv[1];
  coding_seeds();
  wal_seeds();
  snapshot_seeds();
  block_seeds();
  table_seeds();
  manifest_seeds();
  bptree_page_seeds();
  bptree_file_seeds();
  engine_seeds();
  return 0;
}
