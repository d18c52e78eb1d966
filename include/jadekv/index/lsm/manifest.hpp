// manifest: the durable history of an LSM store's versions.
//
// The manifest in force is named by CURRENT (manifest_file_names.hpp); it is
// a header record and a run of version edits (version_edit.hpp has the byte
// layout). recover() rebuilds the version and then starts a fresh manifest
// holding one snapshot edit, so a manifest is only ever appended to by the
// process that created it and a torn tail never has records after it.
//
// Switching manifests: the new one is written and fsynced, CURRENT.tmp is
// written, fsynced and renamed over CURRENT, and the directory is fsynced;
// only then is the old manifest removed. A crash at any point leaves CURRENT
// naming a complete manifest; the other one is removed at the next open.
//
// Damage: a manifest that ends inside a record, or in zeros, with no valid
// record after (an append torn by a crash; the edit was never acknowledged
// because its fsync had not returned) loses that record silently. Anything else (a bad checksum with the record wholly
// present, a bad header, an edit that does not decode or apply) is
// corruption naming the file and the byte offset.
//
// Failure: after a failed append or sync the manifest's tail is unknown (a
// torn record, or an edit whose bytes landed but whose sync failed), and
// after a failed switch of CURRENT either manifest may be in force. Any
// further edit could land behind a torn record or be replayed against a
// version it was not made from, so from then on every append and roll
// returns the first error; the next open recovers from what is on disk.
//
// Thread safety: none; the store serialises every call (its manifest mutex).
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/detail/concat.hpp"
#include "jadekv/index/lsm/manifest_file_names.hpp"
#include "jadekv/index/lsm/version.hpp"
#include "jadekv/index/lsm/version_edit.hpp"
#include "jadekv/io/file_system.hpp"
#include "jadekv/persist/detail/log_reader.hpp"
#include "jadekv/persist/detail/log_writer.hpp"
#include "jadekv/persist/log_format.hpp"

namespace jadekv::inline v0::index::lsm_detail {

// A template only so that units which do not use it do not compile it (README, "Build cost").
template <class D = void>
class manifest {
 public:
  // What recover() found.
  struct recovered {
    std::shared_ptr<version<D>> current;
    std::uint64_t next_file_number = 1;
    std::vector<std::string> removed;  // files removed as left over by a crash
  };

  manifest(const manifest&) = delete;
  manifest& operator=(const manifest&) = delete;
  ~manifest() { (void)close(); }

  // Opens the store's manifest in dir (creating an empty store when dir has
  // no CURRENT), checks that every table it names exists, starts a new
  // manifest and removes files no version names. next_file_number in `out`
  // is the first number free after that.
  template <class Cmp>
  [[gnu::cold]] static result<std::unique_ptr<manifest>> recover(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir,
                                                   int num_levels, const Cmp& cmp, recovered& out);

  // Appends one edit and fsyncs it. An error leaves the manifest in an
  // unknown state: it refuses every later edit (see "Failure").
  status append(const version_edit<D>& e);

  // Starts manifest `number` holding v, switches CURRENT to it and removes
  // the previous manifest.
  [[gnu::cold]] status roll(const version<D>& v, std::uint64_t number, std::uint64_t next_file_number);

  std::uint64_t number() const noexcept { return number_; }
  std::uint64_t size() const noexcept { return offset_; }
  status close();

 private:
  manifest(std::shared_ptr<io::file_system> fs, std::filesystem::path dir, std::string comparator_name)
      : fs_(std::move(fs)), dir_(std::move(dir)), comparator_name_(std::move(comparator_name)) {}

  std::filesystem::path path_of(std::string_view name) const { return dir_ / std::string(name); }
  template <class Cmp>
  [[gnu::cold]] status replay(std::uint64_t number, int num_levels, const Cmp& cmp, recovered& out);

  std::shared_ptr<io::file_system> fs_;
  std::filesystem::path dir_;
  std::string comparator_name_;
  std::unique_ptr<io::file> file_;
  std::uint64_t number_ = 0;
  std::uint64_t offset_ = 0;
  std::uint32_t seed_ = 0;
  status failed_;  // the first error that left the manifest's state unknown
};

// ---------------------------------------------------------------------------
// Implementation.

template <class D>
status manifest<D>::close() {
  if (!file_) return {};
  auto s = file_->close();
  file_.reset();
  return s;
}

template <class D>
status manifest<D>::append(const version_edit<D>& e) {
  if (!failed_.ok()) return failed_;
  if (!file_) return status::closed("lsm manifest: closed");
  std::string bytes;
  const std::uint64_t end = persist::detail::frame_record(bytes, offset_, persist::log_format::k_default_block_size,
                                                          seed_, encode_version_edit(e));
  const std::string where = manifest_file_name(number_);
  if (auto s = file_->append(bytes); !s.ok())
    return failed_ = s.with_context(::jadekv::detail::concat({"lsm manifest: append to ", where}));
  offset_ = end;
  if (auto s = file_->sync(); !s.ok())
    return failed_ = s.with_context(::jadekv::detail::concat({"lsm manifest: sync ", where}));
  return {};
}

template <class D>
status manifest<D>::roll(const version<D>& v, std::uint64_t number, std::uint64_t next_file_number) {
  namespace lf = persist::log_format;
  if (!failed_.ok()) return failed_;
  const std::string name = manifest_file_name(number);
  const std::filesystem::path p = path_of(name);
  version_edit<D> snap = snapshot_edit(v);
  snap.set_next_file_number(next_file_number);
  const std::uint32_t seed = persist::detail::segment_seed(number);
  std::string bytes = persist::detail::encode_segment_header(number, lf::k_default_block_size, 0);
  std::uint64_t end = persist::detail::frame_record(bytes, bytes.size(), lf::k_default_block_size, seed,
                                                    encode_manifest_header(comparator_name_));
  end = persist::detail::frame_record(bytes, end, lf::k_default_block_size, seed, encode_version_edit(snap));

  auto f = fs_->open(p, io::open_mode::truncate);
  if (!f) return f.status().with_context(::jadekv::detail::concat({"lsm manifest: create ", name}));
  auto written = (*f)->append(bytes);
  if (written.ok()) written = (*f)->sync();
  if (!written.ok()) {
    (void)(*f)->close();
    (void)fs_->remove(p);
    return written.with_context(::jadekv::detail::concat({"lsm manifest: write ", name}));
  }
  // From here a failure may leave CURRENT naming either manifest; both stay
  // on disk and the next open removes the one CURRENT does not name.
  if (auto s = io::write_file_atomically(*fs_, path_of(k_current_file_name), name + "\n"); !s.ok()) {
    (void)(*f)->close();
    return failed_ = s.with_context(::jadekv::detail::concat({"lsm manifest: switch CURRENT to ", name}));
  }
  const std::uint64_t old = number_;
  const bool had_old = file_ != nullptr;
  (void)close();
  file_ = std::move(*f);
  number_ = number;
  offset_ = end;
  seed_ = seed;
  if (had_old && old != number) (void)fs_->remove(path_of(manifest_file_name(old)));
  return {};
}

template <class D>
template <class Cmp>
status manifest<D>::replay(std::uint64_t number, int num_levels, const Cmp& cmp, recovered& out) {
  namespace pd = persist::detail;
  const std::string where = manifest_file_name(number);
  auto f = fs_->open(path_of(where), io::open_mode::read_only);
  if (!f) {
    if (f.status().is_not_found()) {
      return status::corruption(::jadekv::detail::concat({"lsm: CURRENT names ", where, ", which is missing"}));
    }
    return f.status();
  }
  auto size = (*f)->size();
  if (!size) return size.status();
  pd::log_reader reader(**f, *size, number);
  version<D> empty(num_levels);
  version_builder<D> builder(empty);
  bool header = false;
  for (;;) {
    const auto ev = reader.next();
    if (ev == pd::log_reader::event::end) break;
    if (ev == pd::log_reader::event::error)
      return reader.error().with_context(::jadekv::detail::concat({"lsm: read ", where}));
    if (ev == pd::log_reader::event::damage) {
      const auto& d = reader.damage();
      // Only a record the file ends inside of is a torn, unacknowledged append.
      bool torn_tail = false;
      if (d.may_be_torn && d.fragment_offset >= persist::log_format::k_header_size) {
        char h[persist::log_format::k_fragment_header_size];
        const std::uint64_t at = d.fragment_offset;
        if (at + sizeof h > *size) {
          torn_tail = true;
        } else {
          auto r = (*f)->read_at(at, sizeof h, h);
          if (!r) return r.status();
          const std::size_t len = pd::decode_fixed16(h + persist::log_format::k_length_offset);
          torn_tail = at + sizeof h + len > *size;
        }
        if (!torn_tail) {
          // A file system may leave an unfinished append as zeros up to the end.
          std::string rest(static_cast<std::size_t>(*size - at), '\0');
          auto r = (*f)->read_at(at, rest.size(), rest.data());
          if (!r) return r.status();
          torn_tail = r->find_first_not_of('\0') == std::string_view::npos;
        }
        if (torn_tail) {
          auto more = reader.record_start_from(d.fragment_offset + 1);
          if (!more) return more.status();
          torn_tail = !*more;
        }
      }
      if (torn_tail && header) break;
      if (d.code == status_code::not_supported)
        return status::not_supported(::jadekv::detail::concat({"lsm: ", where, ": ", d.reason}));
      return status::corruption(
          ::jadekv::detail::concat({"lsm: ", where, " at offset ", d.fragment_offset, ": ", d.reason}));
    }
    const std::string record_where = ::jadekv::detail::concat({where, " record at offset ", reader.record_offset()});
    if (!header) {
      if (auto s = decode_manifest_header(reader.record(), cmp.name(), record_where); !s.ok()) return s;
      header = true;
      continue;
    }
    auto e = decode_version_edit<D>(reader.record(), record_where);
    if (!e) return e.status();
    if (auto s = builder.apply(*e, record_where); !s.ok()) return s;
    if (e->has_next_file_number) out.next_file_number = std::max(out.next_file_number, e->next_file_number);
  }
  if (!header) return status::corruption(::jadekv::detail::concat({"lsm: ", where, " has no header record"}));
  out.current = builder.finish(cmp);
  return {};
}

template <class D>
template <class Cmp>
auto manifest<D>::recover(std::shared_ptr<io::file_system> fs, const std::filesystem::path& dir, int num_levels,
                          const Cmp& cmp, recovered& out) -> result<std::unique_ptr<manifest>> {
  if (!fs) return status::invalid_argument("lsm: no file system");
  if (num_levels < 1 || num_levels > k_max_levels) {
    return status::invalid_argument(
        ::jadekv::detail::concat({"lsm: num_levels ", num_levels, " is outside [1, ", k_max_levels, "]"}));
  }
  if (auto s = fs->mkdir(dir); !s.ok()) return s.with_context("lsm: create directory");
  std::unique_ptr<manifest> m(new manifest(fs, dir, std::string(cmp.name())));
  auto names = fs->list(dir);
  if (!names) return names.status().with_context("lsm: list directory");
  std::uint64_t max_seen = 0;
  bool has_tables = false;
  for (const auto& n : *names) {
    if (auto t = parse_table_file_name(n)) {
      max_seen = std::max(max_seen, *t);
      has_tables = true;
    } else if (auto mf = parse_manifest_file_name(n)) {
      max_seen = std::max(max_seen, *mf);
    }
  }
  out = recovered{};
  std::uint64_t current_number = 0;
  auto current = io::read_file(*fs, m->path_of(k_current_file_name));
  if (!current) {
    if (!current.status().is_not_found()) return current.status().with_context("lsm: read CURRENT");
    if (has_tables) {
      return status::corruption(::jadekv::detail::concat(
          {"lsm: ", dir.string(), " holds tables but no CURRENT file (the manifest is lost)"}));
    }
    out.current = std::make_shared<version<D>>(num_levels);
  } else {
    std::string_view text = *current;
    std::optional<std::uint64_t> n;
    if (text.ends_with('\n')) n = parse_manifest_file_name(text.substr(0, text.size() - 1));
    if (!n)
      return status::corruption(
          ::jadekv::detail::concat({"lsm: CURRENT does not name a manifest (", text.size(), " bytes)"}));
    current_number = *n;
    if (auto s = m->replay(*n, num_levels, cmp, out); !s.ok()) return s;
  }
  std::set<std::uint64_t> live;
  for (const auto& l : out.current->levels)
    for (const auto& f : l) live.insert(f->number);
  for (std::uint64_t number : live) {
    const std::string name = padded_file_number(number) + std::string(k_table_suffix);
    if (!std::binary_search(names->begin(), names->end(), name)) {
      return status::corruption(::jadekv::detail::concat(
          {"lsm: table ", name, " named by ", manifest_file_name(current_number), " is missing"}));
    }
  }
  out.next_file_number = std::max({out.next_file_number, max_seen + 1, current_number + 1});
  const std::uint64_t number = out.next_file_number++;
  if (auto s = m->roll(*out.current, number, out.next_file_number); !s.ok()) return s;
  bool removed = false;
  for (const auto& n : *names) {
    const auto t = parse_table_file_name(n);
    const auto mf = parse_manifest_file_name(n);
    const bool stale = (t && live.count(*t) == 0) || (mf && *mf != number) ||
                       n == k_current_temp_file_name;
    if (!stale) continue;
    if (auto s = fs->remove(m->path_of(n)); s.ok()) {
      out.removed.push_back(n);
      removed = true;
    }
  }
  if (removed) (void)fs->sync_dir(dir);
  return m;
}

}  // namespace jadekv::inline v0::index::lsm_detail
