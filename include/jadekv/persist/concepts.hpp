// concepts: what the engine requires of a persist policy.
//
//   persist::policy<P>         every policy: none<>, wal<>, snapshot<>, snapshot<wal<>>
//   persist::checkpointing<P>  a policy that takes snapshots (snapshot<...>): the
//                              engine calls checkpoint(src) when checkpoint_due()
//   persist::snapshot_log<L>   a policy snapshot<L> can use as its log (none<>, wal<>)
//
// The engine drives a policy in this order: open, recover (replays every
// durable batch into the memtable), then append from any thread, with
// switch_segment / release_segments_before around memtable flushes and
// checkpoint when due, and close at the end.
//
// Thread safety: concepts only.
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>
#include <type_traits>

#include "jadekv/core/internal_key.hpp"
#include "jadekv/core/options.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/core/write_batch.hpp"
#include "jadekv/io/file_system.hpp"
#include "jadekv/persist/detail/apply.hpp"
#include "jadekv/persist/recovery.hpp"
#include "jadekv/persist/stats.hpp"

namespace jadekv::inline v0::persist {

namespace detail {

// Stand-ins for the engine's callbacks.
struct apply_probe {
  status operator()(const write_batch&) const { return {}; }
};
struct source_probe {
  template <class Emit>
  void operator()(Emit&& emit) const {
    emit(std::string_view{}, std::string_view{});
  }
};

}  // namespace detail

template <class P>
concept policy =
    std::movable<P> && std::default_initializable<typename P::options> &&
    requires { typename std::bool_constant<P::durable>; } &&
    requires(P& p, const P& cp, write_batch& b, const write_options& wo, std::uint64_t n,
             std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir, const typename P::options& o,
             detail::apply_probe apply) {
      { P::open(fs, dir, o) } -> std::same_as<result<P>>;
      { p.recover(apply) } -> std::same_as<status>;
      { cp.report() } -> std::same_as<const recovery_report&>;
      { cp.last_sequence() } -> std::same_as<sequence_number>;
      { p.append(b, wo) } -> std::same_as<status>;
      { p.switch_segment() } -> std::same_as<result<std::uint64_t>>;
      { p.release_segments_before(n) } -> std::same_as<status>;
      { cp.stats() } -> std::same_as<stats>;
      { p.close() } -> std::same_as<status>;
    };

template <class P>
concept checkpointing = policy<P> && requires(P& p, const P& cp, detail::source_probe src) {
  { p.checkpoint(src) } -> std::same_as<status>;
  { cp.checkpoint_due() } -> std::same_as<bool>;
};

template <class L>
concept snapshot_log =
    policy<L> && requires(L& l, std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir,
                          const typename L::options& o, detail::log_open_args args,
                          const detail::replay_base* base, detail::apply_probe& apply, std::uint64_t n) {
      { L::open_log(fs, dir, o, args) } -> std::same_as<result<L>>;
      { l.recover_from(base, apply) } -> std::same_as<status>;
      { l.rotate() } -> std::same_as<result<detail::rotation>>;
      { l.new_file_number() } -> std::same_as<std::uint64_t>;
      l.note_file_number(n);
    };

}  // namespace jadekv::inline v0::persist
