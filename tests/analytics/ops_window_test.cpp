// window: hand-checked partitions with NULLs and ties (ranking, lag/lead,
// first/last_value, the aggregates over DuckDB's default frame and over ROWS
// frames), the errors, a naive reference on random tables with random keys and
// frames, and the same result for 1 and 2 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "analytics/ops/sort.h"
#include "analytics/ops/window.h"
#include "ops_test_tables.h"

namespace nimbus::analytics {
namespace {

using namespace test;

// rows:   0     1     2     3     4     5     6     7
// g:      a     b     a     NULL  a     b     a     NULL
// o:      2     1     1     3     2     NULL  NULL  1
// v:      10    NULL  5     7     NULL  4     1     2
// Window order: a = rows 2, 0, 4, 6 (0 and 4 are peers; the NULL o last); b =
// 1, 5; NULL = 7, 3.
Table small_table() {
  return Table(
      {"g", "o", "v", "d"},
      {strings({"a", "b", "a", std::nullopt, "a", "b", "a", std::nullopt}),
       int64s({2, 1, 1, 3, 2, std::nullopt, std::nullopt, 1}),
       int64s({10, std::nullopt, 5, 7, std::nullopt, 4, 1, 2}),
       int64s({100, 101, 102, 103, 104, 105, 106, 107})});
}

const WindowSpec kByGroupOrdered{.partition_by = {"g"}, .order_by = {{"o"}}};

std::vector<std::string> window_texts(const Table &table,
                                      const WindowSpec &spec, WindowCall call) {
  call.output = "out";
  return texts(window(table, spec, {call}).column("out"));
}

using Texts = std::vector<std::string>;

TEST(OpsWindow, RankingFunctionsNumberPeersAlike) {
  const Table t = small_table();
  EXPECT_EQ(window_texts(t, kByGroupOrdered,
                         {.function = WindowFunction::row_number}),
            (Texts{"2", "1", "1", "2", "3", "2", "4", "1"}));
  EXPECT_EQ(
      window_texts(t, kByGroupOrdered, {.function = WindowFunction::rank}),
      (Texts{"2", "1", "1", "2", "2", "2", "4", "1"}));
  EXPECT_EQ(window_texts(t, kByGroupOrdered,
                         {.function = WindowFunction::dense_rank}),
            (Texts{"2", "1", "1", "2", "2", "2", "3", "1"}));
  // Partition a has 4 rows: percent_rank = (rank - 1) / 3, cume_dist = rows up
  // to the last peer / 4.
  const Table ranks =
      window(t, kByGroupOrdered,
             {{.function = WindowFunction::percent_rank, .output = "pr"},
              {.function = WindowFunction::cume_dist, .output = "cd"}});
  const std::vector<double> percent{1.0 / 3, 0, 0, 1, 1.0 / 3, 1, 1, 0};
  const std::vector<double> cumulative{0.75, 0.5, 0.25, 1, 0.75, 1, 1, 0.5};
  for (int64_t row = 0; row < 8; ++row) {
    EXPECT_DOUBLE_EQ(ranks.column("pr").value<double>(row),
                     percent[static_cast<size_t>(row)])
        << row;
    EXPECT_DOUBLE_EQ(ranks.column("cd").value<double>(row),
                     cumulative[static_cast<size_t>(row)])
        << row;
  }
}

TEST(OpsWindow, WithoutKeysEveryRowIsOnePartitionInRowOrder) {
  const Table t = small_table();
  EXPECT_EQ(window_texts(t, {}, {.function = WindowFunction::row_number}),
            (Texts{"1", "2", "3", "4", "5", "6", "7", "8"}));
  EXPECT_EQ(window_texts(t, {}, {.function = WindowFunction::rank}),
            (Texts(8, "1")));
  // ntile(3) of 8 rows: buckets of 3, 3 and 2.
  EXPECT_EQ(window_texts(t, {.order_by = {{"d"}}},
                         {.function = WindowFunction::ntile, .offset = 3}),
            (Texts{"1", "1", "1", "2", "2", "2", "3", "3"}));
  EXPECT_EQ(window_texts(t, {.order_by = {{"d"}}},
                         {.function = WindowFunction::ntile, .offset = 20}),
            (Texts{"1", "2", "3", "4", "5", "6", "7", "8"}));
}

TEST(OpsWindow, AggregatesOverTheDefaultFrameIncludeTheLastPeer) {
  const Table t = small_table();
  const auto agg = [&](WindowFunction f, const std::string &input = "v") {
    return window_texts(t, kByGroupOrdered, {.function = f, .input = input});
  };
  EXPECT_EQ(agg(WindowFunction::sum),
            (Texts{"15", "null", "5", "9", "15", "4", "16", "2"}));
  EXPECT_EQ(agg(WindowFunction::count),
            (Texts{"2", "0", "1", "2", "2", "1", "3", "1"}));
  EXPECT_EQ(agg(WindowFunction::count_star, ""),
            (Texts{"3", "1", "1", "2", "3", "2", "4", "1"}));
  EXPECT_EQ(agg(WindowFunction::min),
            (Texts{"5", "null", "5", "2", "5", "4", "1", "2"}));
  EXPECT_EQ(agg(WindowFunction::max),
            (Texts{"10", "null", "5", "7", "10", "4", "10", "2"}));
  EXPECT_EQ(agg(WindowFunction::avg),
            (Texts{"7.5", "null", "5", "4.5", "7.5", "4",
                   texts(float64s({16.0 / 3}))[0], "2"}));
  // Without ORDER BY every row is a peer: the whole partition.
  EXPECT_EQ(window_texts(t, {.partition_by = {"g"}},
                         {.function = WindowFunction::sum, .input = "v"}),
            (Texts{"16", "4", "16", "9", "16", "4", "16", "9"}));
}

TEST(OpsWindow, LagLeadFirstAndLastValue) {
  const Table t = small_table();
  EXPECT_EQ(window_texts(t, kByGroupOrdered,
                         {.function = WindowFunction::lag, .input = "v"}),
            (Texts{"5", "null", "null", "2", "10", "null", "null", "null"}));
  EXPECT_EQ(window_texts(t, kByGroupOrdered,
                         {.function = WindowFunction::lead, .input = "v"}),
            (Texts{"null", "4", "10", "null", "1", "null", "null", "7"}));
  // Two back, else the row's own default.
  EXPECT_EQ(window_texts(t, kByGroupOrdered,
                         {.function = WindowFunction::lag,
                          .input = "v",
                          .offset = 2,
                          .default_input = "d"}),
            (Texts{"100", "101", "102", "103", "5", "105", "10", "107"}));
  EXPECT_EQ(window_texts(
                t, kByGroupOrdered,
                {.function = WindowFunction::lead, .input = "v", .offset = 0}),
            texts(t.column("v")));
  EXPECT_EQ(
      window_texts(t, kByGroupOrdered,
                   {.function = WindowFunction::first_value, .input = "v"}),
      (Texts{"5", "null", "5", "2", "5", "null", "5", "2"}));
  // The default frame ends at the last peer: rows 0 and 4 both see row 4's
  // NULL.
  EXPECT_EQ(
      window_texts(t, kByGroupOrdered,
                   {.function = WindowFunction::last_value, .input = "v"}),
      (Texts{"null", "null", "5", "7", "null", "4", "1", "2"}));
}

// rows 0..5 ordered by id; v = 1, 2, NULL, 4, 5, 6; f = 1.5, 2.5,
// NULL, 4.5, 5.5, 6.5.
Table frame_table() {
  return Table({"id", "v", "f"},
               {int64s({0, 1, 2, 3, 4, 5}),
                int64s({1, 2, std::nullopt, 4, 5, 6}),
                float64s({1.5, 2.5, std::nullopt, 4.5, 5.5, 6.5})});
}

std::vector<std::string> framed(WindowFunction f, const std::string &input,
                                int64_t start, int64_t end) {
  return window_texts(
      frame_table(), {.order_by = {{"id"}}},
      {.function = f,
       .input = input,
       .frame = {.units = FrameUnits::rows, .start = start, .end = end}});
}

TEST(OpsWindow, RowsFramesSlideGrowAndMayBeEmpty) {
  EXPECT_EQ(framed(WindowFunction::sum, "v", -1, 1),
            (Texts{"3", "3", "6", "9", "15", "11"}));
  EXPECT_EQ(framed(WindowFunction::min, "v", -1, 1),
            (Texts{"1", "1", "2", "4", "4", "5"}));
  EXPECT_EQ(framed(WindowFunction::max, "v", -1, 1),
            (Texts{"2", "2", "4", "5", "6", "6"}));
  EXPECT_EQ(framed(WindowFunction::avg, "f", -2, 0),
            (Texts{"1.5", "2", "2", "3.5", "5", "5.5"}));
  EXPECT_EQ(framed(WindowFunction::sum, "f", -2, 0),
            (Texts{"1.5", "4", "4", "7", "10", "16.5"}));
  EXPECT_EQ(framed(WindowFunction::count_star, "", 2, 3),
            (Texts{"2", "2", "2", "1", "0", "0"}));
  EXPECT_EQ(framed(WindowFunction::sum, "v", 2, 3),
            (Texts{"4", "9", "11", "6", "null", "null"}));
  EXPECT_EQ(framed(WindowFunction::sum, "v", 0, kUnboundedFollowing),
            (Texts{"18", "17", "15", "15", "11", "6"}));
  EXPECT_EQ(framed(WindowFunction::max, "f", 0, kUnboundedFollowing),
            (Texts{"6.5", "6.5", "6.5", "6.5", "6.5", "6.5"}));
  EXPECT_EQ(framed(WindowFunction::last_value, "v", kUnboundedPreceding,
                   kUnboundedFollowing),
            (Texts(6, "6")));
  EXPECT_EQ(framed(WindowFunction::first_value, "v", -3, -2),
            (Texts{"null", "null", "1", "1", "2", "null"}));
  // Offsets beyond the partition clamp to it.
  EXPECT_EQ(framed(WindowFunction::count, "v", -1000000000000,
                   kUnboundedFollowing - 1),
            (Texts(6, "5")));
}

TEST(OpsWindow, RangeFramesUsePeers) {
  const Table t = small_table();
  const WindowFrame current{.units = FrameUnits::range, .start = 0, .end = 0};
  EXPECT_EQ(
      window_texts(t, kByGroupOrdered,
                   {.function = WindowFunction::count_star, .frame = current}),
      (Texts{"2", "1", "1", "1", "2", "1", "1", "1"}));
  const WindowFrame rest{
      .units = FrameUnits::range, .start = 0, .end = kUnboundedFollowing};
  EXPECT_EQ(window_texts(
                t, kByGroupOrdered,
                {.function = WindowFunction::sum, .input = "v", .frame = rest}),
            (Texts{"11", "4", "16", "7", "11", "4", "1", "9"}));
}

TEST(OpsWindow, FloatKeysTieSignedZerosAndNans) {
  const Table t({"f"},
                {float64s({std::nan(""), 0.0, -0.0, std::nan(""), 1.0})});
  EXPECT_EQ(window_texts(t, {.order_by = {{"f"}}},
                         {.function = WindowFunction::rank}),
            (Texts{"4", "1", "1", "4", "3"}));
  EXPECT_EQ(window_texts(t, {.partition_by = {"f"}},
                         {.function = WindowFunction::count_star}),
            (Texts{"2", "2", "2", "2", "1"}));
}

TEST(OpsWindow, StringsKeepTheirTypeThroughMinLagAndLastValue) {
  const Table t({"g", "s"}, {int64s({1, 1, 2, 1}),
                             strings({"pear", std::nullopt, "fig", "apple"})});
  EXPECT_EQ(window_texts(t, {.partition_by = {"g"}},
                         {.function = WindowFunction::min, .input = "s"}),
            (Texts{"apple", "apple", "fig", "apple"}));
  EXPECT_EQ(window_texts(t, {.partition_by = {"g"}, .order_by = {{"s"}}},
                         {.function = WindowFunction::lead, .input = "s"}),
            (Texts{"null", "null", "null", "pear"}));
  const Table out =
      window(t, {}, {{.function = WindowFunction::last_value, .input = "s"}});
  EXPECT_EQ(out.column("last_value(s)").type(), DataType::string);
  EXPECT_EQ(out.names(), (std::vector<std::string>{"g", "s", "last_value(s)"}));
}

TEST(OpsWindow, ErrorsNameTheCall) {
  const Table t = small_table();
  const auto message = [&](const WindowSpec &spec,
                           const WindowCall &call) -> std::string {
    try {
      window(t, spec, {call});
    } catch (const Error &e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message({}, {.function = WindowFunction::sum, .input = "nope"})
                .find("no input column 'nope'"),
            std::string::npos);
  EXPECT_NE(
      message({.partition_by = {"zz"}}, {}).find("no PARTITION BY column 'zz'"),
      std::string::npos);
  EXPECT_NE(message({}, {.function = WindowFunction::sum, .input = "g"})
                .find("sum does not take string"),
            std::string::npos);
  EXPECT_NE(message({}, {.function = WindowFunction::sum})
                .find("needs an input column"),
            std::string::npos);
  EXPECT_NE(message({}, {.function = WindowFunction::rank, .input = "v"})
                .find("takes no input"),
            std::string::npos);
  EXPECT_NE(
      message({}, {.function = WindowFunction::lag, .input = "v", .offset = -1})
          .find("must not be negative"),
      std::string::npos);
  EXPECT_NE(message({}, {.function = WindowFunction::ntile, .offset = 0})
                .find("positive number of buckets"),
            std::string::npos);
  EXPECT_NE(message({}, {.function = WindowFunction::lag,
                         .input = "v",
                         .default_input = "g"})
                .find("is string, not int64"),
            std::string::npos);
  EXPECT_NE(message({}, {.function = WindowFunction::sum,
                         .input = "v",
                         .frame = {.start = -2}})
                .find("RANGE frames"),
            std::string::npos);
  EXPECT_NE(message({}, {.function = WindowFunction::row_number, .output = "v"})
                .find("'v' already exists"),
            std::string::npos);
  EXPECT_THROW(window(t, {},
                      {{.function = WindowFunction::sum,
                        .input = "v",
                        .frame = {.units = FrameUnits::rows,
                                  .start = kUnboundedFollowing}}}),
               ConfigError);
  EXPECT_EQ(parse_window_function("dense_rank"), WindowFunction::dense_rank);
  EXPECT_THROW(parse_window_function("median"), ConfigError);
}

TEST(OpsWindow, IntegerSumsAreExactAndOverflowIsAnError) {
  const int64_t big = std::numeric_limits<int64_t>::max();
  const Table t({"id", "v"}, {int64s({0, 1, 2}), int64s({big, 1, -2})});
  // The whole-partition total passes int64's range on the way (big + 1) and
  // comes back.
  EXPECT_EQ(
      window_texts(t, {}, {.function = WindowFunction::sum, .input = "v"}),
      (Texts(3, std::to_string(big - 1))));
  // The running total at row 1 is big + 1 itself.
  EXPECT_THROW(window(t, {.order_by = {{"id"}}},
                      {{.function = WindowFunction::sum, .input = "v"}}),
               DTypeError);
  // A sliding frame adds and subtracts exactly: big is gone from row 1's frame.
  const Table s({"id", "v"}, {int64s({0, 1, 2}), int64s({big, -2, 1})});
  EXPECT_EQ(window_texts(
                s, {.order_by = {{"id"}}},
                {.function = WindowFunction::sum,
                 .input = "v",
                 .frame = {.units = FrameUnits::rows, .start = 0, .end = 1}}),
            (Texts{std::to_string(big - 2), "-1", "1"}));
}

// ---- a naive reference on random tables ----

// `table` with "lag_default", an int32 column like v_int, for lead's default.
Table with_lag_default(const Table &table) {
  std::vector<std::optional<int32_t>> values;
  for (int64_t row = 0; row < table.num_rows(); ++row)
    values.push_back(static_cast<int32_t>(row * 3 - 50));
  std::vector<std::string> names = table.names();
  std::vector<Column> columns = table.columns();
  names.push_back("lag_default");
  columns.push_back(int32s(values));
  return Table(names, columns);
}

struct Reference {
  const Table &table;
  WindowSpec spec;

  // -1/0/1: row a before, tied with, after row b in the window order (the
  // stable tie-break aside).
  int compare_order(int64_t a, int64_t b) const {
    for (const SortKey &key : spec.order_by) {
      const Column &column = table.column(key.column);
      const Cell x = cell(column, a), y = cell(column, b);
      if (x.null != y.null)
        return (x.null == (key.nulls == NullOrder::first)) ? -1 : 1;
      if (x.null)
        continue;
      const int c = compare_values(x, y);
      if (c != 0)
        return key.descending ? -c : c;
    }
    return 0;
  }

  std::string partition_of(int64_t row) const {
    std::string key;
    for (const std::string &name : spec.partition_by)
      key.append(key_text(cell(table.column(name), row))).append("/");
    return key;
  }

  // The rows of `row`'s partition in window order.
  std::vector<int64_t> members(int64_t row) const {
    std::vector<int64_t> out;
    const std::string key = partition_of(row);
    for (int64_t r = 0; r < table.num_rows(); ++r)
      if (partition_of(r) == key)
        out.push_back(r);
    std::stable_sort(out.begin(), out.end(), [&](int64_t a, int64_t b) {
      return compare_order(a, b) < 0;
    });
    return out;
  }

  Cell expected(const WindowCall &call, int64_t row) const {
    const std::vector<int64_t> m = members(row);
    const auto n = static_cast<int64_t>(m.size());
    const auto pos =
        static_cast<int64_t>(std::find(m.begin(), m.end(), row) - m.begin());
    int64_t peer_begin = pos, peer_end = pos + 1;
    while (peer_begin > 0 && compare_order(m[peer_begin - 1], row) == 0)
      --peer_begin;
    while (peer_end < n && compare_order(m[peer_end], row) == 0)
      ++peer_end;
    const auto integer = [](int64_t v) {
      Cell c;
      c.null = false;
      c.i = v;
      return c;
    };
    const auto real = [](double v) {
      Cell c;
      c.null = false;
      c.is_float = true;
      c.d = v;
      return c;
    };
    const Column *input =
        call.input.empty() ? nullptr : &table.column(call.input);
    switch (call.function) {
    case WindowFunction::row_number:
      return integer(pos + 1);
    case WindowFunction::rank:
      return integer(peer_begin + 1);
    case WindowFunction::dense_rank: {
      int64_t groups = 1;
      for (int64_t p = 1; p <= pos; ++p)
        groups += compare_order(m[p - 1], m[p]) != 0 ? 1 : 0;
      return integer(groups);
    }
    case WindowFunction::percent_rank:
      return real(n > 1 ? double(peer_begin) / double(n - 1) : 0.0);
    case WindowFunction::cume_dist:
      return real(double(peer_end) / double(n));
    case WindowFunction::ntile: {
      int64_t at = 0;
      for (int64_t bucket = 1; bucket <= call.offset; ++bucket) {
        at += n / call.offset + (bucket <= n % call.offset ? 1 : 0);
        if (pos < at)
          return integer(bucket);
      }
      return integer(-1);
    }
    case WindowFunction::lag:
    case WindowFunction::lead: {
      const int64_t source = call.function == WindowFunction::lag
                                 ? pos - call.offset
                                 : pos + call.offset;
      if (source >= 0 && source < n)
        return cell(*input, m[source]);
      return call.default_input.empty()
                 ? Cell{}
                 : cell(table.column(call.default_input), row);
    }
    default:
      break;
    }
    // The frame, by its definition.
    const WindowFrame &f = call.frame;
    int64_t fs = 0, fe = n;
    if (f.start != kUnboundedPreceding)
      fs = f.units == FrameUnits::range
               ? peer_begin
               : std::clamp(pos + f.start, int64_t{0}, n);
    if (f.end != kUnboundedFollowing)
      fe = f.units == FrameUnits::range
               ? peer_end
               : std::clamp(pos + f.end + 1, int64_t{0}, n);
    std::vector<int64_t> frame;
    for (int64_t p = fs; p < fe; ++p)
      frame.push_back(m[p]);
    if (call.function == WindowFunction::first_value)
      return frame.empty() ? Cell{} : cell(*input, frame.front());
    if (call.function == WindowFunction::last_value)
      return frame.empty() ? Cell{} : cell(*input, frame.back());
    if (call.function == WindowFunction::count_star)
      return integer(static_cast<int64_t>(frame.size()));
    std::vector<Cell> values;
    for (int64_t r : frame)
      if (!input->is_null(r))
        values.push_back(cell(*input, r));
    if (call.function == WindowFunction::count)
      return integer(static_cast<int64_t>(values.size()));
    if (values.empty())
      return {};
    if (call.function == WindowFunction::min ||
        call.function == WindowFunction::max) {
      Cell best = values[0];
      for (const Cell &v : values) {
        const int c = compare_values(v, best);
        if (call.function == WindowFunction::min ? c < 0 : c > 0)
          best = v;
      }
      return best;
    }
    double total = 0;
    int64_t itotal = 0;
    for (const Cell &v : values) {
      total += v.is_float ? v.d : double(v.i);
      itotal += v.i;
    }
    if (call.function == WindowFunction::avg)
      return real(total / double(values.size()));
    return values[0].is_float ? real(total) : integer(itotal);
  }
};

bool same_cell(const Cell &want, const Cell &got) {
  if (want.null || got.null)
    return want.null == got.null;
  if (want.is_float != got.is_float)
    return false;
  if (want.is_float) {
    if (std::isnan(want.d) || std::isnan(got.d))
      return std::isnan(want.d) && std::isnan(got.d);
    return std::abs(want.d - got.d) <= 1e-9 * std::max(1.0, std::abs(want.d));
  }
  return want.i == got.i && want.s == got.s;
}

WindowFrame random_frame(std::mt19937 &random) {
  const auto bound = [&](bool start) {
    switch (random() % 4) {
    case 0:
      return start ? kUnboundedPreceding : kUnboundedFollowing;
    case 1:
      return int64_t{0};
    default:
      return static_cast<int64_t>(random() % 7) - 3;
    }
  };
  WindowFrame frame;
  if (random() % 3 == 0)
    return frame; // the default
  frame.units = random() % 2 ? FrameUnits::rows : FrameUnits::range;
  frame.start = bound(true);
  frame.end = bound(false);
  if (frame.units ==
      FrameUnits::range) { // RANGE takes only unbounded and CURRENT ROW
    if (frame.start != kUnboundedPreceding)
      frame.start = 0;
    if (frame.end != kUnboundedFollowing)
      frame.end = 0;
  }
  return frame;
}

TEST(OpsWindow, MatchesANaiveReferenceOnRandomTables) {
  for (uint32_t seed = 1; seed <= 24; ++seed) {
    std::mt19937 random(seed);
    Table table =
        random_table(60 + seed * 7, seed, 2 + static_cast<int>(seed % 6));
    table = with_lag_default(table);
    if (seed % 2)
      table = offset_copy(table);
    WindowSpec spec;
    const std::vector<std::string> partition_keys = {"k_int", "k_str",
                                                     "k_small"};
    const std::vector<std::string> order_keys = {"v_int",   "v_date", "k_small",
                                                 "v_float", "v_str",  "v_bool"};
    for (size_t i = 0, keys = random() % 3; i < keys; ++i)
      spec.partition_by.push_back(partition_keys[random() % 3]);
    std::sort(spec.partition_by.begin(), spec.partition_by.end());
    spec.partition_by.erase(
        std::unique(spec.partition_by.begin(), spec.partition_by.end()),
        spec.partition_by.end());
    for (size_t i = 0, keys = random() % 3; i < keys; ++i)
      spec.order_by.push_back(
          {.column = order_keys[random() % order_keys.size()],
           .descending = random() % 2 == 1,
           .nulls = random() % 2 ? NullOrder::first : NullOrder::last});
    std::vector<WindowCall> calls = {
        {.function = WindowFunction::row_number},
        {.function = WindowFunction::rank},
        {.function = WindowFunction::dense_rank},
        {.function = WindowFunction::percent_rank},
        {.function = WindowFunction::cume_dist},
        {.function = WindowFunction::ntile,
         .offset = 1 + static_cast<int64_t>(random() % 5)},
        {.function = WindowFunction::lag, .input = "v_str"},
        {.function = WindowFunction::lead,
         .input = "v_int",
         .offset = static_cast<int64_t>(random() % 3),
         .default_input = "lag_default"},
        {.function = WindowFunction::lag, .input = "v_float", .offset = 2},
    };
    const std::vector<std::pair<WindowFunction, std::string>> framed = {
        {WindowFunction::count_star, ""},
        {WindowFunction::count, "v_str"},
        {WindowFunction::sum, "v_int"},
        {WindowFunction::sum, "v_float"},
        {WindowFunction::avg, "v_int"},
        {WindowFunction::avg, "v_float"},
        {WindowFunction::min, "v_str"},
        {WindowFunction::max, "v_float"},
        {WindowFunction::min, "v_date"},
        {WindowFunction::max, "v_int"},
        {WindowFunction::first_value, "v_int"},
        {WindowFunction::last_value, "v_str"},
    };
    for (const auto &[function, input] : framed)
      calls.push_back({.function = function,
                       .input = input,
                       .frame = random_frame(random)});
    for (size_t i = 0; i < calls.size(); ++i)
      calls[i].output = "out" + std::to_string(i);

    const Table out = window(table, spec, calls);
    const Reference reference{table, spec};
    for (size_t i = 0; i < calls.size(); ++i) {
      const Column &got = out.column(calls[i].output);
      for (int64_t row = 0; row < table.num_rows(); ++row) {
        ASSERT_TRUE(
            same_cell(reference.expected(calls[i], row), cell(got, row)))
            << "seed " << seed << ", "
            << window_function_name(calls[i].function) << "(" << calls[i].input
            << ") frame " << static_cast<int>(calls[i].frame.units) << " ["
            << calls[i].frame.start << ", " << calls[i].frame.end << "], row "
            << row << ": got " << got.value_text(row);
      }
    }
  }
}

// Partitions large enough for the radix sort and small ones sorted in cache (Note [Window sort by
// partition]), one- and two-word order keys, coded string partition keys: row_number and rank
// against the stable sort of (partition keys, order keys).
TEST(OpsWindow, LargeAndSmallPartitionsMatchTheStableSort) {
  const Table plain = random_table(200000, 11, 50);
  const Table coded = with_string_codes(plain);
  const std::vector<std::vector<SortKey>> orders = {
      {{.column = "v_float", .descending = true}},
      {{.column = "v_int", .nulls = NullOrder::first},
       {.column = "v_date", .descending = true}},
      {}};
  for (const std::string partition : {"k_small", "k_str", "k_int"}) {
    for (const std::vector<SortKey> &order : orders) {
      SCOPED_TRACE(partition + " " + std::to_string(order.size()));
      const WindowSpec spec{.partition_by = {partition}, .order_by = order};
      const std::vector<WindowCall> calls = {
          {.function = WindowFunction::row_number, .output = "rn"},
          {.function = WindowFunction::rank, .output = "rank"}};
      std::vector<SortKey> keys = {{.column = partition}};
      keys.insert(keys.end(), order.begin(), order.end());
      const std::vector<int64_t> sorted = sort_indices(plain, keys);
      std::vector<int64_t> rn(sorted.size()), rank(sorted.size());
      // Rows a and b agree on keys [from, to).
      const auto same = [&](int64_t a, int64_t b, size_t from, size_t to) {
        for (size_t k = from; k < to; ++k) {
          const Column &c = plain.column(keys[k].column);
          if (c.value_text(a) != c.value_text(b))
            return false;
        }
        return true;
      };
      for (size_t p = 0; p < sorted.size(); ++p) {
        const int64_t row = sorted[p];
        const bool new_partition =
            p == 0 || !same(sorted[p - 1], row, 0, 1);
        const bool new_peers =
            new_partition || !same(sorted[p - 1], row, 1, keys.size());
        const int64_t before = sorted[p == 0 ? 0 : p - 1];
        rn[static_cast<size_t>(row)] =
            new_partition ? 1 : rn[static_cast<size_t>(before)] + 1;
        rank[static_cast<size_t>(row)] =
            new_peers ? rn[static_cast<size_t>(row)]
                      : rank[static_cast<size_t>(before)];
      }
      for (const Table &table : {plain, coded}) {
        const Table out = window(table, spec, calls, {.threads = 2});
        for (int64_t row = 0; row < table.num_rows(); ++row) {
          ASSERT_EQ(out.column("rn").value<int64_t>(row),
                    rn[static_cast<size_t>(row)])
              << "row " << row;
          ASSERT_EQ(out.column("rank").value<int64_t>(row),
                    rank[static_cast<size_t>(row)])
              << "row " << row;
        }
      }
    }
  }
}

TEST(OpsWindow, SameResultForOneAndTwoThreads) {
  Table table = random_table(120000, 7, 3000);
  const WindowSpec spec{
      .partition_by = {"k_int"},
      .order_by = {{"v_int"}, {.column = "v_float", .descending = true}}};
  const WindowFrame moving{.units = FrameUnits::rows, .start = -3, .end = 2};
  const std::vector<WindowCall> calls = {
      {.function = WindowFunction::row_number},
      {.function = WindowFunction::rank},
      {.function = WindowFunction::sum, .input = "v_float"},
      {.function = WindowFunction::avg, .input = "v_int"},
      {.function = WindowFunction::min, .input = "v_str"},
      {.function = WindowFunction::lag, .input = "v_float"},
      {.function = WindowFunction::sum,
       .input = "v_float",
       .output = "moving_sum",
       .frame = moving},
      {.function = WindowFunction::max,
       .input = "v_date",
       .output = "moving_max",
       .frame = moving},
  };
  const Table one = window(table, spec, calls, {.threads = 1});
  const Table two = window(table, spec, calls, {.threads = 2});
  EXPECT_TRUE(one.equals(two));
  // One partition only: the rows still come back in table order.
  const Table whole =
      window(table, {.order_by = {{"v_int"}}},
             {{.function = WindowFunction::rank}}, {.threads = 2});
  EXPECT_TRUE(whole.equals(window(table, {.order_by = {{"v_int"}}},
                                  {{.function = WindowFunction::rank}},
                                  {.threads = 1})));
}

} // namespace
} // namespace nimbus::analytics
