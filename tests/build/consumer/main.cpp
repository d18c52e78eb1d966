// A user's program: includes the umbrella header (and the in-memory file
// system, a test tool outside it) and uses the public API.
#include <jadekv/io/memory_fs.hpp>
#include <jadekv/jadekv.hpp>

#include <cstdio>
#include <string>

int main() {
  jadekv::status s = jadekv::status::not_found("probe");
  if (s.ok() || !s.is_not_found()) return 1;
  jadekv::result<std::string> r = std::string("value");
  if (!r || *r != "value") return 2;
  if (jadekv::crc32c::value("123456789") != 0xe3069283u) return 3;
  jadekv::io::memory_fs fs;
  if (!jadekv::io::write_file_atomically(fs, "probe", "bytes").ok()) return 4;
  auto back = jadekv::io::read_file(fs, "probe");
  if (!back || *back != "bytes") return 5;
  std::puts("consumer ok");
  return 0;
}
