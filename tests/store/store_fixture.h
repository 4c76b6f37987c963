// Shared test scaffolding: a fresh store in a unique temporary directory per test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "store/computer_repo.h"
#include "store/store.h"

namespace wsusd::store::testing {

inline std::filesystem::path unique_temp_dir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "wsusd_store_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    if (info) name += std::string("_") + info->test_suite_name() + "_" + info->name();
    for (char& c : name) {
        if (c == '/') c = '_';
    }
    auto dir = std::filesystem::path(::testing::TempDir()) / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

inline TimePoint at_ms(std::int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

/// Registration data with nothing but the SusClientId.
inline ComputerInfo computer_info(std::string client_id) {
    ComputerInfo info;
    info.client_id = std::move(client_id);
    return info;
}

inline StoreOptions test_options() {
    StoreOptions options;
    options.readers = 2;
    options.synchronous = Synchronous::off;  // tests do not survive power cuts anyway
    options.cache_kib_per_connection = 2048;
    return options;
}

/// Fixture owning a store at dir()/wsusd.db.
class StoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = unique_temp_dir();
        auto opened = Store::open(db_path(), test_options());
        ASSERT_TRUE(opened) << opened.error().message;
        store_ = std::move(*opened);
    }
    void TearDown() override {
        store_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    std::filesystem::path db_path() const { return dir_ / "wsusd.db"; }
    const std::filesystem::path& dir() const { return dir_; }
    Store& store() { return *store_; }

    std::filesystem::path dir_;
    std::unique_ptr<Store> store_;
};

}  // namespace wsusd::store::testing

/// ASSERT that a Result holds a value, printing the error message otherwise.
#define ASSERT_OK(expr)                                                                  \
    do {                                                                                 \
        const auto& assert_ok_result_ = (expr);                                          \
        ASSERT_TRUE(assert_ok_result_.has_value()) << assert_ok_result_.error().message; \
    } while (0)
#define EXPECT_OK(expr)                                                                  \
    do {                                                                                 \
        const auto& expect_ok_result_ = (expr);                                          \
        EXPECT_TRUE(expect_ok_result_.has_value()) << expect_ok_result_.error().message; \
    } while (0)
