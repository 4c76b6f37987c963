#include "soap/xml_guard.h"

#include <gtest/gtest.h>

using wsusd::soap::check_xml;

TEST(XmlGuard, AcceptsOrdinaryEnvelope) {
    EXPECT_EQ(check_xml("<s:Envelope xmlns:s='x'><s:Body><a>1</a></s:Body></s:Envelope>", 64), "");
}

TEST(XmlGuard, RejectsWhatGsoapWouldLetThrough) {
    EXPECT_NE(check_xml("<a><b>1</c></a>", 64), "");
    EXPECT_NE(check_xml("<a>", 64), "");
    EXPECT_NE(check_xml("", 64), "");
    EXPECT_NE(check_xml("<?xml version='1.0'?><!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", 64).find("DTD"),
              std::string::npos);
    std::string deep;
    for (int i = 0; i < 100; ++i) deep += "<a>";
    for (int i = 0; i < 100; ++i) deep += "</a>";
    EXPECT_NE(check_xml(deep, 64).find("limits.max_xml_depth"), std::string::npos);
    EXPECT_EQ(check_xml(deep, 128), "");
}
