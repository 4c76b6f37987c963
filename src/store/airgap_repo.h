// Air-gapped transfer state (migration 6): bundles this server exported, and bundles it imported per exporter key
// with how many parts are committed. See docs/airgap.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/sqlite.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::store {

/// A point of the exporter's history: catalog_version and deployment_seq.
struct AirgapAnchor {
    std::int64_t catalog = 0;
    std::int64_t deployments = 0;
    bool operator==(const AirgapAnchor&) const = default;
};

struct AirgapExport {
    std::int64_t sequence = 0;
    std::string bundle_id;
    TimePoint created_at;
    std::optional<AirgapAnchor> since;  ///< nullopt: full export
    AirgapAnchor upto;
    std::string path;
    std::string summary = "{}";
};

struct AirgapImport {
    std::string bundle_id;
    std::string key_id;
    std::int64_t sequence = 0;
    std::optional<AirgapAnchor> since;
    AirgapAnchor upto;
    int parts_total = 0;
    int parts_done = 0;
    bool complete = false;
    TimePoint started_at;
    std::optional<TimePoint> finished_at;
};

/// Works on the connection it is given; writes need the writer.
class AirgapRepo {
  public:
    explicit AirgapRepo(Connection& conn) noexcept : conn_(conn) {}

    Result<std::optional<AirgapExport>> last_export();
    Result<void> record_export(const AirgapExport& e);

    Result<std::optional<AirgapImport>> import_of(std::string_view bundle_id);
    /// The exporter's newest bundle here, complete or not.
    Result<std::optional<AirgapImport>> last_import(std::string_view key_id);
    Result<std::optional<AirgapImport>> last_complete_import(std::string_view key_id);
    Result<void> begin_import(const AirgapImport& i);
    /// Records part `part` (1-based) as committed; Errc::conflict unless it directly follows the last one.
    Result<void> mark_part_done(std::string_view bundle_id, int part);
    Result<void> complete_import(std::string_view bundle_id, TimePoint now);
    /// Marks sync_history rows of earlier runs importing `source` that never finished as failed with `reason`.
    Result<int> interrupt_import_runs(std::string_view source, std::string_view reason, TimePoint now);

  private:
    Connection& conn_;
};

}  // namespace wsusd::store
