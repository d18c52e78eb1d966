// zipfian: see zipfian.hpp.
#include "zipfian.hpp"

#include <algorithm>
#include <cmath>

namespace bench {

double zeta(std::uint64_t n, double theta) {
  constexpr std::uint64_t exact_terms = std::uint64_t{1} << 16;
  const std::uint64_t m = std::min(n, exact_terms);
  double sum = 0;
  for (std::uint64_t i = m; i >= 1; --i) sum += std::pow(static_cast<double>(i), -theta);  // small terms first
  if (n == m) return sum;
  // Tail sum_{i=m+1..n} f(i), f(x) = x^-theta:
  //   integral_m^n f + (f(n) - f(m)) / 2 + (f'(n) - f'(m)) / 12 - (f'''(n) - f'''(m)) / 720.
  const double a = static_cast<double>(m), b = static_cast<double>(n);
  const auto f = [theta](double x) { return std::pow(x, -theta); };
  const auto f1 = [theta](double x) { return -theta * std::pow(x, -theta - 1); };
  const auto f3 = [theta](double x) { return -theta * (theta + 1) * (theta + 2) * std::pow(x, -theta - 3); };
  const double integral = theta == 1.0 ? std::log(b / a) : (std::pow(b, 1 - theta) - std::pow(a, 1 - theta)) / (1 - theta);
  return sum + integral + (f(b) - f(a)) / 2 + (f1(b) - f1(a)) / 12 - (f3(b) - f3(a)) / 720;
}

zipfian::zipfian(std::uint64_t n, double theta) : zipfian(n, theta, zeta(n, theta)) {}

zipfian::zipfian(std::uint64_t n, double theta, double zetan)
    : n_(n), theta_(theta), alpha_(1 / (1 - theta)), zeta2_(1 + std::pow(0.5, theta)), zetan_(zetan),
      half_pow_theta_(std::pow(0.5, theta)) {
  derive();
}

void zipfian::derive() noexcept {
  // eta only matters for n > 2 (smaller draws are settled by the first two tests).
  eta_ = n_ > 2 ? (1 - std::pow(2.0 / static_cast<double>(n_), 1 - theta_)) / (1 - zeta2_ / zetan_) : 0;
}

std::uint64_t zipfian::next(rng& r) const noexcept {
  const double u = r.next_double();
  const double uz = u * zetan_;
  if (uz < 1.0 || n_ == 1) return 0;
  if (uz < 1.0 + half_pow_theta_ || n_ == 2) return 1;
  const auto v = static_cast<std::uint64_t>(static_cast<double>(n_) * std::pow(eta_ * u - eta_ + 1, alpha_));
  return std::min(v, n_ - 1);
}

void zipfian::grow(std::uint64_t n) {
  if (n <= n_) return;
  if (n - n_ < (std::uint64_t{1} << 16)) {
    for (std::uint64_t i = n_ + 1; i <= n; ++i) zetan_ += std::pow(static_cast<double>(i), -theta_);
  } else {
    zetan_ = zeta(n, theta_);
  }
  n_ = n;
  derive();
}

namespace {

// zeta over 10^10 items costs 2^16 pow calls: the default theta's is computed once.
double scrambled_zeta(double theta) {
  static const double default_zeta = zeta(k_scrambled_items, k_zipfian_constant);
  return theta == k_zipfian_constant ? default_zeta : zeta(k_scrambled_items, theta);
}

}  // namespace

scrambled_zipfian::scrambled_zipfian(std::uint64_t range, double theta)
    : base_(k_scrambled_items, theta, scrambled_zeta(theta)), range_(std::max<std::uint64_t>(range, 1)) {}

key_chooser::key_chooser(distribution d, std::uint64_t range, std::uint64_t count, double theta)
    : dist_(d), scrambled_(d == distribution::zipfian ? range : 1, theta),
      latest_(d == distribution::latest ? count : 0, theta) {}

std::uint64_t key_chooser::next(rng& r, std::uint64_t count) {
  switch (dist_) {
    case distribution::uniform:
      return r.uniform(count);
    case distribution::latest:
      latest_.grow(count);
      return count - 1 - latest_.next(r);
    case distribution::zipfian:
      break;
  }
  // Draws past the records inserted so far are redrawn; when the range is
  // close to count this terminates after a draw or two.
  if (count >= scrambled_.range()) return scrambled_.next(r) % count;
  for (;;) {
    const std::uint64_t k = scrambled_.next(r);
    if (k < count) return k;
  }
}

}  // namespace bench
