// memory_fs: a file_system held entirely in memory, with POSIX semantics, for
// fast tests and for engines that persist nothing.
//
// Thread safety: every operation on the fs and on every handle it opened
// takes one mutex, so any thread may use any handle or path at any time.
// Handles and locks share ownership of the state: they stay valid (and
// release correctly) even after the memory_fs itself is destroyed.
//
// Invariants:
//   1. Paths are normalised lexically (lexically_normal, "/" separators); a
//      relative path is taken relative to the root "/", which always exists.
//   2. Directories are tracked: opening or creating anything inside a missing
//      directory gives not_found, as ENOENT would.
//   3. A path names a node; handles hold the node, so a renamed or removed
//      file stays readable and writable through the handles already open.
//   4. Locks are held in this process only: a second lock() of the same path
//      gives busy until the first file_lock is destroyed.
//   5. Errors are exactly those errno_status gives for the errno POSIX
//      defines for the situation; running out of memory is ENOSPC.
//   6. Everything is "durable" at once: sync and sync_dir only check their
//      argument. Use fault_fs<memory_fs> to lose unsynced data.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/io/errno_status.hpp"
#include "jadekv/io/file_system.hpp"

namespace jadekv::inline v0::io {

namespace detail {

struct memory_node {
  bool is_dir = false;
  std::string bytes;
};

struct memory_state {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<memory_node>> nodes;  // GUARDED_BY(mu); key: memory_key()
  std::set<std::string> locked;                               // GUARDED_BY(mu)
};

// "/a/b" for "a/b", "/a/b/", "/a/./b", "./a/b"; "/" for "", "." and "/".
inline std::string memory_key(const std::filesystem::path& p) {
  std::string k = p.lexically_normal().generic_string();
  if (k.empty() || k[0] != '/') k.insert(0, "/");
  while (k.size() > 1 && k.back() == '/') k.pop_back();
  if (k == "/.") k = "/";
  return k;
}

inline std::string memory_parent(const std::string& key) {
  const auto slash = key.rfind('/');
  return slash == 0 ? std::string("/") : key.substr(0, slash);
}

// Grows or shrinks bytes, turning allocation failure into ENOSPC.
inline int memory_resize(std::string& bytes, std::uint64_t n) noexcept {
  if (n > bytes.max_size()) return EFBIG;
  try {
    bytes.resize(static_cast<std::size_t>(n), '\0');
  } catch (const std::bad_alloc&) {
    return ENOSPC;
  } catch (const std::length_error&) {
    return EFBIG;
  }
  return 0;
}

class memory_file final : public file {
 public:
  memory_file(std::shared_ptr<memory_state> st, std::shared_ptr<memory_node> node, std::filesystem::path p,
              bool writable)
      : st_(std::move(st)), node_(std::move(node)), path_(std::move(p)), writable_(writable) {}
  ~memory_file() override { (void)close(); }

  result<std::string_view> read_at(std::uint64_t offset, std::size_t n, char* scratch) override {
    std::lock_guard g(st_->mu);
    if (!node_) return errno_status("read", path_, EBADF);
    const std::string& b = node_->bytes;
    if (offset >= b.size()) return std::string_view(scratch, 0);
    const std::size_t got = std::min<std::size_t>(n, b.size() - static_cast<std::size_t>(offset));
    if (got > 0) std::memcpy(scratch, b.data() + offset, got);
    return std::string_view(scratch, got);
  }

  status append(std::string_view data) override {
    std::lock_guard g(st_->mu);
    if (auto s = writable("append"); !s.ok()) return s;
    return write_locked("append", node_->bytes.size(), data);
  }

  status write_at(std::uint64_t offset, std::string_view data) override {
    std::lock_guard g(st_->mu);
    if (auto s = writable("write"); !s.ok()) return s;
    return write_locked("write", offset, data);
  }

  status sync() override { return check_open("sync"); }
  status datasync() override { return check_open("datasync"); }

  result<std::uint64_t> size() override {
    std::lock_guard g(st_->mu);
    if (!node_) return errno_status("size", path_, EBADF);
    return static_cast<std::uint64_t>(node_->bytes.size());
  }

  status truncate(std::uint64_t n) override {
    std::lock_guard g(st_->mu);
    if (!node_) return errno_status("truncate", path_, EBADF);
    if (!writable_) return errno_status("truncate", path_, EINVAL);  // ftruncate on O_RDONLY
    if (int err = memory_resize(node_->bytes, n); err != 0) return errno_status("truncate", path_, err);
    return {};
  }

  status close() override {
    std::lock_guard g(st_->mu);
    node_.reset();
    return {};
  }

  const std::filesystem::path& path() const noexcept override { return path_; }

 private:
  status check_open(const char* op) {
    std::lock_guard g(st_->mu);
    if (!node_) return errno_status(op, path_, EBADF);
    return {};
  }

  // REQUIRES: st_->mu held.
  status writable(const char* op) const {
    if (!node_ || !writable_) return errno_status(op, path_, EBADF);
    return {};
  }

  // REQUIRES: st_->mu held, writable().
  status write_locked(const char* op, std::uint64_t offset, std::string_view data) {
    std::string& b = node_->bytes;
    const std::uint64_t end = offset + data.size();
    if (end < offset) return errno_status(op, path_, EFBIG);
    if (end > b.size()) {
      if (int err = memory_resize(b, end); err != 0) return errno_status(op, path_, err);
    }
    if (!data.empty()) std::memcpy(b.data() + offset, data.data(), data.size());
    return {};
  }

  std::shared_ptr<memory_state> st_;
  std::shared_ptr<memory_node> node_;  // GUARDED_BY(st_->mu); null once closed
  std::filesystem::path path_;
  bool writable_;
};

class memory_lock final : public file_lock {
 public:
  memory_lock(std::shared_ptr<memory_state> st, std::string key, std::filesystem::path p)
      : st_(std::move(st)), key_(std::move(key)), path_(std::move(p)) {}
  ~memory_lock() override {
    std::lock_guard g(st_->mu);
    st_->locked.erase(key_);
  }
  const std::filesystem::path& path() const noexcept override { return path_; }

 private:
  std::shared_ptr<memory_state> st_;
  std::string key_;
  std::filesystem::path path_;
};

}  // namespace detail

class memory_fs final : public file_system {
 public:
  memory_fs() : st_(std::make_shared<detail::memory_state>()) {
    st_->nodes.emplace("/", std::make_shared<detail::memory_node>(detail::memory_node{true, {}}));
  }

  result<std::unique_ptr<file>> open(const std::filesystem::path& p, open_mode mode) override {
    const std::string k = detail::memory_key(p);
    std::lock_guard g(st_->mu);
    if (int err = parent_error(k); err != 0) return errno_status("open", p, err);
    auto it = st_->nodes.find(k);
    if (it == st_->nodes.end()) {
      if (mode == open_mode::read_only || mode == open_mode::read_write) return errno_status("open", p, ENOENT);
      it = st_->nodes.emplace(k, std::make_shared<detail::memory_node>()).first;
    } else {
      if (it->second->is_dir) return errno_status("open", p, EISDIR);
      if (mode == open_mode::create_new) return errno_status("open", p, EEXIST);
      if (mode == open_mode::truncate) it->second->bytes.clear();
    }
    return std::unique_ptr<file>(
        std::make_unique<detail::memory_file>(st_, it->second, p, mode != open_mode::read_only));
  }

  status rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    const std::string kf = detail::memory_key(from), kt = detail::memory_key(to);
    std::lock_guard g(st_->mu);
    auto src = st_->nodes.find(kf);
    if (src == st_->nodes.end()) return errno_status("rename", from, to, ENOENT);
    if (int err = parent_error(kt); err != 0) return errno_status("rename", from, to, err);
    if (kf == kt) return {};
    if (kf == "/") return errno_status("rename", from, to, EBUSY);
    auto dst = st_->nodes.find(kt);
    if (!src->second->is_dir) {
      if (dst != st_->nodes.end() && dst->second->is_dir) return errno_status("rename", from, to, EISDIR);
      auto node = src->second;
      st_->nodes.erase(src);
      st_->nodes.insert_or_assign(kt, std::move(node));
      return {};
    }
    if (kt.compare(0, kf.size() + 1, kf + "/") == 0) return errno_status("rename", from, to, EINVAL);
    if (dst != st_->nodes.end()) {
      if (!dst->second->is_dir) return errno_status("rename", from, to, ENOTDIR);
      if (has_children(kt)) return errno_status("rename", from, to, ENOTEMPTY);
      st_->nodes.erase(dst);
    }
    // Move the directory and its whole subtree.
    std::vector<std::pair<std::string, std::shared_ptr<detail::memory_node>>> moved;
    moved.emplace_back(kt, std::move(src->second));
    st_->nodes.erase(src);
    // Children are contiguous from kf + "/"; "kf.x" may sort between kf and them.
    const std::string prefix = kf + "/";
    for (auto it = st_->nodes.lower_bound(prefix); it != st_->nodes.end();) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      moved.emplace_back(kt + it->first.substr(kf.size()), std::move(it->second));
      it = st_->nodes.erase(it);
    }
    for (auto& m : moved) st_->nodes.insert_or_assign(std::move(m.first), std::move(m.second));
    return {};
  }

  status remove(const std::filesystem::path& p) override {
    const std::string k = detail::memory_key(p);
    std::lock_guard g(st_->mu);
    auto it = st_->nodes.find(k);
    if (it == st_->nodes.end()) return errno_status("remove", p, ENOENT);
    if (k == "/") return errno_status("remove", p, EBUSY);
    if (it->second->is_dir && has_children(k)) return errno_status("remove", p, ENOTEMPTY);
    st_->nodes.erase(it);
    return {};
  }

  result<std::vector<std::string>> list(const std::filesystem::path& dir) override {
    const std::string k = detail::memory_key(dir);
    std::lock_guard g(st_->mu);
    if (int err = dir_error(k); err != 0) return errno_status("list", dir, err);
    const std::string prefix = k == "/" ? k : k + "/";
    std::vector<std::string> names;
    for (auto it = st_->nodes.upper_bound(prefix); it != st_->nodes.end(); ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      std::string_view rest(it->first);
      rest.remove_prefix(prefix.size());
      if (rest.find('/') == std::string_view::npos) names.emplace_back(rest);
    }
    return names;  // map order is byte order, as std::sort would give
  }

  status mkdir(const std::filesystem::path& p) override {
    const std::string k = detail::memory_key(p);
    std::lock_guard g(st_->mu);
    std::size_t pos = 0;
    while (pos != std::string::npos) {
      pos = k.find('/', pos + 1);
      const std::string cur = k.substr(0, pos);
      auto it = st_->nodes.find(cur);
      if (it == st_->nodes.end()) {
        st_->nodes.emplace(cur, std::make_shared<detail::memory_node>(detail::memory_node{true, {}}));
      } else if (!it->second->is_dir) {
        return errno_status("mkdir", std::filesystem::path(cur), EEXIST);
      }
    }
    return {};
  }

  status sync_dir(const std::filesystem::path& dir) override {
    const std::string k = detail::memory_key(dir);
    std::lock_guard g(st_->mu);
    if (int err = dir_error(k); err != 0) return errno_status("sync_dir", dir, err);
    return {};
  }

  result<std::uint64_t> file_size(const std::filesystem::path& p) override {
    const std::string k = detail::memory_key(p);
    std::lock_guard g(st_->mu);
    auto it = st_->nodes.find(k);
    if (it == st_->nodes.end()) return errno_status("file_size", p, ENOENT);
    if (it->second->is_dir) return errno_status("file_size", p, EISDIR);
    return static_cast<std::uint64_t>(it->second->bytes.size());
  }

  result<bool> exists(const std::filesystem::path& p) override {
    const std::string k = detail::memory_key(p);
    std::lock_guard g(st_->mu);
    return st_->nodes.count(k) != 0;
  }

  status truncate(const std::filesystem::path& p, std::uint64_t n) override {
    const std::string k = detail::memory_key(p);
    std::lock_guard g(st_->mu);
    auto it = st_->nodes.find(k);
    if (it == st_->nodes.end()) return errno_status("truncate", p, ENOENT);
    if (it->second->is_dir) return errno_status("truncate", p, EISDIR);
    if (int err = detail::memory_resize(it->second->bytes, n); err != 0) return errno_status("truncate", p, err);
    return {};
  }

  result<std::unique_ptr<file_lock>> lock(const std::filesystem::path& p) override {
    const std::string k = detail::memory_key(p);
    std::lock_guard g(st_->mu);
    if (int err = parent_error(k); err != 0) return errno_status("lock", p, err);
    auto it = st_->nodes.find(k);
    if (it == st_->nodes.end()) {
      st_->nodes.emplace(k, std::make_shared<detail::memory_node>());
    } else if (it->second->is_dir) {
      return errno_status("lock", p, EISDIR);
    }
    if (!st_->locked.insert(k).second) {
      status s = errno_status("lock", p, EWOULDBLOCK);
      return status::busy(s.message() + " (held by another handle in this process)");
    }
    return std::unique_ptr<file_lock>(std::make_unique<detail::memory_lock>(st_, k, p));
  }

 private:
  // REQUIRES: st_->mu held. 0, ENOENT or ENOTDIR for k's parent directory.
  int parent_error(const std::string& k) const { return k == "/" ? 0 : dir_error(detail::memory_parent(k)); }

  // REQUIRES: st_->mu held. 0 when k is a directory.
  int dir_error(const std::string& k) const {
    auto it = st_->nodes.find(k);
    if (it == st_->nodes.end()) return ENOENT;
    return it->second->is_dir ? 0 : ENOTDIR;
  }

  // REQUIRES: st_->mu held, k names a directory.
  bool has_children(const std::string& k) const {
    const std::string prefix = k == "/" ? k : k + "/";
    auto it = st_->nodes.upper_bound(prefix);
    return it != st_->nodes.end() && it->first.compare(0, prefix.size(), prefix) == 0;
  }

  std::shared_ptr<detail::memory_state> st_;
};

}  // namespace jadekv::inline v0::io
