// child: see child.hpp.
#include "child.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "format.hpp"
#include "runner.hpp"

namespace bench {
namespace {

[[noreturn]] void child_main(const engine_entry& e, const flags& f, const std::vector<std::string>& benchmarks,
                             int rep, int fd) {
  int code = 0;
  std::FILE* out = ::fdopen(fd, "w");
  try {
    run_engine(e, f, benchmarks, rep, [&](const workload_result& r) {
      std::fputs(serialize(r).c_str(), out);
      std::fputc('\n', out);
      std::fflush(out);
    });
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "[%s] fatal: %s\n", e.name.c_str(), ex.what());
    code = 1;
  }
  std::fclose(out);
  std::fflush(stdout);
  std::fflush(stderr);
  ::_exit(code);
}

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

}  // namespace

std::vector<workload_result> run_in_child(const engine_entry& e, const flags& f,
                                          const std::vector<std::string>& benchmarks, int rep) {
  std::vector<workload_result> results;
  std::string failure;
  int fds[2];
  std::fflush(stdout);
  std::fflush(stderr);
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    failure = std::string("pipe: ") + std::strerror(errno);
  } else {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      child_main(e, f, benchmarks, rep, fds[1]);
    }
    ::close(fds[1]);
    if (pid < 0) {
      failure = std::string("fork: ") + std::strerror(errno);
      ::close(fds[0]);
    } else {
      std::FILE* in = ::fdopen(fds[0], "r");
      std::string line;
      for (int c; (c = std::fgetc(in)) != EOF;) {
        if (c != '\n') {
          line += static_cast<char>(c);
          continue;
        }
        workload_result r;
        if (deserialize(line, r)) results.push_back(std::move(r));
        line.clear();
      }
      std::fclose(in);
      int status = 0;
      rusage ru{};
      while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
      }
      if (WIFSIGNALED(status)) failure = std::string("child killed by signal ") + strsignal(WTERMSIG(status));
      else if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && results.size() < benchmarks.size())
        failure = concat({"child exited with status ", std::to_string(WEXITSTATUS(status))});
      const std::string tag = f.repeat > 1 ? concat({"#", std::to_string(rep + 1)}) : std::string();
      std::printf("[%s%s] process: peak RSS %s, CPU user %.2f s, system %.2f s\n", e.name.c_str(), tag.c_str(),
                  format_bytes(static_cast<std::uint64_t>(ru.ru_maxrss) * 1024).c_str(), seconds(ru.ru_utime),
                  seconds(ru.ru_stime));
      std::fflush(stdout);
    }
  }
  if (failure.empty() && results.size() < benchmarks.size()) failure = "child ended without reporting";
  for (std::size_t i = results.size(); i < benchmarks.size(); ++i) {
    workload_result r;
    r.engine = e.name;
    r.workload = benchmarks[i];
    r.rep = rep;
    r.status = "error";
    r.error = failure;
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace bench
