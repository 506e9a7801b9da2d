// Import through the Arrow C Data Interface (arrow_c_data.h).
//
// The imported ArrowArray is moved into a shared holder; every Buffer wrapped around its memory
// keeps the holder alive, and the holder calls the producer's release when the last of them is
// gone. A table's columns all share their struct array's holder (the specification lets only the
// parent release the children).
#include <memory>
#include <string>

#include "analytics/arrow/arrow_c_data.h"
#include "runtime/error.h"

namespace nimbus::analytics {

namespace {

class ArrayHolder {
 public:
  explicit ArrayHolder(ArrowArray* source) : array_(*source) { source->release = nullptr; }
  ~ArrayHolder() {
    if (array_.release != nullptr) array_.release(&array_);
  }
  ArrayHolder(const ArrayHolder&) = delete;
  ArrayHolder& operator=(const ArrayHolder&) = delete;
  const ArrowArray& array() const { return array_; }

 private:
  ArrowArray array_;
};

// Releases the schema when import is done with it, on success or error.
struct SchemaRelease {
  ArrowSchema* schema;
  ~SchemaRelease() {
    if (schema != nullptr && schema->release != nullptr) schema->release(schema);
  }
};

std::string describe(const ArrowSchema& schema) {
  const std::string name = schema.name != nullptr ? schema.name : "";
  return name.empty() ? std::string("the array") : "column '" + name + "'";
}

DataType type_of(const ArrowSchema& schema) {
  const std::string format = schema.format != nullptr ? schema.format : "";
  NIMBUS_CHECK(schema.dictionary == nullptr, "Arrow import: ", describe(schema),
               " is dictionary-encoded, which is not supported");
  if (format == "b") return DataType::boolean;
  if (format == "i") return DataType::int32;
  if (format == "l") return DataType::int64;
  if (format == "f") return DataType::float32;
  if (format == "g") return DataType::float64;
  if (format == "u") return DataType::string;
  if (format == "tdD") return DataType::date32;
  if (format == "tsu:") return DataType::timestamp;
  std::string why;
  if (format == "U") why = " (large strings with int64 offsets)";
  else if (format.rfind("ts", 0) == 0 && format.size() > 4) why = " (a timestamp with a time zone)";
  else if (format.rfind("ts", 0) == 0) why = " (only microsecond timestamps, 'tsu:')";
  NIMBUS_THROW(Error, "Arrow import: ", describe(schema), " has format '", format, "'", why,
               ", which is not supported; the supported formats are b, i, l, f, g, u, tdD and tsu:");
}

// Wraps `size` bytes at `address` as a Buffer that keeps the holder (and so the producer's memory)
// alive; a null address (allowed for empty buffers) gives an empty buffer.
Buffer wrap(const void* address, int64_t size, const std::shared_ptr<ArrayHolder>& holder) {
  if (address == nullptr) return Buffer::allocate(0, Device::cpu());
  return Buffer::wrap(const_cast<void*>(address), static_cast<size_t>(size), Device::cpu(),
                      [holder](void*) {});
}

// One column from `array` (owned by `holder`, possibly as its child).
Column column_from(const ArrowArray& array, const ArrowSchema& schema, const std::shared_ptr<ArrayHolder>& holder) {
  const DataType type = type_of(schema);
  const int64_t expected_buffers = type == DataType::string ? 3 : 2;
  NIMBUS_CHECK(array.n_buffers == expected_buffers && array.buffers != nullptr, "Arrow import: ", describe(schema),
               " (", data_type_name(type), ") has ", array.n_buffers, " buffers, expected ", expected_buffers);
  NIMBUS_CHECK(array.length >= 0 && array.offset >= 0, "Arrow import: ", describe(schema), " has length ",
               array.length, " and offset ", array.offset);
  const int64_t end = array.offset + array.length;
  const void* validity_address = array.buffers[0];
  NIMBUS_CHECK(validity_address != nullptr || array.null_count == 0 || array.length == 0, "Arrow import: ",
               describe(schema), " has ", array.null_count, " nulls but no validity bitmap");
  // A bitmap without nulls is dropped: a column without one can become a tensor without a copy.
  const Buffer validity = validity_address != nullptr && array.null_count != 0
                              ? wrap(validity_address, bitmap_bytes(end), holder)
                              : Buffer();
  if (type == DataType::string) {
    const auto* offsets = static_cast<const int32_t*>(array.buffers[1]);
    NIMBUS_CHECK(offsets != nullptr || array.length == 0, "Arrow import: ", describe(schema),
                 " has no offsets buffer");
    const int64_t chars = offsets != nullptr ? offsets[end] : 0;
    return Column(type, array.length, wrap(array.buffers[2], chars, holder),
                  validity, wrap(offsets, (end + 1) * 4, holder), array.offset);
  }
  const int64_t data_bytes = type == DataType::boolean ? bitmap_bytes(end) : end * fixed_width(type);
  NIMBUS_CHECK(array.buffers[1] != nullptr || data_bytes == 0, "Arrow import: ", describe(schema),
               " has no data buffer");
  return Column(type, array.length, wrap(array.buffers[1], data_bytes, holder), validity, Buffer(), array.offset);
}

void check_live(const ArrowArray* array, const ArrowSchema* schema) {
  NIMBUS_CHECK(array != nullptr && schema != nullptr, "Arrow import: null ArrowArray or ArrowSchema");
  NIMBUS_CHECK(array->release != nullptr, "Arrow import: the ArrowArray was already released (or moved)");
  NIMBUS_CHECK(schema->release != nullptr, "Arrow import: the ArrowSchema was already released");
}

}  // namespace

Column import_column(ArrowArray* array, ArrowSchema* schema) {
  SchemaRelease release_schema{schema};
  check_live(array, schema);
  const auto holder = std::make_shared<ArrayHolder>(array);
  NIMBUS_CHECK(holder->array().n_children == 0, "Arrow import: ", describe(*schema), " has ",
               holder->array().n_children, " children; a column has none (a struct array, format '+s', is imported as a table)");
  return column_from(holder->array(), *schema, holder);
}

Table import_table(ArrowArray* array, ArrowSchema* schema) {
  SchemaRelease release_schema{schema};
  check_live(array, schema);
  const auto holder = std::make_shared<ArrayHolder>(array);
  const ArrowArray& parent = holder->array();
  const std::string format = schema->format != nullptr ? schema->format : "";
  NIMBUS_CHECK(format == "+s", "Arrow import: a table is a struct array (format '+s'), got format '", format, "'");
  NIMBUS_CHECK(parent.n_children == schema->n_children, "Arrow import: the struct array has ", parent.n_children,
               " children but its schema ", schema->n_children);
  NIMBUS_CHECK(parent.null_count == 0 || parent.n_buffers < 1 || parent.buffers[0] == nullptr,
               "Arrow import: the struct array has ", parent.null_count, " null rows; a table row cannot be null");
  std::vector<std::string> names;
  std::vector<Column> columns;
  for (int64_t i = 0; i < parent.n_children; ++i) {
    const ArrowSchema& child_schema = *schema->children[i];
    const ArrowArray& child = *parent.children[i];
    NIMBUS_CHECK(child.length >= parent.offset + parent.length, "Arrow import: ", describe(child_schema), " has ",
                 child.length, " rows, the struct array needs ", parent.offset + parent.length);
    names.emplace_back(child_schema.name != nullptr ? child_schema.name : "");
    if (names.back().empty()) names.back() = "column_" + std::to_string(i + 1);
    columns.push_back(column_from(child, child_schema, holder).slice(parent.offset, parent.length));
  }
  if (columns.empty()) return Table();
  return Table(std::move(names), std::move(columns));
}

}  // namespace nimbus::analytics
