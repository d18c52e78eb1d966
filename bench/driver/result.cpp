// result: see result.hpp.
#include "result.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <type_traits>

namespace bench {
namespace {

void escape(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    out += c == 't' ? '\t' : c == 'n' ? '\n' : c;
  }
  return out;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty()) out += '\t';
  out += name;
  out += '=';
  escape(out, value);
}

template <class T>
void assign(T& member, std::string_view text) {
  if constexpr (std::is_same_v<T, std::string>) {
    member = unescape(text);
  } else if constexpr (std::is_same_v<T, bool>) {
    member = text == "1";
  } else if constexpr (std::is_same_v<T, double>) {
    member = std::strtod(std::string(text).c_str(), nullptr);
  } else {
    std::from_chars(text.data(), text.data() + text.size(), member);
  }
}

template <class T>
std::string to_text(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return v;
  } else if constexpr (std::is_same_v<T, bool>) {
    return v ? "1" : "0";
  } else if constexpr (std::is_same_v<T, double>) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
  } else {
    return std::to_string(v);
  }
}

}  // namespace

std::string serialize(const workload_result& r) {
  std::string out;
  visit_fields(r, [&](std::string_view name, const auto& v) { append_field(out, name, to_text(v)); });
  for (const auto& [name, v] : r.counters) append_field(out, "count." + name, std::to_string(v));
  return out;
}

bool deserialize(const std::string& line, workload_result& r) {
  r = workload_result{};
  bool named = false;
  std::size_t start = 0;
  while (start < line.size()) {
    const std::size_t end = std::min(line.find('\t', start), line.size());
    const std::string_view field(line.data() + start, end - start);
    start = end + 1;
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view name = field.substr(0, eq), text = field.substr(eq + 1);
    if (name.substr(0, 6) == "count.") {
      std::uint64_t v = 0;
      std::from_chars(text.data(), text.data() + text.size(), v);
      r.counters.emplace_back(std::string(name.substr(6)), v);
      continue;
    }
    visit_fields(r, [&](std::string_view n, auto& member) {
      if (n == name) assign(member, text);
    });
    named = named || name == "engine";
  }
  return named;
}

}  // namespace bench
