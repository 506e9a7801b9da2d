// Links against the installed nimbus package and checks a small computation end to end.
#include <cmath>
#include <iostream>

#include "analytics/csv/csv_reader.h"
#include "analytics/tensor_bridge.h"
#include "frontend/autograd/variable.h"
#include "kernels/ops.h"
#include "models/zoo/model_zoo.h"
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

  // The layers above: a table read from CSV text feeds a model from the zoo without copies.
  const auto table = analytics::read_csv_text("a,b\n1.5,2\n3,4.25\n", "inline.csv", {}).table;
  const Tensor a = analytics::column_as_tensor(table.column("a"));
  const Tensor b = analytics::column_as_tensor(table.column("b"));
  models::ModelSpec spec;
  spec.kind = "mlp";
  spec.input_shape = {2};
  spec.classes = 3;
  spec.hidden = {4};
  Generator init(1), dropout(2);
  const auto model = models::build_model(spec, init, dropout);
  const Tensor features = stack({a.to(DType::f32), b.to(DType::f32)}, 1);  // [2 rows, 2 features]
  const Tensor logits = (*model)(autograd::Variable(features)).data();
  if (logits.shape() != Shape{2, 3}) {
    std::cerr << "consumer: logits of shape " << shape_str(logits.shape()) << ", expected [2, 3]\n";
    return 1;
  }
  std::cout << "consumer: mlp on a CSV table ok " << logits << "\n";
  return 0;
}
