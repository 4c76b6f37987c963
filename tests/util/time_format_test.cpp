#include "util/time_format.h"

#include <gtest/gtest.h>

using wsusd::util::format_datetime;
using wsusd::util::format_datetime_trimmed;
using wsusd::util::http_date;
using wsusd::util::parse_datetime;

// fuzz/regressions/admin_json_fuzz/deadline-year-outside-the-clock: years system_clock cannot hold were converted
// with signed overflow (UBSan); they are clamped to the clock's range and keep their order.
TEST(TimeFormat, YearsOutsideTheClockAreClampedNotOverflowed) {
    auto early = parse_datetime("0001-01-01T00:00:00Z");
    auto year27 = parse_datetime("0027-12-01T18:00:00Z");
    auto late = parse_datetime("9999-12-31T23:59:59.9999999-14:00");
    auto now = parse_datetime("2026-11-23T12:00:00Z");
    ASSERT_TRUE(early && year27 && late && now);
    EXPECT_LT(*early, *now);
    EXPECT_LT(*year27, *now);
    EXPECT_GT(*late, *now);
}

TEST(TimeFormat, SevenFractionDigitsLikeCookieExpiration) {
    // Value seen in a real GetCookie response (capture wsus-m0-native/scan/000003).
    auto t = parse_datetime("2026-10-04T16:03:35.9967236Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(format_datetime(*t, 7), "2026-10-04T16:03:35.9967236Z");
    EXPECT_EQ(format_datetime(*t, 0), "2026-10-04T16:03:35Z");
}

TEST(TimeFormat, TrimmedLikeLastChange) {
    auto t = parse_datetime("2026-10-04T13:17:07.59Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(format_datetime_trimmed(*t), "2026-10-04T13:17:07.59Z");
    EXPECT_EQ(format_datetime_trimmed(*parse_datetime("2026-10-04T13:17:07Z")), "2026-10-04T13:17:07Z");
    EXPECT_EQ(format_datetime_trimmed(*parse_datetime("2026-10-04T13:17:07.1234567Z")), "2026-10-04T13:17:07.123Z");
}

TEST(TimeFormat, ParsesOffsetsAndBareDates) {
    EXPECT_EQ(format_datetime(*parse_datetime("2026-10-04T18:00:00+02:00"), 0), "2026-10-04T16:00:00Z");
    EXPECT_EQ(format_datetime(*parse_datetime("2026-10-04"), 0), "2026-10-04T00:00:00Z");
}

TEST(TimeFormat, RejectsGarbage) {
    for (const char* bad : {"", "2026", "2026-13-01", "2026-10-04T25:00:00Z", "2026-10-04T10:00:00.Z",
                            "2026-10-04T10:00:00Zjunk", "abcd-ef-ghT00:00:00Z"})
        EXPECT_FALSE(parse_datetime(bad)) << bad;
}

TEST(TimeFormat, HttpDate) {
    EXPECT_EQ(http_date(*parse_datetime("2026-10-04T15:03:36Z")), "Sun, 04 Oct 2026 15:03:36 GMT");
    EXPECT_EQ(http_date(*parse_datetime("1994-11-06T08:49:37Z")), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(http_date(*parse_datetime("2027-01-01T00:00:00Z")), "Fri, 01 Jan 2027 00:00:00 GMT");
    EXPECT_EQ(http_date(*parse_datetime("2026-12-31T23:59:59.999Z")), "Thu, 31 Dec 2026 23:59:59 GMT");
    // The current time, as Date headers carry it: same shape, and the same text as http_date within one second.
    for (int i = 0; i < 3; ++i) {
        auto before = std::chrono::system_clock::now();
        auto now = wsusd::util::http_date_now();
        auto after = std::chrono::system_clock::now();
        EXPECT_EQ(now.size(), 29u) << now;
        EXPECT_TRUE(now == http_date(before) || now == http_date(after)) << now;
    }
}
