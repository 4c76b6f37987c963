// The admin API router on bad input (regressions of fuzz/admin_json_fuzz.cpp): whatever bytes a path, a query or a
// body holds, the answer is a 4xx whose body is a JSON object, never a 5xx or an exception.
#include "admin/api.h"

#include <gtest/gtest.h>

#include "admin/token.h"
#include "store/admin_repo.h"
#include "store/store_fixture.h"

namespace wsusd::admin {
namespace {

class AdminApiTest : public store::testing::StoreTest {
  protected:
    void SetUp() override {
        StoreTest::SetUp();
        ctx_->db = std::shared_ptr<store::Store>(&store(), [](store::Store*) {});
        ctx_->data_dir = dir();
        register_api(router_, ctx_);
        ASSERT_OK(store().with_writer([&](store::Connection& c) {
            return store::AdminRepo(c).create_token("t", token_hash(token_), store::testing::at_ms(1));
        }));
    }

    net::HttpResponse call(std::string method, std::string target, std::string body = {}) {
        net::HttpRequest req;
        req.method = std::move(method);
        req.target = std::move(target);
        req.path = net::Router::normalize(req.target);
        req.body = std::move(body);
        req.headers.emplace_back("Authorization", "Bearer " + token_);
        const auto* h = router_.find(req.path);
        EXPECT_NE(h, nullptr);
        return h ? h->handler(req) : net::HttpResponse{};
    }

    void expect_json_4xx(const net::HttpResponse& r) {
        EXPECT_GE(r.status, 400u);
        EXPECT_LT(r.status, 500u);
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        EXPECT_TRUE(j.is_object()) << r.body;
        EXPECT_TRUE(j.contains("error")) << r.body;
    }

    std::shared_ptr<AdminContext> ctx_ = std::make_shared<AdminContext>();
    net::Router router_;
    std::string token_ = generate_token();
};

// fuzz/regressions/admin_json_fuzz/path-parameter-not-utf8: a percent-decoded path parameter that is not UTF-8
// went into the error message, and serializing that message threw (a 500 from the HTTP layer).
TEST_F(AdminApiTest, PathParametersThatAreNotUtf8GiveA4xxJsonAnswer) {
    expect_json_4xx(call("PATCH", "/api/v1/groups/%FF%FE", R"({"name":"x"})"));
    expect_json_4xx(call("PATCH", "/api/v1/groups/\xc3(", R"({"name":"x"})"));
    expect_json_4xx(call("PUT", "/api/v1/computers/%80/groups", R"({"groups":["All Computers"]})"));
    expect_json_4xx(call("POST", "/api/v1/updates/%FF/approve", R"({"group":"All Computers"})"));
    expect_json_4xx(call("PUT", "/api/v1/config/%FF", R"({"value":"1"})"));
    expect_json_4xx(call("GET", "/api/v1/no-such-\xff"));
    expect_json_4xx(call("GET", "/api/v1/computers?limit=%FF"));
}

TEST_F(AdminApiTest, BodiesThatAreNotJsonObjectsAre400) {
    for (const char* body : {"[]", "1", "\"x\"", "{", "{\"name\":\"\xff\"}", "null"}) {
        auto r = call("POST", "/api/v1/groups", body);
        EXPECT_EQ(r.status, 400u) << body;
        expect_json_4xx(r);
    }
}

}  // namespace
}  // namespace wsusd::admin
