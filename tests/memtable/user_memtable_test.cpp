// A memtable written by a user, with nothing of jadekv's but the concept: a
// std::map from (key, tag) to value whose allocations are counted. It runs
// the same suite as skiplist, rbtree and hash.
#include <jadekv/memtable/concepts.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "memtable_suite.hpp"

namespace user {

namespace kv = jadekv;

// Counts the bytes it hands out in a counter owned by the memtable.
template <class T>
struct counting_allocator {
  using value_type = T;
  std::size_t* bytes = nullptr;  // never null in use; the default exists for std::pair's traits
  counting_allocator() noexcept = default;
  explicit counting_allocator(std::size_t* b) noexcept : bytes(b) {}
  template <class U>
  counting_allocator(const counting_allocator<U>& o) noexcept : bytes(o.bytes) {}  // NOLINT: rebinding
  T* allocate(std::size_t n) {
    *bytes += n * sizeof(T);
    return std::allocator<T>{}.allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    *bytes -= n * sizeof(T);
    std::allocator<T>{}.deallocate(p, n);
  }
  friend bool operator==(const counting_allocator& a, const counting_allocator& b) { return a.bytes == b.bytes; }
};

template <kv::comparator Cmp = kv::bytewise_comparator>
class map_memtable {
  using bytes = std::basic_string<char, std::char_traits<char>, counting_allocator<char>>;
  struct key {
    bytes user_key;
    std::uint64_t tag;
  };
  struct probe {
    std::string_view user_key;
    std::uint64_t tag;
  };
  struct order {
    using is_transparent = void;
    Cmp cmp;
    int compare(std::string_view a, std::uint64_t at, std::string_view b, std::uint64_t bt) const {
      const int r = cmp.compare(a, b);
      return r != 0 ? r : (at > bt ? -1 : (at < bt ? 1 : 0));
    }
    static std::string_view view(const key& k) { return {k.user_key.data(), k.user_key.size()}; }
    bool operator()(const key& a, const key& b) const { return compare(view(a), a.tag, view(b), b.tag) < 0; }
    bool operator()(const key& a, const probe& b) const { return compare(view(a), a.tag, b.user_key, b.tag) < 0; }
    bool operator()(const probe& a, const key& b) const { return compare(a.user_key, a.tag, view(b), b.tag) < 0; }
  };
  using map = std::map<key, bytes, order, counting_allocator<std::pair<const key, bytes>>>;

 public:
  using comparator_type = Cmp;
  static constexpr bool k_ordered = true;
  struct options {};

  class cursor {
   public:
    bool valid() const { return it_ != m_->end(); }
    void seek(std::string_view k, kv::sequence_number s = kv::k_max_sequence) {
      it_ = m_->lower_bound(probe{k, kv::pack_tag(s, kv::k_max_value_kind)});
    }
    void seek_to_first() { it_ = m_->begin(); }
    void seek_to_last() { it_ = m_->empty() ? m_->end() : std::prev(m_->end()); }
    void next() { ++it_; }
    void prev() { it_ = it_ == m_->begin() ? m_->end() : std::prev(it_); }
    std::string_view user_key() const { return order::view(it_->first); }
    kv::sequence_number seq() const { return kv::tag_sequence(it_->first.tag); }
    kv::value_kind kind() const { return kv::tag_kind(it_->first.tag); }
    std::string_view value() const { return {it_->second.data(), it_->second.size()}; }

   private:
    friend class map_memtable;
    explicit cursor(const map* m) : m_(m), it_(m->end()) {}
    const map* m_;
    typename map::const_iterator it_;
  };

  explicit map_memtable(const options& = {}, const Cmp& cmp = {}) : map_(order{cmp}, alloc()) {}
  map_memtable(const map_memtable&) = delete;
  map_memtable& operator=(const map_memtable&) = delete;

  void insert(kv::sequence_number s, kv::value_kind k, std::string_view user_key, std::string_view value) {
    map_.emplace(key{bytes(user_key, alloc()), kv::pack_tag(s, k)}, bytes(value, alloc()));
  }
  jadekv::memtable::lookup get(std::string_view user_key, kv::sequence_number visible_at) const {
    auto c = iterator();
    c.seek(user_key, visible_at);
    if (!c.valid() || map_.key_comp().cmp.compare(c.user_key(), user_key) != 0) return {};
    if (c.kind() == kv::value_kind::erase) return {jadekv::memtable::lookup::erased, {}, c.seq()};
    return {jadekv::memtable::lookup::found, c.value(), c.seq()};
  }
  cursor iterator() const { return cursor(&map_); }
  std::size_t memory_usage() const { return bytes_; }
  std::size_t entry_count() const { return map_.size(); }

 private:
  counting_allocator<char> alloc() { return counting_allocator<char>(&bytes_); }

  std::size_t bytes_ = 0;  // declared before map_: the allocator points here
  map map_;
};

}  // namespace user

static_assert(jadekv::memtable::table<user::map_memtable<>>);
static_assert(jadekv::memtable::ordered<user::map_memtable<>>);
static_assert(!jadekv::memtable::concurrent_insert<user::map_memtable<>>);

TYPE_TO_STRING_AS("user::map_memtable<>", user::map_memtable<>);
TYPE_TO_STRING_AS("user::map_memtable<reverse>", user::map_memtable<suite::reverse_order>);
MEMTABLE_SUITE_INVOKE(user::map_memtable<>, user::map_memtable<suite::reverse_order>);

TEST_CASE("memtable concepts reject types that miss a piece") {
  struct no_get {
    using comparator_type = jadekv::bytewise_comparator;
    struct options {};
    explicit no_get(const options&, const comparator_type&) {}
    void insert(jadekv::sequence_number, jadekv::value_kind, std::string_view, std::string_view) {}
    user::map_memtable<>::cursor iterator() const;
    std::size_t memory_usage() const { return 0; }
    std::size_t entry_count() const { return 0; }
  };
  static_assert(!jadekv::memtable::table<no_get>);
  static_assert(!jadekv::memtable::table<int>);
  static_assert(!jadekv::memtable::entry_iterator<int>);
  CHECK(true);
}
