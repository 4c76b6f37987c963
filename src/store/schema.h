// The store's whole SQL surface: numbered migrations keyed by PRAGMA user_version, then every statement as a
// named constant. Names say table, verb and arity (number of ? parameters). No SQL lives anywhere else.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace wsusd::store {

/// One schema step. Migrations are applied in order, all pending ones inside one transaction.
struct Migration {
    int version;                   ///< the user_version after this step; 1, 2, 3, … without gaps
    std::string_view description;  ///< one line, shown in logs and errors
    std::string_view up;           ///< SQL script (may hold several statements)
};

/// PRAGMA application_id of a wsusd database ("WSUS"), so we never migrate somebody else's SQLite file.
inline constexpr std::int32_t kApplicationId = 0x57535553;

// Conventions of the schema: ids of Microsoft objects (updates, groups, computers) are lower-case GUID text;
// times are INTEGER milliseconds since the Unix epoch (UTC); booleans are 0/1; enums are small integers
// whose meaning is documented next to the column and mirrored by a C++ enum in the repository header.
inline constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE setting (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    changed_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Monotonic sequences (catalog_version, config_version, deployment_seq): rows stamped with a sequence value
-- let clients and downstream servers ask "what changed since N".
CREATE TABLE counter (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counter (name, value) VALUES ('catalog_version', 0), ('config_version', 0), ('deployment_seq', 0);

-- One row per (update, revision). Rows are immutable except for is_latest/declined/expired/change_seq.
-- AUTOINCREMENT: ids are handed to clients as RevisionID and cached by them, so they must never be reused.
CREATE TABLE revision (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    update_id         TEXT    NOT NULL,
    revision_number   INTEGER NOT NULL,
    update_type       INTEGER NOT NULL CHECK (update_type BETWEEN 0 AND 3), -- software, driver, category, detectoid
    category_type     TEXT,             -- Company, ProductFamily, Product, UpdateClassification (categories only)
    title             TEXT    NOT NULL DEFAULT '',
    kb                TEXT,
    msrc_severity     TEXT,
    classification_id TEXT,
    creation_date     INTEGER,
    is_leaf           INTEGER NOT NULL DEFAULT 1,
    is_bundle         INTEGER NOT NULL DEFAULT 0,
    is_latest         INTEGER NOT NULL DEFAULT 1,
    declined          INTEGER NOT NULL DEFAULT 0,
    expired           INTEGER NOT NULL DEFAULT 0,
    change_seq        INTEGER NOT NULL,  -- catalog_version at the last insert/decline/expire touching this row
    imported_at       INTEGER NOT NULL,
    UNIQUE (update_id, revision_number)
);
-- "Latest revisions changed since N" walks only latest rows, already in change order.
CREATE INDEX revision_latest_by_change ON revision (change_seq) WHERE is_latest = 1;
-- At most one latest revision per update, enforced rather than hoped for.
CREATE UNIQUE INDEX revision_one_latest ON revision (update_id) WHERE is_latest = 1;

-- Blobs live apart from the revision row so scans of revision never page through XML.
CREATE TABLE revision_xml (
    revision_id INTEGER PRIMARY KEY REFERENCES revision (id) ON DELETE CASCADE,
    raw_size    INTEGER NOT NULL,
    data        BLOB    NOT NULL     -- zlib stream of the full update XML
);

CREATE TABLE revision_fragment (
    revision_id INTEGER NOT NULL REFERENCES revision (id) ON DELETE CASCADE,
    kind        INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 2),  -- core, extended, localized
    language    TEXT    NOT NULL DEFAULT '',                    -- '' except for localized fragments
    raw_size    INTEGER NOT NULL,
    data        BLOB    NOT NULL,    -- zlib stream of the fragment XML
    PRIMARY KEY (revision_id, kind, language)
);

-- Categories a revision belongs to: products, its classification and any other category (company, family).
CREATE TABLE revision_category (
    revision_id INTEGER NOT NULL REFERENCES revision (id) ON DELETE CASCADE,
    category_id TEXT    NOT NULL,    -- update id of the category
    kind        INTEGER NOT NULL,    -- 0 other category, 1 product, 2 classification
    PRIMARY KEY (revision_id, category_id)
) WITHOUT ROWID;
CREATE INDEX revision_category_by_category ON revision_category (category_id, revision_id);

-- Prerequisites: every group must be satisfied; a group is satisfied by at least one of its updates.
CREATE TABLE revision_prerequisite (
    revision_id INTEGER NOT NULL REFERENCES revision (id) ON DELETE CASCADE,
    group_index INTEGER NOT NULL,
    update_id   TEXT    NOT NULL,
    PRIMARY KEY (revision_id, group_index, update_id)
) WITHOUT ROWID;
CREATE INDEX revision_prerequisite_by_update ON revision_prerequisite (update_id);

CREATE TABLE revision_bundle (
    bundle_revision_id     INTEGER NOT NULL REFERENCES revision (id) ON DELETE CASCADE,
    member_update_id       TEXT    NOT NULL,
    member_revision_number INTEGER NOT NULL,
    PRIMARY KEY (bundle_revision_id, member_update_id)
) WITHOUT ROWID;
CREATE INDEX revision_bundle_by_member ON revision_bundle (member_update_id);

-- Supersedence as declared by the superseding revision.
CREATE TABLE revision_supersedes (
    revision_id          INTEGER NOT NULL REFERENCES revision (id) ON DELETE CASCADE,
    superseded_update_id TEXT    NOT NULL,
    PRIMARY KEY (revision_id, superseded_update_id)
) WITHOUT ROWID;
CREATE INDEX revision_supersedes_by_superseded ON revision_supersedes (superseded_update_id);

-- Payload files, shared between revisions (the same .cab often belongs to many revisions).
CREATE TABLE file (
    id            INTEGER PRIMARY KEY,
    sha1          TEXT    NOT NULL UNIQUE,  -- lower-case hex; the protocol's FileDigest
    sha256        TEXT,                     -- lower-case hex, when upstream sent one
    size          INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    url           TEXT    NOT NULL DEFAULT '',
    patching_type TEXT    NOT NULL DEFAULT ''
);
CREATE TABLE revision_file (
    revision_id INTEGER NOT NULL REFERENCES revision (id) ON DELETE CASCADE,
    file_id     INTEGER NOT NULL REFERENCES file (id),
    PRIMARY KEY (revision_id, file_id)
) WITHOUT ROWID;
CREATE INDEX revision_file_by_file ON revision_file (file_id);

CREATE TABLE driver (
    id             INTEGER PRIMARY KEY,
    revision_id    INTEGER NOT NULL REFERENCES revision (id) ON DELETE CASCADE,
    hardware_id    TEXT    NOT NULL COLLATE NOCASE,  -- PnP ids compare case-insensitively
    compatible_ids TEXT    NOT NULL DEFAULT '',      -- newline-separated
    driver_version TEXT    NOT NULL DEFAULT '',
    driver_date    TEXT    NOT NULL DEFAULT '',      -- YYYY-MM-DD
    driver_class   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX driver_by_hardware_id ON driver (hardware_id);
CREATE INDEX driver_by_revision ON driver (revision_id);

-- Target groups form a tree under All Computers. Names are unique across the tree because client-side
-- targeting names a group by name alone.
CREATE TABLE target_group (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    parent_id  TEXT    REFERENCES target_group (id),  -- NULL only for All Computers
    builtin    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX target_group_by_parent ON target_group (parent_id);
INSERT INTO target_group (id, name, parent_id, builtin, created_at) VALUES
    ('a0a08746-4dbe-4a37-9adf-9e7652c0b421', 'All Computers', NULL, 1, 0),
    ('b73ca6ed-5727-47f3-84de-015e03f6a88a', 'Unassigned Computers', 'a0a08746-4dbe-4a37-9adf-9e7652c0b421', 1, 0);

-- Client computers, keyed locally by an integer (joins, events) and by protocol by SusClientId.
CREATE TABLE computer (
    id                     INTEGER PRIMARY KEY,
    client_id              TEXT    NOT NULL UNIQUE,  -- SusClientId
    dns_name               TEXT    NOT NULL DEFAULT '',
    os_version             TEXT    NOT NULL DEFAULT '',  -- major.minor.build.revision
    os_description         TEXT    NOT NULL DEFAULT '',
    os_locale              TEXT    NOT NULL DEFAULT '',
    processor_architecture TEXT    NOT NULL DEFAULT '',
    make                   TEXT    NOT NULL DEFAULT '',
    model                  TEXT    NOT NULL DEFAULT '',
    bios_name              TEXT    NOT NULL DEFAULT '',
    bios_version           TEXT    NOT NULL DEFAULT '',
    bios_release_date      TEXT    NOT NULL DEFAULT '',
    client_version         TEXT    NOT NULL DEFAULT '',  -- Windows Update agent version
    protocol_version       TEXT    NOT NULL DEFAULT '',
    registered_at          INTEGER NOT NULL,
    last_sync_at           INTEGER,
    last_report_at         INTEGER,
    duplicate_suspect      INTEGER NOT NULL DEFAULT 0    -- same SusClientId seen under another DNS name
);
CREATE INDEX computer_by_dns_name ON computer (dns_name COLLATE NOCASE);

CREATE TABLE computer_group (
    computer_id INTEGER NOT NULL REFERENCES computer (id) ON DELETE CASCADE,
    group_id    TEXT    NOT NULL REFERENCES target_group (id),
    PRIMARY KEY (computer_id, group_id)
) WITHOUT ROWID;
CREATE INDEX computer_group_by_group ON computer_group (group_id, computer_id);

-- Approvals. Removing one leaves a not_approved row with a new change_seq so deltas can carry it.
CREATE TABLE deployment (
    id          INTEGER PRIMARY KEY,
    group_id    TEXT    NOT NULL REFERENCES target_group (id) ON DELETE CASCADE,
    update_id   TEXT    NOT NULL,
    revision_id INTEGER NOT NULL REFERENCES revision (id),
    action      INTEGER NOT NULL CHECK (action BETWEEN 0 AND 3),  -- install, uninstall, not_approved, block
    deadline    INTEGER,
    admin_name  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    changed_at  INTEGER NOT NULL,
    change_seq  INTEGER NOT NULL,
    UNIQUE (group_id, update_id)
);
CREATE INDEX deployment_by_change ON deployment (change_seq);
CREATE INDEX deployment_by_update ON deployment (update_id);

-- Client reporting events. The unique key makes a retried ReportEventBatch harmless and doubles as the
-- "events of a computer by time" index.
CREATE TABLE client_event (
    id                  INTEGER PRIMARY KEY,
    computer_id         INTEGER NOT NULL REFERENCES computer (id) ON DELETE CASCADE,
    event_time          INTEGER NOT NULL,  -- TimeAtTarget
    instance_id         TEXT    NOT NULL,  -- EventInstanceID
    event_id            INTEGER NOT NULL,
    namespace_id        INTEGER NOT NULL,
    source_id           INTEGER NOT NULL DEFAULT 0,
    update_id           TEXT,
    revision_number     INTEGER,
    win32_hresult       INTEGER NOT NULL DEFAULT 0,
    app_name            TEXT    NOT NULL DEFAULT '',
    device_id           TEXT    NOT NULL DEFAULT '',
    misc_data           TEXT    NOT NULL DEFAULT '',
    replacement_strings TEXT    NOT NULL DEFAULT '',  -- newline-separated
    received_at         INTEGER NOT NULL,
    UNIQUE (computer_id, event_time, instance_id)
);

CREATE TABLE sync_anchor (
    kind       TEXT    PRIMARY KEY,  -- metadata, config, deployments
    anchor     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sync_history (
    id             INTEGER PRIMARY KEY,
    started_at     INTEGER NOT NULL,
    finished_at    INTEGER,
    result         INTEGER NOT NULL DEFAULT 0,  -- running, succeeded, failed, cancelled
    new_count      INTEGER NOT NULL DEFAULT 0,
    revised_count  INTEGER NOT NULL DEFAULT 0,
    expired_count  INTEGER NOT NULL DEFAULT 0,
    declined_count INTEGER NOT NULL DEFAULT 0,
    error          TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE downstream_server (
    id              TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL DEFAULT '',
    version         TEXT    NOT NULL DEFAULT '',
    mode            INTEGER NOT NULL DEFAULT 0,  -- autonomous, replica
    created_at      INTEGER NOT NULL,
    last_contact_at INTEGER
);
)sql";

/// Migration 2: per computer × update installation status, derived from client events as they arrive.
inline constexpr std::string_view kMigration2 = R"sql(
CREATE TABLE update_status (
    computer_id   INTEGER NOT NULL REFERENCES computer (id) ON DELETE CASCADE,
    update_id     TEXT    NOT NULL,
    state         INTEGER NOT NULL,  -- UpdateState: 0 unknown, 1 not applicable, 2 needed, 3 downloaded,
                                     -- 4 installed, 5 installed pending reboot, 6 failed
    win32_hresult INTEGER NOT NULL DEFAULT 0,
    event_time    INTEGER NOT NULL,  -- TimeAtTarget of the event that set the state
    changed_at    INTEGER NOT NULL,
    PRIMARY KEY (computer_id, update_id)
) WITHOUT ROWID;
CREATE INDEX update_status_by_update ON update_status (update_id, state);
)sql";

/// Migration 3: the DeploymentGuid of every deployment version, for MS-WSUSSS GetDeployments. A replica server
/// learns each approval under a GUID and must later be told which GUIDs died (DeadDeployments), so every change of
/// a deployment row (new change_seq) retires its GUID and mints a new one. Triggers keep this table in step with
/// `deployment`, whoever writes it; a deleted deployment (its group removed) also bumps deployment_seq so the
/// deletion has a place in the sequence.
inline constexpr std::string_view kMigration3 = R"sql(
CREATE TABLE deployment_guid (
    guid          TEXT    PRIMARY KEY,
    deployment_id INTEGER NOT NULL,  -- deployment.id; no foreign key: the row outlives a deleted deployment
    created_seq   INTEGER NOT NULL,  -- deployment_seq of the deployment version this GUID names
    dead_seq      INTEGER            -- deployment_seq when it was replaced, withdrawn or deleted; NULL while live
) WITHOUT ROWID;
CREATE UNIQUE INDEX deployment_guid_live ON deployment_guid (deployment_id) WHERE dead_seq IS NULL;
CREATE INDEX deployment_guid_by_dead ON deployment_guid (dead_seq) WHERE dead_seq IS NOT NULL;

INSERT INTO deployment_guid (guid, deployment_id, created_seq)
    SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))), id, change_seq FROM deployment WHERE action <> 2;

-- not_approved rows (action 2) are withdrawals: they name no live deployment.
CREATE TRIGGER deployment_guid_on_insert AFTER INSERT ON deployment WHEN NEW.action <> 2 BEGIN
    INSERT INTO deployment_guid (guid, deployment_id, created_seq) VALUES (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))), NEW.id, NEW.change_seq);
END;
CREATE TRIGGER deployment_guid_on_change AFTER UPDATE OF change_seq ON deployment
WHEN NEW.change_seq <> OLD.change_seq BEGIN
    UPDATE deployment_guid SET dead_seq = NEW.change_seq WHERE deployment_id = OLD.id AND dead_seq IS NULL;
    INSERT INTO deployment_guid (guid, deployment_id, created_seq)
        SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))), NEW.id, NEW.change_seq WHERE NEW.action <> 2;
END;
CREATE TRIGGER deployment_guid_on_delete AFTER DELETE ON deployment BEGIN
    UPDATE counter SET value = value + 1 WHERE name = 'deployment_seq';
    UPDATE deployment_guid SET dead_seq = (SELECT value FROM counter WHERE name = 'deployment_seq')
        WHERE deployment_id = OLD.id AND dead_seq IS NULL;
END;
)sql";

/// Migration 4: administration. API tokens are stored as SHA-256 hashes only (the token itself is shown once, when
/// created); every change made through the admin API is recorded in audit_log with who, when and what.
inline constexpr std::string_view kMigration4 = R"sql(
CREATE TABLE admin_token (
    name         TEXT    PRIMARY KEY COLLATE NOCASE,
    token_hash   TEXT    NOT NULL UNIQUE,  -- lower-case hex SHA-256 of the token
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT    NOT NULL,           -- token name, or "cli" for wsusd subcommands on the data directory
    action TEXT    NOT NULL,           -- e.g. "approve", "group.create"
    target TEXT    NOT NULL,           -- what it acted on (update id, group id, computer id)
    detail TEXT    NOT NULL DEFAULT '{}'  -- JSON: the request's arguments
);
CREATE INDEX audit_log_by_time ON audit_log (at);
)sql";

/// Migration 5: the downstream role. Each sync run says who started it, from which upstream, and keeps a JSON
/// summary (phases, updates the upstream no longer has, files downloaded). A replica remembers under which upstream
/// DeploymentGuid it holds each approval, so the upstream's DeadDeployments can withdraw exactly those.
inline constexpr std::string_view kMigration5 = R"sql(
ALTER TABLE sync_history ADD COLUMN started_by TEXT NOT NULL DEFAULT '';  -- schedule, manual, cli
ALTER TABLE sync_history ADD COLUMN upstream   TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_history ADD COLUMN details    TEXT NOT NULL DEFAULT '{}';
CREATE TABLE upstream_deployment (
    guid      TEXT NOT NULL PRIMARY KEY,  -- the upstream's DeploymentGuid
    group_id  TEXT NOT NULL,
    update_id TEXT NOT NULL,
    UNIQUE (group_id, update_id)
) WITHOUT ROWID;
)sql";

/// Migration 6: administration policies. Automatic approval rules (classification x product -> groups, with an
/// optional deadline offset), and the EULA acceptances an install approval needs (WSUS records who accepted which
/// license agreement; approving again does not ask again).
inline constexpr std::string_view kMigration6 = R"sql(
CREATE TABLE approval_rule (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    enabled         INTEGER NOT NULL DEFAULT 1,
    classifications TEXT    NOT NULL DEFAULT '',  -- newline-separated category ids; '' = any classification
    products        TEXT    NOT NULL DEFAULT '',  -- newline-separated category ids; '' = any product
    groups          TEXT    NOT NULL,             -- newline-separated target group ids (at least one)
    deadline_days   INTEGER,                      -- deadline = approval time + days; NULL = no deadline
    created_by      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);
CREATE TABLE eula_acceptance (
    update_id   TEXT    NOT NULL,
    revision_id INTEGER NOT NULL,  -- a new revision may carry a new agreement: accepted per revision
    admin_name  TEXT    NOT NULL,
    accepted_at INTEGER NOT NULL,
    PRIMARY KEY (update_id, revision_id)
) WITHOUT ROWID;
)sql";

/// Migration 7: report rollup (MS-WSUSSS §3.1.4.13–17, §3.2.4.5). Upstream side: a computer rolled up by a
/// downstream server names the server it reports through (NULL: this server) and the last status rollup number
/// received for it; downstream servers keep where they sit in the hierarchy, their last rollup and summary, and
/// the install activity they reported. Downstream side: per upstream, the rollup configuration seen last and, per
/// computer, what the upstream acknowledged (the computer's change marker, the newest status change, the rollup
/// number), so a rollup sends only what changed and an interrupted one resumes from the last acknowledged batch.
inline constexpr std::string_view kMigration7 = R"sql(
ALTER TABLE computer ADD COLUMN parent_server_id TEXT;  -- NULL: reports to this server; else downstream_server.id
ALTER TABLE computer ADD COLUMN last_sync_result INTEGER NOT NULL DEFAULT 0;  -- rolled up: 0 unknown, 1 ok, 2 failed
ALTER TABLE computer ADD COLUMN rollup_number INTEGER NOT NULL DEFAULT 0;  -- LastReceivedStatusRollupNumber
ALTER TABLE computer ADD COLUMN effective_detection_at INTEGER;
CREATE INDEX computer_by_parent ON computer (parent_server_id) WHERE parent_server_id IS NOT NULL;

ALTER TABLE downstream_server ADD COLUMN parent_id TEXT;  -- the server it synchronizes from; NULL: this server
ALTER TABLE downstream_server ADD COLUMN last_sync_at INTEGER;
ALTER TABLE downstream_server ADD COLUMN last_rollup_at INTEGER;
ALTER TABLE downstream_server ADD COLUMN summary TEXT NOT NULL DEFAULT '{}';  -- DownstreamServerRollupServerSummary

CREATE TABLE downstream_activity (
    server_id     TEXT    NOT NULL,
    update_id     TEXT    NOT NULL,
    os            TEXT    NOT NULL,  -- "major.minor.build.spmajor.spminor locale arch"
    success_count INTEGER NOT NULL DEFAULT 0,
    failure_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (server_id, update_id, os)
) WITHOUT ROWID;

CREATE TABLE rollup_upstream (
    upstream       TEXT    PRIMARY KEY,  -- sync.upstream_url
    reset_guid     TEXT    NOT NULL,     -- RollupResetGuid last seen; a new one means "roll up everything again"
    server_id      TEXT    NOT NULL,     -- the upstream's ServerId
    last_rollup_at INTEGER               -- end of the last complete rollup
) WITHOUT ROWID;

CREATE TABLE rollup_computer (
    upstream       TEXT    NOT NULL,
    computer_id    INTEGER NOT NULL REFERENCES computer (id) ON DELETE CASCADE,
    info_sent_at   INTEGER,            -- change marker of the computer row the upstream acknowledged
    status_through INTEGER,            -- changed_at of the newest status sent; NULL: next status rollup is full
    rollup_number  INTEGER NOT NULL DEFAULT 0,  -- LastSentStatusRollupNumber
    excluded       INTEGER NOT NULL DEFAULT 0,  -- the upstream answered "Deleted": it wants no more of it
    PRIMARY KEY (upstream, computer_id)
) WITHOUT ROWID;
)sql";

/// Migration 8: air-gapped transfer (src/transfer). The exporting side numbers its bundles and remembers the
/// anchors each one covers, so "export since the last one" knows where to start. The importing side remembers,
/// per exporter key, every bundle it imported or is importing: how many parts are committed (resume) and the
/// sequence and anchors it reached (replay protection: an older or equal sequence is refused).
inline constexpr std::string_view kMigration8 = R"sql(
CREATE TABLE airgap_export (
    sequence          INTEGER PRIMARY KEY,  -- 1, 2, 3, … per exporting server
    bundle_id         TEXT    NOT NULL UNIQUE,
    created_at        INTEGER NOT NULL,
    since_catalog     INTEGER,              -- NULL: a full export
    since_deployments INTEGER,
    upto_catalog      INTEGER NOT NULL,     -- catalog_version covered
    upto_deployments  INTEGER NOT NULL,     -- deployment_seq covered
    path              TEXT    NOT NULL,
    summary           TEXT    NOT NULL DEFAULT '{}'  -- JSON: the manifest's counts
);
CREATE TABLE airgap_import (
    bundle_id         TEXT    PRIMARY KEY,
    key_id            TEXT    NOT NULL,     -- the exporter's public key id
    sequence          INTEGER NOT NULL,
    since_catalog     INTEGER,
    since_deployments INTEGER,
    upto_catalog      INTEGER NOT NULL,
    upto_deployments  INTEGER NOT NULL,
    parts_total       INTEGER NOT NULL,
    parts_done        INTEGER NOT NULL DEFAULT 0,  -- parts 1..parts_done are committed
    state             INTEGER NOT NULL DEFAULT 0,  -- 0 importing, 1 complete
    started_at        INTEGER NOT NULL,
    finished_at       INTEGER,
    UNIQUE (key_id, sequence)
) WITHOUT ROWID;
)sql";

// Languages of language-specific updates (Properties/Language): a downstream server with a language setting does not
// download their files unless one of them is wanted. Revisions imported earlier have no rows (language-neutral).
inline constexpr std::string_view kMigration9 = R"sql(
CREATE TABLE revision_language (
    revision_id INTEGER NOT NULL REFERENCES revision (id) ON DELETE CASCADE,
    language    TEXT    NOT NULL,  -- lower case, as written ("en", "pt-br")
    PRIMARY KEY (revision_id, language)
) WITHOUT ROWID;
)sql";

// Migration 10: the failed-installations report reads failures without scanning every status row.
inline constexpr std::string_view kMigration10 = R"sql(
CREATE INDEX update_status_failed ON update_status (computer_id, update_id) WHERE state = 6;
)sql";

/// Every schema step, oldest first. Append only: a released step is never edited.
inline constexpr std::array<Migration, 10> kMigrations = {{
    {1, "initial schema: catalog, groups, computers, deployments, events, sync state, settings", kMigration1},
    {2, "installation status per computer and update", kMigration2},
    {3, "deployment GUIDs for downstream servers (GetDeployments)", kMigration3},
    {4, "admin API tokens and the audit log", kMigration4},
    {5, "sync runs: who started them, upstream, details; upstream deployment GUIDs of a replica", kMigration5},
    {6, "administration policies: automatic approval rules, EULA acceptances", kMigration6},
    {7, "report rollup: computers of downstream servers, rollup state per upstream", kMigration7},
    {8, "air-gapped transfer: exported bundles and imported bundles per exporter key", kMigration8},
    {9, "languages of language-specific updates (content language filter)", kMigration9},
    {10, "index of failed installations for the failures report", kMigration10},
}};

inline constexpr int kLatestSchemaVersion = kMigrations.back().version;

namespace sql {

// ---- settings and counters ----
inline constexpr std::string_view setting_select1 = "SELECT value FROM setting WHERE key = ?1";
inline constexpr std::string_view setting_select_all0 = "SELECT key, value, changed_at FROM setting ORDER BY key";
inline constexpr std::string_view setting_upsert3 =
    "INSERT INTO setting (key, value, changed_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at";
inline constexpr std::string_view setting_delete1 = "DELETE FROM setting WHERE key = ?1";
inline constexpr std::string_view counter_select1 = "SELECT value FROM counter WHERE name = ?1";
inline constexpr std::string_view counter_bump1 =
    "INSERT INTO counter (name, value) VALUES (?1, 1) "
    "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value";

// ---- revisions ----
// Column list shared by every revision SELECT; read by one function (revision_repo.cpp, read_revision).
#define WSUSD_REVISION_COLUMNS                                                                               \
    "r.id, r.update_id, r.revision_number, r.update_type, r.category_type, r.title, r.kb, r.msrc_severity, " \
    "r.classification_id, r.creation_date, r.is_leaf, r.is_bundle, r.is_latest, r.declined, r.expired, "     \
    "r.change_seq, r.imported_at"

inline constexpr std::string_view revision_insert16 =
    "INSERT INTO revision (update_id, revision_number, update_type, category_type, title, kb, msrc_severity, "
    "classification_id, creation_date, is_leaf, is_bundle, is_latest, declined, expired, change_seq, imported_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
inline constexpr std::string_view revision_select_history1 =
    "SELECT MAX(revision_number), MAX(declined) FROM revision WHERE update_id = ?1";
inline constexpr std::string_view revision_select_id2 =
    "SELECT id FROM revision WHERE update_id = ?1 AND revision_number = ?2";
inline constexpr std::string_view revision_update_clear_latest1 =
    "UPDATE revision SET is_latest = 0 WHERE update_id = ?1 AND is_latest = 1";
inline constexpr std::string_view revision_select_by_update2 =
    "SELECT " WSUSD_REVISION_COLUMNS " FROM revision r WHERE r.update_id = ?1 AND r.revision_number = ?2";
inline constexpr std::string_view revision_select_by_id1 =
    "SELECT " WSUSD_REVISION_COLUMNS " FROM revision r WHERE r.id = ?1";
inline constexpr std::string_view revision_select_by_ids1 =
    "SELECT " WSUSD_REVISION_COLUMNS " FROM revision r WHERE r.id IN (SELECT value FROM json_each(?1))";
inline constexpr std::string_view revision_select_latest_by_update1 =
    "SELECT " WSUSD_REVISION_COLUMNS " FROM revision r WHERE r.update_id = ?1 AND r.is_latest = 1";
inline constexpr std::string_view revision_select_latest_by_updates1 =
    "SELECT " WSUSD_REVISION_COLUMNS
    " FROM revision r WHERE r.is_latest = 1 AND r.update_id IN (SELECT value FROM json_each(?1))";
inline constexpr std::string_view revision_select_all_by_update1 =
    "SELECT " WSUSD_REVISION_COLUMNS " FROM revision r WHERE r.update_id = ?1 ORDER BY r.revision_number";
inline constexpr std::string_view revision_select_latest_id1 =
    "SELECT id FROM revision WHERE update_id = ?1 AND is_latest = 1";
// ?1 change_seq lower bound (exclusive), ?2 row limit. Served by revision_latest_by_change.
inline constexpr std::string_view revision_select_changed2 =
    "SELECT " WSUSD_REVISION_COLUMNS
    " FROM revision r WHERE r.is_latest = 1 AND r.change_seq > ?1 ORDER BY r.change_seq LIMIT ?2";
// ?1 JSON array of category ids, ?2 change_seq lower bound (exclusive), ?3 row limit.
inline constexpr std::string_view revision_select_changed_in_categories3 =
    "SELECT " WSUSD_REVISION_COLUMNS
    " FROM revision r WHERE r.is_latest = 1 AND r.change_seq > ?2 AND EXISTS (SELECT 1 FROM revision_category c "
    "WHERE c.revision_id = r.id AND c.category_id IN (SELECT value FROM json_each(?1))) "
    "ORDER BY r.change_seq LIMIT ?3";
// Change the flag on every revision of the update, then re-stamp the latest one so deltas carry it.
inline constexpr std::string_view revision_update_declined2 =
    "UPDATE revision SET declined = ?2 WHERE update_id = ?1 AND declined <> ?2";
inline constexpr std::string_view revision_update_expired2 =
    "UPDATE revision SET expired = ?2 WHERE update_id = ?1 AND expired <> ?2";
inline constexpr std::string_view revision_update_change_seq2 =
    "UPDATE revision SET change_seq = ?2 WHERE update_id = ?1 AND is_latest = 1";
inline constexpr std::string_view revision_count0 = "SELECT COUNT(*) FROM revision";
inline constexpr std::string_view revision_count_latest0 = "SELECT COUNT(*) FROM revision WHERE is_latest = 1";

inline constexpr std::string_view revision_xml_insert3 =
    "INSERT INTO revision_xml (revision_id, raw_size, data) VALUES (?1, ?2, ?3)";
inline constexpr std::string_view revision_xml_select1 =
    "SELECT raw_size, data FROM revision_xml WHERE revision_id = ?1";
inline constexpr std::string_view revision_fragment_insert5 =
    "INSERT INTO revision_fragment (revision_id, kind, language, raw_size, data) VALUES (?1, ?2, ?3, ?4, ?5)";
inline constexpr std::string_view revision_fragment_select3 =
    "SELECT raw_size, data FROM revision_fragment WHERE revision_id = ?1 AND kind = ?2 AND language = ?3";
inline constexpr std::string_view revision_fragment_select_languages1 =
    "SELECT language FROM revision_fragment WHERE revision_id = ?1 AND kind = 2 ORDER BY language";

inline constexpr std::string_view revision_category_insert3 =
    "INSERT OR IGNORE INTO revision_category (revision_id, category_id, kind) VALUES (?1, ?2, ?3)";
inline constexpr std::string_view revision_category_select1 =
    "SELECT category_id, kind FROM revision_category WHERE revision_id = ?1 ORDER BY kind, category_id";

inline constexpr std::string_view revision_prerequisite_insert3 =
    "INSERT OR IGNORE INTO revision_prerequisite (revision_id, group_index, update_id) VALUES (?1, ?2, ?3)";
inline constexpr std::string_view revision_prerequisite_select1 =
    "SELECT group_index, update_id FROM revision_prerequisite WHERE revision_id = ?1 ORDER BY group_index, update_id";

inline constexpr std::string_view revision_bundle_insert3 =
    "INSERT OR IGNORE INTO revision_bundle (bundle_revision_id, member_update_id, member_revision_number) "
    "VALUES (?1, ?2, ?3)";
inline constexpr std::string_view revision_bundle_select1 =
    "SELECT member_update_id, member_revision_number FROM revision_bundle WHERE bundle_revision_id = ?1 "
    "ORDER BY member_update_id";
inline constexpr std::string_view revision_select_bundles_containing1 =
    "SELECT " WSUSD_REVISION_COLUMNS
    " FROM revision_bundle b JOIN revision r ON r.id = b.bundle_revision_id "
    "WHERE b.member_update_id = ?1 AND r.is_latest = 1 ORDER BY r.id";

inline constexpr std::string_view revision_supersedes_insert2 =
    "INSERT OR IGNORE INTO revision_supersedes (revision_id, superseded_update_id) VALUES (?1, ?2)";
inline constexpr std::string_view revision_supersedes_select1 =
    "SELECT superseded_update_id FROM revision_supersedes WHERE revision_id = ?1 ORDER BY superseded_update_id";
inline constexpr std::string_view revision_select_superseding1 =
    "SELECT " WSUSD_REVISION_COLUMNS
    " FROM revision_supersedes s JOIN revision r ON r.id = s.revision_id "
    "WHERE s.superseded_update_id = ?1 AND r.is_latest = 1 ORDER BY r.id";

inline constexpr std::string_view file_upsert6 =
    "INSERT INTO file (sha1, sha256, size, name, url, patching_type) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (sha1) DO UPDATE SET sha256 = coalesce(file.sha256, excluded.sha256) RETURNING id";
inline constexpr std::string_view revision_file_insert2 =
    "INSERT OR IGNORE INTO revision_file (revision_id, file_id) VALUES (?1, ?2)";
inline constexpr std::string_view file_select_by_revisions1 =
    "SELECT rf.revision_id, f.sha1, f.sha256, f.size, f.name, f.url, f.patching_type "
    "FROM revision_file rf JOIN file f ON f.id = rf.file_id "
    "WHERE rf.revision_id IN (SELECT value FROM json_each(?1)) ORDER BY rf.revision_id, f.name, f.sha1";
inline constexpr std::string_view revision_language_insert2 =
    "INSERT OR IGNORE INTO revision_language (revision_id, language) VALUES (?1, ?2)";
inline constexpr std::string_view revision_language_select_all0 =
    "SELECT revision_id, language FROM revision_language ORDER BY revision_id";
inline constexpr std::string_view file_revisions_select1 =
    "SELECT rf.revision_id FROM revision_file rf JOIN file f ON f.id = rf.file_id WHERE f.sha1 = ?1";
inline constexpr std::string_view file_select_by_sha1_1 =
    "SELECT sha1, sha256, size, name, url, patching_type FROM file WHERE sha1 = ?1";
inline constexpr std::string_view file_select_page2 =
    "SELECT sha1, sha256, size, name, url, patching_type FROM file WHERE sha1 > ?1 ORDER BY sha1 LIMIT ?2";

inline constexpr std::string_view driver_insert6 =
    "INSERT INTO driver (revision_id, hardware_id, compatible_ids, driver_version, driver_date, driver_class) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
inline constexpr std::string_view driver_select_by_revision1 =
    "SELECT revision_id, hardware_id, compatible_ids, driver_version, driver_date, driver_class FROM driver "
    "WHERE revision_id = ?1 ORDER BY id";
inline constexpr std::string_view driver_select_latest_by_hardware_id1 =
    "SELECT d.revision_id, d.hardware_id, d.compatible_ids, d.driver_version, d.driver_date, d.driver_class "
    "FROM driver d JOIN revision r ON r.id = d.revision_id "
    "WHERE d.hardware_id = ?1 AND r.is_latest = 1 ORDER BY d.id";

// ---- target groups ----
#define WSUSD_GROUP_COLUMNS "g.id, g.name, g.parent_id, g.builtin, g.created_at"
inline constexpr std::string_view target_group_insert4 =
    "INSERT INTO target_group (id, name, parent_id, created_at) VALUES (?1, ?2, ?3, ?4)";
inline constexpr std::string_view target_group_select1 =
    "SELECT " WSUSD_GROUP_COLUMNS " FROM target_group g WHERE g.id = ?1";
inline constexpr std::string_view target_group_select_by_name1 =
    "SELECT " WSUSD_GROUP_COLUMNS " FROM target_group g WHERE g.name = ?1";
inline constexpr std::string_view target_group_select_all0 =
    "SELECT " WSUSD_GROUP_COLUMNS " FROM target_group g ORDER BY g.builtin DESC, g.name";
inline constexpr std::string_view target_group_select_children1 =
    "SELECT " WSUSD_GROUP_COLUMNS " FROM target_group g WHERE g.parent_id = ?1 ORDER BY g.name";
// Nearest first: parent, grandparent, …, All Computers.
inline constexpr std::string_view target_group_select_ancestors1 =
    "WITH RECURSIVE up (id, depth) AS ("
    " SELECT parent_id, 1 FROM target_group WHERE id = ?1 AND parent_id IS NOT NULL"
    " UNION ALL"
    " SELECT t.parent_id, up.depth + 1 FROM target_group t JOIN up ON t.id = up.id WHERE t.parent_id IS NOT NULL)"
    " SELECT " WSUSD_GROUP_COLUMNS " FROM up JOIN target_group g ON g.id = up.id ORDER BY up.depth";
inline constexpr std::string_view target_group_update_name2 = "UPDATE target_group SET name = ?2 WHERE id = ?1";
inline constexpr std::string_view target_group_update_parent2 = "UPDATE target_group SET parent_id = ?2 WHERE id = ?1";
inline constexpr std::string_view target_group_delete1 = "DELETE FROM target_group WHERE id = ?1";
inline constexpr std::string_view target_group_count_children1 =
    "SELECT COUNT(*) FROM target_group WHERE parent_id = ?1";

// ---- computers ----
#define WSUSD_COMPUTER_COLUMNS                                                                                  \
    "c.id, c.client_id, c.dns_name, c.os_version, c.os_description, c.os_locale, c.processor_architecture, "    \
    "c.make, c.model, c.bios_name, c.bios_version, c.bios_release_date, c.client_version, c.protocol_version, " \
    "c.registered_at, c.last_sync_at, c.last_report_at, c.duplicate_suspect, c.parent_server_id"
inline constexpr std::string_view computer_insert14 =
    "INSERT INTO computer (client_id, dns_name, os_version, os_description, os_locale, processor_architecture, "
    "make, model, bios_name, bios_version, bios_release_date, client_version, protocol_version, registered_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
// ?1 id, ?2..?13 the registration fields in insert order, ?14 duplicate_suspect.
inline constexpr std::string_view computer_update_info14 =
    "UPDATE computer SET dns_name = ?2, os_version = ?3, os_description = ?4, os_locale = ?5, "
    "processor_architecture = ?6, make = ?7, model = ?8, bios_name = ?9, bios_version = ?10, "
    "bios_release_date = ?11, client_version = ?12, protocol_version = ?13, duplicate_suspect = ?14 WHERE id = ?1";
inline constexpr std::string_view computer_select_registration1 =
    "SELECT id, dns_name, duplicate_suspect FROM computer WHERE client_id = ?1";
inline constexpr std::string_view computer_select1 =
    "SELECT " WSUSD_COMPUTER_COLUMNS " FROM computer c WHERE c.id = ?1";
inline constexpr std::string_view computer_select_by_client_id1 =
    "SELECT " WSUSD_COMPUTER_COLUMNS " FROM computer c WHERE c.client_id = ?1";
inline constexpr std::string_view computer_select_by_dns_name1 =
    "SELECT " WSUSD_COMPUTER_COLUMNS " FROM computer c WHERE c.dns_name = ?1 COLLATE NOCASE ORDER BY c.id";
// Keyset paging: ?1 last id of the previous page (0 for the first), ?2 page size.
inline constexpr std::string_view computer_select_page2 =
    "SELECT " WSUSD_COMPUTER_COLUMNS " FROM computer c WHERE c.id > ?1 ORDER BY c.id LIMIT ?2";
inline constexpr std::string_view computer_select_page_in_group3 =
    "SELECT " WSUSD_COMPUTER_COLUMNS
    " FROM computer_group m JOIN computer c ON c.id = m.computer_id "
    "WHERE m.group_id = ?1 AND m.computer_id > ?2 ORDER BY m.computer_id LIMIT ?3";
inline constexpr std::string_view computer_update_last_sync2 = "UPDATE computer SET last_sync_at = ?2 WHERE id = ?1";
inline constexpr std::string_view computer_update_last_report2 =
    "UPDATE computer SET last_report_at = ?2 WHERE id = ?1";
inline constexpr std::string_view computer_update_duplicate_suspect2 =
    "UPDATE computer SET duplicate_suspect = ?2 WHERE id = ?1";
inline constexpr std::string_view computer_delete1 = "DELETE FROM computer WHERE id = ?1";
inline constexpr std::string_view computer_count0 = "SELECT COUNT(*) FROM computer";

inline constexpr std::string_view computer_group_insert2 =
    "INSERT OR IGNORE INTO computer_group (computer_id, group_id) VALUES (?1, ?2)";
inline constexpr std::string_view computer_group_delete2 =
    "DELETE FROM computer_group WHERE computer_id = ?1 AND group_id = ?2";
inline constexpr std::string_view computer_group_delete_all1 = "DELETE FROM computer_group WHERE computer_id = ?1";
inline constexpr std::string_view computer_group_select1 =
    "SELECT group_id FROM computer_group WHERE computer_id = ?1 ORDER BY group_id";
inline constexpr std::string_view computer_group_count1 = "SELECT COUNT(*) FROM computer_group WHERE computer_id = ?1";
inline constexpr std::string_view computer_group_count_by_group1 =
    "SELECT COUNT(*) FROM computer_group WHERE group_id = ?1";
// The computer's groups plus all their ancestors: the set whose approvals apply to it.
inline constexpr std::string_view computer_group_select_effective1 =
    "WITH RECURSIVE g (id) AS ("
    " SELECT group_id FROM computer_group WHERE computer_id = ?1"
    " UNION"
    " SELECT t.parent_id FROM target_group t JOIN g ON t.id = g.id WHERE t.parent_id IS NOT NULL)"
    " SELECT id FROM g ORDER BY id";

// ---- deployments ----
#define WSUSD_DEPLOYMENT_COLUMNS                                                                       \
    "d.id, d.group_id, d.update_id, d.revision_id, d.action, d.deadline, d.admin_name, d.created_at, " \
    "d.changed_at, d.change_seq"
inline constexpr std::string_view deployment_upsert8 =
    "INSERT INTO deployment (group_id, update_id, revision_id, action, deadline, admin_name, created_at, changed_at, "
    "change_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8) "
    "ON CONFLICT (group_id, update_id) DO UPDATE SET revision_id = excluded.revision_id, action = excluded.action, "
    "deadline = excluded.deadline, admin_name = excluded.admin_name, changed_at = excluded.changed_at, "
    "change_seq = excluded.change_seq";
inline constexpr std::string_view deployment_select2 =
    "SELECT " WSUSD_DEPLOYMENT_COLUMNS " FROM deployment d WHERE d.group_id = ?1 AND d.update_id = ?2";
inline constexpr std::string_view deployment_select_by_groups1 =
    "SELECT " WSUSD_DEPLOYMENT_COLUMNS
    " FROM deployment d WHERE d.group_id IN (SELECT value FROM json_each(?1)) ORDER BY d.update_id, d.group_id";
inline constexpr std::string_view deployment_select_by_update1 =
    "SELECT " WSUSD_DEPLOYMENT_COLUMNS " FROM deployment d WHERE d.update_id = ?1 ORDER BY d.group_id";
inline constexpr std::string_view deployment_select_changed2 =
    "SELECT " WSUSD_DEPLOYMENT_COLUMNS " FROM deployment d WHERE d.change_seq > ?1 ORDER BY d.change_seq LIMIT ?2";
inline constexpr std::string_view revision_select_update_of1 = "SELECT update_id FROM revision WHERE id = ?1";

// ---- client events ----
#define WSUSD_EVENT_COLUMNS                                                                                    \
    "e.id, e.computer_id, e.event_time, e.instance_id, e.event_id, e.namespace_id, e.source_id, e.update_id, " \
    "e.revision_number, e.win32_hresult, e.app_name, e.device_id, e.misc_data, e.replacement_strings, e.received_at"
inline constexpr std::string_view client_event_insert14 =
    "INSERT OR IGNORE INTO client_event (computer_id, event_time, instance_id, event_id, namespace_id, source_id, "
    "update_id, revision_number, win32_hresult, app_name, device_id, misc_data, replacement_strings, received_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
// Newest first; ?2 exclusive upper time bound (paging backwards), ?3 limit.
inline constexpr std::string_view client_event_select_by_computer3 =
    "SELECT " WSUSD_EVENT_COLUMNS
    " FROM client_event e WHERE e.computer_id = ?1 AND e.event_time < ?2 ORDER BY e.event_time DESC, e.id DESC LIMIT "
    "?3";
inline constexpr std::string_view client_event_count_by_computer1 =
    "SELECT COUNT(*) FROM client_event WHERE computer_id = ?1";
// Bounded so one prune never holds the write lock for long; callers loop until it deletes nothing.
inline constexpr std::string_view client_event_delete_older2 =
    "DELETE FROM client_event WHERE id IN (SELECT id FROM client_event WHERE event_time < ?1 LIMIT ?2)";

// ---- sync state ----
inline constexpr std::string_view sync_anchor_select1 = "SELECT anchor, updated_at FROM sync_anchor WHERE kind = ?1";
inline constexpr std::string_view sync_anchor_upsert3 =
    "INSERT INTO sync_anchor (kind, anchor, updated_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (kind) DO UPDATE SET anchor = excluded.anchor, updated_at = excluded.updated_at";
inline constexpr std::string_view sync_anchor_delete1 = "DELETE FROM sync_anchor WHERE kind = ?1";
#define WSUSD_SYNC_COLUMNS                                                                         \
    "h.id, h.started_at, h.finished_at, h.result, h.new_count, h.revised_count, h.expired_count, " \
    "h.declined_count, h.error, h.started_by, h.upstream, h.details"
inline constexpr std::string_view sync_history_insert3 =
    "INSERT INTO sync_history (started_at, started_by, upstream) VALUES (?1, ?2, ?3)";
inline constexpr std::string_view sync_history_details2 = "UPDATE sync_history SET details = ?2 WHERE id = ?1";
// Runs still "running" belong to a process that died: nothing finishes them any more.
inline constexpr std::string_view sync_history_interrupt2 =
    "UPDATE sync_history SET result = 2, finished_at = ?1, error = ?2 WHERE result = 0";
inline constexpr std::string_view upstream_deployment_upsert3 =
    "INSERT INTO upstream_deployment (guid, group_id, update_id) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (group_id, update_id) DO UPDATE SET guid = excluded.guid";
inline constexpr std::string_view upstream_deployment_select1 =
    "SELECT group_id, update_id FROM upstream_deployment WHERE guid = ?1";
inline constexpr std::string_view upstream_deployment_delete1 = "DELETE FROM upstream_deployment WHERE guid = ?1";
inline constexpr std::string_view sync_history_update8 =
    "UPDATE sync_history SET finished_at = ?2, result = ?3, new_count = ?4, revised_count = ?5, expired_count = ?6, "
    "declined_count = ?7, error = ?8 WHERE id = ?1";
inline constexpr std::string_view sync_history_select1 =
    "SELECT " WSUSD_SYNC_COLUMNS " FROM sync_history h WHERE h.id = ?1";
inline constexpr std::string_view sync_history_select_recent1 =
    "SELECT " WSUSD_SYNC_COLUMNS " FROM sync_history h ORDER BY h.id DESC LIMIT ?1";
inline constexpr std::string_view sync_history_select_last_success0 =
    "SELECT " WSUSD_SYNC_COLUMNS " FROM sync_history h WHERE h.result = 1 ORDER BY h.id DESC LIMIT 1";
inline constexpr std::string_view downstream_server_upsert5 =
    "INSERT INTO downstream_server (id, name, version, mode, created_at, last_contact_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?5) "
    "ON CONFLICT (id) DO UPDATE SET "
    "name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END, "
    "version = CASE WHEN excluded.version <> '' THEN excluded.version ELSE version END, "
    "mode = CASE WHEN excluded.mode <> 0 THEN excluded.mode ELSE mode END, "
    "last_contact_at = excluded.last_contact_at";
inline constexpr std::string_view downstream_server_select_all0 =
    "SELECT id, name, version, mode, created_at, last_contact_at FROM downstream_server ORDER BY name, id";
inline constexpr std::string_view downstream_server_delete1 = "DELETE FROM downstream_server WHERE id = ?1";

// ---- catalog graph (client scan snapshot) ----
inline constexpr std::string_view revision_prerequisite_select_latest0 =
    "SELECT p.revision_id, p.group_index, p.update_id FROM revision_prerequisite p "
    "JOIN revision r ON r.id = p.revision_id WHERE r.is_latest = 1 ORDER BY p.revision_id, p.group_index";
inline constexpr std::string_view revision_bundle_select_latest0 =
    "SELECT b.bundle_revision_id, b.member_update_id FROM revision_bundle b "
    "JOIN revision r ON r.id = b.bundle_revision_id WHERE r.is_latest = 1 ORDER BY b.bundle_revision_id";

inline constexpr std::string_view revision_category_select_latest0 =
    "SELECT c.revision_id, c.category_id FROM revision_category c "
    "JOIN revision r ON r.id = c.revision_id WHERE r.is_latest = 1";

// ---- update status ----
inline constexpr std::string_view update_status_select2 =
    "SELECT state, win32_hresult, event_time FROM update_status WHERE computer_id = ?1 AND update_id = ?2";
inline constexpr std::string_view update_status_upsert6 =
    "INSERT INTO update_status (computer_id, update_id, state, win32_hresult, event_time, changed_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (computer_id, update_id) DO UPDATE SET "
    "state = excluded.state, win32_hresult = excluded.win32_hresult, event_time = excluded.event_time, "
    "changed_at = excluded.changed_at";
inline constexpr std::string_view update_status_select_computer1 =
    "SELECT update_id, state, win32_hresult, event_time, changed_at FROM update_status WHERE computer_id = ?1 "
    "ORDER BY update_id";
inline constexpr std::string_view update_status_pending_to_installed3 =
    "UPDATE update_status SET state = 4, event_time = ?2, changed_at = ?3 "
    "WHERE computer_id = ?1 AND state = 5 AND event_time <= ?2";
inline constexpr std::string_view update_status_counts_by_computer2 =
    "SELECT computer_id, state, COUNT(*) FROM update_status WHERE computer_id BETWEEN ?1 AND ?2 "
    "GROUP BY computer_id, state";
inline constexpr std::string_view update_status_summary1 =
    "SELECT state, COUNT(*) FROM update_status WHERE update_id = ?1 GROUP BY state";
// Driven by the update's run of update_status_by_update (read in order), each computer's membership probed in the small
// computer_group table: the join the other way round made one random primary-key read per group member in the large
// status table (70 s per update from a cold cache at 100,000 computers × 1,000 updates, 0.12 s this way).
inline constexpr std::string_view update_status_summary_group2 =
    "SELECT s.state, COUNT(*) FROM update_status s WHERE s.update_id = ?1 AND EXISTS "
    "(SELECT 1 FROM computer_group g WHERE g.computer_id = s.computer_id AND g.group_id = ?2) GROUP BY s.state";
inline constexpr std::string_view computer_count_group1 = "SELECT COUNT(*) FROM computer_group WHERE group_id = ?1";
// Keyset page of failed installations (partial index update_status_failed).
inline constexpr std::string_view update_status_failures3 =
    "SELECT s.computer_id, c.client_id, c.dns_name, s.update_id, s.win32_hresult, s.event_time "
    "FROM update_status s JOIN computer c ON c.id = s.computer_id "
    "WHERE s.state = 6 AND (s.computer_id, s.update_id) > (?1, ?2) ORDER BY s.computer_id, s.update_id LIMIT ?3";

// ---- upstream server role (MS-WSUSSS, uss_repo.cpp) ----
// ?1 JSON array of deployment ids.
inline constexpr std::string_view deployment_guid_select_live1 =
    "SELECT deployment_id, guid FROM deployment_guid "
    "WHERE dead_seq IS NULL AND deployment_id IN (SELECT value FROM json_each(?1))";
// GUIDs a server holding deployments up to ?1 knows and that died in (?1, ?2].
inline constexpr std::string_view deployment_guid_select_dead2 =
    "SELECT guid FROM deployment_guid WHERE dead_seq > ?1 AND dead_seq <= ?2 AND created_seq <= ?1 "
    "ORDER BY dead_seq, guid";
inline constexpr std::string_view revision_select_declined_updates0 =
    "SELECT update_id FROM revision WHERE is_latest = 1 AND declined = 1 ORDER BY update_id";

// Report rollup: statements of rollup_repo.cpp (upstream side) and rollup_send_repo.cpp (downstream side).
// ---- upstream side: what downstream servers roll up (rollup_repo.cpp) ----
inline constexpr std::string_view rollup_server_select1 =
    "SELECT last_rollup_at FROM downstream_server WHERE id = ?1";
// ?1 id, ?2 name, ?3 version (kept for a known server: there it is the GetCookie protocol version), ?4 mode,
// ?5 parent_id, ?6 last_sync_at, ?7 last_rollup_at, ?8 summary, ?9 now
inline constexpr std::string_view rollup_server_upsert9 =
    "INSERT INTO downstream_server (id, name, version, mode, created_at, parent_id, last_sync_at, last_rollup_at, "
    "summary) VALUES (?1, ?2, ?3, ?4, ?9, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET "
    "name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END, "
    "mode = excluded.mode, parent_id = excluded.parent_id, last_sync_at = excluded.last_sync_at, "
    "last_rollup_at = excluded.last_rollup_at, summary = excluded.summary";
inline constexpr std::string_view rollup_activity_add5 =
    "INSERT INTO downstream_activity (server_id, update_id, os, success_count, failure_count) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (server_id, update_id, os) DO UPDATE SET "
    "success_count = success_count + excluded.success_count, failure_count = failure_count + excluded.failure_count";
inline constexpr std::string_view rollup_computer_select1 =
    "SELECT id, parent_server_id, last_sync_at FROM computer WHERE client_id = ?1";
// ?1 client_id, ?2..?12 dns_name, os_version, os_description, os_locale, processor_architecture, make, model,
// bios_name, bios_version, bios_release_date, client_version, ?13 registered_at, ?14 last_sync_at,
// ?15 last_report_at, ?16 parent_server_id, ?17 last_sync_result
inline constexpr std::string_view rollup_computer_insert17 =
    "INSERT INTO computer (client_id, dns_name, os_version, os_description, os_locale, processor_architecture, "
    "make, model, bios_name, bios_version, bios_release_date, client_version, registered_at, last_sync_at, "
    "last_report_at, parent_server_id, last_sync_result) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
inline constexpr std::string_view rollup_computer_update_details12 =
    "UPDATE computer SET dns_name = ?2, os_version = ?3, os_description = ?4, os_locale = ?5, "
    "processor_architecture = ?6, make = ?7, model = ?8, bios_name = ?9, bios_version = ?10, "
    "bios_release_date = ?11, client_version = ?12 WHERE id = ?1";
// ?1 id, ?2 last_sync_at, ?3 last_report_at, ?4 parent_server_id, ?5 last_sync_result
inline constexpr std::string_view rollup_computer_update_times5 =
    "UPDATE computer SET last_sync_at = ?2, last_report_at = ?3, parent_server_id = ?4, last_sync_result = ?5 "
    "WHERE id = ?1";
inline constexpr std::string_view rollup_group_exists1 = "SELECT 1 FROM target_group WHERE id = ?1 AND builtin = 0";
// Computers among ?2 (JSON array of SusClientIds) that report through ?1 or a server below it, with the last
// status rollup number received.
inline constexpr std::string_view rollup_computer_numbers2 =
    "WITH RECURSIVE sub(id) AS (SELECT ?1 UNION SELECT d.id FROM downstream_server d JOIN sub ON d.parent_id = sub.id) "
    "SELECT c.client_id, c.rollup_number FROM computer c "
    "WHERE c.client_id IN (SELECT value FROM json_each(?2)) AND c.parent_server_id IN (SELECT id FROM sub)";
inline constexpr std::string_view rollup_computer_set_number3 =
    "UPDATE computer SET rollup_number = ?2, effective_detection_at = ?3 WHERE id = ?1";
inline constexpr std::string_view rollup_status_delete_computer1 = "DELETE FROM update_status WHERE computer_id = ?1";
inline constexpr std::string_view rollup_status_select_time2 =
    "SELECT event_time FROM update_status WHERE computer_id = ?1 AND update_id = ?2";
inline constexpr std::string_view rollup_computer_delete_by_parent1 =
    "DELETE FROM computer WHERE parent_server_id = ?1";
inline constexpr std::string_view rollup_activity_delete_server1 = "DELETE FROM downstream_activity WHERE server_id = ?1";

// ---- downstream side: what to send, what the upstream acknowledged (rollup_send_repo.cpp) ----
inline constexpr std::string_view rollup_upstream_select1 =
    "SELECT reset_guid, server_id, last_rollup_at FROM rollup_upstream WHERE upstream = ?1";
inline constexpr std::string_view rollup_upstream_upsert3 =
    "INSERT INTO rollup_upstream (upstream, reset_guid, server_id) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (upstream) DO UPDATE SET reset_guid = excluded.reset_guid, server_id = excluded.server_id";
inline constexpr std::string_view rollup_upstream_finish2 =
    "UPDATE rollup_upstream SET last_rollup_at = ?2 WHERE upstream = ?1";
inline constexpr std::string_view rollup_state_clear1 = "DELETE FROM rollup_computer WHERE upstream = ?1";
// A computer's change marker: the newest of its registration, scan and report times.
#define WSUSD_COMPUTER_MARKER "max(c.registered_at, coalesce(c.last_sync_at, 0), coalesce(c.last_report_at, 0))"
// Computers whose row changed since the upstream acknowledged it: ?1 upstream, ?2 after id, ?3 limit.
inline constexpr std::string_view rollup_pending_computers3 =
    "SELECT " WSUSD_COMPUTER_COLUMNS ", c.last_sync_result, " WSUSD_COMPUTER_MARKER
    " FROM computer c LEFT JOIN rollup_computer r ON r.upstream = ?1 AND r.computer_id = c.id "
    "WHERE c.id > ?2 AND coalesce(r.excluded, 0) = 0 "
    "AND (r.info_sent_at IS NULL OR " WSUSD_COMPUTER_MARKER " > r.info_sent_at) ORDER BY c.id LIMIT ?3";
#undef WSUSD_COMPUTER_MARKER
inline constexpr std::string_view rollup_ack_computer3 =
    "INSERT INTO rollup_computer (upstream, computer_id, info_sent_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (upstream, computer_id) DO UPDATE SET info_sent_at = excluded.info_sent_at";
inline constexpr std::string_view rollup_exclude_computer2 =
    "INSERT INTO rollup_computer (upstream, computer_id, excluded) "
    "SELECT ?1, id, 1 FROM computer WHERE client_id = ?2 "
    "ON CONFLICT (upstream, computer_id) DO UPDATE SET excluded = 1";
// Computers the upstream knows whose status changed since the last acknowledged status rollup.
inline constexpr std::string_view rollup_pending_status3 =
    "SELECT c.id, c.client_id, r.status_through, r.rollup_number, c.effective_detection_at "
    "FROM rollup_computer r JOIN computer c ON c.id = r.computer_id "
    "WHERE r.upstream = ?1 AND r.computer_id > ?2 AND r.excluded = 0 AND r.info_sent_at IS NOT NULL "
    "AND EXISTS (SELECT 1 FROM update_status s WHERE s.computer_id = c.id "
    "AND (r.status_through IS NULL OR s.changed_at > r.status_through)) ORDER BY r.computer_id LIMIT ?3";
inline constexpr std::string_view rollup_mark_full2 =
    "UPDATE rollup_computer SET status_through = NULL "
    "WHERE upstream = ?1 AND computer_id = (SELECT id FROM computer WHERE client_id = ?2)";
inline constexpr std::string_view rollup_status_since2 =
    "SELECT update_id, state, win32_hresult, event_time, changed_at FROM update_status "
    "WHERE computer_id = ?1 AND changed_at > ?2 ORDER BY update_id";
inline constexpr std::string_view rollup_ack_status4 =
    "UPDATE rollup_computer SET status_through = ?3, rollup_number = ?4 WHERE upstream = ?1 AND computer_id = ?2";
// This server's own summary (DownstreamServerRollupServerSummary). Update states: 2 needed, 3 downloaded,
// 4 installed, 5 installed pending reboot, 6 failed.
inline constexpr std::string_view rollup_server_summary0 =
    "SELECT "
    "(SELECT COUNT(*) FROM revision WHERE is_latest = 1 AND update_type IN (0, 1)), "
    "(SELECT COUNT(*) FROM revision WHERE is_latest = 1 AND update_type IN (0, 1) AND declined = 1), "
    "(SELECT COUNT(DISTINCT update_id) FROM deployment WHERE action = 0), "
    "(SELECT COUNT(*) FROM revision WHERE is_latest = 1 AND update_type IN (0, 1) AND expired = 1), "
    "(SELECT COUNT(*) FROM target_group WHERE builtin = 0), "
    "(SELECT COUNT(*) FROM computer WHERE parent_server_id IS NULL), "
    "(SELECT COUNT(*) FROM computer c WHERE c.parent_server_id IS NULL AND EXISTS "
    "(SELECT 1 FROM update_status s WHERE s.computer_id = c.id AND s.state IN (2, 3))), "
    "(SELECT COUNT(*) FROM computer c WHERE c.parent_server_id IS NULL AND EXISTS "
    "(SELECT 1 FROM update_status s WHERE s.computer_id = c.id AND s.state = 6)), "
    "(SELECT COUNT(DISTINCT update_id) FROM update_status WHERE state = 6), "
    "(SELECT COUNT(DISTINCT update_id) FROM update_status WHERE state IN (2, 3))";
// Downstream servers of this server, parents before children: ?1 this server's id stands for a NULL parent.
inline constexpr std::string_view rollup_downstream_tree0 =
    "WITH RECURSIVE t(id, depth) AS (SELECT id, 0 FROM downstream_server WHERE parent_id IS NULL "
    "UNION ALL SELECT d.id, t.depth + 1 FROM downstream_server d JOIN t ON d.parent_id = t.id WHERE t.depth < 32) "
    "SELECT d.id, d.name, d.version, d.mode, d.parent_id, d.last_sync_at, d.last_rollup_at, d.summary "
    "FROM t JOIN downstream_server d ON d.id = t.id ORDER BY t.depth, d.id";

// ---- administration (admin_repo.cpp, update_query.cpp) ----
inline constexpr std::string_view admin_token_insert3 =
    "INSERT INTO admin_token (name, token_hash, created_at) VALUES (?1, ?2, ?3)";
inline constexpr std::string_view admin_token_by_hash1 = "SELECT name FROM admin_token WHERE token_hash = ?1";
inline constexpr std::string_view admin_token_touch2 = "UPDATE admin_token SET last_used_at = ?2 WHERE name = ?1";
inline constexpr std::string_view admin_token_list0 =
    "SELECT name, created_at, last_used_at FROM admin_token ORDER BY name";
inline constexpr std::string_view admin_token_delete1 = "DELETE FROM admin_token WHERE name = ?1";
// Carried from a damaged store into a fresh one by `wsusd store recover --reset` (recovery.cpp).
inline constexpr std::string_view admin_token_export0 =
    "SELECT name, token_hash, created_at, last_used_at FROM admin_token ORDER BY name";
inline constexpr std::string_view admin_token_import4 =
    "INSERT OR REPLACE INTO admin_token (name, token_hash, created_at, last_used_at) VALUES (?1, ?2, ?3, ?4)";
inline constexpr std::string_view audit_insert5 =
    "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)";
inline constexpr std::string_view audit_select_before2 =
    "SELECT id, at, actor, action, target, detail FROM audit_log WHERE id < ?1 ORDER BY id DESC LIMIT ?2";

// ---- administration policies (migration 6) ----
#define WSUSD_RULE_COLUMNS "id, name, enabled, classifications, products, groups, deadline_days, created_by, created_at"
inline constexpr std::string_view approval_rule_insert8 =
    "INSERT INTO approval_rule (name, enabled, classifications, products, groups, deadline_days, created_by, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
inline constexpr std::string_view approval_rule_select_all0 =
    "SELECT " WSUSD_RULE_COLUMNS " FROM approval_rule ORDER BY name";
inline constexpr std::string_view approval_rule_select_by_name1 =
    "SELECT " WSUSD_RULE_COLUMNS " FROM approval_rule WHERE name = ?1";
inline constexpr std::string_view approval_rule_update_enabled2 = "UPDATE approval_rule SET enabled = ?2 WHERE name = ?1";
inline constexpr std::string_view approval_rule_delete1 = "DELETE FROM approval_rule WHERE name = ?1";
inline constexpr std::string_view eula_acceptance_insert4 =
    "INSERT OR IGNORE INTO eula_acceptance (update_id, revision_id, admin_name, accepted_at) VALUES (?1, ?2, ?3, ?4)";
inline constexpr std::string_view eula_acceptance_exists2 =
    "SELECT 1 FROM eula_acceptance WHERE update_id = ?1 AND revision_id = ?2";
// Maintenance (policies and cleanup); every query bounded by its last ?N (the per-run limit).
// Latest approvable revisions changed after catalog_version ?1, in change order.
inline constexpr std::string_view revision_select_new_approvable2 =
    "SELECT id FROM revision WHERE is_latest = 1 AND update_type IN (0, 1) AND declined = 0 AND expired = 0"
    " AND change_seq > ?1 ORDER BY change_seq LIMIT ?2";
// Undeclined latest revisions superseded by an undeclined latest revision imported before ?1.
inline constexpr std::string_view revision_select_superseded_before2 =
    "SELECT DISTINCT r.update_id FROM revision r JOIN revision_supersedes s ON s.superseded_update_id = r.update_id"
    " JOIN revision n ON n.id = s.revision_id AND n.is_latest = 1 AND n.declined = 0"
    " WHERE r.is_latest = 1 AND r.declined = 0 AND r.update_type IN (0, 1) AND n.imported_at < ?1"
    " ORDER BY r.update_id LIMIT ?2";
inline constexpr std::string_view revision_select_expired_undeclined1 =
    "SELECT update_id FROM revision WHERE is_latest = 1 AND expired = 1 AND declined = 0 ORDER BY update_id LIMIT ?1";
// Approvals that still name an older revision of their update: (group, update, latest revision id).
inline constexpr std::string_view deployment_select_stale_revision1 =
    "SELECT d.group_id, d.update_id, r.id FROM deployment d JOIN revision r ON r.update_id = d.update_id"
    " AND r.is_latest = 1 WHERE d.revision_id <> r.id AND d.action IN (0, 1) ORDER BY d.id LIMIT ?1";
// Computers silent since ?1 (never synchronized: registered before ?1).
inline constexpr std::string_view computer_select_silent2 =
    "SELECT id, client_id, dns_name, coalesce(last_sync_at, registered_at) FROM computer"
    " WHERE coalesce(last_sync_at, registered_at) < ?1 ORDER BY id LIMIT ?2";
inline constexpr std::string_view computer_count_silent1 =
    "SELECT COUNT(*) FROM computer WHERE coalesce(last_sync_at, registered_at) < ?1";
// Revisions replaced by a newer one that no approval names.
inline constexpr std::string_view revision_select_old1 =
    "SELECT r.id, r.update_id, r.revision_number FROM revision r WHERE r.is_latest = 0"
    " AND NOT EXISTS (SELECT 1 FROM deployment d WHERE d.revision_id = r.id) ORDER BY r.id LIMIT ?1";
inline constexpr std::string_view revision_delete1 = "DELETE FROM revision WHERE id = ?1";
// Files no latest undeclined revision needs, after sha1 ?1: their content can go.
inline constexpr std::string_view file_select_unneeded2 =
    "SELECT f.sha1, f.sha256, f.size, f.name FROM file f WHERE f.sha1 > ?1"
    " AND NOT EXISTS (SELECT 1 FROM revision_file rf JOIN revision r ON r.id = rf.revision_id"
    " WHERE rf.file_id = f.id AND r.is_latest = 1 AND r.declined = 0) ORDER BY f.sha1 LIMIT ?2";
inline constexpr std::string_view file_delete_orphans0 =
    "DELETE FROM file WHERE NOT EXISTS (SELECT 1 FROM revision_file rf WHERE rf.file_id = file.id)";
// A category by its type (UpdateClassification, Product, ProductFamily) and title, case-insensitive: ?1 type, ?2 title.
inline constexpr std::string_view revision_select_category_by_title2 =
    "SELECT update_id FROM revision WHERE is_latest = 1 AND update_type = 2 AND category_type = ?1"
    " AND title = ?2 COLLATE NOCASE ORDER BY id LIMIT 1";
inline constexpr std::string_view deployment_count_approved0 = "SELECT COUNT(*) FROM deployment WHERE action IN (0, 1)";
// ---- air-gapped transfer (airgap_repo.cpp; migration 8) ----
#define WSUSD_AIRGAP_IMPORT_COLUMNS                                                                          \
    "bundle_id, key_id, sequence, since_catalog, since_deployments, upto_catalog, upto_deployments, " \
    "parts_total, parts_done, state, started_at, finished_at"
inline constexpr std::string_view airgap_export_insert9 =
    "INSERT INTO airgap_export (sequence, bundle_id, created_at, since_catalog, since_deployments, upto_catalog, "
    "upto_deployments, path, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
inline constexpr std::string_view airgap_export_select_last0 =
    "SELECT sequence, bundle_id, created_at, since_catalog, since_deployments, upto_catalog, upto_deployments, path, "
    "summary FROM airgap_export ORDER BY sequence DESC LIMIT 1";
inline constexpr std::string_view airgap_import_insert9 =
    "INSERT INTO airgap_import (bundle_id, key_id, sequence, since_catalog, since_deployments, upto_catalog, "
    "upto_deployments, parts_total, started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
inline constexpr std::string_view airgap_import_select1 =
    "SELECT " WSUSD_AIRGAP_IMPORT_COLUMNS " FROM airgap_import WHERE bundle_id = ?1";
// The newest bundle of an exporter (complete or not): replay and gap checks compare against it.
inline constexpr std::string_view airgap_import_select_last1 =
    "SELECT " WSUSD_AIRGAP_IMPORT_COLUMNS " FROM airgap_import WHERE key_id = ?1 ORDER BY sequence DESC LIMIT 1";
inline constexpr std::string_view airgap_import_select_last_complete1 =
    "SELECT " WSUSD_AIRGAP_IMPORT_COLUMNS
    " FROM airgap_import WHERE key_id = ?1 AND state = 1 ORDER BY sequence DESC LIMIT 1";
inline constexpr std::string_view airgap_import_part_done2 =
    "UPDATE airgap_import SET parts_done = ?2 WHERE bundle_id = ?1 AND parts_done = ?2 - 1";
inline constexpr std::string_view airgap_import_complete2 =
    "UPDATE airgap_import SET state = 1, finished_at = ?2 WHERE bundle_id = ?1";
// Sync history rows of an earlier run of the same import that died (killed, power loss): nothing finishes them.
inline constexpr std::string_view sync_history_interrupt_import3 =
    "UPDATE sync_history SET result = 2, finished_at = ?1, error = ?2 WHERE result = 0 AND started_by = 'import' "
    "AND upstream = ?3";
#undef WSUSD_AIRGAP_IMPORT_COLUMNS
// ---- end air-gapped transfer ----

// ---- maintenance ----
inline constexpr std::string_view pragma_user_version0 = "PRAGMA user_version";
inline constexpr std::string_view pragma_application_id0 = "PRAGMA application_id";
inline constexpr std::string_view sqlite_master_count0 = "SELECT COUNT(*) FROM sqlite_master";
inline constexpr std::string_view pragma_integrity_check0 = "PRAGMA integrity_check";
// Page structure, record formats and constraints without the index cross-check: O(pages), what wsusd runs at start.
// The argument caps the findings SQLite collects (a pragma takes no binding, so it is formatted in).
inline std::string pragma_quick_check(int max_findings) {
    return "PRAGMA quick_check(" + std::to_string(max_findings) + ")";
}
inline constexpr std::string_view pragma_foreign_key_check0 = "PRAGMA foreign_key_check";
inline constexpr std::string_view pragma_journal_mode_wal0 = "PRAGMA journal_mode = WAL";
inline constexpr std::string_view pragma_wal_checkpoint_truncate0 = "PRAGMA wal_checkpoint(TRUNCATE)";

}  // namespace sql

#undef WSUSD_REVISION_COLUMNS
#undef WSUSD_GROUP_COLUMNS
#undef WSUSD_COMPUTER_COLUMNS
#undef WSUSD_DEPLOYMENT_COLUMNS
#undef WSUSD_EVENT_COLUMNS
#undef WSUSD_SYNC_COLUMNS
#undef WSUSD_RULE_COLUMNS

}  // namespace wsusd::store
