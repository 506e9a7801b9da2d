#pragma once
// Value: one typed scalar, possibly NULL — what a literal holds and what the binder folds
// constants into. A NULL keeps its type (a typed NULL), as SQL's CAST(NULL AS INTEGER) does.
#include <cstdint>
#include <string>

#include "analytics/data_type.h"

namespace nimbus::analytics {

class NIMBUS_API Value {
 public:
  Value() = default;  // an int32 NULL
  static Value null(DataType type);
  static Value boolean(bool value);
  static Value int32(int32_t value);
  static Value int64(int64_t value);
  static Value float32(float value);
  static Value float64(double value);
  static Value string(std::string value);
  static Value date32(int32_t days);
  static Value timestamp(int64_t micros);

  DataType type() const { return type_; }
  bool is_null() const { return null_; }
  // The payload by storage class: bool, int32/int64/date32/timestamp, float32/float64, string.
  // Each throws DTypeError when the value is NULL or of another class.
  bool as_bool() const;
  int64_t as_int() const;
  double as_double() const;
  const std::string& as_string() const;

  // The value as SQL text: 42, 2.5, 'it''s', DATE '2024-02-29', TIMESTAMP '...', true, NULL.
  std::string to_sql() const;

 private:
  void expect(bool storage_matches, const char* what) const;

  DataType type_ = DataType::int32;
  bool null_ = true;
  int64_t int_ = 0;      // bool, int32, int64, date32 (days), timestamp (µs)
  double float_ = 0;     // float32 (exactly representable here), float64
  std::string string_;
};

}  // namespace nimbus::analytics
