// nimbus: train, query, serve and benchmark from one command line.
#include <cstdio>
#include <exception>
#include <iostream>

#include "kernels/library_info.h"
#include "runtime/error.h"
#include "runtime/process_heap.h"
#include "tools/commands.h"

int main(int argc, char** argv) {
  nimbus::keep_large_allocations_in_heap();  // Note [Process heap]
  CLI::App app{"Nimbus: deep learning and analytics on NVIDIA GPUs and CPUs", "nimbus"};
  app.set_version_flag("--version", "nimbus " + nimbus::version());
  app.require_subcommand(1);
  nimbus::tools::add_train_command(app);
  nimbus::tools::add_eval_command(app);
  nimbus::tools::add_predict_command(app);
  nimbus::tools::add_query_command(app);
  nimbus::tools::add_mapreduce_command(app);
  nimbus::tools::add_stream_command(app);
  nimbus::tools::add_export_command(app);
  nimbus::tools::add_serve_command(app);
  nimbus::tools::add_info_command(app);
  nimbus::tools::add_bench_command(app);
  nimbus::tools::add_bench_sql_command(app);
  nimbus::tools::add_inspect_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Error& e) {  // bad arguments, or a command's own exit code (CLI::RuntimeError)
    return app.exit(e);
  } catch (const nimbus::Error& e) {
    std::cerr << "nimbus: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "nimbus: internal error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
