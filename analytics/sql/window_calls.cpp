#include "analytics/sql/window_calls.h"

#include <algorithm>

#include "analytics/expr/evaluate.h"
#include "analytics/expr/expr_builders.h"
#include "analytics/ops/window.h"
#include "analytics/sql/query_context.h"
#include "analytics/sql/sql_error.h"

namespace nimbus::analytics::sql {

namespace {

// PostgreSQL's WindowDef.frameOptions bits (nodes/parsenodes.h).
constexpr int kFrameNonDefault = 0x1;
constexpr int kFrameRange = 0x2;
constexpr int kFrameGroups = 0x8;
constexpr int kFrameStartUnboundedPreceding = 0x20;
constexpr int kFrameEndUnboundedPreceding = 0x40;
constexpr int kFrameStartUnboundedFollowing = 0x80;
constexpr int kFrameEndUnboundedFollowing = 0x100;
constexpr int kFrameStartOffsetPreceding = 0x800;
constexpr int kFrameEndOffsetPreceding = 0x1000;
constexpr int kFrameStartOffsetFollowing = 0x2000;
constexpr int kFrameEndOffsetFollowing = 0x4000;
constexpr int kFrameExclude = 0x8000 | 0x10000 | 0x20000;

// One window() run: the calls that share a PARTITION BY and ORDER BY.
struct WindowGroup {
  std::string key; // the PARTITION BY and ORDER BY as text
  WindowSpec spec;
  std::vector<WindowCall> calls;
  int location = -1; // the first call's, for errors of the run
};

class WindowPlanner {
public:
  WindowPlanner(const Table &rows, const ExprContext &context)
      : work_(rows), c_(context) {
    c_.clause = "window function arguments";
  }

  void collect(const Json &node) {
    if (is_window_call(node)) {
      add_call(node);
      return;
    }
    if (node.is_object() || node.is_array())
      for (const Json &child : node)
        collect(child);
  }

  WindowColumns run(const Table &rows, const WindowRowLimit *limit) {
    if (limit != nullptr)
      if (const WindowCall *limited = limited_call(*limit))
        return run_top_rows(rows, *limit, *limited);
    WindowColumns out{rows, std::move(column_of_call_)};
    std::vector<std::string> names = rows.names();
    std::vector<Column> columns = rows.columns();
    for (const WindowGroup &group : groups_) {
      const Table result = guarded(group.location, [&] {
        return window(work_, group.spec, group.calls);
      });
      for (const WindowCall &call : group.calls) {
        names.push_back(call.output);
        columns.push_back(result.column(call.output));
      }
    }
    out.rows = Table(names, columns);
    return out;
  }

private:
  // The call `limit` names when every call allows computing the kept rows
  // alone (Note [Top rows of a window subquery]), else null.
  const WindowCall *limited_call(const WindowRowLimit &limit) const {
    const auto known = column_of_call_.find(limit.call);
    if (known == column_of_call_.end() || groups_.size() != 1)
      return nullptr;
    const WindowCall *limited = nullptr;
    for (const WindowCall &call : groups_[0].calls) {
      if (call.function != WindowFunction::row_number &&
          call.function != WindowFunction::rank &&
          call.function != WindowFunction::dense_rank)
        return nullptr;
      if (call.output == known->second)
        limited = &call;
    }
    if (limited != nullptr && limited->function == WindowFunction::dense_rank)
      return nullptr;
    return limited;
  }

  WindowColumns run_top_rows(const Table &rows, const WindowRowLimit &limit,
                             const WindowCall &limited) {
    const WindowGroup &group = groups_[0];
    const Table kept = guarded(group.location, [&] {
      return window_top_k(work_, group.spec, group.calls, limit.limit,
                          limited.function == WindowFunction::rank);
    });
    std::vector<std::string> names = rows.names();
    for (const WindowCall &call : group.calls)
      names.push_back(call.output);
    return {kept.select(names), std::move(column_of_call_)};
  }

  template <typename F> auto guarded(int location, F &&f) -> decltype(f()) {
    try {
      return f();
    } catch (const SqlError &) {
      throw;
    } catch (const Error &e) {
      throw SqlError(e.what(), c_.sql, location);
    }
  }

  [[noreturn]] void fail(const std::string &message, int location) const {
    throw SqlError(message, c_.sql, location);
  }

  // The column holding `node`'s value over the rows: a plain column as it is,
  // anything else computed into the work table.
  std::string column_of(const Json &node) {
    const ExprPtr e = translate_expr(node, c_);
    if (e->kind == ExprKind::column && work_.find(e->name))
      return e->name;
    // The same expression (ORDER BY a + b in two calls) is one column, so the
    // calls share a sort.
    const std::string text = e->to_sql();
    const auto known = column_of_expr_.find(text);
    if (known != column_of_expr_.end())
      return known->second;
    return column_of_expr_[text] = computed(e, node_location(node));
  }

  std::string computed(const ExprPtr &e, int location) {
    const std::string name = "__wexpr" + std::to_string(work_.num_columns());
    const Column column = guarded(location, [&] { return evaluate(e, work_); });
    std::vector<std::string> names = work_.names();
    std::vector<Column> columns = work_.columns();
    names.push_back(name);
    columns.push_back(column);
    work_ = Table(names, columns);
    return name;
  }

  // A non-negative integer constant (lag's offset, ntile's buckets, a frame
  // offset).
  int64_t integer_constant(const Json &node, const char *what) {
    const ExprPtr e = translate_expr(node, c_);
    const bool integer = e->kind == ExprKind::literal && !e->untyped_null &&
                         (e->value.type() == DataType::int32 ||
                          e->value.type() == DataType::int64);
    if (!integer || e->value.is_null() || e->value.as_int() < 0)
      fail(std::string(what) + " must be a non-negative integer constant",
           node_location(node));
    return e->value.as_int();
  }

  void add_call(const Json &node) {
    const std::string key = node.dump();
    if (column_of_call_.count(key))
      return;
    const Json &body = node_body(node);
    const Json &over = body["over"];
    const int location = node_location(node);
    const std::string name = function_call_name(node);
    for (const Json &arg : body.value("args", Json::array()))
      if (contains_window(arg))
        fail("window function calls cannot be nested", node_location(arg));
    if (over.contains("name") || over.contains("refname"))
      fail("named windows (WINDOW w AS ...) are not supported; write the "
           "window in OVER (...)",
           node_location(over));
    if (body.value("agg_distinct", false))
      fail("DISTINCT is not supported in window functions", location);
    if (body.contains("agg_filter"))
      fail("FILTER is not supported in window functions", location);
    if (body.contains("agg_order"))
      fail("ORDER BY inside a window function's arguments is not supported",
           location);

    const std::vector<Json> args =
        body.value("args", Json::array()).get<std::vector<Json>>();
    WindowCall call;
    call.function =
        body.value("agg_star", false) || (name == "count" && args.empty())
            ? WindowFunction::count_star
            : guarded(location, [&] {
                return parse_window_function(name == "mean" ? "avg" : name);
              });
    const auto arity = [&](size_t least, size_t most) {
      if (args.size() < least || args.size() > most) {
        std::string wanted = std::to_string(least);
        if (most != least)
          wanted.append(" to ").append(std::to_string(most));
        fail(name + "() takes " + wanted + " argument" + (most == 1 ? "" : "s"),
             location);
      }
    };
    switch (call.function) {
    case WindowFunction::count_star:
      break;
    case WindowFunction::ntile:
      arity(1, 1);
      call.offset = integer_constant(args[0], "ntile's number of buckets");
      if (call.offset == 0)
        fail("ntile's number of buckets must be positive",
             node_location(args[0]));
      break;
    case WindowFunction::lag:
    case WindowFunction::lead:
      arity(1, 3);
      call.input = column_of(args[0]);
      if (args.size() > 1)
        call.offset =
            integer_constant(args[1], std::string(name + "'s offset").c_str());
      if (args.size() > 2) {
        // The default takes the input's type, as DuckDB casts it.
        const ExprPtr fallback = expr::cast(translate_expr(args[2], c_),
                                            work_.column(call.input).type());
        call.default_input = computed(fallback, node_location(args[2]));
      }
      break;
    default:
      if (window_function_takes_input(call.function)) {
        arity(1, 1);
        call.input = column_of(args[0]);
      } else {
        arity(0, 0);
      }
    }
    call.frame = frame_of(over);
    call.output = "__win" + std::to_string(column_of_call_.size());
    column_of_call_[key] = call.output;

    WindowSpec spec;
    std::string spec_key;
    for (const Json &item : field(over, "partitionClause")) {
      spec.partition_by.push_back(column_of(item));
      spec_key.append(spec.partition_by.back()).append(",");
    }
    spec_key.append("|");
    for (const Json &sort_by : field(over, "orderClause")) {
      const Json &sb = node_body(sort_by);
      SortKey k = sort_key_order(sb);
      k.column = column_of(sb["node"]);
      spec.order_by.push_back(k);
      spec_key.append(k.column)
          .append(k.descending ? " desc" : "")
          .append(k.nulls == NullOrder::first ? " nf," : ",");
    }
    const auto same =
        std::find_if(groups_.begin(), groups_.end(),
                     [&](const WindowGroup &g) { return g.key == spec_key; });
    if (same != groups_.end()) {
      same->calls.push_back(call);
    } else {
      WindowGroup group;
      group.key = spec_key;
      group.spec = spec;
      group.calls.push_back(call);
      group.location = location;
      groups_.push_back(group);
    }
  }

  // OVER's frame clause as a WindowFrame; SqlError for what window() cannot do.
  WindowFrame frame_of(const Json &over) {
    WindowFrame frame;
    const int options = over.value("frameOptions", 0);
    const int location = node_location(over);
    if ((options & kFrameNonDefault) == 0)
      return frame; // RANGE UNBOUNDED PRECEDING AND CURRENT ROW
    if (options & kFrameGroups)
      fail("GROUPS frames are not supported; use ROWS or RANGE", location);
    if (options & kFrameExclude)
      fail("EXCLUDE in window frames is not supported", location);
    frame.units = options & kFrameRange ? FrameUnits::range : FrameUnits::rows;
    const auto offset = [&](const char *key) {
      const int64_t n = integer_constant(over[key], "a frame offset");
      if (frame.units == FrameUnits::range && n != 0)
        fail("RANGE frames with an offset (n PRECEDING/FOLLOWING) are not "
             "supported; use ROWS",
             node_location(over[key]));
      return n;
    };
    if (options & kFrameStartUnboundedPreceding)
      frame.start = kUnboundedPreceding;
    else if (options & kFrameStartUnboundedFollowing)
      fail("a frame cannot start at UNBOUNDED FOLLOWING", location);
    else if (options & kFrameStartOffsetPreceding)
      frame.start = -offset("startOffset");
    else if (options & kFrameStartOffsetFollowing)
      frame.start = offset("startOffset");
    else
      frame.start = 0; // CURRENT ROW
    if (options & kFrameEndUnboundedFollowing)
      frame.end = kUnboundedFollowing;
    else if (options & kFrameEndUnboundedPreceding)
      fail("a frame cannot end at UNBOUNDED PRECEDING", location);
    else if (options & kFrameEndOffsetPreceding)
      frame.end = -offset("endOffset");
    else if (options & kFrameEndOffsetFollowing)
      frame.end = offset("endOffset");
    else
      frame.end = 0; // CURRENT ROW
    return frame;
  }

  Table work_;
  ExprContext c_;
  std::map<std::string, std::string> column_of_call_;
  std::map<std::string, std::string>
      column_of_expr_; // an expression's SQL text -> its work column
  std::vector<WindowGroup> groups_;
};

} // namespace

WindowColumns add_window_columns(const Table &rows,
                                 const std::vector<const Json *> &places,
                                 const ExprContext &context,
                                 const WindowRowLimit *limit) {
  WindowPlanner planner(rows, context);
  for (const Json *place : places)
    planner.collect(*place);
  return planner.run(rows, limit);
}

std::string window_call_text(const Json &call, std::string_view sql) {
  const int begin = node_location(call);
  const int over = node_location(node_body(call)["over"]);
  if (begin < 0 || over < begin || static_cast<size_t>(over) >= sql.size())
    return function_call_name(call) + "()";
  // From the call's name to the parenthesis that closes OVER (, skipping quoted
  // text.
  int depth = 0;
  char quote = 0;
  for (size_t i = static_cast<size_t>(over); i < sql.size(); ++i) {
    const char ch = sql[i];
    if (quote != 0) {
      if (ch == quote)
        quote = 0;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
    } else if (ch == '(') {
      ++depth;
    } else if (ch == ')' && --depth == 0) {
      return std::string(sql.substr(static_cast<size_t>(begin),
                                    i + 1 - static_cast<size_t>(begin)));
    }
  }
  return std::string(sql.substr(static_cast<size_t>(begin)));
}

} // namespace nimbus::analytics::sql
