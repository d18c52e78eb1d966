// jadekv.hpp: the umbrella header; everything a user needs.
#pragma once

#include "jadekv/core/arena.hpp"
#include "jadekv/core/coding.hpp"
#include "jadekv/core/comparator.hpp"
#include "jadekv/core/crc32c.hpp"
#include "jadekv/core/result.hpp"
#include "jadekv/core/status.hpp"
#include "jadekv/io/fault_fs.hpp"
#include "jadekv/io/file_system.hpp"
#include "jadekv/io/memory_fs.hpp"
#include "jadekv/io/posix_fs.hpp"
