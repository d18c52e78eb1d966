// Compiling an engine once for a program with many translation units.
//
// A header-only engine is compiled in every translation unit that uses it
// (README "Build cost": seconds per unit). Declare its instantiation extern
// where the engine is used and define it in one .cpp; the other units then
// compile only the calls into it:
//
//   // my_db.hpp, included everywhere the engine is used
//   #include <jadekv/jadekv.hpp>
//   using my_db = jadekv::mvcc_db;
//   JADEKV_EXTERN_ENGINE(my_db);
//
//   // my_db.cpp, in exactly one translation unit of the program
//   #include "my_db.hpp"
//   JADEKV_INSTANTIATE_ENGINE(my_db);
//
// Both go at global scope. The argument is any engine type, an alias or a
// spelled-out jadekv::engine<...>. Covered: the engine's members (open, the
// reads and writes, flush, close, the destructor, ...) and its transaction
// type; what is left to each unit is small and inline (the iterator, write
// batches, results).
#pragma once

#include "jadekv/engine.hpp"
#include "jadekv/transaction.hpp"

// An explicit instantiation must name the class template itself, not an
// alias of it; the policies are taken back out of the engine type.
#define JADEKV_DETAIL_ENGINE_TEMPLATE_ID(...)                                                          \
  ::jadekv::engine<__VA_ARGS__::memtable_type, __VA_ARGS__::persist_type, __VA_ARGS__::index_type, \
                   __VA_ARGS__::concurrency_type>

#define JADEKV_EXTERN_ENGINE(...)                                      \
  extern template class JADEKV_DETAIL_ENGINE_TEMPLATE_ID(__VA_ARGS__); \
  extern template class ::jadekv::transaction<__VA_ARGS__>

#define JADEKV_INSTANTIATE_ENGINE(...)                          \
  template class JADEKV_DETAIL_ENGINE_TEMPLATE_ID(__VA_ARGS__); \
  template class ::jadekv::transaction<__VA_ARGS__>
