// Revisions of updates (the catalog): identity, flags, compressed XML and fragments, categories,
// prerequisites, bundles, supersedence, files and driver metadata.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::store {

enum class UpdateType { software = 0, driver = 1, category = 2, detectoid = 3 };
enum class FragmentKind { core = 0, extended = 1, localized = 2 };
enum class CategoryKind { other = 0, product = 1, classification = 2 };

struct FileRecord {
    std::string sha1;                   ///< lower-case hex (40 chars)
    std::optional<std::string> sha256;  ///< lower-case hex (64 chars)
    std::int64_t size = 0;
    std::string name;
    std::string url;
    std::string patching_type;
};

struct DriverRecord {
    std::string hardware_id;
    std::vector<std::string> compatible_ids;
    std::string version;
    std::string date;  ///< YYYY-MM-DD
    std::string driver_class;
};

struct Fragment {
    FragmentKind kind = FragmentKind::core;
    std::string language;  ///< only for localized fragments ("en", "de", …)
    std::string xml;
};

struct BundleMember {
    std::string update_id;
    int revision_number = 0;
};

/// Everything imported for one revision. Ids are GUID text in any case; the store lower-cases them.
struct NewRevision {
    std::string update_id;
    int revision_number = 0;
    UpdateType update_type = UpdateType::software;
    std::optional<std::string> category_type;
    std::string title;  ///< default-language title, for the admin UI and logs
    std::optional<std::string> kb;
    std::optional<std::string> msrc_severity;
    std::optional<std::string> classification_id;
    std::vector<std::string> product_ids;
    std::vector<std::string> category_ids;  ///< other categories: company, product family, parent category
    std::optional<TimePoint> creation_date;
    bool is_leaf = true;
    bool is_bundle = false;
    bool declined = false;
    bool expired = false;
    std::string xml;  ///< full update XML; stored compressed
    std::vector<Fragment> fragments;
    std::vector<std::vector<std::string>> prerequisites;  ///< AND of groups; each group is AtLeastOne of its ids
    std::vector<BundleMember> bundled;
    std::vector<std::string> supersedes;  ///< update ids this revision supersedes
    std::vector<FileRecord> files;
    std::vector<DriverRecord> drivers;
    std::vector<std::string> languages;  ///< Properties/Language of a language-specific update; stored lower-case
};

/// The revision row without its blobs and link tables.
struct Revision {
    RevisionId id = 0;
    std::string update_id;
    int revision_number = 0;
    UpdateType update_type = UpdateType::software;
    std::optional<std::string> category_type;
    std::string title;
    std::optional<std::string> kb;
    std::optional<std::string> msrc_severity;
    std::optional<std::string> classification_id;
    std::optional<TimePoint> creation_date;
    bool is_leaf = true;
    bool is_bundle = false;
    bool is_latest = true;
    bool declined = false;
    bool expired = false;
    std::int64_t change_seq = 0;  ///< catalog_version of the last change to this row
    TimePoint imported_at;
};

struct InsertedRevision {
    RevisionId id = 0;
    bool created = false;  ///< false: (update_id, revision_number) was already stored and nothing changed
};

struct RevisionCategory {
    std::string category_id;
    CategoryKind kind = CategoryKind::other;
};

struct RevisionFile {
    RevisionId revision_id = 0;
    FileRecord file;
};

struct DriverOfRevision {
    RevisionId revision_id = 0;
    DriverRecord driver;
};

/// One prerequisite reference of a latest revision (group_index groups AtLeastOne alternatives).
struct PrerequisiteEdge {
    RevisionId revision_id = 0;
    int group_index = 0;
    std::string update_id;
};

/// One member of a latest bundle revision.
struct BundleEdge {
    RevisionId bundle_revision_id = 0;
    std::string member_update_id;
};

/// Result of prerequisite_closure().
struct PrerequisiteClosure {
    std::vector<std::string> ordered;  ///< known updates, every prerequisite before the updates needing it
    std::vector<std::string> unknown;  ///< referenced update ids with no stored revision
};

/// Works on the connection it is given; writes need the writer (Store::with_writer). Each write method is
/// atomic by itself (it uses a savepoint) and joins the caller's transaction when there is one.
class RevisionRepo {
  public:
    explicit RevisionRepo(Connection& conn) noexcept : conn_(conn) {}

    /// Stores a revision. Revisions are immutable: storing an (update_id, revision_number) that exists is a
    /// no-op returning the existing id. A higher revision number becomes the latest and clears is_latest on
    /// the older ones; it inherits a decline of the update. Bumps catalog_version and stamps the row with it.
    Result<InsertedRevision> insert(const NewRevision& revision, TimePoint now);
    /// insert() for many revisions in one transaction (one commit, one fsync): the way a sync imports.
    Result<std::vector<InsertedRevision>> insert_batch(std::span<const NewRevision> revisions, TimePoint now);

    Result<Revision> get(std::string_view update_id, int revision_number);
    Result<Revision> get(RevisionId id);
    Result<Revision> latest(std::string_view update_id);
    /// Every stored revision of one update, oldest first.
    Result<std::vector<Revision>> history(std::string_view update_id);
    /// Found rows only, in the order of `ids`.
    Result<std::vector<Revision>> get_many(std::span<const RevisionId> ids);
    /// Latest revisions of the given updates (unknown ids are skipped), in the order of `update_ids`.
    Result<std::vector<Revision>> latest_of(std::span<const std::string> update_ids);

    /// Latest revisions whose change_seq > since, in change order, at most `limit` (page by the last
    /// change_seq). Declined/expired rows are included: a client must learn about those changes too.
    Result<std::vector<Revision>> changed_since(std::int64_t since, int limit);
    /// As changed_since, restricted to revisions in at least one of `category_ids` (products,
    /// classifications or other categories).
    Result<std::vector<Revision>> changed_in_categories(std::span<const std::string> category_ids, std::int64_t since,
                                                        int limit);

    Result<std::string> xml(RevisionId id);
    /// Errc::not_found if that fragment was not stored.
    Result<std::string> fragment(RevisionId id, FragmentKind kind, std::string_view language = {});
    /// Languages of the localized fragments stored for a revision.
    Result<std::vector<std::string>> fragment_languages(RevisionId id);

    Result<std::vector<RevisionCategory>> categories(RevisionId id);
    /// Groups in index order; each inner vector sorted.
    Result<std::vector<std::vector<std::string>>> prerequisites(RevisionId id);
    /// The given updates plus everything their latest revisions require, transitively, in dependency order.
    /// Members of AtLeastOne groups are all included. Cycles (malformed metadata) are broken, not looped.
    Result<PrerequisiteClosure> prerequisite_closure(std::span<const std::string> update_ids);

    Result<std::vector<BundleMember>> bundle_members(RevisionId bundle);

    /// Every prerequisite edge of every latest revision, by revision then group: one query to build
    /// the in-memory graph the client scan works on.
    Result<std::vector<PrerequisiteEdge>> latest_prerequisite_edges();
    /// Every member of every latest bundle revision.
    Result<std::vector<BundleEdge>> latest_bundle_edges();
    /// (revision id, category id) of every latest revision's categories.
    Result<std::vector<std::pair<RevisionId, std::string>>> latest_category_edges();
    /// Latest bundle revisions containing the update.
    Result<std::vector<Revision>> bundles_containing(std::string_view update_id);

    /// Update ids the revision supersedes.
    Result<std::vector<std::string>> superseded_by_revision(RevisionId id);
    /// Latest revisions that supersede the update.
    Result<std::vector<Revision>> superseding(std::string_view update_id);

    /// Files of the given revisions, grouped by revision id.
    Result<std::vector<RevisionFile>> files(std::span<const RevisionId> ids);
    Result<FileRecord> file_by_sha1(std::string_view sha1_hex);
    /// Every file of the catalog, a page at a time in SHA-1 order: at most `limit` files whose sha1 sorts after
    /// `after_sha1` (lower-case hex; empty for the first page).
    Result<std::vector<FileRecord>> files_page(std::string_view after_sha1, int limit);

    /// Every (revision, language) of the language-specific revisions (few: language packs and the like).
    Result<std::vector<std::pair<RevisionId, std::string>>> languages();
    /// The revisions (any, not only latest) that list the file.
    Result<std::vector<RevisionId>> revisions_of_file(std::string_view sha1_hex);

    Result<std::vector<DriverRecord>> drivers(RevisionId id);
    /// Driver entries of latest revisions matching a hardware id (case-insensitive).
    Result<std::vector<DriverOfRevision>> drivers_for_hardware_id(std::string_view hardware_id);

    /// Declines (or un-declines) every revision of an update and re-stamps the latest with a new
    /// catalog_version. Errc::not_found for an unknown update. No-op (no bump) if nothing changes.
    Result<void> set_declined(std::string_view update_id, bool declined);
    Result<void> set_expired(std::string_view update_id, bool expired);

    Result<std::int64_t> count();
    Result<std::int64_t> count_latest();

  private:
    Result<InsertedRevision> insert_one(const NewRevision& revision, TimePoint now);
    Result<void> set_flag(std::string_view update_id, std::string_view update_sql, bool value);

    Connection& conn_;
};

}  // namespace wsusd::store
