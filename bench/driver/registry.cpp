// registry: see registry.hpp.
#include "registry.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace bench {

void registry::add(engine_entry e) {
  if (find(e.name) != nullptr) {
    std::fprintf(stderr, "jadekv_bench: engine '%s' registered twice\n", e.name.c_str());
    std::abort();
  }
  entries_.push_back(std::move(e));
}

const engine_entry* registry::find(const std::string& name) const noexcept {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

namespace {

bool matches(const std::vector<std::string>& filter, const std::string& value) {
  if (filter.empty()) return true;
  return std::any_of(filter.begin(), filter.end(), [&](const std::string& f) { return f == "all" || f == value; });
}

}  // namespace

std::vector<const engine_entry*> registry::select(const std::vector<std::string>& engines,
                                                  const std::vector<std::string>& memtables,
                                                  const std::vector<std::string>& concurrencies,
                                                  std::string& error) const {
  const bool filtered = !memtables.empty() || !concurrencies.empty();
  const auto has_default = [&](const std::string& family) {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const engine_entry& e) { return e.family == family && e.family_default; });
  };
  const auto in_family = [&](const engine_entry& e, const std::string& family) {
    if (e.peer || e.family != family) return false;
    if (!filtered) return e.family_default || !has_default(family);
    return matches(memtables, e.memtable) && matches(concurrencies, e.concurrency);
  };
  std::vector<bool> chosen(entries_.size(), false);
  const std::vector<std::string> wanted = engines.empty() ? std::vector<std::string>{"default"} : engines;
  for (const auto& w : wanted) {
    const bool is_family =
        std::any_of(entries_.begin(), entries_.end(), [&](const engine_entry& e) { return !e.peer && e.family == w; });
    bool any = false;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const auto& e = entries_[i];
      bool take = false;
      if (w == "all") take = true;
      else if (w == "peers") take = e.peer;
      else if (w == "default") take = e.peer || (filtered ? has_default(e.family) && in_family(e, e.family) : e.family_default);
      else if (is_family) take = in_family(e, w);
      else take = e.name == w;
      if (take) chosen[i] = any = true;
    }
    if (!any && w != "default") {
      error = "no engine matches '" + w + "'";
      if (filtered) error += " with the given --memtable/--concurrency";
      error += " (--list_engines shows what this build has)";
      return {};
    }
  }
  std::vector<const engine_entry*> out;
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (chosen[i]) out.push_back(&entries_[i]);
  if (out.empty()) error = "no engine selected (--list_engines shows what this build has)";
  return out;
}

}  // namespace bench
