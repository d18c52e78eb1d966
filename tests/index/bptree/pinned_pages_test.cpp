// pinned_pages: the first pin of a slot wins, every thread then gets that
// one page, and children are only pinned under a pinned root.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include "jadekv/index/bptree/pinned_pages.hpp"

namespace bp = jadekv::index::detail::bptree;

namespace {

bp::page_ref<> page(bp::page_type t, std::uint16_t count, bp::page_id id) {
  bp::page_ref<> p = bp::page_ref<>::allocate(512);
  bp::write_header(p.mutable_data(), t, count, id, 0);
  return p;
}

}  // namespace

TEST_CASE("bptree pinned_pages: root first, then children; the first pin wins") {
  bp::pinned_pages<> top;
  CHECK(top.root() == nullptr);
  CHECK(top.child(0) == nullptr);

  const bp::page_ref<> child = page(bp::page_type::leaf, 1, 9);
  // No root yet: nothing to hang a child on, the caller's page comes back.
  CHECK(top.pin_child(0, child) == &child);
  CHECK(top.child(0) == nullptr);

  const bp::page_ref<> root = page(bp::page_type::branch, 3, 4);
  const bp::page_ref<>* pinned_root = top.pin_root(root);
  REQUIRE(pinned_root != nullptr);
  CHECK(pinned_root->data() == root.data());
  CHECK(top.root() == pinned_root);
  // A second pin of the root keeps the first.
  CHECK(top.pin_root(page(bp::page_type::branch, 3, 4)) == pinned_root);

  const bp::page_ref<>* c1 = top.pin_child(1, child);
  CHECK(c1->data() == child.data());
  CHECK(top.child(1) == c1);
  CHECK(top.pin_child(1, page(bp::page_type::leaf, 1, 10)) == c1);
  CHECK(top.child(0) == nullptr);
  // Past the root's three cells: not pinned.
  CHECK(top.pin_child(3, child) == &child);
  CHECK(top.child(3) == nullptr);

  // A copy (a copied view) starts empty.
  const bp::pinned_pages<> copy(top);
  CHECK(copy.root() == nullptr);
}

TEST_CASE("bptree pinned_pages: threads racing to pin agree on one page per slot") {
  constexpr int k_threads = 4;
  constexpr std::size_t k_children = 64;
  for (int round = 0; round < 50; ++round) {
    bp::pinned_pages<> top;
    std::atomic<int> ready{0};
    std::vector<std::vector<const char*>> seen(k_threads, std::vector<const char*>(1 + k_children));
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
      threads.emplace_back([&, t] {
        ready.fetch_add(1);
        while (ready.load() < k_threads) {
        }
        seen[t][0] = top.pin_root(page(bp::page_type::branch, k_children, 2))->data();
        for (std::size_t i = 0; i < k_children; ++i) {
          const bp::page_ref<>* p = top.child(i);
          if (p == nullptr) p = top.pin_child(i, page(bp::page_type::leaf, 1, 3 + i));
          seen[t][1 + i] = p->data();
        }
      });
    }
    for (auto& th : threads) th.join();
    for (int t = 1; t < k_threads; ++t) CHECK(seen[t] == seen[0]);
    CHECK(top.root()->data() == seen[0][0]);
    for (std::size_t i = 0; i < k_children; ++i) {
      REQUIRE(top.child(i) != nullptr);
      CHECK(top.child(i)->data() == seen[0][1 + i]);
      CHECK(bp::header_id(top.child(i)->data()) == 3 + i);
    }
  }
}
