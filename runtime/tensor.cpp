// Tensor metadata and views: everything here shares the buffer, nothing copies elements.
#include "runtime/tensor.h"

#include <algorithm>
#include <numeric>
#include <optional>

namespace nimbus {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t running = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    strides[d] = running;
    running *= std::max<int64_t>(shape[d], 1);
  }
  return strides;
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

int normalize_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t lo = -std::max<int64_t>(ndim, 1), hi = std::max<int64_t>(ndim, 1) - 1;
  NIMBUS_CHECK_T(ShapeError, dim >= lo && dim <= hi, op, ": dim ", dim, " is out of range for a ", ndim,
                 "-d tensor (expected ", lo, " to ", hi, ")");
  return static_cast<int>(dim < 0 ? dim + std::max<int64_t>(ndim, 1) : dim);
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    NIMBUS_CHECK_T(ShapeError, da == db || da == 1 || db == 1, op, ": shapes ", shape_str(a), " and ",
                   shape_str(b), " cannot be broadcast (dim ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Tensor::Tensor(Buffer buffer, DType dtype, Shape shape, Shape strides, int64_t offset)
    : buffer_(std::move(buffer)), dtype_(dtype), shape_(std::move(shape)), strides_(std::move(strides)),
      offset_(offset) {
  NIMBUS_CHECK_T(ShapeError, shape_.size() == strides_.size(), "Tensor: shape ", shape_str(shape_), " and strides ",
                 shape_str(strides_), " differ in length");
  for (int64_t s : shape_) NIMBUS_CHECK_T(ShapeError, s >= 0, "Tensor: negative size in shape ", shape_str(shape_));
}

int64_t Tensor::size(int64_t d) const { return shape_[normalize_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return strides_[normalize_dim(d, dim(), "stride")]; }

bool Tensor::is_contiguous() const {
  if (numel() == 0) return true;  // no element to be out of place (as PyTorch)
  int64_t expected = 1;
  for (int64_t d = dim() - 1; d >= 0; --d) {
    if (shape_[d] == 1) continue;
    if (strides_[d] != expected) return false;
    expected *= shape_[d];
  }
  return true;
}

void* Tensor::data_ptr() const {
  return static_cast<char*>(buffer_.data()) + offset_ * static_cast<int64_t>(element_size());
}

namespace {
// Resolves one -1 in a requested shape against numel.
Shape infer_shape(const Shape& requested, int64_t numel, const char* op) {
  Shape shape = requested;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      NIMBUS_CHECK_T(ShapeError, infer_at < 0, op, ": only one dim can be -1 in ", shape_str(requested));
      infer_at = static_cast<int64_t>(i);
    } else {
      NIMBUS_CHECK_T(ShapeError, shape[i] >= 0, op, ": invalid size ", shape[i], " in ", shape_str(requested));
      known *= shape[i];
    }
  }
  if (infer_at >= 0) {
    NIMBUS_CHECK_T(ShapeError, known != 0 && numel % known == 0, op, ": shape ", shape_str(requested),
                   " is invalid for ", numel, " elements");
    shape[infer_at] = numel / known;
  }
  NIMBUS_CHECK_T(ShapeError, shape_numel(shape) == numel, op, ": shape ", shape_str(requested),
                 " is invalid for ", numel, " elements");
  return shape;
}

// Strides that view (shape, strides) as `target` without copying, or empty when impossible.
// Groups of old dims that are contiguous among themselves can be split or merged freely.
std::optional<Shape> view_strides(const Shape& shape, const Shape& strides, const Shape& target) {
  Shape out(target.size());
  if (shape_numel(shape) == 0 || shape.empty()) return contiguous_strides(target);
  int64_t view_d = static_cast<int64_t>(target.size()) - 1;
  int64_t chunk_base_stride = strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    // A chunk ends where the next-outer dim does not continue this one contiguously.
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || target[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= target[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}
}  // namespace

Tensor Tensor::view(const Shape& requested) const {
  const Shape shape = infer_shape(requested, numel(), "view");
  const auto strides = view_strides(shape_, strides_, shape);
  NIMBUS_CHECK_T(ShapeError, strides.has_value(), "view: cannot view a tensor of shape ", shape_str(shape_),
                 " and strides ", shape_str(strides_), " as ", shape_str(shape),
                 " without copying; use reshape()");
  return Tensor(buffer_, dtype_, shape, *strides, offset_);
}

Tensor Tensor::reshape(const Shape& requested) const {
  const Shape shape = infer_shape(requested, numel(), "reshape");
  if (const auto strides = view_strides(shape_, strides_, shape)) return Tensor(buffer_, dtype_, shape, *strides, offset_);
  return contiguous().view(shape);
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  NIMBUS_CHECK_T(ShapeError, static_cast<int64_t>(dims.size()) == dim(), "permute: got ", dims.size(),
                 " dims for a ", dim(), "-d tensor");
  Shape shape(dims.size()), strides(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    const int d = normalize_dim(dims[i], dim(), "permute");
    NIMBUS_CHECK_T(ShapeError, !seen[d], "permute: dim ", d, " appears twice");
    seen[d] = true;
    shape[i] = shape_[d];
    strides[i] = strides_[d];
  }
  return Tensor(buffer_, dtype_, shape, strides, offset_);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  std::vector<int64_t> dims(dim());
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[normalize_dim(d0, dim(), "transpose")], dims[normalize_dim(d1, dim(), "transpose")]);
  return permute(dims);
}

Tensor Tensor::t() const {
  NIMBUS_CHECK_T(ShapeError, dim() == 2, "t: expected a 2-d tensor, got shape ", shape_str(shape_));
  return transpose(0, 1);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  const int dd = normalize_dim(d, dim(), "slice");
  NIMBUS_CHECK_T(ShapeError, step > 0, "slice: step must be positive, got ", step);
  const int64_t n = shape_[dd];
  auto clamp_index = [n](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n); };
  start = clamp_index(start);
  end = std::max(clamp_index(end), start);
  Shape shape = shape_, strides = strides_;
  shape[dd] = (end - start + step - 1) / step;
  strides[dd] = strides_[dd] * step;
  return Tensor(buffer_, dtype_, shape, strides, offset_ + start * strides_[dd]);
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  const int dd = normalize_dim(d, dim(), "narrow");
  NIMBUS_CHECK_T(ShapeError, start >= 0 && length >= 0 && start + length <= shape_[dd], "narrow: range [", start,
                 ", ", start + length, ") is outside dim ", dd, " of size ", shape_[dd]);
  return slice(dd, start, start + length);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  const int dd = normalize_dim(d, dim(), "select");
  const int64_t n = shape_[dd];
  NIMBUS_CHECK_T(ShapeError, index >= -n && index < n, "select: index ", index, " is out of range for dim ", dd,
                 " of size ", n);
  if (index < 0) index += n;
  Shape shape = shape_, strides = strides_;
  shape.erase(shape.begin() + dd);
  strides.erase(strides.begin() + dd);
  return Tensor(buffer_, dtype_, shape, strides, offset_ + index * strides_[dd]);
}

Tensor Tensor::squeeze() const {
  Shape shape, strides;
  for (int64_t d = 0; d < dim(); ++d) {
    if (shape_[d] == 1) continue;
    shape.push_back(shape_[d]);
    strides.push_back(strides_[d]);
  }
  return Tensor(buffer_, dtype_, shape, strides, offset_);
}

Tensor Tensor::squeeze(int64_t d) const {
  if (dim() == 0) return *this;
  const int dd = normalize_dim(d, dim(), "squeeze");
  if (shape_[dd] != 1) return *this;
  Shape shape = shape_, strides = strides_;
  shape.erase(shape.begin() + dd);
  strides.erase(strides.begin() + dd);
  return Tensor(buffer_, dtype_, shape, strides, offset_);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  const int dd = normalize_dim(d, dim() + 1, "unsqueeze");
  Shape shape = shape_, strides = strides_;
  const int64_t stride = dd < dim() ? shape_[dd] * strides_[dd] : 1;
  shape.insert(shape.begin() + dd, 1);
  strides.insert(strides.begin() + dd, stride);
  return Tensor(buffer_, dtype_, shape, strides, offset_);
}

Tensor Tensor::expand(const Shape& target) const {
  NIMBUS_CHECK_T(ShapeError, static_cast<int64_t>(target.size()) >= dim(), "expand: cannot expand shape ",
                 shape_str(shape_), " to ", shape_str(target), " (fewer dims)");
  const size_t lead = target.size() - shape_.size();
  Shape shape(target.size()), strides(target.size());
  for (size_t i = 0; i < target.size(); ++i) {
    if (i < lead) {
      NIMBUS_CHECK_T(ShapeError, target[i] >= 0, "expand: new leading dim ", i, " cannot be ", target[i]);
      shape[i] = target[i];
      strides[i] = 0;
      continue;
    }
    const int64_t have = shape_[i - lead];
    const int64_t want = target[i] == -1 ? have : target[i];
    NIMBUS_CHECK_T(ShapeError, want == have || have == 1, "expand: cannot expand shape ", shape_str(shape_), " to ",
                   shape_str(target), " (dim ", i, ": ", have, " to ", want, ")");
    shape[i] = want;
    strides[i] = want == have ? strides_[i - lead] : 0;
  }
  return Tensor(buffer_, dtype_, shape, strides, offset_);
}

}  // namespace nimbus
