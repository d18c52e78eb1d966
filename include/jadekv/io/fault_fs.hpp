// fault_fs<Fs>: a file_system that wraps another one (an Fs it owns, or a
// std::shared_ptr<file_system> for fault_fs<file_system>) to fail chosen
// operations and to simulate power loss. It is how tests check that engines
// survive I/O errors, full disks, torn writes and lost unsynced data.
//
// Faults (see fault_spec.hpp): every call on the fs or on a handle it opened
// is one numbered operation, so a test can run a workload once, read
// operation_count(), then rerun it failing operation N for every N. A fault
// picks operations by number (once, or persistently from then on), by path
// glob and by kind, and reports any errno (EIO -> is_io_error(), ENOSPC ->
// is_no_space()). A torn append/write_at lands a prefix, then fails.
//
// Crash model: crash() simulates power loss and then a reboot.
//   1. File bytes: what a file held at its last successful sync() or
//      datasync() (through any handle) is durable. crash() drops appends past
//      that size, undoes write_at and truncate changes made since (an undo log
//      keeps the overwritten bytes until the next sync) and restores the size.
//   2. Names: a directory's entries are durable as of its last successful
//      sync_dir(). crash() restores them: a file created since disappears,
//      even if its bytes were fsynced; a remove is undone; a rename is undone,
//      bringing back the file it replaced. A file renamed from one directory
//      to another is where the durable entries of both say (copied if both).
//   3. Directories themselves: mkdir, removing a directory (with the files
//      removed from it) and renaming a directory are durable at once.
//   4. A file or directory fault_fs had not seen before counts as durable as
//      it was when first seen. A failed sync or sync_dir makes nothing durable.
//   5. crash() invalidates every handle and lock taken before it (their calls
//      fail; locks are released, as by the death of the process), then
//      forgets all bookkeeping: what exists after it is durable. Fault rules
//      and counters are kept; clear_faults() drops the rules.
// Removed and replaced files are moved aside to hidden names
// (".jadekv-fault-<n>" in their directory, never listed) until a sync_dir
// makes the removal durable; over a posix_fs they stay on disk if the process
// dies first. Paths are compared lexically (lexically_normal): spell one file
// one way (not once relative and once absolute), as the bookkeeping is by name.
//
// Thread safety: one mutex guards the state and is held across each wrapped
// call, so everything may be used from any thread and calls are serialised
// (operation numbers follow that order).
//
// Invariants:
//   1. Operation numbers are 1, 2, 3, ... with no gap; failed and refused
//      calls are numbered too; crash() and the destructor's implicit close
//      are not operations.
//   2. fault_fs's own calls to the wrapped fs (bookkeeping: exists, sizes,
//      listings, reads for the undo log, moving files aside) are never
//      faulted or counted; a real error of the wrapped fs is returned as is.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/contract.hpp"
#include "jadekv/io/detail/fault_state.hpp"
#include "jadekv/io/errno_status.hpp"
#include "jadekv/io/fault_spec.hpp"
#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0::io {

namespace detail {

class fault_file final : public file {
 public:
  fault_file(std::shared_ptr<fault_state> st, std::unique_ptr<file> inner, std::shared_ptr<fault_node> node,
             std::filesystem::path p)
      : st_(std::move(st)),
        inner_(std::move(inner)),
        node_(std::move(node)),
        path_(std::move(p)),
        key_(fault_key(path_)),
        generation_(st_->generation) {}

  result<std::string_view> read_at(std::uint64_t offset, std::size_t n, char* scratch) override {
    std::lock_guard g(st_->mu);
    if (auto s = enter(op_kind::read); !s.ok()) return s;
    return inner_->read_at(offset, n, scratch);
  }

  status append(std::string_view data) override {
    std::lock_guard g(st_->mu);
    if (auto s = enter(op_kind::append); !s.ok()) {
      return torn(std::move(s), data, [&](std::string_view d) { return inner_->append(d); });
    }
    return inner_->append(data);
  }

  status write_at(std::uint64_t offset, std::string_view data) override {
    std::lock_guard g(st_->mu);
    auto s = enter(op_kind::write);
    if (s.ok() || hit_) {
      if (node_) {
        if (auto u = record_undo(*inner_, *node_, offset, offset + data.size()); !u.ok()) return u;
      }
    }
    if (!s.ok()) {
      return torn(std::move(s), data, [&](std::string_view d) { return inner_->write_at(offset, d); });
    }
    return inner_->write_at(offset, data);
  }

  status sync() override { return sync_as(op_kind::sync); }
  status datasync() override { return sync_as(op_kind::datasync); }

  result<std::uint64_t> size() override {
    std::lock_guard g(st_->mu);
    if (auto s = enter(op_kind::size); !s.ok()) return s;
    return inner_->size();
  }

  status truncate(std::uint64_t n) override {
    std::lock_guard g(st_->mu);
    if (auto s = enter(op_kind::truncate); !s.ok()) return s;
    if (node_) {
      if (auto u = record_undo(*inner_, *node_, n, k_to_end); !u.ok()) return u;
    }
    return inner_->truncate(n);
  }

  status close() override {
    std::lock_guard g(st_->mu);
    auto s = enter(op_kind::close);
    auto c = inner_->close();  // a failed close still releases the handle, as POSIX does
    return s.ok() ? c : s;
  }

  const std::filesystem::path& path() const noexcept override { return path_; }

 private:
  // REQUIRES: st_->mu held. Numbers the call; an error when the handle died
  // in a crash or a fault hits it (then hit_ is set).
  status enter(op_kind k) {
    const std::uint64_t n = ++st_->ops;
    hit_.reset();
    if (generation_ != st_->generation) return crashed_status(k, path_);
    hit_ = st_->match(n, k, key_);
    return hit_ ? injected_status(k, path_, *hit_) : status{};
  }

  // REQUIRES: st_->mu held; s is enter()'s error. Lands a torn prefix if asked.
  template <class Write>
  status torn(status s, std::string_view data, Write write) {
    if (hit_ && hit_->torn_prefix > 0 && !data.empty()) {
      ++st_->torn;
      (void)write(data.substr(0, std::min(hit_->torn_prefix, data.size())));
    }
    return s;
  }

  status sync_as(op_kind k) {
    std::lock_guard g(st_->mu);
    if (auto s = enter(k); !s.ok()) return s;
    auto s = k == op_kind::sync ? inner_->sync() : inner_->datasync();
    if (!s.ok() || !node_) return s;
    auto sz = inner_->size();
    if (!sz) return sz.status();
    node_->synced_size = *sz;
    node_->undo.clear();
    return {};
  }

  std::shared_ptr<fault_state> st_;
  std::unique_ptr<file> inner_;
  std::shared_ptr<fault_node> node_;  // null only if the file vanished while being opened
  std::filesystem::path path_;
  std::string key_;
  std::uint64_t generation_;
  std::optional<fault_hit> hit_;  // GUARDED_BY(st_->mu); the fault of the current call
};

class fault_lock final : public file_lock {
 public:
  fault_lock(std::shared_ptr<fault_state> st, std::shared_ptr<fault_lock_slot> slot, std::filesystem::path p)
      : st_(std::move(st)), slot_(std::move(slot)), path_(std::move(p)) {}
  ~fault_lock() override {
    std::lock_guard g(st_->mu);
    slot_->inner.reset();
  }
  const std::filesystem::path& path() const noexcept override { return path_; }

 private:
  std::shared_ptr<fault_state> st_;
  std::shared_ptr<fault_lock_slot> slot_;
  std::filesystem::path path_;
};

// Holds the wrapped fs; a base so that it is built before fault_fs_core.
template <class Fs>
struct fault_fs_holder {
  template <class... Args>
    requires std::is_constructible_v<Fs, Args&&...>
  explicit fault_fs_holder(Args&&... args) : held_(std::forward<Args>(args)...) {}
  Fs& held() noexcept { return held_; }
  Fs held_;
};

template <>
struct fault_fs_holder<file_system> {
  explicit fault_fs_holder(std::shared_ptr<file_system> fs) : held_(std::move(fs)) {
    if (!held_) ::jadekv::detail::contract_violation("fault_fs<file_system> built around a null file_system");
  }
  file_system& held() noexcept { return *held_; }
  std::shared_ptr<file_system> held_;
};

// Everything of fault_fs that does not depend on Fs.
class fault_fs_core : public file_system {
 public:
  // Declared inline so that no virtual is a key function: otherwise g++ emits
  // the vtable and every override into each translation unit that includes
  // this header, used or not.
  inline result<std::unique_ptr<file>> open(const std::filesystem::path& p, open_mode mode) override;
  inline status rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  inline status remove(const std::filesystem::path& p) override;
  inline result<std::vector<std::string>> list(const std::filesystem::path& dir) override;
  inline status mkdir(const std::filesystem::path& p) override;
  inline status sync_dir(const std::filesystem::path& dir) override;
  inline result<std::uint64_t> file_size(const std::filesystem::path& p) override;
  inline result<bool> exists(const std::filesystem::path& p) override;
  inline status truncate(const std::filesystem::path& p, std::uint64_t n) override;
  inline result<std::unique_ptr<file_lock>> lock(const std::filesystem::path& p) override;

  // Adds a fault rule (fault_spec.hpp); rules are tried in the order added.
  void inject(fault_spec f) {
    std::lock_guard g(st_->mu);
    st_->rules.push_back({std::move(f), false});
  }
  // Operation n fails once with `error`.
  void fail_at(std::uint64_t n, int error = EIO) {
    fault_spec f;
    f.at = n;
    f.error = error;
    inject(std::move(f));
  }
  // Operation n and every later one fail with `error`.
  void fail_from(std::uint64_t n, int error = EIO) {
    fault_spec f;
    f.at = n;
    f.persistent = true;
    f.error = error;
    inject(std::move(f));
  }
  // Every operation of a kind in `kinds` on a path matching `glob` fails.
  void fail_path(std::string glob, int error = EIO, op_set kinds = op_set::all()) {
    fault_spec f;
    f.persistent = true;
    f.path = std::move(glob);
    f.kinds = kinds;
    f.error = error;
    inject(std::move(f));
  }
  // The first append or write_at numbered >= n lands only `prefix` bytes,
  // then fails with `error`.
  void tear_at(std::uint64_t n, std::size_t prefix, int error = EIO) {
    fault_spec f;
    f.at = n;
    f.kinds = op_kind::append | op_kind::write;
    f.error = error;
    f.torn_prefix = prefix;
    inject(std::move(f));
  }
  // Drops every rule; counters are kept.
  void clear_faults() {
    std::lock_guard g(st_->mu);
    st_->rules.clear();
  }

  // Number of the last operation (0 before the first).
  std::uint64_t operation_count() const {
    std::lock_guard g(st_->mu);
    return st_->ops;
  }
  // Operations failed by a rule.
  std::uint64_t injected_faults() const {
    std::lock_guard g(st_->mu);
    return st_->injected;
  }
  // Injected faults that landed a torn prefix.
  std::uint64_t torn_writes() const {
    std::lock_guard g(st_->mu);
    return st_->torn;
  }

  // Simulates power loss (see the crash model above). An error means the
  // wrapped fs failed while rolling back.
  status crash();

 protected:
  explicit fault_fs_core(file_system& inner) : inner_(inner), st_(std::make_shared<fault_state>()) {}

 private:
  // The calls below REQUIRE st_->mu held.
  status enter(op_kind k, const std::filesystem::path& p, std::string_view k1, std::string_view k2 = {}) {
    const std::uint64_t n = ++st_->ops;
    if (auto hit = st_->match(n, k, k1, k2)) return injected_status(k, p, *hit);
    return {};
  }
  // The node of the file at key, adopting an existing untracked file as
  // durable; null when key is missing or not a file.
  std::shared_ptr<fault_node> node_at(const std::string& key);
  // Snapshots dir's entries as durable before its first change.
  status track_dir(const std::string& dir);
  status hide(fault_node& n);
  status drop(fault_node& n);
  status rollback_bytes(fault_node& n);
  result<std::unique_ptr<file>> wrap(std::unique_ptr<file> f, std::shared_ptr<fault_node> n,
                                     const std::filesystem::path& p) {
    return std::unique_ptr<file>(std::make_unique<fault_file>(st_, std::move(f), std::move(n), p));
  }

  file_system& inner_;
  std::shared_ptr<fault_state> st_;
};

}  // namespace detail

template <class Fs>
class fault_fs final : private detail::fault_fs_holder<Fs>, public detail::fault_fs_core {
  static_assert(std::is_base_of_v<file_system, Fs>,
                "fault_fs<Fs> wraps a file system: Fs must derive from io::file_system "
                "(use fault_fs<file_system> to wrap a std::shared_ptr<file_system>)");

 public:
  // Builds the wrapped Fs from args (fault_fs<file_system>: from a shared_ptr).
  template <class... Args>
    requires std::is_constructible_v<detail::fault_fs_holder<Fs>, Args&&...>
  explicit fault_fs(Args&&... args)
      : detail::fault_fs_holder<Fs>(std::forward<Args>(args)...), detail::fault_fs_core(this->held()) {}

  // The wrapped file system; calls made on it directly bypass faults and the
  // crash bookkeeping.
  Fs& inner() noexcept { return this->held(); }
};

// ---------------------------------------------------------------------------
// Implementation.

namespace detail {

inline std::shared_ptr<fault_node> fault_fs_core::node_at(const std::string& key) {
  if (auto it = st_->nodes.find(key); it != st_->nodes.end()) return it->second;
  auto sz = inner_.file_size(key);
  if (!sz) return nullptr;
  return st_->add_node(key, *sz);
}

inline status fault_fs_core::track_dir(const std::string& dir) {
  if (st_->durable.count(dir) != 0) return {};
  auto names = inner_.list(dir);
  if (!names) {
    // A missing directory has nothing to roll back; the operation will fail.
    return names.status().is_not_found() ? status{} : names.status();
  }
  auto& entries = st_->durable[dir];
  for (const auto& name : *names) {
    if (name.starts_with(k_hidden_prefix)) continue;
    if (auto n = node_at(fault_child(dir, name))) entries.emplace(name, std::move(n));
  }
  return {};
}

inline status fault_fs_core::hide(fault_node& n) {
  const std::string to = fault_child(fault_parent(n.key), std::string(k_hidden_prefix) + std::to_string(n.id));
  if (auto s = inner_.rename(n.key, to); !s.ok()) return s;
  st_->move_node(n, to);
  return {};
}

inline status fault_fs_core::drop(fault_node& n) {
  if (auto s = inner_.remove(n.key); !s.ok()) return s;
  st_->nodes.erase(n.key);
  n.key.clear();
  return {};
}

inline status fault_fs_core::rollback_bytes(fault_node& n) {
  auto sz = inner_.file_size(n.key);
  if (!sz) return sz.status();
  if (n.undo.empty() && *sz == n.synced_size) return {};
  auto f = inner_.open(n.key, open_mode::read_write);
  if (!f) return f.status();
  for (auto it = n.undo.rbegin(); it != n.undo.rend(); ++it) {
    if (auto s = (*f)->write_at(it->first, it->second); !s.ok()) return s;
  }
  n.undo.clear();
  if (auto s = (*f)->truncate(n.synced_size); !s.ok()) return s;
  return (*f)->close();
}

inline result<std::unique_ptr<file>> fault_fs_core::open(const std::filesystem::path& p, open_mode mode) {
  const std::string k = fault_key(p);
  std::lock_guard g(st_->mu);
  if (auto s = enter(op_kind::open, p, k); !s.ok()) return s;
  auto node = node_at(k);
  const bool creating = mode == open_mode::create || mode == open_mode::create_new || mode == open_mode::truncate;
  if (!node && creating) {
    auto there = inner_.exists(p);
    if (!there) return there.status();
    if (!*there) {
      if (auto s = track_dir(fault_parent(k)); !s.ok()) return s;
      auto f = inner_.open(p, mode);
      if (!f) return f.status();
      return wrap(std::move(*f), st_->add_node(k, 0), p);
    }
  }
  if (node && mode == open_mode::truncate) {
    auto f = inner_.open(p, open_mode::read_write);
    if (!f) return f.status();
    if (auto s = record_undo(**f, *node, 0, k_to_end); !s.ok()) return s;
    if (auto s = (*f)->truncate(0); !s.ok()) return s;
    return wrap(std::move(*f), std::move(node), p);
  }
  auto f = inner_.open(p, mode);
  if (!f) return f.status();
  return wrap(std::move(*f), std::move(node), p);
}

inline status fault_fs_core::rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  const std::string kf = fault_key(from), kt = fault_key(to);
  std::lock_guard g(st_->mu);
  if (auto s = enter(op_kind::rename, from, kf, kt); !s.ok()) return s;
  if (kf == kt) return inner_.rename(from, to);
  auto src = node_at(kf);
  if (!src) {
    // A directory (durable at once, model rule 3) or nothing at all.
    auto s = inner_.rename(from, to);
    if (s.ok()) st_->rekey(kf, kt);
    return s;
  }
  if (auto s = track_dir(fault_parent(kf)); !s.ok()) return s;
  if (auto s = track_dir(fault_parent(kt)); !s.ok()) return s;
  auto victim = node_at(kt);
  // The replaced file goes aside first so that crash() can bring it back.
  if (victim) {
    if (auto s = hide(*victim); !s.ok()) return s;
  }
  if (auto s = inner_.rename(from, to); !s.ok()) {
    if (victim && inner_.rename(victim->key, kt).ok()) st_->move_node(*victim, kt);
    return s;
  }
  st_->move_node(*src, kt);
  if (victim && !st_->durably_referenced(*victim)) (void)drop(*victim);
  return {};
}

inline status fault_fs_core::remove(const std::filesystem::path& p) {
  const std::string k = fault_key(p);
  std::lock_guard g(st_->mu);
  if (auto s = enter(op_kind::remove, p, k); !s.ok()) return s;
  auto node = node_at(k);
  if (!node) {
    auto names = inner_.list(k);
    if (!names) return inner_.remove(p);  // missing: the wrapped fs says so
    for (const auto& name : *names) {
      if (!name.starts_with(k_hidden_prefix)) return errno_status("remove", p, ENOTEMPTY);
    }
    // Removing a directory is durable at once (model rule 3), with the
    // removals of the files it held.
    std::vector<std::shared_ptr<fault_node>> inside;
    for (const auto& [key, n] : st_->nodes) {
      if (fault_parent(key) == k) inside.push_back(n);
    }
    for (auto& n : inside) {
      if (auto s = drop(*n); !s.ok()) return s;
    }
    st_->durable.erase(k);
    return inner_.remove(p);
  }
  if (auto s = track_dir(fault_parent(k)); !s.ok()) return s;
  return st_->durably_referenced(*node) ? hide(*node) : drop(*node);
}

inline result<std::vector<std::string>> fault_fs_core::list(const std::filesystem::path& dir) {
  const std::string k = fault_key(dir);
  std::lock_guard g(st_->mu);
  if (auto s = enter(op_kind::list, dir, k); !s.ok()) return s;
  auto names = inner_.list(dir);
  if (!names) return names;
  std::erase_if(*names, [](const std::string& n) { return n.starts_with(k_hidden_prefix); });
  return names;
}

inline status fault_fs_core::mkdir(const std::filesystem::path& p) {
  const std::string k = fault_key(p);
  std::lock_guard g(st_->mu);
  if (auto s = enter(op_kind::mkdir, p, k); !s.ok()) return s;
  return inner_.mkdir(p);
}

inline status fault_fs_core::sync_dir(const std::filesystem::path& dir) {
  const std::string k = fault_key(dir);
  std::lock_guard g(st_->mu);
  if (auto s = enter(op_kind::sync_dir, dir, k); !s.ok()) return s;
  if (auto s = inner_.sync_dir(dir); !s.ok()) return s;
  auto it = st_->durable.find(k);
  if (it == st_->durable.end()) return {};
  it->second = st_->current_entries(k);
  // Removals that just became durable: their victims can go for good.
  std::vector<std::shared_ptr<fault_node>> gone;
  for (const auto& [key, n] : st_->nodes) {
    if (fault_hidden(key) && !st_->durably_referenced(*n)) gone.push_back(n);
  }
  for (auto& n : gone) {
    if (auto s = drop(*n); !s.ok()) return s;
  }
  return {};
}

inline result<std::uint64_t> fault_fs_core::file_size(const std::filesystem::path& p) {
  const std::string k = fault_key(p);
  std::lock_guard g(st_->mu);
  if (auto s = enter(op_kind::size, p, k); !s.ok()) return s;
  return inner_.file_size(p);
}

inline result<bool> fault_fs_core::exists(const std::filesystem::path& p) {
  const std::string k = fault_key(p);
  std::lock_guard g(st_->mu);
  if (auto s = enter(op_kind::exists, p, k); !s.ok()) return s;
  return inner_.exists(p);
}

inline status fault_fs_core::truncate(const std::filesystem::path& p, std::uint64_t n) {
  const std::string k = fault_key(p);
  std::lock_guard g(st_->mu);
  if (auto s = enter(op_kind::truncate, p, k); !s.ok()) return s;
  if (auto node = node_at(k); node && n < node->synced_size) {
    auto f = inner_.open(p, open_mode::read_only);
    if (!f) return f.status();
    if (auto s = record_undo(**f, *node, n, k_to_end); !s.ok()) return s;
  }
  return inner_.truncate(p, n);
}

inline result<std::unique_ptr<file_lock>> fault_fs_core::lock(const std::filesystem::path& p) {
  const std::string k = fault_key(p);
  std::lock_guard g(st_->mu);
  if (auto s = enter(op_kind::lock, p, k); !s.ok()) return s;
  auto there = inner_.exists(p);
  if (!there) return there.status();
  if (!*there) {
    if (auto s = track_dir(fault_parent(k)); !s.ok()) return s;
  }
  auto l = inner_.lock(p);
  if (!l) return l.status();
  if (!*there) st_->add_node(k, 0);  // the lock file is a create like any other
  auto slot = std::make_shared<fault_lock_slot>();
  slot->inner = std::move(*l);
  std::erase_if(st_->locks, [](const std::weak_ptr<fault_lock_slot>& w) { return w.expired(); });
  st_->locks.push_back(slot);
  return std::unique_ptr<file_lock>(std::make_unique<fault_lock>(st_, std::move(slot), p));
}

inline status fault_fs_core::crash() {
  std::lock_guard g(st_->mu);
  ++st_->generation;
  for (auto& w : st_->locks) {
    if (auto slot = w.lock()) slot->inner.reset();
  }
  st_->locks.clear();

  status first;
  auto keep = [&first](status s) {
    if (first.ok() && !s.ok()) first = std::move(s);
  };
  // Rule 1: bytes back to the last sync.
  std::vector<std::shared_ptr<fault_node>> all;
  for (const auto& [key, n] : st_->nodes) all.push_back(n);
  for (auto& n : all) keep(rollback_bytes(*n));

  // Rule 2: every file of a tracked directory goes aside, then the durable
  // entries are put back; what no durable entry claims is deleted.
  std::vector<std::shared_ptr<fault_node>> staged;
  for (auto& n : all) {
    if (st_->durable.count(fault_parent(n->key)) != 0) staged.push_back(n);
  }
  for (auto& n : staged) {
    if (!fault_hidden(n->key)) keep(hide(*n));
  }
  std::set<const fault_node*> placed;
  for (const auto& [dir, entries] : st_->durable) {
    for (const auto& [name, n] : entries) {
      const std::string target = fault_child(dir, name);
      if (n->key.empty()) {
        keep(status::io_error("fault_fs crash: lost the durable file " + target));
      } else if (placed.insert(n.get()).second) {
        if (auto s = inner_.rename(n->key, target); s.ok()) st_->move_node(*n, target);
        else keep(std::move(s));
      } else {
        auto bytes = read_file(inner_, n->key);
        keep(bytes ? write_file_atomically(inner_, target, *bytes) : bytes.status());
      }
    }
  }
  for (auto& n : staged) {
    if (placed.count(n.get()) == 0 && !n->key.empty()) keep(drop(*n));
  }
  st_->nodes.clear();
  st_->durable.clear();
  return first.with_context("fault_fs crash");
}

}  // namespace detail

}  // namespace jadekv::inline v0::io
