#include "soap/fault.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

using namespace wsusd::soap;

namespace {
std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}
}  // namespace

TEST(Fault, MatchesRealInvalidCookieFaultByteForByteExceptId) {
    // Real upstream fault: ../shared/captures/wsus-m0-wsusss/exchanges/000019 (see captures/PROVENANCE.md).
    std::string real = read_file(std::string(WSUSD_SHARED_DIR) + "/captures/wsus-m0-wsusss/exchanges/000019/response.body");
    ASSERT_FALSE(real.empty());
    std::smatch m;
    ASSERT_TRUE(std::regex_search(real, m, std::regex("<ID>([0-9a-f-]+)</ID>")));
    FaultContext ctx{SoapVersion::v11, "http://127.0.0.1:8530/ServerSyncWebService/ServerSyncWebService.asmx",
                     "\"http://www.microsoft.com/SoftwareDistribution/GetRevisionIdList\"", m[1].str()};
    EXPECT_EQ(render_fault(make_fault(ErrorCode::InvalidCookie), ctx), real);
}

TEST(Fault, ServerSideForInternalErrors) {
    std::string real = read_file(std::string(WSUSD_SHARED_DIR) + "/captures/wsus-m0-wsusss/exchanges/000017/response.body");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(real, m, std::regex("<ID>([0-9a-f-]+)</ID>")));
    FaultContext ctx{SoapVersion::v11, "http://127.0.0.1:8530/ServerSyncWebService/ServerSyncWebService.asmx",
                     "\"http://www.microsoft.com/SoftwareDistribution/GetUpdateData\"", m[1].str()};
    EXPECT_EQ(render_fault(make_fault(ErrorCode::InternalServerError), ctx), real);
}

TEST(Fault, Soap12ShapeAndEscaping) {
    FaultContext ctx{SoapVersion::v12, "http://h/x", "urn:a", "id"};
    std::string f = render_fault(make_fault(ErrorCode::InvalidParameters, "<cookie>&"), ctx);
    EXPECT_NE(f.find("xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\""), std::string::npos);
    EXPECT_NE(f.find("<soap:Value>soap:Sender</soap:Value>"), std::string::npos);
    EXPECT_NE(f.find("<Message>&lt;cookie&gt;&amp;</Message>"), std::string::npos);
    EXPECT_NE(f.find("<soap:Detail><ErrorCode>InvalidParameters</ErrorCode>"), std::string::npos);
}

TEST(Fault, EveryErrorCodeHasItsWireName) {
    EXPECT_STREQ(error_code_name(ErrorCode::CookieExpired), "CookieExpired");
    EXPECT_STREQ(error_code_name(ErrorCode::RegistrationRequired), "RegistrationRequired");
    EXPECT_STREQ(error_code_name(ErrorCode::FileLocationChanged), "FileLocationChanged");
    EXPECT_EQ(default_side(ErrorCode::ServerBusy), FaultSide::server);
    EXPECT_EQ(default_side(ErrorCode::InvalidCookie), FaultSide::client);
}
