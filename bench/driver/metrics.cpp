// metrics: see metrics.hpp.
#include "metrics.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <thread>

#include "engine.hpp"

namespace bench {

io_counters read_io() {
  io_counters c;
  std::FILE* f = std::fopen("/proc/self/io", "r");
  if (f == nullptr) return c;
  char name[64];
  unsigned long long v = 0;
  while (std::fscanf(f, "%63[^:]: %llu\n", name, &v) == 2) {
    const std::string_view n(name);
    if (n == "rchar") c.rchar = v;
    else if (n == "wchar") c.wchar = v;
    else if (n == "read_bytes") c.read_bytes = v;
    else if (n == "write_bytes") c.write_bytes = v;
    else if (n == "cancelled_write_bytes") c.cancelled_write_bytes = v;
  }
  std::fclose(f);
  return c;
}

bool reset_peak_rss() {
  const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return ok;
}

rss_info read_rss() {
  rss_info r;
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return r;
  char line[256];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long long kb = 0;
    if (std::sscanf(line, "VmHWM: %llu kB", &kb) == 1) r.peak = kb * 1024;
    else if (std::sscanf(line, "RssAnon: %llu kB", &kb) == 1) r.anon = kb * 1024;
    else if (std::sscanf(line, "RssFile: %llu kB", &kb) == 1) r.file = kb * 1024;
  }
  std::fclose(f);
  return r;
}

dir_usage measure_dir(const std::filesystem::path& dir) {
  dir_usage u;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    u.allocated += static_cast<std::uint64_t>(st.st_blocks) * 512;
    u.apparent += static_cast<std::uint64_t>(st.st_size);
    ++u.files;
  }
  return u;
}

void sync_filesystem(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    ::sync();
    return;
  }
  if (::syncfs(fd) != 0) ::sync();
  ::close(fd);
}

std::uint64_t process_cpu_micros() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const auto us = [](const timeval& t) {
    return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000 + static_cast<std::uint64_t>(t.tv_usec);
  };
  return us(ru.ru_utime) + us(ru.ru_stime);
}

std::uint64_t thread_cpu_micros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

std::uint64_t settle(engine& e, int quiet_ms, int max_ms) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  e.wait_for_background();
  if (quiet_ms <= 0) return 0;
  constexpr int step_ms = 50;
  int quiet = 0;
  io_counters last = read_io();
  std::uint64_t last_cpu = process_cpu_micros();
  while (quiet < quiet_ms && clock::now() - start < std::chrono::milliseconds(max_ms)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(step_ms));
    const io_counters now = read_io();
    const std::uint64_t cpu = process_cpu_micros();
    // Quiet: no storage I/O and under 10% of one core (this loop's own reads
    // of /proc cost microseconds).
    const bool idle = now.write_bytes == last.write_bytes && now.read_bytes == last.read_bytes &&
                      cpu - last_cpu < step_ms * 100;
    quiet = idle ? quiet + step_ms : 0;
    last = now;
    last_cpu = cpu;
  }
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start).count());
}

std::string filesystem_type(const std::filesystem::path& path) {
  std::filesystem::path p = path;
  struct statfs s {};
  while (::statfs(p.c_str(), &s) != 0) {
    if (!p.has_parent_path() || p.parent_path() == p) return "unknown";
    p = p.parent_path();
  }
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53: return "ext4";
    case 0x01021994: return "tmpfs";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x794c7630: return "overlayfs";
    case 0x2fc12fc1: return "zfs";
    case 0xF2F52010: return "f2fs";
    default: break;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(s.f_type));
  return buf;
}

}  // namespace bench
