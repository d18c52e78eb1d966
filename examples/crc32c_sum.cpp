// crc32c_sum: prints the CRC32C of each file named on the command line (of its
// own source when none is given), reading through jadekv's file-system policy.
//
//   crc32c_sum FILE...
#include <jadekv/jadekv.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace kv = jadekv;

namespace {

kv::result<std::uint32_t> crc_of(kv::io::file_system& fs, const std::string& path) {
  auto file = fs.open(path, kv::io::open_mode::read_only);
  if (!file) return file.status();
  std::vector<char> scratch(1 << 16);
  std::uint32_t crc = 0;
  std::uint64_t offset = 0;
  for (;;) {
    auto chunk = (*file)->read_at(offset, scratch.size(), scratch.data());
    if (!chunk) return chunk.status();
    if (chunk->empty()) return crc;
    crc = kv::crc32c::extend(crc, chunk->data(), chunk->size());
    offset += chunk->size();
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> paths(argv + 1, argv + argc);
  if (paths.empty()) paths.push_back(JADEKV_EXAMPLE_SOURCE);
  auto fs = kv::io::default_fs();
  int rc = 0;
  for (const auto& p : paths) {
    auto crc = crc_of(*fs, p);
    if (!crc) {
      std::fprintf(stderr, "crc32c_sum: %s\n", crc.status().to_string().c_str());
      rc = 1;
      continue;
    }
    std::printf("%08x  %s\n", *crc, p.c_str());
  }
  return rc;
}
