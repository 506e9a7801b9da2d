// Printing tensors: nested brackets like NumPy, long dims summarised with "...".
#include <iomanip>
#include <sstream>

#include "runtime/tensor.h"

namespace nimbus {

namespace {
constexpr int64_t kSummariseAbove = 1000;  // elements; larger tensors show only their edges
constexpr int64_t kEdgeItems = 3;

void print_value(std::ostream& out, double v, bool floating) {
  if (floating) out << std::setprecision(4) << std::fixed << v;
  else out << static_cast<int64_t>(v);
}

void print_values(std::ostream& out, const Tensor& t, const std::vector<double>& values, const Shape& strides,
                  int64_t dim, int64_t base, bool summarise, bool floating) {
  if (t.dim() == 0) return print_value(out, values[0], floating);
  const int64_t n = t.shape()[dim];
  out << "[";
  for (int64_t i = 0; i < n; ++i) {
    if (summarise && n > 2 * kEdgeItems && i == kEdgeItems) {
      out << "..., ";
      i = n - kEdgeItems;
    }
    if (dim + 1 == t.dim()) {
      print_value(out, values[base + i * strides[dim]], floating);
    } else {
      print_values(out, t, values, strides, dim + 1, base + i * strides[dim], summarise, floating);
    }
    if (i + 1 < n) out << (dim + 1 == t.dim() ? ", " : ",\n" + std::string(dim + 1, ' '));
  }
  out << "]";
}
}  // namespace

std::string Tensor::str() const {
  std::ostringstream out;
  if (!defined()) return "tensor(undefined)";
  const std::vector<double> values = to_vector<double>();
  out << "tensor(";
  print_values(out, *this, values, contiguous_strides(shape_), 0, 0, numel() > kSummariseAbove,
               is_floating(dtype_));
  out << ", dtype=" << dtype_name(dtype_) << ", shape=" << shape_str(shape_);
  if (!device().is_cpu()) out << ", device=" << device();
  out << ")";
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << t.str(); }

}  // namespace nimbus
