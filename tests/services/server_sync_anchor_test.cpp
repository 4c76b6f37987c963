// The anchor format real WSUS hands to downstream servers ("9438,2026-10-04 16:33:26.671"), as wsusd writes and
// reads it.
#include <gtest/gtest.h>

#include "services/server_sync_service.h"

namespace wsusd::services {
namespace {

TEST(ServerSyncAnchor, RoundTripsAndRefusesOtherShapes) {
    const auto at = util::SysTime(std::chrono::milliseconds(1'791'131'606'671));
    const std::string anchor = make_anchor(9438, at);
    EXPECT_EQ(anchor, "9438,2026-10-04 16:33:26.671");
    EXPECT_EQ(parse_anchor(anchor), 9438);
    EXPECT_EQ(parse_anchor("9438,2026-10-04 16:09:27.371"), 9438);  // a real one (capture 000010)
    EXPECT_EQ(parse_anchor("0,2026-10-04 16:09:27"), 0);
    for (const char* bad : {"garbage", "", ",2026-10-04 16:09:27.371", "12,", "-1,2026-10-04 16:09:27.371",
                            "12,2026-10-04T16:09:27.371", "12,yesterday", "99999999999999999999,2026-10-04 16:09:27"})
        EXPECT_FALSE(parse_anchor(bad)) << bad;
}

}  // namespace
}  // namespace wsusd::services
