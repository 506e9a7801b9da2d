#pragma once
// The constant items of a long IN list, prepared once when the expression is bound.
//
// Note [Searched IN lists]
// x IN (1, 2, 3, ...) with many constant items (IN (subquery) makes one item per distinct value)
// is answered by binary search rather than by comparing every row with every item. The items are
// typed, sorted and deduplicated here, at bind time, so evaluation only searches: a bound
// expression is evaluated chunk by chunk on every thread, and sorting per chunk would repeat the
// same work thousands of times. NULL items are left out of the search and remembered in
// `has_null`, which decides SQL's answer (NULL rather than false) for the values not found.
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "analytics/expr/bound_expr.h"

namespace nimbus::analytics {

// The type the items are kept as for chunk values of type T (strings own their bytes).
template <typename T>
using InItem = std::conditional_t<std::is_same_v<T, std::string_view>, std::string, T>;

struct SortedInItems {
  bool has_null = false;
  std::variant<std::vector<uint8_t>, std::vector<int32_t>, std::vector<int64_t>, std::vector<float>,
               std::vector<double>, std::vector<std::string>>
      items;

  template <typename T>
  const std::vector<InItem<T>>& as() const {
    return std::get<std::vector<InItem<T>>>(items);
  }
};

// Lists longer than this whose items are all literals are searched; shorter ones are scanned.
constexpr size_t kSearchedListItems = 16;

// The sorted items of an in_list node's bound children (children[0] is the value, the rest items,
// all of type `type`), or nullptr when the list is short or holds anything but literals.
std::shared_ptr<const SortedInItems> sort_in_items(const std::vector<BoundExprPtr>& children, DataType type);

}  // namespace nimbus::analytics
