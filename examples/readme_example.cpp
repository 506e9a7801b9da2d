// The README's C++ example, built with the project so the README stays true.
#include <iostream>

#include "kernels/ops.h"     // the op list
#include "runtime/random.h"  // seeded random tensors

using namespace nimbus;

int main() {
  const Device device = Device::parse("cpu");            // "cuda:0" when the CUDA kernels land
  Generator gen(42);                                      // same numbers on every device
  Tensor x = randn({64, 784}, {DType::f32, device}, gen);
  Tensor w = randn({128, 784}, {DType::f32, device}, gen) * 0.05;
  Tensor b = zeros({128}, {DType::f32, device});
  Tensor h = relu(linear(x, w, b));                       // [64, 128], weight is [out, in]
  Tensor best = argmax(h, 1);                             // [64] indices, i64
  std::cout << mean(h) << "\n" << best.slice(0, 0, 8) << "\n";
}
