// Early-return helpers for Result<T> inside the store (internal: not for use outside src/store).
#pragma once

#include <utility>

#define WSUSD_STORE_CAT2(a, b) a##b
#define WSUSD_STORE_CAT(a, b) WSUSD_STORE_CAT2(a, b)

/// Evaluates a Result-returning expression and returns its error from the enclosing function.
#define STORE_TRY(expr)                                                                       \
    do {                                                                                      \
        auto&& store_try_result_ = (expr);                                                    \
        if (!store_try_result_) return std::unexpected(std::move(store_try_result_).error()); \
    } while (0)

/// `STORE_ASSIGN(auto x, f());` declares x from the value of f() or returns its error.
#define STORE_ASSIGN(decl, expr) STORE_ASSIGN_IMPL(WSUSD_STORE_CAT(store_assign_result_, __LINE__), decl, expr)
#define STORE_ASSIGN_IMPL(tmp, decl, expr)                    \
    auto tmp = (expr);                                        \
    if (!tmp) return std::unexpected(std::move(tmp).error()); \
    decl = std::move(*tmp)
