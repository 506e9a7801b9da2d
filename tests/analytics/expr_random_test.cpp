// Random expressions over random tables with NULLs: the chunked, vectorized evaluator against a
// row-at-a-time interpreter written here, which follows SQL's rules one value at a time.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analytics/expr/vector.h"
#include "analytics/value_text.h"
#include "expr_test_util.h"

namespace nimbus::analytics {
namespace {

using namespace expr;
using namespace testing;

// ---- the reference: one row at a time, on Values -------------------------------------------

Value cell(const Column& c, int64_t i) {
  if (c.is_null(i)) return Value::null(c.type());
  switch (c.type()) {
    case DataType::boolean: return Value::boolean(c.bool_value(i));
    case DataType::int32: return Value::int32(c.value<int32_t>(i));
    case DataType::int64: return Value::int64(c.value<int64_t>(i));
    case DataType::float32: return Value::float32(c.value<float>(i));
    case DataType::float64: return Value::float64(c.value<double>(i));
    case DataType::string: return Value::string(std::string(c.string_value(i)));
    case DataType::date32: return Value::date32(c.value<int32_t>(i));
    case DataType::timestamp: return Value::timestamp(c.value<int64_t>(i));
  }
  return {};
}

bool is_float_type(DataType t) { return t == DataType::float32 || t == DataType::float64; }
double number(const Value& v) { return is_float_type(v.type()) ? v.as_double() : static_cast<double>(v.as_int()); }

Value make_int(DataType type, int64_t v) { return type == DataType::int32 ? Value::int32(static_cast<int32_t>(v)) : Value::int64(v); }

Value reference_cast(const Value& v, DataType to) {
  if (v.is_null()) return Value::null(to);
  if (v.type() == to) return v;
  switch (to) {
    case DataType::int64: return Value::int64(v.as_int());
    case DataType::float64: return Value::float64(number(v));
    case DataType::timestamp: return Value::timestamp(v.as_int() * 86400LL * 1000000LL);
    case DataType::string:
      if (v.type() == DataType::float64) return Value::string(format_float64(v.as_double()));
      if (v.type() == DataType::boolean) return Value::string(v.as_bool() ? "true" : "false");
      return Value::string(std::to_string(v.as_int()));
    default: ADD_FAILURE() << "reference cast to " << data_type_name(to) << " not written"; return v;
  }
}

// -1, 0, 1 in SQL's order (NaN above everything, equal to itself).
int order(const Value& a, const Value& b) {
  if (a.type() == DataType::string) return a.as_string() < b.as_string() ? -1 : a.as_string() > b.as_string();
  if (a.type() == DataType::boolean) return static_cast<int>(a.as_bool()) - static_cast<int>(b.as_bool());
  if (is_float_type(a.type())) {
    const double x = a.as_double(), y = b.as_double();
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) - std::isnan(y);
    return x < y ? -1 : x > y;
  }
  return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int();
}

std::string upper_ascii(std::string s, bool upper) {
  for (char& c : s) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return s;
}

Value reference(const BoundExpr& e, const Table& t, int64_t row) {
  const auto child = [&](size_t k) { return reference(*e.children[k], t, row); };
  switch (e.kind) {
    case BoundKind::column: return cell(t.column(e.column), row);
    case BoundKind::literal: return e.value;
    case BoundKind::cast: return reference_cast(child(0), e.type);
    case BoundKind::negate: {
      const Value a = child(0);
      if (a.is_null()) return a;
      return is_float_type(a.type()) ? Value::float64(-a.as_double()) : make_int(a.type(), -a.as_int());
    }
    case BoundKind::arithmetic: {
      const Value a = child(0), b = child(1);
      if (a.is_null() || b.is_null()) return Value::null(e.type);
      if (is_float_type(a.type())) {
        const double x = a.as_double(), y = b.as_double();
        switch (e.op) {
          case BinaryOp::add: return Value::float64(x + y);
          case BinaryOp::subtract: return Value::float64(x - y);
          case BinaryOp::multiply: return Value::float64(x * y);
          case BinaryOp::divide: return Value::float64(x / y);
          default: return Value::float64(std::fmod(x, y));
        }
      }
      const int64_t x = a.as_int(), y = b.as_int();
      switch (e.op) {
        case BinaryOp::add: return make_int(e.type, x + y);
        case BinaryOp::subtract: return make_int(e.type, x - y);
        case BinaryOp::multiply: return make_int(e.type, x * y);
        case BinaryOp::divide: return y == 0 ? Value::null(e.type) : Value::float64(static_cast<double>(x) / static_cast<double>(y));
        default: return y == 0 ? Value::null(e.type) : make_int(e.type, x % y);
      }
    }
    case BoundKind::compare: {
      const Value a = child(0), b = child(1);
      if (a.is_null() || b.is_null()) return Value::null(DataType::boolean);
      const int c = order(a, b);
      switch (e.op) {
        case BinaryOp::equal: return Value::boolean(c == 0);
        case BinaryOp::not_equal: return Value::boolean(c != 0);
        case BinaryOp::less: return Value::boolean(c < 0);
        case BinaryOp::less_equal: return Value::boolean(c <= 0);
        case BinaryOp::greater: return Value::boolean(c > 0);
        default: return Value::boolean(c >= 0);
      }
    }
    case BoundKind::logical_and:
    case BoundKind::logical_or: {
      const Value a = child(0), b = child(1);
      const bool is_and = e.kind == BoundKind::logical_and;
      // The deciding value (false for AND, true for OR) wins over NULL.
      if ((!a.is_null() && a.as_bool() != is_and) || (!b.is_null() && b.as_bool() != is_and)) return Value::boolean(!is_and);
      if (a.is_null() || b.is_null()) return Value::null(DataType::boolean);
      return Value::boolean(is_and);
    }
    case BoundKind::logical_not: {
      const Value a = child(0);
      return a.is_null() ? a : Value::boolean(!a.as_bool());
    }
    case BoundKind::is_null: return Value::boolean(child(0).is_null());
    case BoundKind::is_not_null: return Value::boolean(!child(0).is_null());
    case BoundKind::case_when: {
      const size_t whens = (e.children.size() - (e.has_else ? 1 : 0)) / 2;
      for (size_t w = 0; w < whens; ++w) {
        const Value c = child(2 * w);
        if (!c.is_null() && c.as_bool()) return child(2 * w + 1);
      }
      return e.has_else ? child(e.children.size() - 1) : Value::null(e.type);
    }
    case BoundKind::coalesce:
      for (size_t k = 0; k < e.children.size(); ++k) {
        const Value v = child(k);
        if (!v.is_null()) return v;
      }
      return Value::null(e.type);
    case BoundKind::in_list: {
      const Value v = child(0);
      if (v.is_null()) return Value::null(DataType::boolean);
      bool saw_null = false;
      for (size_t k = 1; k < e.children.size(); ++k) {
        const Value item = child(k);
        if (item.is_null()) saw_null = true;
        else if (order(v, item) == 0) return Value::boolean(true);
      }
      return saw_null ? Value::null(DataType::boolean) : Value::boolean(false);
    }
    case BoundKind::function: {
      std::vector<Value> args;
      for (size_t k = 0; k < e.children.size(); ++k) args.push_back(child(k));
      if (e.function == Function::concat && !e.null_propagating_concat) {
        std::string out;
        for (const Value& a : args) out += a.is_null() ? "" : a.as_string();
        return Value::string(out);
      }
      for (const Value& a : args) {
        if (a.is_null()) return Value::null(e.type);
      }
      switch (e.function) {
        case Function::concat: return Value::string(args[0].as_string() + args[1].as_string());
        case Function::length: {
          int64_t n = 0;
          for (char c : args[0].as_string()) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
          return Value::int64(n);
        }
        case Function::upper: return Value::string(upper_ascii(args[0].as_string(), true));
        case Function::lower: return Value::string(upper_ascii(args[0].as_string(), false));
        case Function::abs:
          return is_float_type(e.type) ? Value::float64(std::fabs(args[0].as_double()))
                                       : make_int(e.type, std::abs(args[0].as_int()));
        default: ADD_FAILURE() << "reference for " << function_name(e.function) << " not written"; return {};
      }
    }
  }
  return {};
}

// ---- random tables and expressions --------------------------------------------------------

Table random_table(std::mt19937& rng, int64_t rows) {
  std::uniform_int_distribution<int> small(-50, 50), percent(0, 99), letter(0, 5);
  const auto is_null = [&] { return percent(rng) < 20; };
  ColumnBuilder i32(DataType::int32), i64(DataType::int64), f64(DataType::float64), s(DataType::string), p(DataType::boolean);
  static const char* kPieces[] = {"a", "B", "é", "", "zz", "日"};
  for (int64_t r = 0; r < rows; ++r) {
    is_null() ? i32.append_null() : i32.append_int32(small(rng));
    is_null() ? i64.append_null() : i64.append_int64(small(rng) * 1000);
    if (is_null()) f64.append_null();
    else f64.append_float64(percent(rng) == 0 ? std::nan("") : small(rng) / 4.0);
    if (is_null()) s.append_null();
    else s.append_string(std::string(kPieces[letter(rng)]) + kPieces[letter(rng)]);
    is_null() ? p.append_null() : p.append_bool(percent(rng) < 50);
  }
  return Table({"i", "j", "f", "s", "p"}, {i32.finish(), i64.finish(), f64.finish(), s.finish(), p.finish()});
}

enum class Kind { integer, real, text, boolean };

class Generator {
 public:
  explicit Generator(std::mt19937& rng) : rng_(rng) {}

  ExprPtr make(Kind kind, int depth) {
    const int choice = depth <= 0 ? 0 : pick(0, 7);
    switch (kind) {
      case Kind::integer: return integer(choice, depth);
      case Kind::real: return real(choice, depth);
      case Kind::text: return text(choice, depth);
      case Kind::boolean: return boolean(choice, depth);
    }
    return nullptr;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  Kind any_kind() { return static_cast<Kind>(pick(0, 3)); }

  ExprPtr integer(int choice, int depth) {
    switch (choice) {
      case 0: return pick(0, 2) == 0 ? lit(pick(-9, 9)) : col(pick(0, 1) ? "i" : "j");
      case 1: return add(make(Kind::integer, depth - 1), make(Kind::integer, depth - 1));
      case 2: return sub(make(Kind::integer, depth - 1), mul(make(Kind::integer, depth - 1), lit(pick(-3, 3))));
      case 3: return mod(make(Kind::integer, depth - 1), make(Kind::integer, depth - 1));
      case 4: return case_when({{make(Kind::boolean, depth - 1), make(Kind::integer, depth - 1)}},
                               pick(0, 1) ? make(Kind::integer, depth - 1) : nullptr);
      case 5: return coalesce({make(Kind::integer, depth - 1), make(Kind::integer, depth - 1)});
      case 6: return call("length", {make(Kind::text, depth - 1)});
      default: return pick(0, 1) ? neg(make(Kind::integer, depth - 1)) : call("abs", {make(Kind::integer, depth - 1)});
    }
  }

  ExprPtr real(int choice, int depth) {
    switch (choice) {
      case 0: return pick(0, 2) == 0 ? lit(pick(-8, 8) / 2.0) : col("f");
      case 1: return div(make(Kind::integer, depth - 1), make(Kind::integer, depth - 1));
      case 2: return add(make(Kind::real, depth - 1), make(Kind::integer, depth - 1));
      case 3: return mul(make(Kind::real, depth - 1), make(Kind::real, depth - 1));
      case 4: return case_when({{make(Kind::boolean, depth - 1), make(Kind::real, depth - 1)}}, make(Kind::integer, depth - 1));
      case 5: return div(make(Kind::real, depth - 1), make(Kind::real, depth - 1));
      case 6: return call("abs", {make(Kind::real, depth - 1)});
      default: return coalesce({make(Kind::real, depth - 1), null_literal(), make(Kind::integer, depth - 1)});
    }
  }

  ExprPtr text(int choice, int depth) {
    switch (choice) {
      case 0: return pick(0, 2) == 0 ? lit(pick(0, 1) ? "a" : "é") : col("s");
      case 1: return concat_op(make(Kind::text, depth - 1), make(Kind::text, depth - 1));
      case 2: return call("concat", {make(Kind::text, depth - 1), make(any_kind(), depth - 1)});
      case 3: return call(pick(0, 1) ? "upper" : "lower", {make(Kind::text, depth - 1)});
      case 4: return cast(make(pick(0, 1) ? Kind::integer : Kind::boolean, depth - 1), DataType::string);
      case 5: return case_when({{make(Kind::boolean, depth - 1), make(Kind::text, depth - 1)}}, make(Kind::text, depth - 1));
      case 6: return coalesce({make(Kind::text, depth - 1), lit("-")});
      default: return cast(make(Kind::real, depth - 1), DataType::string);
    }
  }

  ExprPtr boolean(int choice, int depth) {
    static const BinaryOp kCompare[] = {BinaryOp::equal, BinaryOp::not_equal, BinaryOp::less,
                                        BinaryOp::less_equal, BinaryOp::greater, BinaryOp::greater_equal};
    switch (choice) {
      case 0: return pick(0, 3) == 0 ? lit(pick(0, 1) == 1) : col("p");
      case 1: {
        const Kind kind = static_cast<Kind>(pick(0, 2));  // integer, real or text
        return binary(kCompare[pick(0, 5)], make(kind, depth - 1), make(kind, depth - 1));
      }
      case 2: return and_(make(Kind::boolean, depth - 1), make(Kind::boolean, depth - 1));
      case 3: return or_(make(Kind::boolean, depth - 1), make(Kind::boolean, depth - 1));
      case 4: return not_(make(Kind::boolean, depth - 1));
      case 5: return pick(0, 1) ? is_null(make(any_kind(), depth - 1)) : is_not_null(make(any_kind(), depth - 1));
      case 6: return in_list(make(Kind::integer, depth - 1), {lit(pick(-5, 5)), pick(0, 2) ? lit(pick(-5, 5)) : null_literal()},
                             pick(0, 1) == 1);
      default: return between(make(Kind::real, depth - 1), lit(pick(-5, 0)), make(Kind::integer, depth - 1), pick(0, 1) == 1);
    }
  }

  std::mt19937& rng_;
};

bool same(const Value& expected, const Column& got, int64_t row) {
  if (expected.is_null() || got.is_null(row)) return expected.is_null() && got.is_null(row);
  const Value v = cell(got, row);
  if (is_float_type(v.type())) {
    const double a = expected.as_double(), b = v.as_double();
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return a == b || std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b));
  }
  return order(expected, v) == 0;
}

TEST(ExprRandom, ChunkedEvaluatorMatchesRowAtATimeReference) {
  std::mt19937 rng(20240229);
  const int64_t sizes[] = {0, 1, 9, kChunkRows, kChunkRows + 1, 2 * kChunkRows + 333};
  int checked = 0;
  for (int trial = 0; trial < 24; ++trial) {
    const int64_t rows = sizes[trial % 6];
    Table table = random_table(rng, rows + 11);
    const int64_t offset = std::uniform_int_distribution<int64_t>(0, 11)(rng);
    table = table.slice(offset, rows);  // nonzero offsets exercise the bitmaps' bit positions
    Generator gen(rng);
    for (int e = 0; e < 25; ++e) {
      const ExprPtr expr = gen.make(static_cast<Kind>(e % 4), 1 + e % 4);
      const BoundExprPtr bound = bind_expr(expr, table);
      EvaluateOptions options;
      options.threads = 1 + e % 3;
      options.min_chunks_per_thread = 1;
      Column result;
      ASSERT_NO_THROW(result = evaluate(*bound, table, options)) << expr->to_sql();
      ASSERT_EQ(result.length(), rows);
      ASSERT_EQ(result.type(), bound->type);
      // A computed result has a bitmap exactly when it has NULLs (a bare column is passed through).
      if (bound->kind != BoundKind::column) {
        EXPECT_EQ(result.validity().defined(), result.null_count() > 0);
      }
      for (int64_t r = 0; r < rows; ++r) {
        const Value expected = reference(*bound, table, r);
        ASSERT_TRUE(same(expected, result, r)) << expr->to_sql() << "\nrow " << r << ": expected "
                                               << expected.to_sql() << ", got " << result.value_text(r);
      }
      if (bound->type == DataType::boolean) {
        std::vector<int64_t> expected_rows;
        for (int64_t r = 0; r < rows; ++r) {
          const Value v = reference(*bound, table, r);
          if (!v.is_null() && v.as_bool()) expected_rows.push_back(r);
        }
        ASSERT_EQ(evaluate_predicate(*bound, table, options), expected_rows) << expr->to_sql();
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 24 * 25);
}

}  // namespace
}  // namespace nimbus::analytics
