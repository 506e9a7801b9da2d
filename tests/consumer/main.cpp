// Links against the installed nimbus package and checks a small computation end to end.
#include <cmath>
#include <iostream>

#include "kernels/ops.h"
#include "runtime/tensor.h"

int main() {
  using namespace nimbus;
  const Tensor x = from_vector<float>({1, 2, 3, 4}, {2, 2});
  const Tensor w = from_vector<float>({1, 0, 0, 1, 1, 1}, {3, 2});  // [out=3, in=2]
  const Tensor y = relu(linear(x, w, from_vector<float>({0, 0, -10})));
  const std::vector<float> got = y.to_vector<float>();
  const std::vector<float> want = {1, 2, 0, 3, 4, 0};
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::abs(got[i] - want[i]) > 1e-6f) {
      std::cerr << "consumer: wrong result at " << i << ": " << got[i] << " != " << want[i] << "\n";
      return 1;
    }
  }
  std::cout << "consumer: ok " << y << "\n";
  return 0;
}
