#include "models/runner/run_data.h"

#include "models/data/char_text.h"
#include "models/data/csv_tabular.h"
#include "models/data/digits.h"
#include "models/data/query_dataset.h"
#include "models/data/synthetic.h"
#include "runtime/error.h"

namespace nimbus::models {

RunData load_run_data(const DataConfig& c, uint64_t seed) {
  RunData out;
  if (c.dataset == "digits") {
    data::DigitsOptions o;
    o.path = c.path;
    o.split_seed = c.split_seed;
    o.train_fraction = c.train_fraction;
    o.val_fraction = c.val_fraction;
    out.splits = data::load_digits(o);
  } else if (c.dataset == "csv") {
    data::CsvTabularOptions o;
    o.path = c.path;
    o.label_column = c.label;
    o.split_seed = c.split_seed;
    o.train_fraction = c.train_fraction;
    o.val_fraction = c.val_fraction;
    out.splits = data::load_csv_tabular(o);
  } else if (c.dataset == "query") {
    // The result the config loader computed while checking the query, when there is one.
    const data::QueryDatasetOptions o = query_dataset_options(c);
    out.splits = c.query_result ? data::query_splits(*c.query_result, o) : data::load_query_dataset(o);
  } else if (c.dataset == "text") {
    data::CharTextOptions o;
    o.path = c.path;
    o.context = c.context;
    data::CharText text = data::load_char_text(o);
    out.splits = std::move(text.splits);
    out.vocabulary = std::move(text.vocabulary);
  } else if (c.dataset == "synthetic") {
    data::SyntheticOptions o;
    o.kind = c.synthetic_kind;
    o.seed = seed;
    o.train_size = c.train_size;
    o.val_size = c.val_size;
    o.test_size = c.test_size;
    o.input_shape = Shape(c.input_shape.begin(), c.input_shape.end());
    o.classes = c.classes;
    o.vocab_size = c.classes;
    o.context = c.context;
    out.splits = data::make_synthetic(o);
  } else {
    NIMBUS_THROW(ConfigError, "data.dataset: expected digits, text, csv, synthetic or query, got '", c.dataset, "'");
  }
  return out;
}

}  // namespace nimbus::models
