#include "net/router.h"

#include <gtest/gtest.h>

using wsusd::net::HttpRequest;
using wsusd::net::HttpResponse;
using wsusd::net::Router;

TEST(Router, NormalizeFoldsLeadingSlashesAndDropsQuery) {
    EXPECT_EQ(Router::normalize("//ServerSyncWebService/ServerSyncWebService.asmx"),
              "/ServerSyncWebService/ServerSyncWebService.asmx");
    EXPECT_EQ(Router::normalize("/a/b?x=1"), "/a/b");
    EXPECT_EQ(Router::normalize(""), "/");
    EXPECT_EQ(Router::normalize("a"), "/a");
}

TEST(Router, CaseInsensitiveExactAndPrefix) {
    Router r;
    int hit = 0;
    r.add("/ClientWebService/client.asmx", [&](const HttpRequest&) {
        hit = 1;
        return HttpResponse{};
    });
    r.add_prefix("/Content/", [&](const HttpRequest&) {
        hit = 2;
        return HttpResponse{};
    });
    ASSERT_NE(r.find("/clientwebservice/CLIENT.ASMX"), nullptr);
    r.find("/clientwebservice/CLIENT.ASMX")->handler(HttpRequest{});
    EXPECT_EQ(hit, 1);
    ASSERT_NE(r.find("/content/ab/X.cab"), nullptr);
    r.find("/content/ab/X.cab")->handler(HttpRequest{});
    EXPECT_FALSE(r.find("/content/ab/X.cab")->quick);
    EXPECT_EQ(hit, 2);
    EXPECT_EQ(r.find("/ClientWebService/client.asmx/extra"), nullptr);
    EXPECT_EQ(r.find("/Content"), nullptr);
}

TEST(HttpRequest, HeaderLookupIsCaseInsensitive) {
    HttpRequest req;
    req.headers = {{"SOAPAction", "\"x\""}, {"Content-Type", "text/xml"}};
    EXPECT_EQ(req.header("soapaction"), "\"x\"");
    EXPECT_EQ(req.header("accept-encoding"), "");
}
