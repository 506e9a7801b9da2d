#include "analytics/ops/group_by.h"

#include "analytics/ops/aggregate_kernels.h"
#include "analytics/ops/column_lookup.h"
#include "analytics/ops/device_dispatch.h"
#include "analytics/ops/take.h"

namespace nimbus::analytics {

namespace {

// An aggregate with its inputs found and checked.
struct PlannedAggregate {
  AggregateFunction function;
  const Column* input = nullptr;   // null for count(*)
  const Column* input2 = nullptr;  // corr's x
  bool distinct = false;
  std::string label;  // "sum(x)", for errors and as the default output name
  std::string output;
};

PlannedAggregate plan(const Table& table, const Aggregate& aggregate) {
  PlannedAggregate planned;
  planned.function = aggregate.function;
  planned.distinct = aggregate.distinct;
  const bool star = aggregate.function == AggregateFunction::count_star ||
                    (aggregate.function == AggregateFunction::count && aggregate.input.empty());
  const std::string name(aggregate_function_name(aggregate.function));
  if (star) {
    planned.function = AggregateFunction::count_star;
    NIMBUS_CHECK(aggregate.input.empty(), "group_by: count_star() takes no input column, got '", aggregate.input, "'");
    NIMBUS_CHECK(!aggregate.distinct, "group_by: count(*) cannot be DISTINCT; use count(DISTINCT x) with a column");
    planned.label = "count_star()";
  } else {
    NIMBUS_CHECK(!aggregate.input.empty(), "group_by: ", name, " needs an input column");
    planned.input = &detail::find_column(table, aggregate.input, "group_by", "aggregate input column");
    planned.label = name + "(" + (aggregate.distinct ? "DISTINCT " : "") + aggregate.input;
    try {
      aggregate_result_type(aggregate.function, planned.input->type());
    } catch (const DTypeError& error) {
      NIMBUS_THROW(DTypeError, "group_by: ", planned.label, "): ", error.what());
    }
    if (aggregate.function == AggregateFunction::corr) {
      NIMBUS_CHECK(!aggregate.input2.empty(), "group_by: corr(y, x) needs a second input column (input2) for x");
      planned.input2 = &detail::find_column(table, aggregate.input2, "group_by", "aggregate input column");
      planned.label += ", " + aggregate.input2;
      NIMBUS_CHECK_T(DTypeError, is_numeric(planned.input2->type()), "group_by: ", planned.label,
                     "): corr does not take ", data_type_name(planned.input2->type()),
                     " input; it takes int32, int64, float32 or float64");
    } else {
      NIMBUS_CHECK(aggregate.input2.empty(), "group_by: ", planned.label, "): only corr takes a second input, got '",
                   aggregate.input2, "'");
    }
    planned.label += ")";
  }
  planned.output = aggregate.output.empty() ? planned.label : aggregate.output;
  return planned;
}

Column run_aggregate(const PlannedAggregate& aggregate, const detail::GroupedRows& all_rows) {
  detail::GroupedRows rows = all_rows;
  std::vector<int64_t> distinct_rows;
  if (aggregate.distinct) {
    std::vector<Column> inputs{*aggregate.input};
    if (aggregate.input2) inputs.push_back(*aggregate.input2);
    distinct_rows = detail::first_distinct_rows(all_rows, inputs);
    rows.subset = &distinct_rows;
  }
  switch (aggregate.function) {
    case AggregateFunction::count_star: return detail::aggregate_count(rows, nullptr);
    case AggregateFunction::count: return detail::aggregate_count(rows, aggregate.input);
    case AggregateFunction::sum: return detail::aggregate_sum(rows, *aggregate.input, aggregate.label);
    case AggregateFunction::avg: return detail::aggregate_avg(rows, *aggregate.input);
    case AggregateFunction::var_samp:
    case AggregateFunction::var_pop:
    case AggregateFunction::stddev_samp:
    case AggregateFunction::stddev_pop: return detail::aggregate_variance(rows, *aggregate.input, aggregate.function);
    case AggregateFunction::median: return detail::aggregate_median(rows, *aggregate.input);
    case AggregateFunction::corr: return detail::aggregate_corr(rows, *aggregate.input, *aggregate.input2);
    case AggregateFunction::min:
    case AggregateFunction::max:
    case AggregateFunction::first:
    case AggregateFunction::last:
    case AggregateFunction::any_value: return detail::aggregate_pick(rows, *aggregate.input, aggregate.function);
  }
  NIMBUS_THROW(Error, "group_by: unknown aggregate function");
}

// Whether the device functions compute this group_by themselves (device_ops.h): keys that are not
// strings, and count, sum, avg, min and max without DISTINCT. An int64 sum is added as two sums of
// 32-bit halves (kernels in analytics/cuda/), exact below 2^32 rows.
bool grouped_on_device(const Table& table, const std::vector<Column>& keys,
                       const std::vector<PlannedAggregate>& aggregates) {
  for (const Column& key : keys) {
    if (!detail::computed_on_device(key.type())) return false;
  }
  for (const PlannedAggregate& aggregate : aggregates) {
    if (aggregate.distinct) return false;
    switch (aggregate.function) {
      case AggregateFunction::count_star:
      case AggregateFunction::count: break;
      case AggregateFunction::sum:
      case AggregateFunction::avg:
        if (!is_numeric(aggregate.input->type())) return false;
        if (aggregate.input->type() == DataType::int64 && table.num_rows() >= (int64_t{1} << 32)) return false;
        break;
      case AggregateFunction::min:
      case AggregateFunction::max:
        if (!detail::computed_on_device(aggregate.input->type())) return false;
        break;
      default: return false;
    }
  }
  return true;
}

// group_by of a table on a device (Note [Device operators] in device_ops.h). What the device does
// not compute runs on the host: the table is copied there, grouped, and the result copied back.
Table device_group_by(const Table& table, const std::vector<std::string>& keys,
                      const std::vector<Aggregate>& aggregates,
                      const std::vector<Column>& key_columns, const std::vector<PlannedAggregate>& planned,
                      std::vector<std::string> names, Device device, const ExecOptions& options) {
  if (!grouped_on_device(table, key_columns, planned)) {
    return group_by(table.to(Device::cpu()), keys, aggregates, options).to(device);
  }
  const AnalyticsDeviceOps& ops = detail::device_ops(device, "group_by");
  const DeviceGroups groups = ops.group_rows(key_columns, device, table.num_rows());
  std::vector<Column> columns;
  for (const Column& key : key_columns) {
    columns.push_back(ops.take(key, DeviceRows{groups.first_rows, groups.num_groups}, false));
  }
  for (const PlannedAggregate& aggregate : planned) {
    columns.push_back(ops.aggregate(groups, aggregate.function, aggregate.input, aggregate.label));
  }
  return Table(std::move(names), std::move(columns));
}

}  // namespace

Table group_by(const Table& table, const std::vector<std::string>& keys, const std::vector<Aggregate>& aggregates,
               const ExecOptions& options) {
  const std::vector<Column> key_columns = detail::find_columns(table, keys, "group_by", "key column");
  std::vector<PlannedAggregate> planned;
  for (const Aggregate& aggregate : aggregates) planned.push_back(plan(table, aggregate));

  std::vector<std::string> names = keys;
  for (const PlannedAggregate& aggregate : planned) names.push_back(aggregate.output);
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      NIMBUS_CHECK(names[i] != names[j], "group_by: two output columns are named '", names[i],
                   "'; give the aggregates distinct output names");
    }
  }

  const Device device = detail::table_device(table, "group_by");
  if (!device.is_cpu()) {
    return device_group_by(table, keys, aggregates, key_columns, planned, std::move(names), device, options);
  }

  if (keys.empty()) {
    const auto rows = detail::GroupedRows::one_group(table.num_rows(), options.threads);
    std::vector<Column> columns;
    for (const PlannedAggregate& aggregate : planned) columns.push_back(run_aggregate(aggregate, rows));
    return Table(std::move(names), std::move(columns));
  }
  const detail::GroupIds index = detail::group_keys(key_columns, options.threads);
  const detail::GroupedRows rows{index.num_groups, &index.group_of_row, nullptr, options.threads, table.num_rows()};

  std::vector<Column> columns;
  for (const Column& key : key_columns) columns.push_back(take(key, index.first_row, options));
  for (const PlannedAggregate& aggregate : planned) columns.push_back(run_aggregate(aggregate, rows));
  return Table(std::move(names), std::move(columns));
}

}  // namespace nimbus::analytics
