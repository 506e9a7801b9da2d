#include "analytics/expr/vector.h"

#include <algorithm>
#include <cstring>

namespace nimbus::analytics {

char* StringArena::allocate(size_t bytes) {
  if (bytes > kBlockBytes) {
    oversized_.push_back(std::make_unique<char[]>(bytes));
    return oversized_.back().get();
  }
  if (used_ + bytes > kBlockBytes) {
    if (block_ == blocks_.size()) blocks_.push_back(std::make_unique<char[]>(kBlockBytes));
    ++block_;
    used_ = 0;
  }
  char* at = blocks_[block_ - 1].get() + used_;
  used_ += bytes;
  return at;
}

std::string_view StringArena::store(std::string_view text) {
  if (text.empty()) return {};
  char* at = allocate(text.size());
  std::memcpy(at, text.data(), text.size());
  return {at, text.size()};
}

void StringArena::reset() {
  block_ = 0;
  used_ = kBlockBytes;
  oversized_.clear();
}

void Vector::compact_validity() {
  if (std::all_of(validity_.begin(), validity_.end(), [](uint8_t v) { return v != 0; })) validity_.clear();
}

std::vector<uint8_t> and_validity(const Vector& a, const Vector& b) {
  if (a.all_valid()) return b.validity();
  if (b.all_valid()) return a.validity();
  std::vector<uint8_t> out(static_cast<size_t>(a.rows()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = a.validity()[i] & b.validity()[i];
  return out;
}

std::vector<uint8_t> validity_of_all(const std::vector<Vector>& vectors) {
  std::vector<uint8_t> out;
  for (const Vector& v : vectors) {
    if (v.all_valid()) continue;
    if (out.empty()) {
      out = v.validity();
      continue;
    }
    for (size_t i = 0; i < out.size(); ++i) out[i] &= v.validity()[i];
  }
  return out;
}

Vector vector_of(const Value& value, int64_t rows) {
  Vector out(value.type(), rows);
  if (value.is_null()) {
    visit_chunk_type(value.type(), [&]<typename T>() { out.allocate<T>(); });
    out.make_validity(0);
    return out;
  }
  switch (value.type()) {
    case DataType::boolean: std::fill_n(out.allocate<uint8_t>(), rows, value.as_bool() ? 1 : 0); break;
    case DataType::int32:
    case DataType::date32: std::fill_n(out.allocate<int32_t>(), rows, static_cast<int32_t>(value.as_int())); break;
    case DataType::int64:
    case DataType::timestamp: std::fill_n(out.allocate<int64_t>(), rows, value.as_int()); break;
    case DataType::float32: std::fill_n(out.allocate<float>(), rows, static_cast<float>(value.as_double())); break;
    case DataType::float64: std::fill_n(out.allocate<double>(), rows, value.as_double()); break;
    case DataType::string:
      std::fill_n(out.allocate<std::string_view>(), rows, std::string_view(value.as_string()));
      break;
  }
  return out;
}

Value value_at(const Vector& vector, int64_t i) {
  if (!vector.valid(i)) return Value::null(vector.type());
  switch (vector.type()) {
    case DataType::boolean: return Value::boolean(vector.data<uint8_t>()[i] != 0);
    case DataType::int32: return Value::int32(vector.data<int32_t>()[i]);
    case DataType::date32: return Value::date32(vector.data<int32_t>()[i]);
    case DataType::int64: return Value::int64(vector.data<int64_t>()[i]);
    case DataType::timestamp: return Value::timestamp(vector.data<int64_t>()[i]);
    case DataType::float32: return Value::float32(vector.data<float>()[i]);
    case DataType::float64: return Value::float64(vector.data<double>()[i]);
    case DataType::string: return Value::string(std::string(vector.data<std::string_view>()[i]));
  }
  return {};
}

}  // namespace nimbus::analytics
