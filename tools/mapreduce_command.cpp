// `nimbus mapreduce wordcount|grep|index FILE... [--top N] [--words RULE] [--format table|csv|json]
// [--strategy phoenix|mars]` and `nimbus mapreduce histogram|kmeans FILE.csv ... [--strategy
// phoenix|mars]` (each runs on `--device cuda` with mars): the built-in map/reduce jobs over text
// files (plain or gzip) and CSV tables. Results on stdout; progress on stderr for inputs over 256 MB.
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "analytics/csv/csv_reader.h"
#include "analytics/csv/csv_writer.h"
#include "analytics/mapreduce/jobs.h"
#include "analytics/mapreduce/table_jobs.h"
#include "runtime/device.h"
#include "tools/commands.h"

namespace nimbus::tools {

namespace {

struct MapReduceCliOptions {
  std::vector<std::string> files;
  std::string pattern;
  int64_t top = -1;
  std::string words = "alnum-lower";
  std::string format = "table";
  std::string device = "auto";
  std::string strategy;  // empty: phoenix on the CPU, mars on a GPU
  int64_t max_rows = 40;
  // Table jobs.
  std::string column;
  std::vector<std::string> columns;
  int64_t buckets = 10, k = 3, iterations = 20;
  uint64_t seed = 0;
};

void print(const analytics::Table& table, const MapReduceCliOptions& o) {
  if (o.format == "csv") {
    analytics::write_csv(table, std::cout);
  } else if (o.format == "json") {
    std::cout << "[";
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      nlohmann::ordered_json row;
      for (int64_t c = 0; c < table.num_columns(); ++c) {
        const analytics::Column& col = table.column(c);
        const std::string& name = table.names()[static_cast<size_t>(c)];
        if (col.type() == analytics::DataType::int64) row[name] = col.value<int64_t>(r);
        else if (col.type() == analytics::DataType::float64) row[name] = col.value<double>(r);
        else row[name] = std::string(col.string_value(r));
      }
      std::cout << (r ? ",\n " : "\n ") << row.dump();
    }
    std::cout << (table.num_rows() ? "\n]\n" : "]\n");
  } else {
    std::cout << table.to_string(o.max_rows) << "\n";
  }
}

// A job's device and strategy: `auto` is cuda:0 when a CUDA device is present. Phoenix is a CPU
// engine, so a GPU defaults to Mars; asking for a device that is not there is a DeviceError.
void choose_engine(const MapReduceCliOptions& o, Device& device, analytics::mapreduce::Strategy& strategy) {
  NIMBUS_CHECK_T(ConfigError, o.device == "auto" || o.device == "cpu" || o.device == "cuda" || o.device.rfind("cuda:", 0) == 0,
                 "nimbus mapreduce: --device '", o.device, "' is not one of auto, cpu, cuda");
  // Phoenix asked for with `auto` means the CPU, the only place it runs.
  device = o.device == "auto" && o.strategy == "phoenix" ? Device::cpu() : Device::parse(o.device);
  strategy = o.strategy.empty()
                 ? (device.is_cpu() ? analytics::mapreduce::Strategy::phoenix : analytics::mapreduce::Strategy::mars)
                 : analytics::mapreduce::parse_strategy(o.strategy);
}

void run_table(const std::string& job, const MapReduceCliOptions& o) {
  analytics::mapreduce::TableJobEngine engine;
  choose_engine(o, engine.device, engine.strategy);
  NIMBUS_CHECK_T(ConfigError, o.files.size() == 1, "nimbus mapreduce ", job, ": takes one CSV file, got ",
                 o.files.size());
  const analytics::Table table = analytics::read_csv(o.files[0]).table;
  if (job == "histogram") {
    print(analytics::mapreduce::histogram(table, o.column, o.buckets, {}, engine), o);
    return;
  }
  analytics::mapreduce::KMeansOptions options;
  options.k = o.k;
  options.iterations = o.iterations;
  options.seed = o.seed;
  options.engine = engine;
  const analytics::mapreduce::KMeansResult r = analytics::mapreduce::k_means(table, o.columns, options);
  print(r.centroids, o);
  std::cerr << "k-means: " << r.iterations << " iterations\n";
}

void run(const std::string& job, const MapReduceCliOptions& o) {
  analytics::mapreduce::TextJobOptions options;
  choose_engine(o, options.device, options.strategy);
  options.rule = analytics::mapreduce::parse_word_rule(o.words);
  options.top = o.top;
  analytics::mapreduce::TextSource source(o.files);
  const auto start = std::chrono::steady_clock::now();
  if (source.total_bytes() > (int64_t{256} << 20)) {
    options.run.progress = [start](int64_t done, int64_t total) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cerr << "mapreduce: " << (done >> 20) << " of " << (total >> 20) << " MB, " << s << " s\n";
    };
  }
  analytics::Table result;
  if (job == "wordcount") result = analytics::mapreduce::word_count(source, options);
  else if (job == "grep") result = analytics::mapreduce::grep_count(source, o.pattern, options);
  else result = analytics::mapreduce::inverted_index(source, options);
  print(result, o);
  if (o.format == "table") {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << result.num_rows() << " rows from " << (source.total_bytes() >> 10) << " KB in " << s << " s\n";
  }
}

void add_strategy(CLI::App* cmd, MapReduceCliOptions& o) {
  cmd->add_option("--strategy", o.strategy,
                  "phoenix (per-thread combiners, CPU) or mars (count, scan, emit, sort, reduce; CPU or GPU); "
                  "default: phoenix on the CPU, mars on a GPU")
      ->check(CLI::IsMember({"phoenix", "mars"}));
}

void add_common(CLI::App* cmd, MapReduceCliOptions& o) {
  cmd->add_option("--words", o.words, "Word rule: alnum-lower, alnum or whitespace")->capture_default_str();
  cmd->add_option("--format", o.format, "Output: table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  cmd->add_option("--device", o.device, "auto, cpu or cuda")->capture_default_str();
  cmd->add_option("--max-rows", o.max_rows, "Rows shown by --format table")->capture_default_str();
}

}  // namespace

void add_mapreduce_command(CLI::App& app) {
  auto* mr = app.add_subcommand("mapreduce", "Run a built-in map/reduce job over text files");
  mr->require_subcommand(1);
  static MapReduceCliOptions wc, grep, index, hist, km;

  auto* w = mr->add_subcommand("wordcount", "Words and their counts, most frequent first (then by word)");
  w->add_option("files", wc.files, "Text files (plain or gzip)")->required();
  w->add_option("--top", wc.top, "Only the N most frequent words");
  add_strategy(w, wc);
  add_common(w, wc);
  w->callback([] { run("wordcount", wc); });

  auto* g = mr->add_subcommand("grep", "Lines containing a fixed string, counted per file");
  g->add_option("pattern", grep.pattern, "The string to look for")->required();
  g->add_option("files", grep.files, "Text files (plain or gzip)")->required();
  add_strategy(g, grep);
  add_common(g, grep);
  g->callback([] { run("grep", grep); });

  auto* i = mr->add_subcommand("index", "Inverted index: each word with the file:line places it occurs");
  i->add_option("files", index.files, "Text files (plain or gzip)")->required();
  add_strategy(i, index);
  add_common(i, index);
  i->callback([] { run("index", index); });

  auto* h = mr->add_subcommand("histogram", "Equal-width histogram of a numeric column of a CSV file");
  h->add_option("file", hist.files, "The CSV file")->required();
  h->add_option("--column", hist.column, "The numeric column")->required();
  h->add_option("--buckets", hist.buckets, "Number of buckets")->capture_default_str();
  add_strategy(h, hist);
  add_common(h, hist);
  h->callback([] { run_table("histogram", hist); });

  auto* k = mr->add_subcommand("kmeans", "k-means clustering of numeric columns of a CSV file (centroids out)");
  k->add_option("file", km.files, "The CSV file")->required();
  k->add_option("--columns", km.columns, "The feature columns")->required()->delimiter(',');
  k->add_option("--k", km.k, "Clusters")->capture_default_str();
  k->add_option("--iterations", km.iterations, "At most this many iterations")->capture_default_str();
  k->add_option("--seed", km.seed, "Seed of the initial centroids")->capture_default_str();
  add_strategy(k, km);
  add_common(k, km);
  k->callback([] { run_table("kmeans", km); });
}

}  // namespace nimbus::tools
