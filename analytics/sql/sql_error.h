#pragma once
// SqlError: a problem with a query's text (syntax, unknown names, wrong types), pointing at the
// place in the text it concerns, as PostgreSQL and DuckDB print it:
//
//   no column 'pric'; the columns are: id, price, qty
//   LINE 1: SELECT pric FROM sales
//                  ^
#include <string>
#include <string_view>

#include "runtime/error.h"

namespace nimbus::analytics {

class NIMBUS_API SqlError : public ParseError {
 public:
  // `position` is a byte offset into `sql`, or -1 when the problem has no single place.
  SqlError(const std::string& message, std::string_view sql, int position);
  int position() const { return position_; }

 private:
  int position_;
};

// "message\nLINE n: <the line>\n<spaces>^" (just the message without a position).
NIMBUS_API std::string format_sql_error(std::string_view message, std::string_view sql, int position);

namespace sql {

// Runs `f`, turning any other analytics error it throws into an SqlError at `location` of the
// context's query text (`c.sql`), so that operator errors point into the query.
template <typename Context, typename F>
auto at(const Context& c, int location, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SqlError&) {
    throw;
  } catch (const Error& e) {
    throw SqlError(e.what(), c.sql, location);
  }
}

}  // namespace sql

}  // namespace nimbus::analytics
