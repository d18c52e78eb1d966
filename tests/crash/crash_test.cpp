// The crash tests' driver: runs crash_child (its path in JADEKV_CRASH_CHILD)
// for every durable composition of compositions.hpp.
//
//   kill -9      a child writes (shared_state.hpp records what it was told
//                was done), is SIGKILLed after a random delay, and another
//                child reopens and verifies; repeated on the same directory.
//   power loss   crash_child power (in_process_modes.hpp).
//   faults       crash_child faults and fsync (in_process_modes.hpp).
//
// Lengths come from the environment, with short defaults for `meson test`:
//   JADEKV_CRASH_CYCLES    kill -9 cycles per composition (8)
//   JADEKV_POWER_LOSSES    power losses per composition (12)
//   JADEKV_FAULT_STRIDE    fault matrix: every N-th operation (40)
//   JADEKV_CRASH_SEED      base seed (1)
//   JADEKV_CRASH_LONG=1    170 cycles, 40 power losses, stride 1
#include <doctest/doctest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "compositions.hpp"
#include "shared_state.hpp"

extern char** environ;

namespace {

bool long_mode() {
  const char* v = std::getenv("JADEKV_CRASH_LONG");
  return v != nullptr && std::string(v) == "1";
}

std::uint64_t setting(const char* name, std::uint64_t short_value, std::uint64_t long_value) {
  if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return std::stoull(v);
  return long_mode() ? long_value : short_value;
}

using crash::k_composition_names;

std::string child_path() {
  const char* p = std::getenv("JADEKV_CRASH_CHILD");
  REQUIRE_MESSAGE(p != nullptr, "JADEKV_CRASH_CHILD must name the crash_child executable");
  return p;
}

// Starts crash_child with args; its stdout goes to *out_fd when given.
pid_t spawn(const std::vector<std::string>& args, int* out_fd = nullptr) {
  std::vector<std::string> all{child_path()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int fds[2] = {-1, -1};
  if (out_fd != nullptr) {
    REQUIRE(::pipe(fds) == 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
  }
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (out_fd != nullptr) {
    ::close(fds[1]);
    *out_fd = fds[0];
  }
  REQUIRE_MESSAGE(rc == 0, "cannot start ", all[0]);
  return pid;
}

struct outcome {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;
};

outcome wait_for(pid_t pid, int out_fd = -1) {
  outcome o;
  if (out_fd >= 0) {
    char buf[4096];
    for (ssize_t n; (n = ::read(out_fd, buf, sizeof buf)) > 0;) o.out.append(buf, static_cast<std::size_t>(n));
    ::close(out_fd);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  return o;
}

outcome run_child(const std::vector<std::string>& args) {
  int fd = -1;
  const pid_t pid = spawn(args, &fd);
  return wait_for(pid, fd);
}

struct temp_dir {
  temp_dir() {
    std::string t = (std::filesystem::temp_directory_path() / "jadekv-crash-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~temp_dir() {
    std::error_code ec;
    if (keep) MESSAGE("kept for inspection: ", path.string());
    else std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
  bool keep = false;
};

std::string seed_setting() { return std::to_string(setting("JADEKV_CRASH_SEED", 1, 1)); }

// Runs `crash_child <mode> <composition> args...` for every composition.
void run_in_each(const std::string& mode, const std::vector<std::string>& args) {
  for (const std::string name : k_composition_names) {
    std::vector<std::string> all{mode, name};
    all.insert(all.end(), args.begin(), args.end());
    const outcome o = run_child(all);
    MESSAGE(o.out);
    CHECK_MESSAGE(o.exit_code == 0, name, ": exit code ", o.exit_code);
  }
}

}  // namespace

TEST_CASE("kill -9 at random moments loses no acknowledged write and never fails an open") {
  const std::uint64_t cycles = setting("JADEKV_CRASH_CYCLES", 8, 170);
  const std::uint64_t seed = setting("JADEKV_CRASH_SEED", 1, 1);
  std::mt19937_64 rng(seed);
  temp_dir tmp;
  std::uint64_t total_cycles = 0, total_failures = 0;
  for (const std::string name : k_composition_names) {
    const std::string dir = (tmp.path / name).string(), state = (tmp.path / (name + ".state")).string();
    std::uint64_t failed_opens = 0, lost = 0, writer_errors = 0, done = 0;
    for (std::uint64_t c = 0; c < cycles; ++c, ++done) {
      const pid_t pid = spawn({"write", name, dir, state, std::to_string(seed * 1000003 + c)});
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 300)(rng)));
      ::kill(pid, SIGKILL);
      const outcome w = wait_for(pid);
      if (w.exit_code != -1) {
        ++writer_errors;
        CHECK_MESSAGE(false, name, " cycle ", c, ": the writer stopped by itself with exit code ", w.exit_code);
      }
      const outcome v = run_child({"verify", name, dir, state});
      if (v.exit_code == 2) ++failed_opens;
      else if (v.exit_code != 0) ++lost;
      CHECK_MESSAGE(v.exit_code == 0, name, " cycle ", c, ": verify exit code ", v.exit_code, ": ", v.out);
      if (v.exit_code != 0 || w.exit_code != -1) {
        ++done;
        break;  // the state no longer describes the directory
      }
    }
    crash::shared_state st(state);
    REQUIRE(st.ok());
    MESSAGE(name, ": ", done, " kill -9 cycles, ", crash::load(st->acked), " acknowledged writes (",
            crash::load(st->acked_synced), " synced), ", crash::load(st->checkpoints), " recorded checkpoints, ",
            crash::load(st->kills_in_flight), " kills with a call in flight; ", lost, " with lost or invented data, ",
            failed_opens, " failed opens, ", writer_errors, " writer errors");
    total_cycles += done;
    total_failures += failed_opens + lost + writer_errors;
  }
  tmp.keep = total_failures != 0;
  MESSAGE("kill -9: ", total_cycles, " cycles over ", std::size(k_composition_names), " compositions, ", total_failures,
          " failures");
}

TEST_CASE("power loss keeps a prefix of the history with every durable write") {
  run_in_each("power", {std::to_string(setting("JADEKV_POWER_LOSSES", 12, 40)), seed_setting()});
}

TEST_CASE("fault matrix: every operation failed with EIO, ENOSPC or a torn write") {
  run_in_each("faults", {std::to_string(setting("JADEKV_FAULT_STRIDE", 40, 1)), seed_setting()});
}

TEST_CASE("a failed log fsync is never retried as a success") { run_in_each("fsync", {}); }
