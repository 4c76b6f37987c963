// Short lists of strings kept in one TEXT column, newline-separated (hardware ids, replacement strings):
// lists that are only ever read whole, so a link table would cost a join for nothing. (Internal header.)
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wsusd::store {

inline std::string join_lines(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += '\n';
        out += items[i];
    }
    return out;
}

inline std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> out;
    if (text.empty()) return out;
    while (true) {
        const auto nl = text.find('\n');
        out.emplace_back(text.substr(0, nl));
        if (nl == std::string_view::npos) return out;
        text.remove_prefix(nl + 1);
    }
}

}  // namespace wsusd::store
