// group_by: every aggregate on a hand-checked table with NULLs (keys and values), global
// aggregates, DISTINCT, errors, and a naive std::map reference on random tables (sliced, long, on
// 1 and 2 threads, compared bit for bit).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "analytics/ops/group_by.h"
#include "ops_test_tables.h"

namespace nimbus::analytics {
namespace {

using namespace test;
using F = AggregateFunction;

// g: groups a (rows 0, 2, 5), b (1, 4) and NULL (3, 6), in that order of first appearance.
Table hand_table() {
  return Table({"g", "x", "y", "s", "d"},
               {strings({"a", "b", "a", std::nullopt, "b", "a", std::nullopt}),
                int64s({1, 10, std::nullopt, 5, 20, 4, 7}), float64s({1, 2, 3, std::nullopt, 4, 5, 6}),
                strings({"p", std::nullopt, "q", "r", "a", "z", std::nullopt}), int64s({1, 1, 1, 2, 1, 3, 2})});
}

std::vector<std::string> column_texts(const Table& table, const std::string& name) { return texts(table.column(name)); }
using Texts = std::vector<std::string>;

TEST(OpsGroupBy, CountsSumsAndAverages) {
  const Table out = group_by(hand_table(), {"g"},
                             {{.function = F::count_star, .output = "n"},
                              {.function = F::count, .output = "n_star_too"},  // count with no input is count(*)
                              {.function = F::count, .input = "x", .output = "n_x"},
                              {.function = F::count, .input = "s", .output = "n_s"},
                              {.function = F::sum, .input = "x", .output = "sum_x"},
                              {.function = F::sum, .input = "y", .output = "sum_y"},
                              {.function = F::avg, .input = "x", .output = "avg_x"}});
  EXPECT_EQ(out.names(), (std::vector<std::string>{"g", "n", "n_star_too", "n_x", "n_s", "sum_x", "sum_y", "avg_x"}));
  EXPECT_EQ(column_texts(out, "g"), (Texts{"a", "b", "null"}));
  EXPECT_EQ(column_texts(out, "n"), (Texts{"3", "2", "2"}));
  EXPECT_EQ(column_texts(out, "n_star_too"), (Texts{"3", "2", "2"}));
  EXPECT_EQ(column_texts(out, "n_x"), (Texts{"2", "2", "2"}));
  EXPECT_EQ(column_texts(out, "n_s"), (Texts{"3", "1", "1"}));
  EXPECT_EQ(column_texts(out, "sum_x"), (Texts{"5", "30", "12"}));
  EXPECT_EQ(out.column("sum_x").type(), DataType::int64);
  EXPECT_EQ(column_texts(out, "sum_y"), (Texts{"9", "6", "6"}));
  EXPECT_EQ(out.column("sum_y").type(), DataType::float64);
  EXPECT_EQ(column_texts(out, "avg_x"), (Texts{"2.5", "15", "6"}));
}

TEST(OpsGroupBy, MinMaxFirstLastAnyValueOnEveryType) {
  const Table out = group_by(hand_table(), {"g"},
                             {{.function = F::min, .input = "x", .output = "min_x"},
                              {.function = F::max, .input = "x", .output = "max_x"},
                              {.function = F::min, .input = "s", .output = "min_s"},
                              {.function = F::max, .input = "s", .output = "max_s"},
                              {.function = F::first, .input = "x", .output = "first_x"},
                              {.function = F::last, .input = "x", .output = "last_x"},
                              {.function = F::first, .input = "s", .output = "first_s"},
                              {.function = F::last, .input = "s", .output = "last_s"},
                              {.function = F::any_value, .input = "s", .output = "any_s"}});
  EXPECT_EQ(column_texts(out, "min_x"), (Texts{"1", "10", "5"}));
  EXPECT_EQ(column_texts(out, "max_x"), (Texts{"4", "20", "7"}));
  EXPECT_EQ(column_texts(out, "min_s"), (Texts{"p", "a", "r"}));
  EXPECT_EQ(column_texts(out, "max_s"), (Texts{"z", "a", "r"}));
  EXPECT_EQ(column_texts(out, "first_x"), (Texts{"1", "10", "5"}));
  EXPECT_EQ(column_texts(out, "last_x"), (Texts{"4", "20", "7"}));
  // DuckDB's first/last keep NULLs: group b's first row and the NULL group's last row have none.
  EXPECT_EQ(column_texts(out, "first_s"), (Texts{"p", "null", "r"}));
  EXPECT_EQ(column_texts(out, "last_s"), (Texts{"z", "a", "null"}));
  EXPECT_EQ(column_texts(out, "any_s"), (Texts{"p", "a", "r"}));
  EXPECT_EQ(out.column("min_s").type(), DataType::string);

  const Table typed({"k", "d", "b", "f"}, {int64s({1, 1, 1}), dates({400, -5, std::nullopt}),
                                           bools({true, false, std::nullopt}), float64s({1, std::nan(""), -3})});
  const Table ext = group_by(typed, {"k"},
                             {{.function = F::min, .input = "d", .output = "min_d"},
                              {.function = F::max, .input = "d", .output = "max_d"},
                              {.function = F::min, .input = "b", .output = "min_b"},
                              {.function = F::max, .input = "b", .output = "max_b"},
                              {.function = F::min, .input = "f", .output = "min_f"},
                              {.function = F::max, .input = "f", .output = "max_f"}});
  EXPECT_EQ(column_texts(ext, "min_d"), (Texts{"1969-12-27"}));
  EXPECT_EQ(column_texts(ext, "max_d"), (Texts{"1971-02-05"}));
  EXPECT_EQ(ext.column("min_d").type(), DataType::date32);
  EXPECT_EQ(column_texts(ext, "min_b"), (Texts{"false"}));
  EXPECT_EQ(column_texts(ext, "max_b"), (Texts{"true"}));
  EXPECT_EQ(column_texts(ext, "min_f"), (Texts{"-3"}));
  EXPECT_EQ(column_texts(ext, "max_f"), (Texts{"nan"}));  // NaN is above every number
}

TEST(OpsGroupBy, VarianceStddevMedianCorr) {
  const Table out = group_by(hand_table(), {"g"},
                             {{.function = F::var_samp, .input = "y", .output = "var_samp"},
                              {.function = F::var_pop, .input = "y", .output = "var_pop"},
                              {.function = F::stddev_samp, .input = "y", .output = "sd_samp"},
                              {.function = F::stddev_pop, .input = "y", .output = "sd_pop"},
                              {.function = F::median, .input = "x", .output = "median_x"},
                              {.function = F::median, .input = "y", .output = "median_y"},
                              {.function = F::corr, .input = "y", .output = "corr", .input2 = "x"}});
  // a: y = 1, 3, 5; b: y = 2, 4; NULL group: y = 6 only (var_samp needs two values).
  EXPECT_EQ(column_texts(out, "var_samp"), (Texts{"4", "2", "null"}));
  EXPECT_DOUBLE_EQ(out.column("var_pop").value<double>(0), 8.0 / 3);
  EXPECT_EQ(column_texts(out, "var_pop").back(), "0");
  EXPECT_EQ(column_texts(out, "sd_samp"), (Texts{"2", "1.4142135623730951", "null"}));
  EXPECT_DOUBLE_EQ(out.column("sd_pop").value<double>(0), std::sqrt(8.0 / 3));
  EXPECT_EQ(column_texts(out, "median_x"), (Texts{"2.5", "15", "6"}));  // even counts interpolate
  EXPECT_EQ(column_texts(out, "median_y"), (Texts{"3", "3", "6"}));
  // Pairs with both values: a (1,1), (5,4); b (2,10), (4,20); NULL group one pair -> NULL.
  EXPECT_EQ(column_texts(out, "corr"), (Texts{"1", "1", "null"}));

  const Table noisy({"y", "x"}, {float64s({2, 4, 7, 1}), int32s({1, 2, 3, 4})});
  const Table corr = group_by(noisy, {}, {{.function = F::corr, .input = "y", .output = "c", .input2 = "x"}});
  // Pearson's r by the textbook formula: sxy / sqrt(sxx * syy) with x = 1..4, y = 2, 4, 7, 1.
  const double sxy = (1 - 2.5) * (2 - 3.5) + (2 - 2.5) * (4 - 3.5) + (3 - 2.5) * (7 - 3.5) + (4 - 2.5) * (1 - 3.5);
  const double sxx = 5, syy = 2.25 + 0.25 + 12.25 + 6.25;
  EXPECT_NEAR(corr.column("c").value<double>(0), sxy / std::sqrt(sxx * syy), 1e-14);
  const Table constant({"y", "x"}, {float64s({1, 2}), float64s({3, 3})});
  EXPECT_EQ(texts(group_by(constant, {}, {{.function = F::corr, .input = "y", .input2 = "x"}}).column(0)),
            (Texts{"null"}));
}

TEST(OpsGroupBy, DistinctAggregates) {
  const Table out = group_by(hand_table(), {"g"},
                             {{.function = F::count, .input = "d", .output = "n_distinct", .distinct = true},
                              {.function = F::sum, .input = "d", .output = "sum_distinct", .distinct = true},
                              {.function = F::sum, .input = "d", .output = "sum_all"},
                              {.function = F::count, .input = "s", .distinct = true}});
  EXPECT_EQ(column_texts(out, "n_distinct"), (Texts{"2", "1", "1"}));
  EXPECT_EQ(column_texts(out, "sum_distinct"), (Texts{"4", "1", "2"}));
  EXPECT_EQ(column_texts(out, "sum_all"), (Texts{"5", "2", "4"}));
  EXPECT_EQ(out.names().back(), "count(DISTINCT s)");  // DuckDB-style default name
  EXPECT_EQ(column_texts(out, "count(DISTINCT s)"), (Texts{"3", "1", "1"}));
}

TEST(OpsGroupBy, GlobalAggregatesGiveOneRowEvenWhenEmpty) {
  const Table table = hand_table();
  const std::vector<Aggregate> aggregates{{.function = F::count_star},
                                          {.function = F::sum, .input = "x"},
                                          {.function = F::max, .input = "s"},
                                          {.function = F::median, .input = "y"}};
  const Table all = group_by(table, {}, aggregates);
  EXPECT_EQ(all.names(), (std::vector<std::string>{"count_star()", "sum(x)", "max(s)", "median(y)"}));
  EXPECT_EQ(all.num_rows(), 1);
  EXPECT_EQ(column_texts(all, "sum(x)"), (Texts{"47"}));
  EXPECT_EQ(column_texts(all, "max(s)"), (Texts{"z"}));
  EXPECT_EQ(column_texts(all, "median(y)"), (Texts{"3.5"}));
  const Table none = group_by(table.slice(0, 0), {}, aggregates);
  ASSERT_EQ(none.num_rows(), 1);
  EXPECT_EQ(column_texts(none, "count_star()"), (Texts{"0"}));
  EXPECT_EQ(column_texts(none, "sum(x)"), (Texts{"null"}));
  EXPECT_EQ(column_texts(none, "max(s)"), (Texts{"null"}));
  EXPECT_EQ(group_by(table.slice(0, 0), {"g"}, aggregates).num_rows(), 0);
  // DISTINCT over the one group of a global aggregate (d: 1, 1, 1, 2, 1, 3, 2).
  const Table distinct = group_by(table, {},
                                  {{.function = F::count, .input = "d", .output = "n", .distinct = true},
                                   {.function = F::sum, .input = "d", .output = "s", .distinct = true}});
  EXPECT_EQ(column_texts(distinct, "n"), (Texts{"3"}));
  EXPECT_EQ(column_texts(distinct, "s"), (Texts{"6"}));
  EXPECT_EQ(column_texts(group_by(table.slice(0, 0), {}, {{.function = F::count, .input = "d", .output = "n",
                                                           .distinct = true}}), "n"),
            (Texts{"0"}));
}

TEST(OpsGroupBy, FloatAndMultiColumnKeys) {
  const Table table({"f", "i", "v"}, {float64s({0.0, -0.0, std::nan(""), std::nullopt, std::nan(""), 1.0}),
                                      int32s({1, 1, 2, 2, 2, 1}), int64s({1, 2, 3, 4, 5, 6})});
  const Table by_f = group_by(table, {"f"}, {{.function = F::sum, .input = "v", .output = "s"}});
  EXPECT_EQ(column_texts(by_f, "f"), (Texts{"0", "nan", "null", "1"}));  // -0.0 joins 0.0, NaN joins NaN
  EXPECT_EQ(column_texts(by_f, "s"), (Texts{"3", "8", "4", "6"}));
  const Table by_if = group_by(table, {"i", "f"}, {{.function = F::count_star, .output = "n"}});
  EXPECT_EQ(column_texts(by_if, "i"), (Texts{"1", "2", "2", "1"}));
  EXPECT_EQ(column_texts(by_if, "n"), (Texts{"2", "2", "1", "1"}));
}

TEST(OpsGroupBy, Int64SumOverflowIsAnErrorButTransientOverflowIsNot) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  const Table back({"v"}, {int64s({max, 1, -1})});
  EXPECT_EQ(texts(group_by(back, {}, {{.function = F::sum, .input = "v"}}).column(0)), (Texts{std::to_string(max)}));
  const Table over({"k", "v"}, {int64s({1, 2, 2}), int64s({5, max, 1})});
  try {
    group_by(over, {"k"}, {{.function = F::sum, .input = "v"}});
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("sum(v) overflows int64 in group 2"), std::string::npos) << error.what();
  }
}

template <typename Call>
std::string error_of(const Call& call) {
  try {
    call();
  } catch (const Error& error) {
    return error.what();
  }
  return "no error";
}

TEST(OpsGroupBy, ErrorsNameWhatWasWrong) {
  const Table table = hand_table();
  EXPECT_NE(error_of([&] { group_by(table, {"nope"}, {}); }).find("group_by: no key column 'nope'; the columns are: g, x"),
            std::string::npos);
  EXPECT_NE(error_of([&] { group_by(table, {"g"}, {{.function = F::sum, .input = "zz"}}); })
                .find("no aggregate input column 'zz'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { group_by(table, {"g"}, {{.function = F::sum, .input = "s"}}); })
                .find("group_by: sum(s): sum does not take string input"),
            std::string::npos);
  EXPECT_THROW(group_by(table, {"g"}, {{.function = F::avg, .input = "s"}}), DTypeError);
  EXPECT_NE(error_of([&] { group_by(table, {"g"}, {{.function = F::corr, .input = "y"}}); }).find("needs a second input"),
            std::string::npos);
  EXPECT_NE(error_of([&] { group_by(table, {"g"}, {{.function = F::median}}); }).find("median needs an input column"),
            std::string::npos);
  EXPECT_NE(error_of([&] { group_by(table, {"g"}, {{.function = F::count_star, .output = "g"}}); })
                .find("two output columns are named 'g'"),
            std::string::npos);
  EXPECT_EQ(parse_aggregate_function("stddev"), F::stddev_samp);
  EXPECT_EQ(parse_aggregate_function("variance"), F::var_samp);
  EXPECT_NE(error_of([] { parse_aggregate_function("mode"); }).find("unknown aggregate function 'mode'"),
            std::string::npos);
}

// ---- The naive reference: std::map from key text to the group's rows, in row order. ----

std::vector<std::vector<int64_t>> reference_groups(const Table& table, const std::vector<std::string>& keys) {
  std::map<std::string, size_t> index;
  std::vector<std::vector<int64_t>> groups;
  if (keys.empty()) groups.emplace_back();
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    std::string key;
    for (const auto& name : keys) key.append(key_text(cell(table.column(name), r))).append("/");
    if (keys.empty()) {
      groups[0].push_back(r);
      continue;
    }
    const auto [it, added] = index.emplace(key, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(r);
  }
  return groups;
}

// The expected value of an aggregate over `rows` as text ("null" when NULL), or as a number for
// the approximate ones (var, stddev, corr: Welford's and the two-pass formula differ in the last bits).
struct Expected {
  std::string text;
  double number = 0;
  bool approximate = false;
};

Expected reference_aggregate(F function, const Column& input, const Column* input2, const std::vector<int64_t>& rows) {
  std::vector<int64_t> valid;
  for (int64_t r : rows) {
    if (input.is_valid(r) && (!input2 || input2->is_valid(r))) valid.push_back(r);
  }
  const auto as_double = [&](const Column& column, int64_t r) {
    const Cell c = cell(column, r);
    return c.is_float ? c.d : static_cast<double>(c.i);
  };
  const auto number_text = [&](double v) {
    ColumnBuilder b(DataType::float64);
    b.append_float64(v);
    return b.finish().value_text(0);
  };
  const bool is_float = input.type() == DataType::float64 || input.type() == DataType::float32;
  switch (function) {
    case F::count: return {std::to_string(valid.size())};
    case F::count_star: return {std::to_string(rows.size())};
    case F::sum:
    case F::avg: {
      if (valid.empty()) return {"null"};
      if (is_float) {
        double sum = 0;
        for (int64_t r : valid) sum += as_double(input, r);
        return {number_text(function == F::sum ? sum : sum / static_cast<double>(valid.size()))};
      }
      int64_t sum = 0;
      for (int64_t r : valid) sum += cell(input, r).i;
      return {function == F::sum ? std::to_string(sum)
                                 : number_text(static_cast<double>(sum) / static_cast<double>(valid.size()))};
    }
    case F::min:
    case F::max: {
      if (valid.empty()) return {"null"};
      int64_t best = valid[0];
      for (int64_t r : valid) {
        const int c = compare_values(cell(input, r), cell(input, best));
        if (function == F::min ? c < 0 : c > 0) best = r;
      }
      return {input.value_text(best)};
    }
    case F::first: return {rows.empty() ? "null" : input.value_text(rows.front())};
    case F::last: return {rows.empty() ? "null" : input.value_text(rows.back())};
    case F::any_value: return {valid.empty() ? "null" : input.value_text(valid.front())};
    case F::median: {
      if (valid.empty()) return {"null"};
      std::vector<double> v;
      for (int64_t r : valid) v.push_back(as_double(input, r));
      std::sort(v.begin(), v.end(), [](double a, double b) { return !std::isnan(a) && (std::isnan(b) || a < b); });
      const size_t n = v.size();
      const double m = n % 2 ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) * 0.5;
      return {number_text(m)};
    }
    case F::var_samp:
    case F::var_pop:
    case F::stddev_samp:
    case F::stddev_pop: {
      const bool sample = function == F::var_samp || function == F::stddev_samp;
      if (valid.empty() || (sample && valid.size() < 2)) return {"null"};
      double mean = 0;
      for (int64_t r : valid) mean += as_double(input, r);
      mean /= static_cast<double>(valid.size());
      double ss = 0;
      for (int64_t r : valid) ss += (as_double(input, r) - mean) * (as_double(input, r) - mean);
      const double var = ss / static_cast<double>(valid.size() - (sample ? 1 : 0));
      const bool root = function == F::stddev_samp || function == F::stddev_pop;
      return {"", root ? std::sqrt(var) : var, true};
    }
    case F::corr: {
      if (valid.size() < 2) return {"null"};
      double my = 0, mx = 0;
      for (int64_t r : valid) my += as_double(input, r), mx += as_double(*input2, r);
      my /= static_cast<double>(valid.size());
      mx /= static_cast<double>(valid.size());
      double sxy = 0, sxx = 0, syy = 0;
      for (int64_t r : valid) {
        const double dy = as_double(input, r) - my, dx = as_double(*input2, r) - mx;
        sxy += dx * dy, sxx += dx * dx, syy += dy * dy;
      }
      if (sxx == 0 || syy == 0) return {"null"};
      return {"", sxy / std::sqrt(sxx * syy), true};
    }
  }
  return {"?"};
}

void expect_matches_reference(const Table& table, const std::vector<std::string>& keys, int threads) {
  std::vector<Aggregate> aggregates;
  const std::vector<F> all_functions{F::count,    F::count_star,  F::sum,        F::avg,   F::min,
                                     F::max,      F::first,       F::last,       F::any_value, F::median,
                                     F::var_samp, F::var_pop,     F::stddev_samp, F::stddev_pop};
  for (const std::string input : {"v_int", "v_float", "v_str", "v_date", "v_bool"}) {
    for (F function : all_functions) {
      const bool numeric_only = function != F::count && function != F::count_star && function != F::min &&
                                function != F::max && function != F::first && function != F::last &&
                                function != F::any_value;
      if (numeric_only && input != "v_int" && input != "v_float") continue;
      if (function == F::count_star) {
        if (input == "v_int") aggregates.push_back({.function = function, .output = "count_star"});
        continue;
      }
      aggregates.push_back({.function = function, .input = input,
                            .output = std::string(aggregate_function_name(function)) + "_" + input});
    }
  }
  aggregates.push_back({.function = F::corr, .input = "v_float", .output = "corr", .input2 = "v_int"});
  aggregates.push_back({.function = F::count, .input = "v_str", .output = "count_distinct", .distinct = true});

  const Table out = group_by(table, keys, aggregates, {.threads = threads});
  const std::vector<std::vector<int64_t>> groups = reference_groups(table, keys);
  ASSERT_EQ(out.num_rows(), static_cast<int64_t>(groups.size()));
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const auto& key : keys) {
      ASSERT_EQ(out.column(key).value_text(static_cast<int64_t>(g)), table.column(key).value_text(groups[g][0]));
    }
    for (const Aggregate& aggregate : aggregates) {
      const Column& result = out.column(aggregate.output);
      const auto row = static_cast<int64_t>(g);
      if (aggregate.distinct) {
        std::set<std::string> seen;
        for (int64_t r : groups[g]) {
          if (table.column(aggregate.input).is_valid(r)) seen.insert(key_text(cell(table.column(aggregate.input), r)));
        }
        ASSERT_EQ(result.value_text(row), std::to_string(seen.size()));
        continue;
      }
      const Column& input = aggregate.input.empty() ? table.column(0) : table.column(aggregate.input);
      const Column* input2 = aggregate.input2.empty() ? nullptr : &table.column(aggregate.input2);
      const Expected expected = reference_aggregate(aggregate.function, input, input2, groups[g]);
      if (expected.approximate) {
        ASSERT_TRUE(result.is_valid(row)) << aggregate.output << " group " << g;
        const double got = result.value<double>(row);
        if (std::isnan(expected.number)) ASSERT_TRUE(std::isnan(got)) << aggregate.output;
        else ASSERT_NEAR(got, expected.number, 1e-9 * std::max(1.0, std::fabs(expected.number))) << aggregate.output;
      } else {
        ASSERT_EQ(result.value_text(row), expected.text) << aggregate.output << " group " << g;
      }
    }
  }
}

TEST(OpsGroupBy, RandomTablesMatchTheNaiveReference) {
  const std::vector<std::vector<std::string>> key_sets{{"k_int"}, {"k_str", "k_small"}, {"v_bool"}, {}};
  for (int64_t rows : {0, 1, 5, 300}) {
    for (const auto& keys : key_sets) {
      SCOPED_TRACE(std::to_string(rows) + " rows, " + std::to_string(keys.size()) + " keys");
      const Table table = random_table(rows, static_cast<uint32_t>(rows) * 7 + 1, 12);
      expect_matches_reference(table, keys, 1);
      expect_matches_reference(offset_copy(table), keys, 2);
    }
  }
}

// String keys that carry codes (Note [String codes]) group as their strings do, alone (indexed
// straight from the codes) or beside other keys, with NULLs, at an offset and over many groups.
TEST(OpsGroupBy, CodedStringKeysMatchTheNaiveReference) {
  const std::vector<std::vector<std::string>> key_sets{{"k_str"}, {"v_str"}, {"k_str", "k_small"}, {"v_str", "k_int"}};
  for (int64_t rows : {1, 5, 300, 70000}) {
    const Table table = random_table(rows, static_cast<uint32_t>(rows) * 3 + 2, 12);
    for (const auto& keys : key_sets) {
      SCOPED_TRACE(std::to_string(rows) + " rows, keys " + keys[0]);
      expect_matches_reference(with_string_codes(table), keys, 2);
      expect_matches_reference(with_string_codes(offset_copy(table)), keys, 1);
      expect_matches_reference(with_string_codes(table).slice(rows / 3, rows - rows / 3), keys, 2);
      const Table coded = group_by(with_string_codes(table), keys, {{.function = F::count_star, .output = "n"}});
      EXPECT_TRUE(coded.equals(group_by(table, keys, {{.function = F::count_star, .output = "n"}})));
    }
  }
}

// `table` with every string column coding on demand, as the CSV reader's do.
Table with_string_codes_on_demand(const Table& table) {
  std::vector<Column> columns;
  for (const Column& column : table.columns()) {
    columns.push_back(column.type() == DataType::string ? column.with_string_codes_on_demand() : column);
  }
  return Table(table.names(), std::move(columns));
}

// String keys that code on demand (Note [String codes]) are coded by the first group-by, which
// matches the reference alone or beside other keys, with NULLs, at an offset and through a slice;
// the codes stay for the next group-by.
TEST(OpsGroupBy, StringKeysCodedOnDemandMatchTheNaiveReference) {
  const std::vector<std::vector<std::string>> key_sets{{"k_str"}, {"v_str"}, {"k_str", "k_small"}, {"v_str", "k_int"}};
  for (int64_t rows : {1, 5, 300, 70000}) {
    const Table table = random_table(rows, static_cast<uint32_t>(rows) * 5 + 1, 12);
    for (const auto& keys : key_sets) {
      SCOPED_TRACE(std::to_string(rows) + " rows, keys " + keys[0]);
      const Table on_demand = with_string_codes_on_demand(table);
      EXPECT_FALSE(on_demand.column(keys[0]).has_string_codes());
      expect_matches_reference(on_demand, keys, 2);
      EXPECT_TRUE(on_demand.column(keys[0]).has_string_codes());
      expect_matches_reference(on_demand, keys, 1);  // from the codes kept
      expect_matches_reference(with_string_codes_on_demand(offset_copy(table)), keys, 2);
      expect_matches_reference(with_string_codes_on_demand(table).slice(rows / 3, rows - rows / 3), keys, 2);
    }
  }
}

// Key columns without NULLs, integers and coded strings, are indexed straight from the columns
// (column_group_ids in group_keys.cpp); the same columns without codes go through key words. Both
// must give the same groups in the same order.
TEST(OpsGroupBy, KeysIndexedFromTheColumnsMatchKeyWords) {
  std::mt19937 random(11);
  const int64_t rows = 50000;
  ColumnBuilder a(DataType::string), b(DataType::string), n(DataType::int32), w(DataType::int64), v(DataType::float64);
  for (int64_t r = 0; r < rows; ++r) {
    std::string a_text = "a", b_text = "b";  // appended: GCC 12 misreads "x" + std::string as overlapping
    a_text += std::to_string(random() % 40);
    b_text += std::to_string(random() % 25);
    a.append_string(a_text);
    b.append_string(b_text);
    n.append_int32(static_cast<int32_t>(random() % 30) - 10);
    w.append_int64(static_cast<int64_t>(random() % 7) * 1000000007LL);
    v.append_float64(static_cast<double>(random() % 1000) / 8);
  }
  const Table plain({"a", "b", "n", "w", "v"}, {a.finish(), b.finish(), n.finish(), w.finish(), v.finish()});
  const Table coded = with_string_codes_on_demand(plain);
  const std::vector<Aggregate> aggregates{{.function = F::sum, .input = "v", .output = "sum"},
                                          {.function = F::count_star, .output = "n_rows"}};
  for (const std::vector<std::string>& keys :
       {std::vector<std::string>{"a", "b"}, {"a", "n"}, {"n", "a", "b"}, {"b"}, {"n"}, {"w", "a"}}) {
    std::string trace = keys[0];
    trace += " and ";
    trace += std::to_string(keys.size() - 1);
    trace += " more keys";
    SCOPED_TRACE(trace);
    for (int threads : {1, 2}) {
      const Table expected = group_by(plain, keys, aggregates, {.threads = threads});
      EXPECT_TRUE(group_by(coded, keys, aggregates, {.threads = threads}).equals(expected));
      EXPECT_TRUE(group_by(coded.slice(rows / 4, rows / 2), keys, aggregates, {.threads = threads})
                      .equals(group_by(plain.slice(rows / 4, rows / 2), keys, aggregates, {.threads = threads})));
    }
  }
}

TEST(OpsGroupBy, LongInputsAreIdenticalOnOneAndTwoThreads) {
  // Longer than one partitioning chunk, so the partitioned path with 64 partitions runs.
  const Table table = offset_copy(random_table(120000, 21, 5000));
  const std::vector<Aggregate> aggregates{{.function = F::sum, .input = "v_float", .output = "sum"},
                                          {.function = F::avg, .input = "v_float", .output = "avg"},
                                          {.function = F::var_samp, .input = "v_float", .output = "var"},
                                          {.function = F::median, .input = "v_int", .output = "median"},
                                          {.function = F::corr, .input = "v_float", .output = "corr", .input2 = "v_int"},
                                          {.function = F::min, .input = "v_str", .output = "min_s"},
                                          {.function = F::last, .input = "v_date", .output = "last_d"},
                                          {.function = F::count, .input = "v_str", .output = "nd", .distinct = true}};
  for (const std::vector<std::string>& keys : {std::vector<std::string>{"k_int", "k_str"}, std::vector<std::string>{}}) {
    const Table one = group_by(table, keys, aggregates, {.threads = 1});
    const Table two = group_by(table, keys, aggregates, {.threads = 2});
    EXPECT_TRUE(one.equals(two)) << keys.size() << " keys";  // floats compared by their bits
  }
  expect_matches_reference(table, {"k_int", "k_str"}, 2);
}

// Keys spanning a small domain are grouped by direct indexing (Note [Direct-indexed keys]); wide
// ones (huge integer ranges, int64's extremes, floats) by hashing. Both number groups by first
// appearance, so the same groups come out in the same order.
TEST(OpsGroupBy, DirectIndexedAndHashedKeysGiveTheSameGroups) {
  const int64_t min = std::numeric_limits<int64_t>::min(), max = std::numeric_limits<int64_t>::max();
  const Table narrow({"k", "v"}, {int64s({-3, 7, std::nullopt, -3, 0, 7, std::nullopt, 1}), int64s({1, 2, 3, 4, 5, 6, 7, 8})});
  const Table wide({"k", "v"}, {int64s({min, max, std::nullopt, min, 0, max, std::nullopt, 1}), int64s({1, 2, 3, 4, 5, 6, 7, 8})});
  const std::vector<Aggregate> sum{{.function = F::sum, .input = "v", .output = "s"}};
  for (const Table& table : {narrow, wide}) {
    const Table out = group_by(table, {"k"}, sum);
    EXPECT_EQ(column_texts(out, "s"), (Texts{"5", "8", "10", "5", "8"}));
  }
  EXPECT_EQ(column_texts(group_by(wide, {"k"}, sum), "k"),
            (Texts{std::to_string(min), std::to_string(max), "null", "0", "1"}));
  // Without NULLs an integer key is indexed from its values; int64's extremes overflow the span.
  const Table extremes({"k", "v"}, {int64s({max, min, max, 5}), int64s({1, 2, 3, 4})});
  EXPECT_EQ(column_texts(group_by(extremes, {"k"}, sum), "s"), (Texts{"4", "2", "4"}));
  const Table dense({"k", "v"}, {int32s({-2, 9, -2, 4}), int64s({1, 2, 3, 4})});
  EXPECT_EQ(column_texts(group_by(dense, {"k"}, sum), "k"), (Texts{"-2", "9", "4"}));
  EXPECT_EQ(column_texts(group_by(dense, {"k"}, sum), "s"), (Texts{"4", "2", "4"}));
  // Two small keys with NULLs in either: the null word is one more direct-indexed key word.
  const Table pairs({"a", "b", "v"}, {strings({"x", "y", std::nullopt, "x", "y", std::nullopt}),
                                       int32s({1, std::nullopt, 1, 1, std::nullopt, 2}), int64s({1, 2, 3, 4, 5, 6})});
  const Table out = group_by(pairs, {"a", "b"}, sum);
  EXPECT_EQ(column_texts(out, "a"), (Texts{"x", "y", "null", "null"}));
  EXPECT_EQ(column_texts(out, "b"), (Texts{"1", "null", "1", "2"}));
  EXPECT_EQ(column_texts(out, "s"), (Texts{"5", "7", "3", "6"}));
}

// Random keys and values over many aggregation chunks (Note [Chunked aggregation]): identical on
// 1, 2 and 3 threads, and float sums within 1e-12 of the sum of magnitudes of a row-order sum.
TEST(OpsGroupBy, ChunkedAggregationIsIdenticalForAnyThreadCount) {
  std::mt19937 random(7);
  const int64_t rows = 5 * 65536 + 123;  // five and a bit chunks of kChunkRows (aggregate_kernels.h)
  ColumnBuilder k(DataType::int64), s(DataType::string), wide(DataType::int64), v(DataType::float64);
  for (int64_t r = 0; r < rows; ++r) {
    k.append_int64(static_cast<int64_t>(random() % 100));
    s.append_string("key" + std::to_string(random() % 37));
    wide.append_int64(static_cast<int64_t>(random() % 20000) * 1000003LL * 1000003LL);  // hashed, many groups
    random() % 50 == 0 ? v.append_null() : v.append_float64(std::ldexp(static_cast<double>(random()), -20) - 2048.0);
  }
  const Table table({"k", "s", "wide", "v"}, {k.finish(), s.finish(), wide.finish(), v.finish()});
  const std::vector<Aggregate> aggregates{{.function = F::sum, .input = "v", .output = "sum"},
                                          {.function = F::avg, .input = "v", .output = "avg"},
                                          {.function = F::stddev_samp, .input = "v", .output = "sd"},
                                          {.function = F::corr, .input = "v", .output = "corr", .input2 = "k"},
                                          {.function = F::median, .input = "v", .output = "median"},
                                          {.function = F::min, .input = "v", .output = "min"},
                                          {.function = F::last, .input = "v", .output = "last"},
                                          {.function = F::count, .input = "v", .output = "n"}};
  for (const std::vector<std::string>& keys : {std::vector<std::string>{"k"}, std::vector<std::string>{"s", "k"},
                                              std::vector<std::string>{"wide"}, std::vector<std::string>{}}) {
    SCOPED_TRACE(std::to_string(keys.size()) + " keys");
    const Table one = group_by(table, keys, aggregates, {.threads = 1});
    EXPECT_TRUE(one.equals(group_by(table, keys, aggregates, {.threads = 2})));
    EXPECT_TRUE(one.equals(group_by(table, keys, aggregates, {.threads = 3})));
    const std::vector<std::vector<int64_t>> groups = reference_groups(table, keys);
    ASSERT_EQ(one.num_rows(), static_cast<int64_t>(groups.size()));
    const Column& values = table.column("v");
    const Texts medians = column_texts(one, "median"), mins = column_texts(one, "min"), lasts = column_texts(one, "last"),
                counts = column_texts(one, "n");
    for (size_t g = 0; g < groups.size(); ++g) {
      double sum = 0, magnitude = 0;
      for (int64_t r : groups[g]) {
        if (values.is_null(r)) continue;
        sum += values.value<double>(r);
        magnitude += std::fabs(values.value<double>(r));
      }
      ASSERT_NEAR(one.column("sum").value<double>(static_cast<int64_t>(g)), sum, 1e-12 * magnitude) << g;
      ASSERT_EQ(medians[g], reference_aggregate(F::median, values, nullptr, groups[g]).text);
      ASSERT_EQ(mins[g], reference_aggregate(F::min, values, nullptr, groups[g]).text);
      ASSERT_EQ(lasts[g], reference_aggregate(F::last, values, nullptr, groups[g]).text);
      ASSERT_EQ(counts[g], reference_aggregate(F::count, values, nullptr, groups[g]).text);
      const Expected sd = reference_aggregate(F::stddev_samp, values, nullptr, groups[g]);
      ASSERT_NEAR(one.column("sd").value<double>(static_cast<int64_t>(g)), sd.number, 1e-9 * std::max(1.0, sd.number));
    }
  }
}

// Many groups (most keys seen once or twice): the hashed path with one long aggregation chunk.
TEST(OpsGroupBy, HighCardinalityKeysMatchTheNaiveReference) {
  const Table table = offset_copy(random_table(70000, 5, 1 << 30));
  expect_matches_reference(table, {"k_int", "k_str"}, 2);
  const std::vector<Aggregate> aggregates{{.function = F::sum, .input = "v_float", .output = "sum"},
                                          {.function = F::median, .input = "v_int", .output = "median"},
                                          {.function = F::count, .input = "v_str", .output = "nd", .distinct = true}};
  EXPECT_TRUE(group_by(table, {"k_int"}, aggregates, {.threads = 1})
                  .equals(group_by(table, {"k_int"}, aggregates, {.threads = 2})));
}

}  // namespace
}  // namespace nimbus::analytics
