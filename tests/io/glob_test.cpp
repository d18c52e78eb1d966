#include <jadekv/io/glob.hpp>

#include <doctest/doctest.h>

namespace {

using jadekv::io::glob_match;

TEST_CASE("glob_match: literals, '?' and '*'") {
  CHECK(glob_match("", ""));
  CHECK_FALSE(glob_match("", "a"));
  CHECK(glob_match("abc", "abc"));
  CHECK_FALSE(glob_match("abc", "abcd"));
  CHECK_FALSE(glob_match("abcd", "abc"));
  CHECK(glob_match("a?c", "abc"));
  CHECK_FALSE(glob_match("a?c", "ac"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("*", "/any/path"));
  CHECK(glob_match("**", "x"));
  CHECK(glob_match("*/MANIFEST-*", "/db/MANIFEST-000001"));
  CHECK(glob_match("*/MANIFEST-*", "db/MANIFEST-"));
  CHECK_FALSE(glob_match("*/MANIFEST-*", "MANIFEST-000001"));
  CHECK_FALSE(glob_match("*/MANIFEST-*", "/db/CURRENT"));
  CHECK(glob_match("*.log", "/db/000012.log"));
  CHECK_FALSE(glob_match("*.log", "/db/000012.log.tmp"));
  CHECK(glob_match("*a*b*c", "xxaxxbxxbxxc"));
  CHECK_FALSE(glob_match("*a*b*c", "xxaxxcxxbxx"));
  CHECK(glob_match("/db/??????.sst", "/db/000001.sst"));
  CHECK_FALSE(glob_match("/db/??????.sst", "/db/0000001.sst"));
}

}  // namespace
