// peer_engines: registers the peer engines this build found. The only file
// that sees meson's findings (bench_peers.h, generated), so a change in which
// peers are installed recompiles this file alone.
#include "bench_peers.h"
#include "peers.hpp"

namespace bench {

void register_peer_engines([[maybe_unused]] registry& r) {
#if JADEKV_BENCH_HAVE_ROCKSDB
  register_rocksdb(r);
#endif
#if JADEKV_BENCH_HAVE_LEVELDB
  register_leveldb(r);
#endif
#if JADEKV_BENCH_HAVE_LMDB
  register_lmdb(r);
#endif
}

}  // namespace bench
