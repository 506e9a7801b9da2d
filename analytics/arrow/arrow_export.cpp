// Export through the Arrow C Data Interface (arrow_c_data.h).
//
// Each exported struct owns a heap "private data" record that keeps copies of the columns (so their
// buffers stay referenced), the buffer pointer arrays and the children. release frees that record
// and marks the struct released; a parent releases its children first, as the specification asks.
#include <memory>
#include <string>
#include <vector>

#include "analytics/arrow/arrow_c_data.h"
#include "runtime/error.h"

namespace nimbus::analytics {

namespace {

// A valid address for a zero-length buffer: consumers may reject null data buffers.
const uint8_t kEmptyBuffer[8] = {};

const void* address(const Buffer& buffer) {
  return buffer.defined() && buffer.data() != nullptr ? buffer.data() : static_cast<const void*>(kEmptyBuffer);
}

struct ExportedArray {
  Column column;  // keeps the buffers alive
  std::vector<const void*> buffers;
  std::vector<ArrowArray> child_arrays;
  std::vector<ArrowArray*> children;
};

struct ExportedSchema {
  std::string format, name;
  std::vector<ArrowSchema> child_schemas;
  std::vector<ArrowSchema*> children;
};

void release_array(ArrowArray* array) {
  if (array == nullptr || array->release == nullptr) return;
  auto* exported = static_cast<ExportedArray*>(array->private_data);
  for (ArrowArray* child : exported->children)
    if (child->release != nullptr) child->release(child);
  delete exported;
  array->release = nullptr;
}

void release_schema(ArrowSchema* schema) {
  if (schema == nullptr || schema->release == nullptr) return;
  auto* exported = static_cast<ExportedSchema*>(schema->private_data);
  for (ArrowSchema* child : exported->children)
    if (child->release != nullptr) child->release(child);
  delete exported;
  schema->release = nullptr;
}

void check_exportable(const Column& column) {
  NIMBUS_CHECK_T(DeviceError, column.device().is_cpu(), "Arrow export: the column is on ", column.device().str(),
                 "; the C Data Interface carries CPU memory (move the table with to(Device::cpu()) first)");
}

// Fills `array` for one column (no children).
void fill_array(const Column& column, ArrowArray* array) {
  check_exportable(column);
  auto exported = std::make_unique<ExportedArray>();
  exported->column = column;
  exported->buffers.push_back(column.validity().defined() ? column.validity().data() : nullptr);
  if (column.type() == DataType::string) exported->buffers.push_back(address(column.offsets()));
  exported->buffers.push_back(address(column.data()));
  *array = ArrowArray{column.length(), column.null_count(), column.offset(),
                      static_cast<int64_t>(exported->buffers.size()), 0, exported->buffers.data(), nullptr, nullptr,
                      release_array, nullptr};
  array->private_data = exported.release();
}

void fill_schema(std::string format, std::string_view name, int64_t flags, ArrowSchema* schema,
                 std::unique_ptr<ExportedSchema> exported = std::make_unique<ExportedSchema>()) {
  exported->format = std::move(format);
  exported->name = std::string(name);
  *schema = ArrowSchema{exported->format.c_str(), exported->name.c_str(), nullptr, flags,
                        static_cast<int64_t>(exported->children.size()),
                        exported->children.empty() ? nullptr : exported->children.data(), nullptr, release_schema,
                        nullptr};
  schema->private_data = exported.release();
}

}  // namespace

std::string_view arrow_format(DataType type) {
  switch (type) {
    case DataType::boolean: return "b";
    case DataType::int32: return "i";
    case DataType::int64: return "l";
    case DataType::float32: return "f";
    case DataType::float64: return "g";
    case DataType::string: return "u";
    case DataType::date32: return "tdD";
    case DataType::timestamp: return "tsu:";
  }
  return "";
}

void export_column(const Column& column, ArrowArray* array, ArrowSchema* schema, std::string_view name) {
  fill_array(column, array);
  fill_schema(std::string(arrow_format(column.type())), name, ARROW_FLAG_NULLABLE, schema);
}

void export_table(const Table& table, ArrowArray* array, ArrowSchema* schema) {
  for (const Column& column : table.columns()) check_exportable(column);
  const auto n = static_cast<size_t>(table.num_columns());

  auto exported = std::make_unique<ExportedArray>();
  exported->buffers.push_back(nullptr);  // a struct's validity: no null rows
  exported->child_arrays.resize(n);
  for (size_t i = 0; i < n; ++i) {
    fill_array(table.columns()[i], &exported->child_arrays[i]);
    exported->children.push_back(&exported->child_arrays[i]);
  }
  *array = ArrowArray{table.num_rows(), 0, 0, 1, static_cast<int64_t>(n), exported->buffers.data(),
                      n ? exported->children.data() : nullptr, nullptr, release_array, nullptr};
  array->private_data = exported.release();

  auto schemas = std::make_unique<ExportedSchema>();
  schemas->child_schemas.resize(n);
  for (size_t i = 0; i < n; ++i) {
    fill_schema(std::string(arrow_format(table.columns()[i].type())), table.names()[i], ARROW_FLAG_NULLABLE,
                &schemas->child_schemas[i]);
    schemas->children.push_back(&schemas->child_schemas[i]);
  }
  fill_schema("+s", "", 0, schema, std::move(schemas));
}

}  // namespace nimbus::analytics
