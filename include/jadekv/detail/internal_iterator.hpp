// internal_iterator: a cursor over versioned entries in internal-key order
// (user key ascending, sequence descending), the common shape of every source
// an engine reads from: memtable shards, and later tables and B+tree pages.
//
// Thread safety: one thread per iterator; what may run concurrently with it
// is the source's business (see each adapter).
//
// Contract: valid() false means before the first or after the last entry;
// accessors and next()/prev() REQUIRE valid(). seek(k, s) lands on the first
// entry >= (k, s). status() is ok unless the source failed (I/O, corruption),
// in which case valid() is false.
#pragma once

#include <cstddef>
#include <string_view>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/status.hpp"

namespace jadekv::inline v0::detail {

class internal_iterator {
 public:
  internal_iterator() = default;
  internal_iterator(const internal_iterator&) = delete;
  internal_iterator& operator=(const internal_iterator&) = delete;
  virtual ~internal_iterator() = default;

  virtual bool valid() const = 0;
  virtual void seek_to_first() = 0;
  virtual void seek_to_last() = 0;
  virtual void seek(std::string_view user_key, sequence_number seq) = 0;
  virtual void next() = 0;
  virtual void prev() = 0;
  virtual std::string_view user_key() const = 0;
  virtual sequence_number seq() const = 0;
  virtual value_kind kind() const = 0;
  virtual std::string_view value() const = 0;
  virtual ::jadekv::status status() const { return {}; }
  // The number of entries the source held when it was made, if it knows it
  // without reading them (a memtable does); 0 if not. A flush sizes its
  // commits by it (an immutable memtable no longer changes).
  virtual std::size_t size_hint() const { return 0; }
};

// Orders two positioned iterators by internal key: <0, 0, >0.
template <class Cmp>
int compare_position(const Cmp& cmp, const internal_iterator& a, const internal_iterator& b) {
  if (const int r = cmp.compare(a.user_key(), b.user_key()); r != 0) return r;
  const auto ta = pack_tag(a.seq(), a.kind()), tb = pack_tag(b.seq(), b.kind());
  return ta > tb ? -1 : (ta < tb ? 1 : 0);  // newer first
}

}  // namespace jadekv::inline v0::detail
