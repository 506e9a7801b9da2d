#include "models/data/permutation.h"

#include <cstddef>
#include <numeric>
#include <utility>

#include "runtime/philox.h"

namespace nimbus::data {

std::vector<int64_t> philox_permutation(int64_t n, uint64_t seed, uint64_t stream) {
  std::vector<int64_t> order(static_cast<size_t>(n > 0 ? n : 0));
  std::iota(order.begin(), order.end(), int64_t{0});
  PhiloxBlock block{};
  for (int64_t k = 0; k + 1 < n; ++k) {
    if (k % 2 == 0) block = philox_block(seed, stream, static_cast<uint64_t>(k / 2));
    const int word = 2 * static_cast<int>(k % 2);
    const uint64_t bits = (static_cast<uint64_t>(block.v[word]) << 32) | block.v[word + 1];
    const int64_t i = n - 1 - k;
    const auto j = static_cast<int64_t>((static_cast<unsigned __int128>(bits) * static_cast<uint64_t>(i + 1)) >> 64);
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return order;
}

}  // namespace nimbus::data
