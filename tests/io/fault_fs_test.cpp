// fault_fs: injected faults (by number, once or persistent; by path; by
// kind; torn writes) and the crash model, each crash test run over a memory
// and a disk file system.
#include <jadekv/io/fault_fs.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "fs_env.hpp"

namespace {

using namespace jadekv_test;
using io::open_mode;
using io::op_kind;

#define JADEKV_FAULT_FS io::fault_fs<io::memory_fs>, io::fault_fs<io::posix_fs>

// A file whose bytes and name are durable.
void put_durable(io::file_system& fs, const std::filesystem::path& p, std::string_view contents) {
  auto f = fs.open(p, open_mode::truncate);
  REQUIRE(f);
  REQUIRE((*f)->append(contents).ok());
  REQUIRE((*f)->sync().ok());
  REQUIRE((*f)->close().ok());
  REQUIRE(fs.sync_dir(io::parent_dir(p)).ok());
}

std::vector<std::string> names(io::file_system& fs, const std::filesystem::path& dir) {
  auto r = fs.list(dir);
  REQUIRE_MESSAGE(r, r.status().to_string());
  return *r;
}

// ---------------------------------------------------------------------------
// Crash model.

TEST_CASE_TEMPLATE("crash: unsynced appends are lost, synced ones survive", Fs, JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  const auto p = env / "wal";
  auto f = fs.open(p, open_mode::create);
  REQUIRE(f);
  REQUIRE(fs.sync_dir(env.root).ok());
  REQUIRE((*f)->append("durable;").ok());
  REQUIRE((*f)->sync().ok());
  REQUIRE((*f)->append("also-durable;").ok());
  REQUIRE((*f)->datasync().ok());
  REQUIRE((*f)->append("volatile").ok());
  CHECK(get(fs, p) == "durable;also-durable;volatile");

  REQUIRE(fs.crash().ok());
  CHECK(get(fs, p) == "durable;also-durable;");
  CHECK(get(fs.inner(), p) == "durable;also-durable;");

  // The old handle died with the "process"; the fs works on.
  CHECK((*f)->append("x").is_io_error());
  char buf[4];
  CHECK_FALSE((*f)->read_at(0, 4, buf));
  CHECK_FALSE((*f)->sync().ok());
  auto g = fs.open(p, open_mode::read_write);
  REQUIRE(g);
  REQUIRE((*g)->append("more").ok());
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, p) == "durable;also-durable;");  // existing files are durable, new bytes were not synced
}

TEST_CASE_TEMPLATE("crash: a file whose name is durable but whose bytes never were comes back empty", Fs,
                   JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  put(fs, env / "f", "never synced");
  REQUIRE(fs.sync_dir(env.root).ok());
  REQUIRE(fs.crash().ok());
  CHECK(there(fs, env / "f"));
  CHECK(get(fs, env / "f") == "");
}

TEST_CASE_TEMPLATE("crash: unsynced overwrites and truncations inside synced bytes are undone", Fs, JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  const auto p = env / "data";
  put_durable(fs, p, "0123456789");
  auto f = fs.open(p, open_mode::read_write);
  REQUIRE(f);
  REQUIRE((*f)->write_at(2, "ab").ok());
  REQUIRE((*f)->write_at(3, "XYZ").ok());  // overlaps the previous overwrite
  REQUIRE((*f)->truncate(4).ok());
  REQUIRE((*f)->write_at(6, "q").ok());  // re-grows over truncated bytes
  REQUIRE((*f)->append("tail").ok());
  REQUIRE(fs.truncate(p, 1).ok());
  CHECK(get(fs, p) == "0");
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, p) == "0123456789");

  // A synced overwrite is kept; an overwrite after it is undone to it.
  auto g = fs.open(p, open_mode::read_write);
  REQUIRE(g);
  REQUIRE((*g)->write_at(0, "AB").ok());
  REQUIRE((*g)->sync().ok());
  REQUIRE((*g)->write_at(1, "cd").ok());
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, p) == "AB23456789");

  // open_mode::truncate of a durable file is undone too.
  REQUIRE(fs.open(p, open_mode::truncate));
  CHECK(get(fs, p) == "");
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, p) == "AB23456789");
}

TEST_CASE_TEMPLATE("crash: an unsynced create disappears even if its bytes were fsynced", Fs, JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  auto f = fs.open(env / "new", open_mode::create_new);
  REQUIRE(f);
  REQUIRE((*f)->append("synced bytes").ok());
  REQUIRE((*f)->sync().ok());
  REQUIRE(fs.mkdir(env / "sub").ok());
  put(fs, env / "sub" / "inner", "x");
  auto l = fs.lock(env / "LOCK");
  REQUIRE(l);
  CHECK(names(fs, env.root) == std::vector<std::string>{"LOCK", "new", "sub"});
  REQUIRE(fs.crash().ok());
  CHECK_FALSE(there(fs, env / "new"));
  CHECK_FALSE(there(fs, env / "LOCK"));
  CHECK_FALSE(there(fs, env / "sub" / "inner"));
  CHECK(there(fs, env / "sub"));  // mkdir is durable at once
  CHECK(names(fs.inner(), env.root) == std::vector<std::string>{"sub"});

  // With the directory synced, the same create survives with its synced bytes.
  auto g = fs.open(env / "new", open_mode::create_new);
  REQUIRE(g);
  REQUIRE((*g)->append("synced bytes").ok());
  REQUIRE((*g)->sync().ok());
  REQUIRE((*g)->append(" and more").ok());
  REQUIRE(fs.sync_dir(env.root).ok());
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, env / "new") == "synced bytes");
}

TEST_CASE_TEMPLATE("crash: an unsynced rename is rolled back, a synced one survives", Fs, JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  const auto cur = env / "CURRENT", tmp = env / "CURRENT.tmp";
  put_durable(fs, cur, "v1");
  put_durable(fs, tmp, "v2");

  REQUIRE(fs.rename(tmp, cur).ok());
  CHECK(get(fs, cur) == "v2");
  CHECK(names(fs, env.root) == std::vector<std::string>{"CURRENT"});  // the replaced file is hidden
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, cur) == "v1");  // the replaced file is back
  CHECK(get(fs, tmp) == "v2");
  CHECK(names(fs.inner(), env.root) == std::vector<std::string>{"CURRENT", "CURRENT.tmp"});

  REQUIRE(fs.rename(tmp, cur).ok());
  REQUIRE(fs.sync_dir(env.root).ok());
  CHECK(names(fs.inner(), env.root) == std::vector<std::string>{"CURRENT"});  // victim deleted for good
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, cur) == "v2");
  CHECK_FALSE(there(fs, tmp));

  // A rename of a file that was itself never durable: both names roll back.
  put(fs, tmp, "v3");
  REQUIRE(fs.rename(tmp, cur).ok());
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, cur) == "v2");
  CHECK_FALSE(there(fs, tmp));
}

TEST_CASE_TEMPLATE("crash: a rename across directories follows the synced directories", Fs, JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  REQUIRE(fs.mkdir(env / "a").ok());
  REQUIRE(fs.mkdir(env / "b").ok());
  put_durable(fs, env / "a" / "f", "F");
  REQUIRE(fs.rename(env / "a" / "f", env / "b" / "g").ok());
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, env / "a" / "f") == "F");
  CHECK_FALSE(there(fs, env / "b" / "g"));

  REQUIRE(fs.rename(env / "a" / "f", env / "b" / "g").ok());
  REQUIRE(fs.sync_dir(env / "a").ok());
  REQUIRE(fs.sync_dir(env / "b").ok());
  REQUIRE(fs.crash().ok());
  CHECK_FALSE(there(fs, env / "a" / "f"));
  CHECK(get(fs, env / "b" / "g") == "F");
}

TEST_CASE_TEMPLATE("crash: an unsynced remove is undone, a synced one sticks", Fs, JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  put_durable(fs, env / "keep", "K");
  put_durable(fs, env / "gone", "G");
  REQUIRE(fs.remove(env / "keep").ok());
  REQUIRE(fs.remove(env / "gone").ok());
  CHECK(names(fs, env.root).empty());
  CHECK(fs.remove(env / "gone").is_not_found());
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, env / "keep") == "K");
  CHECK(get(fs, env / "gone") == "G");

  REQUIRE(fs.remove(env / "gone").ok());
  REQUIRE(fs.sync_dir(env.root).ok());
  REQUIRE(fs.crash().ok());
  CHECK_FALSE(there(fs, env / "gone"));
  CHECK(names(fs.inner(), env.root) == std::vector<std::string>{"keep"});

  // Remove then re-create under the same name, unsynced: the old file returns.
  REQUIRE(fs.remove(env / "keep").ok());
  put(fs, env / "keep", "impostor");
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, env / "keep") == "K");
}

TEST_CASE_TEMPLATE("crash: files that existed before fault_fs saw them are durable", Fs, JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  put(fs.inner(), env / "old", "before");  // bypasses fault_fs
  auto f = fs.open(env / "old", open_mode::read_write);
  REQUIRE(f);
  REQUIRE((*f)->append(" after").ok());
  put(fs, env / "fresh", "x");
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, env / "old") == "before");
  CHECK_FALSE(there(fs, env / "fresh"));
}

TEST_CASE_TEMPLATE("crash: releases locks and invalidates every earlier handle", Fs, JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  put_durable(fs, env / "LOCK", "");
  auto l = fs.lock(env / "LOCK");
  REQUIRE(l);
  CHECK(fs.lock(env / "LOCK").status().is_busy());
  auto f = fs.open(env / "LOCK", open_mode::read_only);
  REQUIRE(f);
  REQUIRE(fs.crash().ok());
  auto again = fs.lock(env / "LOCK");
  CHECK(again);
  auto s = (*f)->size();
  REQUIRE_FALSE(s);
  CHECK(s.status().message().find("crash") != std::string::npos);
  CHECK_FALSE((*f)->close().ok());
  l->reset();  // releasing a lock killed by the crash is harmless
  CHECK(fs.lock(env / "LOCK").status().is_busy());
}

TEST_CASE_TEMPLATE("crash: write_file_atomically is all-or-nothing whichever operation fails", Fs, JADEKV_FAULT_FS) {
  const auto workload = [](io::file_system& fs, const std::filesystem::path& p) {
    return io::write_file_atomically(fs, p, "new contents");
  };
  std::uint64_t ops = 0;
  {
    fs_env<Fs> env;
    REQUIRE(io::write_file_atomically(*env.fs, env / "CURRENT", "old").ok());
    const auto before = env.fs->operation_count();
    REQUIRE(workload(*env.fs, env / "CURRENT").ok());
    ops = env.fs->operation_count() - before;
  }
  REQUIRE(ops >= 6);  // open, append, sync, close, rename, sync_dir
  for (bool persistent : {false, true}) {
    int saw_old = 0, saw_new = 0;
    for (std::uint64_t n = 1; n <= ops; ++n) {
      CAPTURE(persistent);
      CAPTURE(n);
      fs_env<Fs> env;
      auto& fs = *env.fs;
      REQUIRE(io::write_file_atomically(fs, env / "CURRENT", "old").ok());
      const auto at = fs.operation_count() + n;
      if (persistent) fs.fail_from(at);
      else fs.fail_at(at);
      const auto s = workload(fs, env / "CURRENT");
      CHECK_FALSE(s.ok());  // every operation of the workload matters
      CHECK(fs.injected_faults() >= 1);
      fs.clear_faults();
      REQUIRE(fs.crash().ok());
      const std::string after = get(fs, env / "CURRENT");
      CHECK((after == "old" || after == "new contents"));
      saw_old += after == "old";
      saw_new += after == "new contents";
      CHECK(names(fs, env.root) == std::vector<std::string>{"CURRENT"});
    }
    CHECK(saw_old > 0);
    CHECK(saw_old + saw_new == static_cast<int>(ops));
  }
}

// ---------------------------------------------------------------------------
// Faults.

TEST_CASE_TEMPLATE("faults: fail the N-th operation once or persistently", Fs, JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  auto f = fs.open(env / "f", open_mode::create);
  REQUIRE(f);
  const auto base = fs.operation_count();
  CHECK((*f)->append("a").ok());
  CHECK(fs.operation_count() == base + 1);

  fs.fail_at(base + 3);
  CHECK((*f)->append("b").ok());  // base + 2
  auto s = (*f)->append("c");     // base + 3
  CHECK(s.is_io_error());
  CHECK(s.message().find("injected") != std::string::npos);
  CHECK(s.message().find((env / "f").string()) != std::string::npos);
  CHECK((*f)->append("d").ok());  // once only
  CHECK(get(fs, env / "f") == "abd");
  CHECK(fs.injected_faults() == 1);

  const auto now = fs.operation_count();
  fs.fail_from(now + 2, ENOSPC);
  CHECK((*f)->sync().ok());
  CHECK((*f)->append("e").is_no_space());
  CHECK((*f)->sync().is_no_space());
  CHECK(fs.file_size(env / "f").status().is_no_space());
  CHECK(fs.open(env / "g", open_mode::create).status().is_no_space());
  CHECK(fs.injected_faults() == 5);
  CHECK(fs.operation_count() == now + 5);  // failed calls are numbered too
  fs.clear_faults();
  CHECK((*f)->append("e").ok());
  CHECK(get(fs, env / "f") == "abde");
}

TEST_CASE_TEMPLATE("faults: a failed sync makes nothing durable", Fs, JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  put_durable(fs, env / "f", "base");
  auto f = fs.open(env / "f", open_mode::read_write);
  REQUIRE(f);
  REQUIRE((*f)->append("+lost").ok());
  fs.fail_path("*", EIO, op_kind::sync | op_kind::datasync);
  CHECK((*f)->sync().is_io_error());
  CHECK((*f)->datasync().is_io_error());
  CHECK((*f)->append("+more").ok());  // other kinds are untouched
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, env / "f") == "base");
}

TEST_CASE_TEMPLATE("faults: by path pattern and by kind", Fs, JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  fs.fail_path("*/MANIFEST-*");
  CHECK(fs.open(env / "MANIFEST-000001", open_mode::create).status().is_io_error());
  CHECK_FALSE(there(fs.inner(), env / "MANIFEST-000001"));
  auto cur = fs.open(env / "CURRENT", open_mode::create);
  REQUIRE(cur);
  CHECK((*cur)->append("MANIFEST-000001").ok());
  put(fs, env / "m.tmp", "x");
  CHECK(fs.rename(env / "m.tmp", env / "MANIFEST-000002").is_io_error());  // either path matches
  CHECK(there(fs, env / "m.tmp"));
  fs.clear_faults();

  fs.fail_path("*.log", ENOSPC, io::op_set::writes());
  auto log = fs.open(env / "000001.log", open_mode::create);
  REQUIRE(log);
  CHECK((*log)->append("rec").is_no_space());
  CHECK((*log)->write_at(0, "rec").is_no_space());
  CHECK((*log)->truncate(0).is_no_space());
  CHECK((*log)->sync().ok());
  CHECK(*(*log)->size() == 0);
  CHECK((*cur)->append("!").ok());

  fs.clear_faults();
  io::fault_spec spec;
  spec.path = "*/CURRENT";
  spec.kinds = op_kind::read;
  spec.at = fs.operation_count() + 1;
  fs.inject(spec);
  CHECK(io::read_file(fs, env / "CURRENT").status().is_io_error());  // open ok, read fails once
  CHECK(get(fs, env / "CURRENT") == "MANIFEST-000001!");
}

TEST_CASE_TEMPLATE("faults: a torn append or write lands only a prefix", Fs, JADEKV_FAULT_FS) {
  fs_env<Fs> env;
  auto& fs = *env.fs;
  auto f = fs.open(env / "log", open_mode::create);
  REQUIRE(f);
  REQUIRE((*f)->append("head|").ok());
  fs.tear_at(fs.operation_count() + 1, 4);
  auto s = (*f)->append("0123456789");
  CHECK(s.is_io_error());
  CHECK(get(fs, env / "log") == "head|0123");
  CHECK(fs.torn_writes() == 1);

  fs.tear_at(0, 2, ENOSPC);
  CHECK((*f)->write_at(1, "XYZ").is_no_space());
  CHECK(get(fs, env / "log") == "hXYd|0123");
  CHECK(fs.torn_writes() == 2);
  CHECK((*f)->append("ok").ok());  // both rules are spent
  CHECK(get(fs, env / "log") == "hXYd|0123ok");

  // A torn write is still undone by a crash when it was not synced.
  REQUIRE((*f)->sync().ok());
  REQUIRE(fs.sync_dir(env.root).ok());
  fs.tear_at(0, 3);
  CHECK_FALSE((*f)->write_at(0, "abcdef").ok());
  CHECK(get(fs, env / "log") == "abcd|0123ok");
  REQUIRE(fs.crash().ok());
  CHECK(get(fs, env / "log") == "hXYd|0123ok");
}

TEST_CASE("faults: every kind of call is one numbered operation") {
  io::fault_fs<io::memory_fs> fs;
  REQUIRE(fs.mkdir("/d").ok());  // 1
  auto f = fs.open("/d/f", open_mode::create);  // 2
  REQUIRE(f);
  char buf[4];
  (void)(*f)->append("x");        // 3
  (void)(*f)->write_at(0, "y");   // 4
  (void)(*f)->read_at(0, 1, buf); // 5
  (void)(*f)->sync();             // 6
  (void)(*f)->datasync();         // 7
  (void)(*f)->size();             // 8
  (void)(*f)->truncate(1);        // 9
  (void)(*f)->close();            // 10
  (void)fs.rename("/d/f", "/d/g");  // 11
  (void)fs.list("/d");            // 12
  (void)fs.sync_dir("/d");        // 13
  (void)fs.file_size("/d/g");     // 14
  (void)fs.exists("/d/g");        // 15
  (void)fs.truncate("/d/g", 0);   // 16
  (void)fs.lock("/d/LOCK");       // 17
  (void)fs.remove("/d/g");        // 18
  CHECK(fs.operation_count() == 18);
  f->reset();  // the destructor's close is not an operation
  CHECK(fs.operation_count() == 18);
  REQUIRE(fs.crash().ok());
  CHECK(fs.operation_count() == 18);
}

TEST_CASE("faults: fault_fs<file_system> wraps a shared file system") {
  auto mem = std::make_shared<io::memory_fs>();
  io::fault_fs<io::file_system> fs(mem);
  REQUIRE(fs.mkdir("/d").ok());
  put(fs, "/d/f", "x");
  CHECK(get(*mem, "/d/f") == "x");
  fs.fail_at(fs.operation_count() + 1);
  CHECK_FALSE(fs.exists("/d/f"));
  REQUIRE(fs.crash().ok());
  CHECK_FALSE(there(*mem, "/d/f"));
  CHECK(&fs.inner() == mem.get());
}

TEST_CASE("fault_spec: op_set") {
  constexpr io::op_set s = op_kind::append | op_kind::sync;
  static_assert(s.contains(op_kind::append) && s.contains(op_kind::sync) && !s.contains(op_kind::read));
  static_assert(io::op_set::all().contains(op_kind::lock));
  static_assert(io::op_set().empty());
  static_assert(io::op_set::syncs().contains(op_kind::sync_dir));
  CHECK(io::to_string(op_kind::sync_dir) == "sync_dir");
}

}  // namespace
