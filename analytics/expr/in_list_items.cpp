#include "analytics/expr/in_list_items.h"

#include <algorithm>

#include "analytics/expr/eval_node.h"

namespace nimbus::analytics {

namespace {

template <typename T>
InItem<T> literal_as(const Value& v) {
  if constexpr (std::is_same_v<T, uint8_t>) return v.as_bool() ? 1 : 0;
  else if constexpr (std::is_same_v<T, std::string_view>) return std::string(v.as_string());
  else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(v.as_double());
  else return static_cast<T>(v.as_int());
}

}  // namespace

std::shared_ptr<const SortedInItems> sort_in_items(const std::vector<BoundExprPtr>& children, DataType type) {
  if (children.size() <= kSearchedListItems + 1) return nullptr;
  const bool constant = std::all_of(children.begin() + 1, children.end(),
                                    [](const BoundExprPtr& c) { return c->kind == BoundKind::literal; });
  if (!constant) return nullptr;
  auto sorted = std::make_shared<SortedInItems>();
  visit_chunk_type(type, [&]<typename T>() {
    std::vector<InItem<T>> items;
    items.reserve(children.size() - 1);
    for (size_t k = 1; k < children.size(); ++k) {
      const Value& item = children[k]->value;
      if (item.is_null()) sorted->has_null = true;
      else items.push_back(literal_as<T>(item));
    }
    // sql_less and sql_equal: NaN equals NaN and sorts last, -0.0 equals 0.0.
    if constexpr (std::is_same_v<T, std::string_view>) {
      std::sort(items.begin(), items.end());
      items.erase(std::unique(items.begin(), items.end()), items.end());
    } else {
      std::sort(items.begin(), items.end(), sql_less<T>);
      items.erase(std::unique(items.begin(), items.end(), sql_equal<T>), items.end());
    }
    sorted->items = std::move(items);
  });
  return sorted;
}

}  // namespace nimbus::analytics
