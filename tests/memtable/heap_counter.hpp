// heap_counter: the live heap bytes of the test process, as requested from
// operator new (replaced in heap_counter.cpp). A memtable's memory_usage()
// must equal what its construction and inserts added here.
#pragma once

#include <cstdint>

namespace heap_counter {

// Bytes requested from operator new and not yet given back, all threads.
std::int64_t live_bytes() noexcept;

}  // namespace heap_counter
