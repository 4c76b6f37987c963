// wsusctl output: a human table by default, or --json (the API's answer as is) or --csv.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace wsusd::ctl {

enum class Format { table, json, csv };

struct Column {
    std::string header;
    std::string key;  ///< member of each row object; arrays are joined with ", "
};

/// Prints `rows` (an array of objects) in `format`; with Format::json prints `whole` instead.
void print_rows(std::ostream& out, Format format, const nlohmann::json& rows, const std::vector<Column>& columns,
                const nlohmann::json& whole);
/// Prints one object as "key: value" lines (table, csv) or JSON.
void print_object(std::ostream& out, Format format, const nlohmann::json& object);
/// A JSON value as a table cell: strings as they are, null as "-", arrays joined.
std::string cell(const nlohmann::json& v);

}  // namespace wsusd::ctl
