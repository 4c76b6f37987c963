#include "content/http_ranges.h"

#include <gtest/gtest.h>

using namespace wsusd::content;

namespace {

struct RangeCase {
    const char* header;
    std::uint64_t size;
    RangeKind kind;
    std::vector<ByteRange> ranges;
};

std::string describe(const RangeDecision& d) {
    std::string s = d.kind == RangeKind::whole ? "whole" : d.kind == RangeKind::partial ? "partial" : "unsatisfiable";
    for (const auto& r : d.ranges) s += " " + std::to_string(r.first) + "-" + std::to_string(r.last);
    return s;
}

}  // namespace

TEST(HttpRanges, ParseTable) {
    constexpr auto P = RangeKind::partial, W = RangeKind::whole, U = RangeKind::unsatisfiable;
    const RangeCase cases[] = {
        // The forms clients send.
        {"bytes=0-0", 10000, P, {{0, 0}}},
        {"bytes=-500", 10000, P, {{9500, 9999}}},
        {"bytes=9500-", 10000, P, {{9500, 9999}}},
        {"bytes=0-9999", 10000, P, {{0, 9999}}},
        {"bytes=0-99999", 10000, P, {{0, 9999}}},  // last-pos past the end is clipped
        {"bytes=-20000", 10000, P, {{0, 9999}}},   // suffix longer than the file: all of it
        {"bytes=204472320-204745167", 204745168, P, {{204472320, 204745167}}},  // Delivery Optimization's last GET
        // Several ranges: request order kept when they do not touch; merged (ascending) when they overlap or abut.
        {"bytes=0-99,200-299", 10000, P, {{0, 99}, {200, 299}}},
        {"bytes=200-299,0-99", 10000, P, {{200, 299}, {0, 99}}},
        {"bytes=0-99,50-149", 10000, P, {{0, 149}}},
        {"bytes=0-99,100-199", 10000, P, {{0, 199}}},
        {"bytes=500-599,0-10,5-20,-100", 10000, P, {{0, 20}, {500, 599}, {9900, 9999}}},
        {"bytes=0-0,0-0,0-0", 10000, P, {{0, 0}}},
        // Liberal but valid syntax.
        {"BYTES=0-1", 10000, P, {{0, 1}}},
        {"bytes= 0-1 , 3-4", 10000, P, {{0, 1}, {3, 4}}},
        {"bytes=0-1,,3-4,", 10000, P, {{0, 1}, {3, 4}}},
        // Invalid: the header is ignored and the whole file is sent.
        {"bytes=5-2", 10000, W, {}},
        {"bytes=0-1,5-2", 10000, W, {}},
        {"bytes=abc", 10000, W, {}},
        {"bytes=1-2-3", 10000, W, {}},
        {"bytes=1", 10000, W, {}},
        {"bytes=-", 10000, W, {}},
        {"bytes=--1", 10000, W, {}},
        {"bytes=+1-2", 10000, W, {}},
        {"bytes=0x1-2", 10000, W, {}},
        {"bytes=1 -2", 10000, W, {}},
        {"bytes=", 10000, W, {}},
        {"bytes", 10000, W, {}},
        {"items=0-1", 10000, W, {}},
        {"", 10000, W, {}},
        {"bytes=0-0", 0, W, {}},  // an empty file is always sent whole
        // Unsatisfiable: valid, but nothing inside the file.
        {"bytes=10000-", 10000, U, {}},
        {"bytes=10000-20000", 10000, U, {}},
        {"bytes=-0", 10000, U, {}},
        {"bytes=20000-,-0", 10000, U, {}},
        {"bytes=99999999999999999999999-", 10000, U, {}},  // saturates instead of overflowing
        // Satisfiable ones win over unsatisfiable ones.
        {"bytes=20000-30000,0-1", 10000, P, {{0, 1}}},
        {"bytes=0-99999999999999999999999", 10000, P, {{0, 9999}}},
    };
    for (const auto& c : cases) {
        auto d = parse_range(c.header, c.size);
        EXPECT_EQ(d.kind, c.kind) << "'" << c.header << "' → " << describe(d);
        EXPECT_EQ(d.ranges, c.ranges) << "'" << c.header << "' → " << describe(d);
    }
}

TEST(HttpRanges, TooManyPartsServeTheWholeFile) {
    std::string h = "bytes=";
    for (int i = 0; i < 64; ++i) h += std::to_string(i * 10) + "-" + std::to_string(i * 10 + 1) + ",";
    EXPECT_EQ(parse_range(h, 100000).kind, RangeKind::partial);
    EXPECT_EQ(parse_range(h, 100000).ranges.size(), 64u);
    h += "5000-5001";
    EXPECT_EQ(parse_range(h, 100000).kind, RangeKind::whole);
    // Many overlapping ranges merge into one part: cheap, so served.
    std::string overlapping = "bytes=";
    for (int i = 0; i < 500; ++i) overlapping += "0-" + std::to_string(1000 + i) + ",";
    auto d = parse_range(overlapping, 100000);
    EXPECT_EQ(d.kind, RangeKind::partial);
    EXPECT_EQ(d.ranges, (std::vector<ByteRange>{{0, 1499}}));
}

TEST(HttpRanges, ContentRangeText) {
    EXPECT_EQ(content_range({204472320, 204745167}, 204745168), "bytes 204472320-204745167/204745168");
}

TEST(HttpRanges, HttpDatesInAllThreeForms) {
    auto expect = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
    ASSERT_TRUE(expect);
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(expect->time_since_epoch()).count(), 784111777);
    EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), expect);
    EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), expect);
    for (const char* bad :
         {"", "yesterday", "Sun, 06 Nov 1994 08:49:37 CET", "Sun, 31 Feb 1994 08:49:37 GMT",
          "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT"})
        EXPECT_FALSE(parse_http_date(bad)) << bad;
}

TEST(HttpRanges, PreconditionsTable) {
    using P = Precondition;
    const auto t = *parse_http_date("Mon, 23 Nov 2026 05:41:37 GMT");
    const Validators v{"\"619c2302d17f3a610d509c670e7d643e0d2edd06\"", t};
    const std::string ours = v.etag, other = "\"0000\"";
    const std::string weak_ours = "W/" + ours, both = other + ", " + ours;
    struct Case {
        ConditionalHeaders h;
        P want;
    };
    const Case cases[] = {
        {{}, P::proceed},
        {{.if_none_match = ours}, P::not_modified},
        {{.if_none_match = weak_ours}, P::not_modified},  // weak comparison
        {{.if_none_match = both}, P::not_modified},
        {{.if_none_match = "*"}, P::not_modified},
        {{.if_none_match = other}, P::proceed},
        {{.if_none_match = "garbage"}, P::proceed},
        {{.if_modified_since = "Mon, 23 Nov 2026 05:41:37 GMT"}, P::not_modified},
        {{.if_modified_since = "Tue, 24 Nov 2026 00:00:00 GMT"}, P::not_modified},
        {{.if_modified_since = "Mon, 23 Nov 2026 05:41:36 GMT"}, P::proceed},
        {{.if_modified_since = "not a date"}, P::proceed},
        // If-None-Match wins over If-Modified-Since.
        {{.if_none_match = other, .if_modified_since = "Tue, 24 Nov 2026 00:00:00 GMT"}, P::proceed},
        {{.if_match = ours}, P::proceed},
        {{.if_match = "*"}, P::proceed},
        {{.if_match = other}, P::failed},
        {{.if_match = weak_ours}, P::failed},  // strong comparison
        {{.if_unmodified_since = "Mon, 23 Nov 2026 05:41:36 GMT"}, P::failed},
        {{.if_unmodified_since = "Mon, 23 Nov 2026 05:41:37 GMT"}, P::proceed},
        {{.if_match = ours, .if_unmodified_since = "Mon, 01 Jan 2001 00:00:00 GMT"}, P::proceed},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(evaluate_preconditions(c.h, v), c.want)
            << "If-Match=" << c.h.if_match << " If-None-Match=" << c.h.if_none_match
            << " If-Modified-Since=" << c.h.if_modified_since << " If-Unmodified-Since=" << c.h.if_unmodified_since;
    }
}

TEST(HttpRanges, IfRange) {
    const auto t = *parse_http_date("Mon, 23 Nov 2026 05:41:37 GMT");
    const Validators v{"\"abc\"", t};
    EXPECT_TRUE(if_range_matches("", v));
    EXPECT_TRUE(if_range_matches("\"abc\"", v));
    EXPECT_FALSE(if_range_matches("W/\"abc\"", v));
    EXPECT_FALSE(if_range_matches("\"abd\"", v));
    EXPECT_TRUE(if_range_matches("Mon, 23 Nov 2026 05:41:37 GMT", v));
    EXPECT_FALSE(if_range_matches("Mon, 23 Nov 2026 05:41:38 GMT", v));
    EXPECT_FALSE(if_range_matches("rubbish", v));
}
