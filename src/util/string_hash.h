// A transparent string hash: unordered containers keyed by std::string that can be searched with a string_view
// (no temporary string per lookup on hot paths).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wsusd::util {

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

/// std::unordered_map<std::string, V> searchable by string_view.
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

}  // namespace wsusd::util
