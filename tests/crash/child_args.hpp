// child_args: crash_child's command line, split (see child_modes.hpp).
#pragma once

#include <string>
#include <vector>

namespace crash {

struct child_args {
  std::string mode, composition;
  std::vector<std::string> rest;
};

}  // namespace crash
