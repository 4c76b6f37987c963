// GUID text as the protocols write it: 8-4-4-4-12 hex digits, either case, no braces.
#pragma once

#include <string_view>

namespace wsusd::util {

bool is_guid(std::string_view text);

}  // namespace wsusd::util
