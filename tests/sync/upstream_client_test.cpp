#include "sync/upstream_client.h"

#include <gtest/gtest.h>

#include <map>

#include "capture_reader.h"

namespace wsusd::sync {
namespace {

// Answers each SOAP action with a real WSUS upstream answer (status, body) and records the requests.
class ReplayTransport : public HttpTransport {
  public:
    std::map<std::string, std::pair<long, std::string>> answers;  // by operation (last SOAPAction segment)
    std::vector<std::pair<std::string, std::string>> requests;     // (url, body)
    int failures_left = 0;

    Result<HttpReply> post_soap(const std::string& url, const std::string& action, const std::string& body) override {
        requests.emplace_back(url, body);
        if (failures_left > 0) {
            --failures_left;
            return fail(Errc::io, "connection refused");
        }
        auto op = action.substr(action.rfind('/') + 1);
        auto it = answers.find(op);
        if (it == answers.end()) return HttpReply{404, "", ""};
        return HttpReply{it->second.first, it->second.second, "text/xml; charset=utf-8"};
    }
    Result<DownloadReply> get(const std::string&, std::uint64_t, const BodySink&) override {
        return fail(Errc::io, "no downloads here");
    }
};

class UpstreamClientTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto real = [](const char* n) { return std::pair<long, std::string>{200, test::exchange(n, "response.body")}; };
        t.answers["GetAuthConfig"] = real("000001");
        t.answers["GetAuthorizationCookie"] = real("000002");
        t.answers["GetCookie"] = real("000003");
        t.answers["GetConfigData"] = real("000005");
        t.answers["GetRevisionIdList"] = real("000009");
        t.answers["GetUpdateData"] = real("000014");
    }
    ReplayTransport t;
    UpstreamClient client{t, "http://wsus.example:8530/", RetryPolicy{2, std::chrono::milliseconds(0), std::chrono::milliseconds(0)},
                          [](std::chrono::milliseconds) { return true; }};
};

TEST_F(UpstreamClientTest, HandshakeFollowsTheRelativeServiceUrl) {
    auto url = client.auth_service_url();
    ASSERT_TRUE(url) << url.error().message;
    EXPECT_EQ(*url, "http://wsus.example:8530/DssAuthWebService/DssAuthWebService.asmx");
    auto auth = client.authorization_cookie(*url, "dss.example", "6f1c2f6e-3f0b-4d3a-9b1e-0d2f6a1c5e12");
    ASSERT_TRUE(auth) << auth.error().message;
    EXPECT_EQ(auth->plugin_id, "DssTargeting");
    EXPECT_EQ(auth->data.size(), 432u);  // the real DSS authorization cookie is 432 bytes
    EXPECT_NE(t.requests.back().second.find("<accountName>dss.example</accountName>"), std::string::npos);
    auto cookie = client.cookie(*auth, std::nullopt);
    ASSERT_TRUE(cookie) << cookie.error().message;
    EXPECT_EQ(cookie->expiration, "2026-10-04T20:33:26.65455Z");
    EXPECT_NE(t.requests.back().second.find("<protocolVersion>1.20</protocolVersion>"), std::string::npos);
}

TEST_F(UpstreamClientTest, ConfigAndRevisionListsOfTheRealServer) {
    ServerCookie c{"2026-10-04T20:33:26.65455Z", "cookie"};
    auto cfg = client.config_data(c, std::string("9438,2026-10-04 16:09:27.167"));
    ASSERT_TRUE(cfg) << cfg.error().message;
    EXPECT_EQ(cfg->max_updates_per_request, 100);
    EXPECT_TRUE(cfg->lazy_sync);
    EXPECT_EQ(cfg->new_config_anchor, "9438,2026-10-04 16:33:26.670");
    bool english = false;
    for (const auto& l : cfg->languages) english |= l.short_name == "en" && l.id == 1033 && l.enabled;
    EXPECT_TRUE(english);

    RevisionFilter f;
    f.anchor = "9438,2026-10-04 16:09:27.371";
    f.categories = {{"8c3fcc84-7410-4a95-8b89-a166a0190486", true}};
    f.classifications = {{"e0789628-ce08-4437-be74-2495b842f43b", false}};
    auto list = client.revision_ids(c, f);
    ASSERT_TRUE(list) << list.error().message;
    EXPECT_EQ(list->anchor, "9438,2026-10-04 16:33:26.750");
    EXPECT_EQ(list->revisions.size(), 30u);
    EXPECT_EQ(list->revisions[0], (UpdateIdentity{"8c55755c-2b9d-48cc-be8b-aedbf20911ec", 201}));
    const auto& req = t.requests.back().second;
    EXPECT_NE(req.find("<Anchor>9438,2026-10-04 16:09:27.371</Anchor>"), std::string::npos) << req;
    EXPECT_NE(req.find("<Id>8c3fcc84-7410-4a95-8b89-a166a0190486</Id><Delta>true</Delta>"), std::string::npos) << req;
    EXPECT_NE(req.find("<Delta>false</Delta>"), std::string::npos);
}

TEST_F(UpstreamClientTest, CompressedDocumentAndFileUrl) {
    ServerCookie c{"x", "y"};
    std::vector<UpdateIdentity> ids{{"266f6222-c89d-43f2-9f8a-69340271e677", 200}};
    auto data = client.update_data(c, ids);
    ASSERT_TRUE(data) << data.error().message;
    ASSERT_EQ(data->updates.size(), 1u);
    EXPECT_EQ(data->updates[0].xml, test::doc("266f6222-c89d-43f2-9f8a-69340271e677-r200.xml"));
    ASSERT_EQ(data->file_urls.size(), 1u);
    EXPECT_EQ(data->file_urls[0].sha1_hex, "87f5bd0469585006aa5d3a77d1c662fd2895ddcd");
    EXPECT_NE(data->file_urls[0].mu_url.find("am_delta_87f5bd"), std::string::npos);
}

TEST_F(UpstreamClientTest, RealFaultsKeepTheirErrorCode) {
    ServerCookie c{"x", "y"};
    t.answers["GetUpdateData"] = {500, test::exchange("000017", "response.body")};
    std::vector<UpdateIdentity> ids{{"00000000-0000-0000-0000-000000000001", 1}};
    auto r = client.update_data(c, ids);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().fault_code, "InternalServerError");
    t.answers["GetRevisionIdList"] = {500, test::exchange("000019", "response.body")};
    auto l = client.revision_ids(c, RevisionFilter{});
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().fault_code, "InvalidCookie");
    EXPECT_EQ(l.error().code, Errc::unauthorized);
    t.answers["GetConfigData"] = {404, "<html>Not Found</html>"};
    auto n = client.config_data(c, std::nullopt);
    ASSERT_FALSE(n);
    EXPECT_NE(n.error().message.find("sync.upstream_url"), std::string::npos);
}

TEST_F(UpstreamClientTest, NetworkErrorsAreRetried) {
    ServerCookie c{"x", "y"};
    t.failures_left = 2;
    EXPECT_TRUE(client.config_data(c, std::nullopt));
    EXPECT_EQ(t.requests.size(), 3u);
    t.failures_left = 5;
    auto r = client.config_data(c, std::nullopt);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::io);
}

TEST(UpstreamClient, ServiceUrlResolution) {
    EXPECT_EQ(resolve_service_url("https://h:8531/", "DssAuthWebService/DssAuthWebService.asmx"),
              "https://h:8531/DssAuthWebService/DssAuthWebService.asmx");
    EXPECT_EQ(resolve_service_url("https://h:8531", "/x.asmx"), "https://h:8531/x.asmx");
    EXPECT_EQ(resolve_service_url("https://h:8531", "https://other/x.asmx"), "https://other/x.asmx");
}

}  // namespace
}  // namespace wsusd::sync
