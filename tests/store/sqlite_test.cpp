#include "store/sqlite.h"

#include <gtest/gtest.h>

#include "store/compress.h"
#include "store/types.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::at_ms;

class SqliteTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = testing::unique_temp_dir();
        ConnectionOptions options;
        options.synchronous = Synchronous::off;
        auto conn = Connection::open(dir_ / "t.db", options);
        ASSERT_TRUE(conn) << conn.error().message;
        conn_ = std::make_unique<Connection>(std::move(*conn));
        ASSERT_OK(conn_->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB)"));
    }
    void TearDown() override {
        conn_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    std::int64_t rows() { return *conn_->query_int("SELECT COUNT(*) FROM t"); }

    std::filesystem::path dir_;
    std::unique_ptr<Connection> conn_;
};

TEST_F(SqliteTest, BindAndReadEveryType) {
    const std::vector<std::uint8_t> bytes{0, 1, 2, 255};
    {
        auto st = conn_->statement("INSERT INTO t (i, r, s, b) VALUES (?1, ?2, ?3, ?4)");
        ASSERT_OK(st);
        (*st)->bind_all(std::int64_t{1} << 40, 2.5, std::string("héllo")).bind_blob(4, bytes);
        ASSERT_OK((*st)->run());
    }
    {
        auto st = conn_->statement("INSERT INTO t (i, r, s, b) VALUES (?1, ?2, ?3, ?4)");
        ASSERT_OK(st);
        (*st)->bind_all(std::optional<int>(), std::nullopt, std::optional<std::string>(), std::nullopt);
        ASSERT_OK((*st)->run());
    }
    auto st = conn_->statement("SELECT i, r, s, b FROM t ORDER BY id");
    ASSERT_OK(st);
    auto row = (*st)->step();
    ASSERT_TRUE(row && *row);
    EXPECT_EQ((*st)->int64(0), std::int64_t{1} << 40);
    EXPECT_DOUBLE_EQ((*st)->real(1), 2.5);
    EXPECT_EQ((*st)->text(2), "héllo");
    EXPECT_EQ((*st)->blob(3), bytes);
    EXPECT_FALSE((*st)->is_null(0));
    row = (*st)->step();
    ASSERT_TRUE(row && *row);
    EXPECT_TRUE((*st)->is_null(0));
    EXPECT_EQ((*st)->opt_int64(0), std::nullopt);
    EXPECT_EQ((*st)->opt_text(2), std::nullopt);
    EXPECT_EQ((*st)->text(2), "");
    row = (*st)->step();
    ASSERT_TRUE(row);
    EXPECT_FALSE(*row);
}

TEST_F(SqliteTest, TimePointsRoundTripAsMilliseconds) {
    auto st = conn_->statement("SELECT ?1, ?1 + 0");
    ASSERT_OK(st);
    (*st)->bind(1, at_ms(1'700'000'000'123));
    ASSERT_TRUE(*(*st)->step());
    EXPECT_EQ((*st)->time(0), at_ms(1'700'000'000'123));
    EXPECT_EQ((*st)->int64(1), 1'700'000'000'123);
}

TEST_F(SqliteTest, StatementsAreCachedPerConnection) {
    const std::string_view sql = "SELECT COUNT(*) FROM t";
    sqlite3_stmt* first = nullptr;
    {
        auto st = conn_->statement(sql);
        ASSERT_OK(st);
        first = (*st)->handle();
    }
    auto again = conn_->statement(sql);
    ASSERT_OK(again);
    EXPECT_EQ((*again)->handle(), first);
    EXPECT_EQ(conn_->cached_statements(), 1u);
}

TEST_F(SqliteTest, LeaseResetsBindingsForTheNextUse) {
    ASSERT_OK(conn_->exec("INSERT INTO t (i) VALUES (7)"));
    const std::string_view sql = "SELECT COUNT(*) FROM t WHERE i = ?1";
    {
        auto st = conn_->statement(sql);
        ASSERT_OK(st);
        (*st)->bind(1, 7);
        ASSERT_TRUE(*(*st)->step());
        EXPECT_EQ((*st)->int64(0), 1);
    }
    auto st = conn_->statement(sql);
    ASSERT_OK(st);
    ASSERT_TRUE(*(*st)->step());  // binding cleared: i = NULL matches nothing
    EXPECT_EQ((*st)->int64(0), 0);
}

TEST_F(SqliteTest, NestedUseOfTheSameQueryGetsItsOwnStatement) {
    ASSERT_OK(conn_->exec("INSERT INTO t (i) VALUES (1), (2), (3)"));
    const std::string_view sql = "SELECT i FROM t WHERE i >= ?1 ORDER BY i";
    auto outer = conn_->statement(sql);
    ASSERT_OK(outer);
    (*outer)->bind(1, 1);
    std::vector<std::int64_t> seen;
    while (*(*outer)->step()) {
        auto inner = conn_->statement(sql);
        ASSERT_OK(inner);
        EXPECT_NE((*inner)->handle(), (*outer)->handle());
        (*inner)->bind(1, 3);
        ASSERT_TRUE(*(*inner)->step());
        EXPECT_EQ((*inner)->int64(0), 3);
        seen.push_back((*outer)->int64(0));
    }
    EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(SqliteTest, ErrorsNameTheOperationAndSqliteMessage) {
    auto bad = conn_->prepare("SELECT nope FROM t");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::store);
    EXPECT_NE(bad.error().message.find("prepare"), std::string::npos);
    EXPECT_NE(bad.error().message.find("no such column: nope"), std::string::npos);

    ASSERT_OK(conn_->exec("CREATE TABLE u (k TEXT PRIMARY KEY)"));
    ASSERT_OK(conn_->exec("INSERT INTO u VALUES ('a')"));
    auto st = conn_->statement("INSERT INTO u VALUES (?1)");
    ASSERT_OK(st);
    (*st)->bind(1, "a");
    auto run = (*st)->run();
    ASSERT_FALSE(run);
    EXPECT_EQ(run.error().code, Errc::store);
    EXPECT_NE(run.error().message.find("step"), std::string::npos);
    EXPECT_NE(run.error().message.find("UNIQUE constraint failed"), std::string::npos);
}

TEST_F(SqliteTest, BindErrorIsReportedByStep) {
    auto st = conn_->statement("SELECT ?1");
    ASSERT_OK(st);
    (*st)->bind(5, 1);  // out of range
    auto row = (*st)->step();
    ASSERT_FALSE(row);
    EXPECT_NE(row.error().message.find("bind ?5"), std::string::npos);
}

TEST_F(SqliteTest, TransactionRollsBackUnlessCommitted) {
    {
        auto tx = Transaction::begin(*conn_);
        ASSERT_OK(tx);
        ASSERT_OK(conn_->exec("INSERT INTO t (i) VALUES (1)"));
    }
    EXPECT_EQ(rows(), 0);
    EXPECT_FALSE(conn_->in_transaction());
    {
        auto tx = Transaction::begin(*conn_);
        ASSERT_OK(tx);
        ASSERT_OK(conn_->exec("INSERT INTO t (i) VALUES (1)"));
        ASSERT_OK(tx->commit());
    }
    EXPECT_EQ(rows(), 1);
}

TEST_F(SqliteTest, NestedTransactionIsASavepoint) {
    auto outer = Transaction::begin(*conn_);
    ASSERT_OK(outer);
    ASSERT_OK(conn_->exec("INSERT INTO t (i) VALUES (1)"));
    {
        auto inner = Transaction::begin(*conn_);
        ASSERT_OK(inner);
        EXPECT_TRUE(inner->nested());
        ASSERT_OK(conn_->exec("INSERT INTO t (i) VALUES (2)"));
    }  // inner rolled back only
    EXPECT_EQ(rows(), 1);
    {
        auto inner = Transaction::begin(*conn_);
        ASSERT_OK(inner);
        ASSERT_OK(conn_->exec("INSERT INTO t (i) VALUES (3)"));
        ASSERT_OK(inner->commit());
    }
    EXPECT_TRUE(conn_->in_transaction());
    outer->rollback();  // the outer decision wins over the inner commit
    EXPECT_EQ(rows(), 0);
}

TEST(JsonArray, EscapesAndFormats) {
    const std::vector<std::string> text{"a\"b", "c\\d", std::string("\n")};
    EXPECT_EQ(json_array(text), R"(["a\"b","c\\d","\u000a"])");
    const std::vector<std::int64_t> ids{1, -2, 3};
    EXPECT_EQ(json_array(ids), "[1,-2,3]");
    EXPECT_EQ(json_array(std::span<const std::int64_t>{}), "[]");
}

TEST(Guid, NormalizesCaseAndBraces) {
    auto g = normalize_guid("{A0A08746-4DBE-4A37-9ADF-9E7652C0B421}");
    ASSERT_TRUE(g);
    EXPECT_EQ(*g, "a0a08746-4dbe-4a37-9adf-9e7652c0b421");
    EXPECT_FALSE(normalize_guid("a0a08746-4dbe-4a37-9adf-9e7652c0b42"));
    EXPECT_FALSE(normalize_guid("a0a08746x4dbe-4a37-9adf-9e7652c0b421"));
    EXPECT_FALSE(normalize_guid("g0a08746-4dbe-4a37-9adf-9e7652c0b421"));
    EXPECT_EQ(normalize_guid("").error().code, Errc::invalid_argument);
}

TEST(Guid, NewGuidsAreVersion4AndDistinct) {
    const auto a = new_guid();
    const auto b = new_guid();
    EXPECT_NE(a, b);
    ASSERT_TRUE(normalize_guid(a));
    EXPECT_EQ(*normalize_guid(a), a);
    EXPECT_EQ(a[14], '4');
}

TEST(Compress, RoundTripsAndDetectsCorruption) {
    std::string xml;
    for (int i = 0; i < 200; ++i) xml += "<Update><Id>" + std::to_string(i) + "</Id></Update>";
    auto blob = deflate_text(xml);
    ASSERT_TRUE(blob);
    EXPECT_LT(blob->size(), xml.size() / 4);
    auto back = inflate_text(*blob, xml.size());
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, xml);
    EXPECT_EQ(inflate_text(*blob, xml.size() - 1).error().code, Errc::corrupt);
    auto damaged = *blob;
    damaged[damaged.size() / 2] ^= 0x5a;
    EXPECT_FALSE(inflate_text(damaged, xml.size()));
    auto empty = deflate_text("");
    ASSERT_TRUE(empty);
    EXPECT_EQ(*inflate_text(*empty, 0), "");
}

}  // namespace
}  // namespace wsusd::store
