// The one translation unit that compiles the engines extern_engines.hpp
// declares extern.
#include "extern_engines.hpp"

EXTERN_ENGINES_EACH(JADEKV_INSTANTIATE_ENGINE);
