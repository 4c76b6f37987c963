#include "ctl/output.h"

#include <algorithm>

namespace wsusd::ctl {

std::string cell(const nlohmann::json& v) {
    if (v.is_null()) return "-";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
    if (v.is_array()) {
        std::string out;
        for (const auto& item : v) out += (out.empty() ? "" : ", ") + cell(item);
        return out;
    }
    if (v.is_object()) {
        std::string out;
        for (const auto& [k, item] : v.items()) out += (out.empty() ? "" : ", ") + k + "=" + cell(item);
        return out.empty() ? "-" : out;
    }
    return v.dump();
}

namespace {

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

}  // namespace

void print_rows(std::ostream& out, Format format, const nlohmann::json& rows, const std::vector<Column>& columns,
                const nlohmann::json& whole) {
    if (format == Format::json) {
        out << whole.dump(2) << "\n";
        return;
    }
    std::vector<std::vector<std::string>> cells;
    for (const auto& row : rows) {
        std::vector<std::string> line;
        for (const auto& c : columns) line.push_back(row.contains(c.key) ? cell(row[c.key]) : "-");
        cells.push_back(std::move(line));
    }
    if (format == Format::csv) {
        for (std::size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << csv_field(columns[i].header);
        out << "\n";
        for (const auto& line : cells) {
            for (std::size_t i = 0; i < line.size(); ++i) out << (i ? "," : "") << csv_field(line[i]);
            out << "\n";
        }
        return;
    }
    std::vector<std::size_t> width;
    for (const auto& c : columns) width.push_back(c.header.size());
    for (const auto& line : cells)
        for (std::size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], std::min<std::size_t>(line[i].size(), 70));
    auto print_line = [&](const std::vector<std::string>& line) {
        std::string text;
        for (std::size_t i = 0; i < line.size(); ++i) {
            std::string v = line[i].size() > 70 ? line[i].substr(0, 67) + "..." : line[i];
            text += v;
            if (i + 1 < line.size()) text += std::string(width[i] - v.size() + 2, ' ');
        }
        out << text << "\n";
    };
    std::vector<std::string> headers;
    for (const auto& c : columns) headers.push_back(c.header);
    print_line(headers);
    for (const auto& line : cells) print_line(line);
    if (cells.empty()) out << "(none)\n";
}

void print_object(std::ostream& out, Format format, const nlohmann::json& object) {
    if (format == Format::json) {
        out << object.dump(2) << "\n";
        return;
    }
    for (const auto& [k, v] : object.items()) {
        if (format == Format::csv) out << csv_field(k) << "," << csv_field(cell(v)) << "\n";
        else out << k << ": " << cell(v) << "\n";
    }
}

}  // namespace wsusd::ctl
