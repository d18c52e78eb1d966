// fake_tx_store: a small multi-version store with jadekv's transaction API,
// whose only purpose is to prove the list-append checker right and wrong.
//
// Every transaction reads the snapshot of its begin() (plus its own writes)
// and buffers writes until commit, which installs them atomically under one
// new commit timestamp. What commit validates is the mode:
//   serializable  conflict when a key read or written changed since begin()
//                 (backward validation: a committed transaction acts as if
//                 run alone at its commit timestamp);
//   snapshot      conflict when a key written changed since begin() (first
//                 committer wins; write skew remains possible);
//   broken        no validation: concurrent read-modify-writes lose updates.
// The mode decides; tx_options.isolation is ignored, read_only is enforced.
//
// Thread safety: the store is shared, each transaction belongs to one thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <jadekv/core/result.hpp>
#include <jadekv/core/status.hpp>
#include <jadekv/core/tx_options.hpp>

namespace elle {

enum class fake_mode : std::uint8_t { serializable, snapshot, broken };

class fake_tx_store {
 public:
  class transaction;

  explicit fake_tx_store(fake_mode mode) : mode_(mode) {}

  transaction begin(jadekv::tx_options opt = {});

 private:
  struct version {
    std::uint64_t commit_ts;
    std::optional<std::string> value;  // nullopt: erased
  };

  fake_mode mode_;
  std::mutex mu_;
  std::uint64_t last_commit_ts_ = 0;                                  // guarded by mu_
  std::map<std::string, std::vector<version>, std::less<>> versions_;  // guarded by mu_, oldest first
};

class fake_tx_store::transaction {
 public:
  jadekv::result<std::string> get(std::string_view key) {
    if (finished_) return jadekv::status::invalid_argument("transaction already finished");
    if (auto own = writes_.find(key); own != writes_.end()) {
      if (!own->second) return jadekv::status::not_found();
      return *own->second;
    }
    reads_.emplace(key);
    std::lock_guard lock(store_->mu_);
    auto it = store_->versions_.find(key);
    if (it == store_->versions_.end()) return jadekv::status::not_found();
    for (auto v = it->second.rbegin(); v != it->second.rend(); ++v) {
      if (v->commit_ts > start_ts_) continue;
      if (!v->value) break;
      return *v->value;
    }
    return jadekv::status::not_found();
  }

  jadekv::status put(std::string_view key, std::string_view value) { return write(key, std::string(value)); }
  jadekv::status erase(std::string_view key) { return write(key, std::nullopt); }

  jadekv::status commit() {
    if (finished_) return jadekv::status::invalid_argument("transaction already finished");
    finished_ = true;
    std::lock_guard lock(store_->mu_);
    if (store_->mode_ != fake_mode::broken) {
      for (const auto& [key, value] : writes_) {
        if (changed_since_start(key)) return jadekv::status::conflict(key + " was written since the transaction began");
      }
    }
    if (store_->mode_ == fake_mode::serializable) {
      for (const std::string& key : reads_) {
        if (changed_since_start(key)) return jadekv::status::conflict(key + " was written since the transaction read it");
      }
    }
    const std::uint64_t ts = ++store_->last_commit_ts_;
    for (auto& [key, value] : writes_) store_->versions_[key].push_back({ts, std::move(value)});
    return {};
  }

  void rollback() {
    finished_ = true;
    writes_.clear();
  }

 private:
  friend class fake_tx_store;
  transaction(fake_tx_store& store, std::uint64_t start_ts, bool read_only)
      : store_(&store), start_ts_(start_ts), read_only_(read_only) {}

  jadekv::status write(std::string_view key, std::optional<std::string> value) {
    if (finished_) return jadekv::status::invalid_argument("transaction already finished");
    if (read_only_) return jadekv::status::invalid_argument("write in a read-only transaction");
    writes_.insert_or_assign(std::string(key), std::move(value));
    return {};
  }

  // REQUIRES: store_->mu_ held.
  bool changed_since_start(const std::string& key) const {
    auto it = store_->versions_.find(key);
    return it != store_->versions_.end() && it->second.back().commit_ts > start_ts_;
  }

  fake_tx_store* store_;
  std::uint64_t start_ts_;
  bool read_only_;
  bool finished_ = false;
  std::map<std::string, std::optional<std::string>, std::less<>> writes_;
  std::set<std::string, std::less<>> reads_;
};

inline fake_tx_store::transaction fake_tx_store::begin(jadekv::tx_options opt) {
  std::lock_guard lock(mu_);
  return transaction(*this, last_commit_ts_, opt.read_only);
}

}  // namespace elle
