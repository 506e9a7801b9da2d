// Long IN lists of constants: prepared once at bind time (Note [Searched IN lists]) and answered
// with SQL's NULL rules, the same as the item-by-item scan of short lists.
#include <gtest/gtest.h>

#include "analytics/expr/bind.h"
#include "analytics/expr/in_list_items.h"
#include "expr_test_util.h"

namespace nimbus::analytics {
namespace {

using namespace analytics::expr;
using namespace analytics::testing;

std::vector<ExprPtr> int_items(int from, int to) {
  std::vector<ExprPtr> items;
  for (int i = to; i >= from; --i) items.push_back(lit(i));  // unsorted, as written
  return items;
}

TEST(ExprInList, LongConstantListsAreSortedWhenBound) {
  const Table t({"x"}, {int64s({1, 5, 40, std::nullopt})});
  std::vector<ExprPtr> items = int_items(1, 20);
  items.push_back(lit(5));  // a duplicate
  const BoundExprPtr bound = bind_expr(in_list(col("x"), items), t);
  ASSERT_NE(bound->sorted_items, nullptr);
  // Items take the value's type (int64) and come sorted, without duplicates.
  const auto& sorted = bound->sorted_items->as<int64_t>();
  ASSERT_EQ(sorted.size(), 20u);
  EXPECT_TRUE(std::is_sorted(sorted.begin(), sorted.end()));
  EXPECT_FALSE(bound->sorted_items->has_null);
  EXPECT_EQ(texts(evaluate(*bound, t)), (Texts{"true", "true", "false", "null"}));
  // A short list, or one with a column among its items, is scanned.
  EXPECT_EQ(bind_expr(in_list(col("x"), int_items(1, 3)), t)->sorted_items, nullptr);
  std::vector<ExprPtr> mixed = int_items(1, 20);
  mixed.push_back(col("x"));
  EXPECT_EQ(bind_expr(in_list(col("x"), mixed), t)->sorted_items, nullptr);
}

TEST(ExprInList, SearchedListsKeepNullRules) {
  const Table t({"x"}, {int32s({3, 99, std::nullopt})});
  std::vector<ExprPtr> items = int_items(1, 20);
  items.push_back(null_literal());
  // Found: true; not found with a NULL item: NULL; NULL value: NULL. NOT IN is never true then.
  EXPECT_EQ(eval_texts(in_list(col("x"), items), t), (Texts{"true", "null", "null"}));
  EXPECT_EQ(eval_texts(in_list(col("x"), items, true), t), (Texts{"false", "null", "null"}));
  EXPECT_EQ(eval_texts(in_list(col("x"), int_items(1, 20), true), t), (Texts{"false", "true", "null"}));
}

TEST(ExprInList, SearchedListsOfStringsAndFloats) {
  const Table t({"s", "f"}, {strings({"b", "zz", ""}), float64s({2.0, -0.0, 0.5})});
  std::vector<ExprPtr> words;
  for (const char* w : {"q", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p"})
    words.push_back(lit(w));
  EXPECT_EQ(eval_texts(in_list(col("s"), words), t), (Texts{"true", "false", "false"}));
  std::vector<ExprPtr> numbers = int_items(1, 20);  // integers compared as doubles
  numbers.push_back(lit(0.0));
  EXPECT_EQ(eval_texts(in_list(col("f"), numbers), t), (Texts{"true", "true", "false"}));  // -0.0 = 0.0
}

}  // namespace
}  // namespace nimbus::analytics
