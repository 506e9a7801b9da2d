#pragma once
// Reading the keys of a query data section (Note [Query data] in run_config.h) and checking the
// query by running it, so its problems are reported with the rest of the config's.
#include <string>

#include "models/config/run_config.h"
#include "models/config/yaml_section.h"

namespace nimbus::models {

// Reads sql, tables, label and features of `s` (the data section) into `d`; when they are well
// formed, runs the query and reports every problem with it or its result under its key.
void read_query_data(YamlSection& s, DataConfig& d, const std::string& base_dir);

}  // namespace nimbus::models
