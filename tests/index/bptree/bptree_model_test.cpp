#include "bptree_env.hpp"
