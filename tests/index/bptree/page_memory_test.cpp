// page_memory: pages of the page size come from huge-page chunks, frames
// are reused, never shared by two live pages, and stay valid after the
// memory's other owners let go; other sizes bypass the chunks.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "jadekv/index/bptree/node.hpp"
#include "jadekv/index/bptree/page_memory.hpp"

namespace bp = jadekv::index::detail::bptree;

namespace {

constexpr std::size_t k_page = 4096;
constexpr std::size_t k_frame = k_page + bp::page_memory<>::k_overhead;

}  // namespace

TEST_CASE("bptree page_memory: frames come from chunks and are reused") {
  bp::page_memory<> m(k_page);
  char* a = m.take(k_frame);
  char* b = m.take(k_frame - 10);
  CHECK(m.chunk_count() == 1);
  CHECK(a != b);
  CHECK(reinterpret_cast<std::uintptr_t>(a) % 64 == 0);
  m.give(b, k_frame - 10);
  CHECK(m.take(k_frame) == b);  // the freed frame first
  // Runs and other sizes are not frames.
  char* run = m.take(3 * k_page);
  char* small = m.take(100);
  CHECK(m.chunk_count() == 1);
  m.give(run, 3 * k_page);
  m.give(small, 100);
  m.give(a, k_frame);
  m.give(b, k_frame);
}

TEST_CASE("bptree page_memory: live frames never overlap, across chunks") {
  bp::page_memory<> m(k_page);
  const std::size_t per_chunk = bp::page_memory<>::k_chunk_bytes / k_frame;
  std::vector<char*> frames;
  for (std::size_t i = 0; i < 2 * per_chunk + 5; ++i) {
    char* f = m.take(k_frame);
    std::memset(f, static_cast<int>(i % 251), k_frame);
    frames.push_back(f);
  }
  CHECK(m.chunk_count() == 3);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto want = static_cast<char>(i % 251);
    REQUIRE(frames[i][0] == want);
    REQUIRE(frames[i][k_frame - 1] == want);
  }
  CHECK(std::set<char*>(frames.begin(), frames.end()).size() == frames.size());
  for (char* f : frames) m.give(f, k_frame);
}

TEST_CASE("bptree page_memory: a page_ref of the page size lives in a frame and outlives the memory's owner") {
  auto memory = std::make_shared<bp::page_memory<>>(k_page);
  std::weak_ptr<bp::page_memory<>> watch = memory;
  bp::page_ref<> page = bp::page_ref<>::allocate(k_page, memory);
  CHECK(memory->chunk_count() == 1);
  bp::page_ref<> run = bp::page_ref<>::allocate(2 * k_page, memory);
  CHECK(memory->chunk_count() == 1);
  std::memset(page.mutable_data(), 'p', k_page);
  memory.reset();
  CHECK_FALSE(watch.expired());  // the pages hold it
  CHECK(page.data()[k_page - 1] == 'p');
  page = {};
  run = {};
  CHECK(watch.expired());
}

TEST_CASE("bptree page_ref: copies share one page, the last gives its frame back, the count shares its first line") {
  auto memory = std::make_shared<bp::page_memory<>>(k_page);
  bp::page_ref<> a = bp::page_ref<>::allocate(k_page, memory);
  CHECK(a.size() == k_page);
  std::memset(a.mutable_data(), 'q', k_page);
  bp::page_ref<> b = a;
  CHECK(b.data() == a.data());
  a = {};
  CHECK_FALSE(a);
  CHECK(a.size() == 0);
  CHECK(b.data()[k_page - 1] == 'q');
  const char* frame_page = b.data();
  // The count and the page's header in one cache line (page_ref.hpp's layout).
  CHECK(reinterpret_cast<std::uintptr_t>(frame_page) % 64 == 32);
  bp::page_ref<>& alias = b;
  b = alias;  // self-assignment keeps the page
  CHECK(b.data() == frame_page);
  bp::page_ref<> moved = std::move(b);
  CHECK_FALSE(b);
  CHECK(moved.data() == frame_page);
  moved = {};
  bp::page_ref<> next = bp::page_ref<>::allocate(k_page, memory);
  CHECK(next.data() == frame_page);  // the freed frame first
  bp::page_ref<> heap = bp::page_ref<>::allocate(100);
  CHECK(heap.size() == 100);
  std::memset(heap.mutable_data(), 'h', 100);
  CHECK(heap.data()[99] == 'h');
}
