// index::memory: the memtable is the whole store. Nothing is flushed and no
// file is written by the index; with persist::wal or persist::snapshot the
// data still survives restarts (replayed into the memtable at open).
//
// This is the in-memory key-value store on which a cache or a Redis-like
// server is built. Every version stays in the memtable; with a non-mvcc
// concurrency policy an overwrite-heavy load grows memory until the versions
// are collected (concurrency::mvcc's issue brings that collection).
#pragma once

#include <string_view>

namespace jadekv::inline v0::index {

// Reserved: the contract spells the policy `memory<>`; no tuning exists yet.
template <class Reserved = void>
struct memory {
  struct options {};
  static constexpr std::string_view name = "memory";
  static constexpr bool on_disk = false;  // owns no files
};

}  // namespace jadekv::inline v0::index
