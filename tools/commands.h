#pragma once
// The verbs of the `nimbus` tool. Each adds its subcommand to the parser and runs when chosen.
// Results go to stdout; logs and progress to stderr.
#include <CLI/CLI.hpp>

namespace nimbus::tools {

void add_info_command(CLI::App& app);
void add_bench_command(CLI::App& app);
// `bench sql`: a subcommand of `bench`, so add_bench_command must run first.
void add_bench_sql_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_query_command(CLI::App& app);
void add_mapreduce_command(CLI::App& app);
void add_stream_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_serve_command(CLI::App& app);

}  // namespace nimbus::tools
