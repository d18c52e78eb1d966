// custom_policy: a user-written memtable plugged into a jadekv engine.
//
// Any type that models jadekv::memtable::table works wherever ours do. This
// one keeps versioned entries in a std::map under the internal-key order;
// nodes are heap-allocated, so memory_usage() counts what it allocates.
#include <jadekv/jadekv.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <tuple>

namespace kv = jadekv;

template <kv::comparator Cmp = kv::bytewise_comparator>
class map_memtable {
  struct internal_key {
    std::string user_key;
    kv::sequence_number seq;
    kv::value_kind kind;
  };
  struct order {  // user key ascending, then newest first
    Cmp cmp;
    bool operator()(const internal_key& a, const internal_key& b) const {
      if (int r = cmp.compare(a.user_key, b.user_key); r != 0) return r < 0;
      return kv::pack_tag(a.seq, a.kind) > kv::pack_tag(b.seq, b.kind);
    }
  };
  using map_type = std::map<internal_key, std::string, order>;

 public:
  using comparator_type = Cmp;
  struct options {};

  explicit map_memtable(const options& = {}, const Cmp& cmp = {}) : map_(order{cmp}) {}

  void insert(kv::sequence_number seq, kv::value_kind kind, std::string_view key, std::string_view value) {
    map_.emplace(internal_key{std::string(key), seq, kind}, std::string(value));
    bytes_ += sizeof(typename map_type::value_type) + 4 * sizeof(void*) + key.size() + value.size();
  }

  kv::memtable::lookup get(std::string_view key, kv::sequence_number visible_at) const {
    auto it = map_.lower_bound(internal_key{std::string(key), visible_at, kv::k_max_value_kind});
    if (it == map_.end() || it->first.user_key != key) return {};
    kv::memtable::lookup l;
    l.seq = it->first.seq;
    if (it->first.kind == kv::value_kind::erase) {
      l.outcome = kv::memtable::lookup::erased;
    } else {
      l.outcome = kv::memtable::lookup::found;
      l.value = it->second;
    }
    return l;
  }

  class cursor {
   public:
    explicit cursor(const map_type& m) : m_(&m), it_(m.end()) {}
    bool valid() const { return it_ != m_->end(); }
    void seek(std::string_view key, kv::sequence_number s = kv::k_max_sequence) {
      it_ = m_->lower_bound(internal_key{std::string(key), s, kv::k_max_value_kind});
    }
    void seek_to_first() { it_ = m_->begin(); }
    void seek_to_last() { it_ = m_->empty() ? m_->end() : std::prev(m_->end()); }
    void next() { ++it_; }
    void prev() { it_ = it_ == m_->begin() ? m_->end() : std::prev(it_); }
    std::string_view user_key() const { return it_->first.user_key; }
    kv::sequence_number seq() const { return it_->first.seq; }
    kv::value_kind kind() const { return it_->first.kind; }
    std::string_view value() const { return it_->second; }

   private:
    const map_type* m_;
    typename map_type::const_iterator it_;
  };

  cursor iterator() const { return cursor(map_); }
  std::size_t memory_usage() const { return bytes_; }
  std::size_t entry_count() const { return map_.size(); }

 private:
  map_type map_;
  std::size_t bytes_ = 0;
};

static_assert(kv::memtable::table<map_memtable<>>);

// Ordered and safe under striped locks, so it composes like rbtree<> does.
using db_t = kv::engine<map_memtable<>, kv::persist::none<>, kv::index::memory<>, kv::concurrency::striped<8>>;

int main() {
  auto r = db_t::open(db_t::options{});
  if (!r) {
    std::fprintf(stderr, "custom_policy: %s\n", r.status().to_string().c_str());
    return 1;
  }
  db_t db = std::move(*r);
  for (int i = 0; i < 5; ++i) (void)db.put("key" + std::to_string(i), "value" + std::to_string(i));
  (void)db.erase("key2");
  int n = 0;
  auto it = db.iterator();
  for (it.seek_to_first(); it.valid(); it.next(), ++n)
    std::printf("%.*s\n", static_cast<int>(it.key().size()), it.key().data());
  std::printf("%d keys through a user-written memtable (%zu bytes)\n", n,
              static_cast<std::size_t>(db.stats().memtable_bytes));
  return n == 4 ? 0 : 1;
}
