#include "transfer/bundle_export.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>

#include "store/airgap_repo.h"
#include "store/deployment_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "store/settings_repo.h"
#include "store/uss_repo.h"
#include "transfer/bundle_reader.h"
#include "transfer/part_file.h"
#include "util/log.h"
#include "util/time_format.h"

namespace wsusd::transfer {

namespace {

constexpr const char* kNoDeadline = "9999-12-31T23:59:59.9999999";  // MS-WSUSSS "no deadline"
constexpr const char* kNoParent = "00000000-0000-0000-0000-000000000000";
constexpr std::uint64_t kMinChunk = 64 * 1024;  // smaller tails move to the next part
constexpr std::uint64_t kHeaderReserve = 512;   // room kept for a record header
constexpr int kPage = 5000;

store::TimePoint now_ms() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

std::string new_guid() {
    std::ifstream r("/dev/urandom", std::ios::binary);
    unsigned char b[16];
    r.read(reinterpret_cast<char*>(b), sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
        s.push_back(hex[b[i] >> 4]);
        s.push_back(hex[b[i] & 15]);
    }
    return s;
}

// The sequence of part files, cutting a new one when the next record would not fit.
class Parts {
  public:
    Parts(std::filesystem::path dir, std::string bundle_id, std::uint64_t part_size)
        : dir_(std::move(dir)), bundle_id_(std::move(bundle_id)), part_size_(part_size) {}

    /// Bytes the current part can still take (UINT64_MAX without a part size).
    std::uint64_t room() const {
        if (!part_size_) return UINT64_MAX;
        if (!writer_) return part_size_;
        return writer_->size() >= part_size_ ? 0 : part_size_ - writer_->size();
    }
    bool current_empty() const { return !writer_ || records_ == 0; }

    /// The writer for a record of about `bytes`: a new part when the current one is too full.
    Result<PartWriter*> writer_for(std::uint64_t bytes) {
        if (writer_ && records_ > 0 && part_size_ && writer_->size() + bytes > part_size_)
            if (auto c = close(); !c) return std::unexpected(c.error());
        if (!writer_) {
            auto w = PartWriter::create(dir_ / part_name(static_cast<int>(entries_.size()) + 1), bundle_id_,
                                        static_cast<int>(entries_.size()) + 1);
            if (!w) return std::unexpected(w.error());
            writer_.emplace(std::move(*w));
            records_ = 0;
            PartEntry e;
            e.name = part_name(static_cast<int>(entries_.size()) + 1);
            entries_.push_back(std::move(e));
        }
        ++records_;
        return &*writer_;
    }
    PartEntry& current() { return entries_.back(); }
    Result<void> close() {
        if (!writer_) return {};
        entries_.back().size = writer_->size();
        auto sha = writer_->finish();
        if (!sha) return std::unexpected(sha.error());
        entries_.back().sha256 = *sha;
        writer_.reset();
        return {};
    }
    std::vector<PartEntry>& entries() { return entries_; }

  private:
    std::filesystem::path dir_;
    std::string bundle_id_;
    std::uint64_t part_size_;
    std::optional<PartWriter> writer_;
    int records_ = 0;
    std::vector<PartEntry> entries_;
};

struct Plan {
    store::AirgapAnchor upto;
    std::optional<store::AirgapAnchor> since;
    std::int64_t sequence = 1;
    std::vector<store::Revision> revisions;  ///< in stored order
    std::map<std::string, store::FileRecord> files;  ///< sha1 → file, content to carry
    std::unordered_map<store::RevisionId, std::vector<store::FileRecord>> files_of;  ///< for file URLs
    nlohmann::json state;  ///< null without approvals
    int approvals = 0, withdrawn = 0, declined = 0, groups = 0;
};

Result<void> add_files(store::RevisionRepo& revisions, const std::vector<store::RevisionId>& ids, Plan& plan) {
    if (ids.empty()) return {};
    auto files = revisions.files(ids);
    if (!files) return std::unexpected(files.error());
    for (auto& f : *files) plan.files.emplace(f.file.sha1, f.file);
    return {};
}

// Everything the bundle will hold, read in one snapshot so counters and rows agree.
Result<Plan> make_plan(store::Connection& c, const ExportOptions& o) {
    Plan plan;
    store::SettingsRepo settings(c);
    auto cat = settings.catalog_version();
    if (!cat) return std::unexpected(cat.error());
    auto dep = settings.counter(store::kDeploymentSeqCounter);
    if (!dep) return std::unexpected(dep.error());
    plan.upto = {*cat, *dep};
    store::AirgapRepo airgap(c);
    auto last = airgap.last_export();
    if (!last) return std::unexpected(last.error());
    if (*last) plan.sequence = (*last)->sequence + 1;
    if (o.since_last) {
        if (!*last)
            return fail(Errc::not_found, "export since the last one: this server never exported a bundle; make a full "
                                         "export first");
        plan.since = (*last)->upto;
    } else {
        plan.since = o.since;
    }
    const std::int64_t since_cat = plan.since ? plan.since->catalog : 0;
    const std::int64_t since_dep = plan.since ? plan.since->deployments : 0;

    store::UssRepo uss(c);
    store::RevisionRepo revisions(c);
    std::vector<store::RevisionIdentity> ids;
    {
        auto config = uss.revision_ids({since_cat, true, {}, {}});
        if (!config) return std::unexpected(config.error());
        store::RevisionIdFilter f{since_cat, false, {}, {}};
        for (const auto& p : o.products) f.categories.push_back({p, false});
        for (const auto& k : o.classifications) f.classifications.push_back({k, false});
        auto updates = uss.revision_ids(f);
        if (!updates) return std::unexpected(updates.error());
        ids = std::move(*config);
        ids.insert(ids.end(), updates->begin(), updates->end());
    }
    std::set<std::string> in_bundle;
    for (const auto& id : ids) {
        auto r = revisions.get(id.update_id, id.revision_number);
        if (!r) return std::unexpected(r.error());
        if (!in_bundle.insert(r->update_id).second) continue;
        plan.revisions.push_back(std::move(*r));
    }
    // Stored order is dependency order: the catalog import and the sync store prerequisites first.
    std::sort(plan.revisions.begin(), plan.revisions.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    {
        std::vector<store::RevisionId> rids;
        for (const auto& r : plan.revisions) rids.push_back(r.id);
        if (!rids.empty()) {
            auto files = revisions.files(rids);
            if (!files) return std::unexpected(files.error());
            for (auto& f : *files) plan.files_of[f.revision_id].push_back(f.file);
        }
    }

    // Deployments: every row, for the approved-content selection; the changed ones travel.
    store::DeploymentRepo deployments(c);
    std::vector<store::Deployment> all, changed;
    for (std::int64_t after = 0;;) {
        auto page = deployments.changed_since(after, kPage);
        if (!page) return std::unexpected(page.error());
        for (auto& d : *page) {
            if (d.change_seq > plan.upto.deployments) continue;
            if (d.change_seq > since_dep) changed.push_back(d);
            all.push_back(std::move(d));
        }
        if (page->size() < static_cast<std::size_t>(kPage)) break;
        after = page->back().change_seq;
    }

    // Content.
    if (o.content == ContentSelection::all) {
        std::vector<store::RevisionId> rids;
        for (const auto& r : plan.revisions) rids.push_back(r.id);
        if (auto a = add_files(revisions, rids, plan); !a) return std::unexpected(a.error());
    } else if (o.content == ContentSelection::approved) {
        std::set<std::string> wanted;
        for (const auto& d : all) {
            if (d.action != store::DeploymentAction::install) continue;
            // Incremental: approvals made since, and approved updates whose document travels again.
            if (!plan.since || d.change_seq > since_dep || in_bundle.count(d.update_id)) wanted.insert(d.update_id);
        }
        std::vector<store::RevisionId> rids;
        for (const auto& u : wanted) {
            auto latest = revisions.latest(u);
            if (!latest) continue;
            rids.push_back(latest->id);
            if (!latest->is_bundle) continue;
            auto members = revisions.bundle_members(latest->id);
            if (!members) return std::unexpected(members.error());
            for (const auto& m : *members)
                if (auto mr = revisions.latest(m.update_id); mr) rids.push_back(mr->id);
        }
        if (auto a = add_files(revisions, rids, plan); !a) return std::unexpected(a.error());
    }

    if (!o.approvals) return plan;
    nlohmann::json groups = nlohmann::json::array(), deps = nlohmann::json::array();
    auto gl = store::GroupRepo(c).list();
    if (!gl) return std::unexpected(gl.error());
    for (const auto& g : *gl)
        groups.push_back({{"id", g.id}, {"parent_id", g.parent_id.value_or(kNoParent)}, {"name", g.name},
                          {"builtin", g.builtin}});
    plan.groups = static_cast<int>(gl->size());
    std::vector<std::int64_t> changed_ids;
    for (const auto& d : changed) changed_ids.push_back(d.id);
    auto guids = uss.live_deployment_guids(changed_ids);
    if (!guids) return std::unexpected(guids.error());
    for (const auto& d : changed) {
        if (d.action == store::DeploymentAction::not_approved) continue;  // a withdrawal: its GUID is in "dead"
        auto guid = guids->find(d.id);
        if (guid == guids->end()) continue;
        auto rev = revisions.get(d.revision_id);
        if (!rev) return std::unexpected(rev.error());
        deps.push_back({{"guid", guid->second},
                        {"group_id", d.group_id},
                        {"update_id", d.update_id},
                        {"revision", rev->revision_number},
                        {"action", static_cast<int>(d.action)},
                        {"deadline", d.deadline ? util::format_datetime(*d.deadline, 7) : kNoDeadline},
                        {"admin_name", d.admin_name}});
    }
    auto dead = uss.dead_deployment_guids(since_dep, plan.upto.deployments);
    if (!dead) return std::unexpected(dead.error());
    auto declined = uss.declined_update_ids();
    if (!declined) return std::unexpected(declined.error());
    plan.approvals = static_cast<int>(deps.size());
    plan.withdrawn = static_cast<int>(dead->size());
    plan.declined = static_cast<int>(declined->size());
    plan.state = {{"groups", groups}, {"deployments", deps}, {"dead", *dead}, {"declined", *declined}};
    return plan;
}

}  // namespace

std::optional<ContentSelection> parse_content_selection(std::string_view text) {
    if (text == "approved") return ContentSelection::approved;
    if (text == "all") return ContentSelection::all;
    if (text == "none") return ContentSelection::none;
    return std::nullopt;
}

const char* content_selection_name(ContentSelection c) {
    switch (c) {
        case ContentSelection::approved: return "approved";
        case ContentSelection::all: return "all";
        case ContentSelection::none: return "none";
    }
    return "?";
}

Result<ExportReport> export_bundle(store::Store& st, const content::ContentStore* content, const Ed25519Key& key,
                                   const ExportOptions& o) {
    auto log = log::app();
    if (o.products.empty() != o.classifications.empty())
        return fail(Errc::invalid_argument, "export: give both products and classifications, or neither (an update is "
                                            "selected when it is in one of each, as in a sync filter)");
    if (o.content != ContentSelection::none && !content)
        return fail(Errc::invalid_argument, "export: no content store configured; use --content none");
    std::error_code ec;
    std::filesystem::create_directories(o.target, ec);
    if (ec) return fail(Errc::io, "export: cannot create " + o.target.string() + ": " + ec.message());
    if (!std::filesystem::is_empty(o.target, ec))
        return fail(Errc::conflict, "export: " + o.target.string() + " is not empty; give a new or empty folder");

    ExportReport report;
    Manifest& m = report.manifest;
    m.bundle_id = new_guid();
    m.key_id = key.key_id();
    m.created_at = util::format_datetime(std::chrono::system_clock::now(), 3);
    std::int64_t revisions_written = 0, files_written = 0, file_bytes = 0;
    Plan plan_out;
    auto written = st.with_reader([&](store::Connection& c) -> Result<void> {
        auto plan = make_plan(c, o);
        if (!plan) return std::unexpected(plan.error());
        Parts parts(o.target, m.bundle_id, o.part_size);
        // 1. Content, so an importer places files before any document that names them is visible.
        for (const auto& [sha1, f] : plan->files) {
            content::ExpectedFile ex{f.sha1, f.sha256, static_cast<std::uint64_t>(f.size), content::extension_of(f.name)};
            if (content->quick_state(ex) != content::FileState::present) {
                report.missing_files.push_back(sha1);
                log->warn("export: {} ({}) is not in the content store; the bundle goes without it", f.name, sha1);
                continue;
            }
            auto path = content->path_of(ex);
            if (!path) return std::unexpected(path.error());
            std::uint64_t offset = 0;
            const auto total = static_cast<std::uint64_t>(f.size);
            do {
                const std::uint64_t left = total - offset;
                std::uint64_t chunk = left;
                if (o.part_size) {
                    // Fill the current part; a tail smaller than kMinChunk starts a new one instead.
                    std::uint64_t room = parts.room() > kHeaderReserve ? parts.room() - kHeaderReserve : 0;
                    if (room < std::min(kMinChunk, left) && !parts.current_empty()) {
                        if (auto cl = parts.close(); !cl) return cl;
                        room = parts.room() > kHeaderReserve ? parts.room() - kHeaderReserve : 0;
                    }
                    chunk = std::min(left, std::max(room, std::min(kMinChunk, left)));
                }
                auto w = parts.writer_for(chunk + kHeaderReserve);
                if (!w) return std::unexpected(w.error());
                nlohmann::json h{{"type", "file"}, {"sha1", f.sha1}, {"sha256", f.sha256.value_or("")},
                                 {"name", f.name}, {"total", total}, {"offset", offset}};
                if (auto r = (*w)->record_from(h, *path, offset, chunk); !r) return r;
                if (offset == 0) {
                    parts.current().files++;
                    ++files_written;
                }
                offset += chunk;
            } while (offset < total);
            file_bytes += f.size;
        }
        // 2. Documents.
        store::RevisionRepo revisions(c);
        for (const auto& r : plan->revisions) {
            auto xml = revisions.xml(r.id);
            if (!xml) return std::unexpected(xml.error());
            nlohmann::json urls = nlohmann::json::object();
            if (auto it = plan->files_of.find(r.id); it != plan->files_of.end())
                for (const auto& f : it->second)
                    if (!f.url.empty()) urls[f.sha1] = f.url;
            nlohmann::json h{{"type", "revision"}, {"update_id", r.update_id}, {"revision", r.revision_number},
                             {"expired", r.expired}, {"declined", r.declined}, {"file_urls", urls}};
            auto w = parts.writer_for(xml->size() + kHeaderReserve);
            if (!w) return std::unexpected(w.error());
            if (auto rr = (*w)->record(h, *xml); !rr) return rr;
            parts.current().revisions++;
            ++revisions_written;
        }
        // 3. Groups and approvals, last: applied once the documents they name are in.
        if (!plan->state.is_null() || parts.entries().empty()) {
            auto text = plan->state.is_null() ? std::string("{}") : plan->state.dump();
            auto w = parts.writer_for(text.size() + kHeaderReserve);
            if (!w) return std::unexpected(w.error());
            if (auto rr = (*w)->record({{"type", "state"}}, text); !rr) return rr;
            parts.current().state = !plan->state.is_null();
        }
        if (auto cl = parts.close(); !cl) return cl;
        m.parts = std::move(parts.entries());
        plan_out = std::move(*plan);
        return {};
    });
    if (!written) return std::unexpected(written.error());
    m.sequence = plan_out.sequence;
    m.since = plan_out.since;
    m.upto = plan_out.upto;
    m.selection = {{"content", content_selection_name(o.content)},
                   {"products", o.products},
                   {"classifications", o.classifications},
                   {"approvals", o.approvals}};
    m.counts = {{"revisions", revisions_written},   {"files", files_written},
                {"file_bytes", file_bytes},          {"missing_files", report.missing_files.size()},
                {"groups", plan_out.groups},         {"approvals", plan_out.approvals},
                {"withdrawn", plan_out.withdrawn},   {"declined", plan_out.declined},
                {"parts", m.parts.size()}};
    const std::string text = to_json(m).dump(2) + "\n";
    auto sig = key.sign(text);
    if (!sig) return std::unexpected(sig.error());
    for (auto [name, body] : {std::pair<const char*, std::string>{kManifestFile, text},
                              {kSignatureFile, signature_file_text(key, *sig)}}) {
        std::ofstream out(o.target / name, std::ios::binary | std::ios::trunc);
        out << body;
        out.flush();
        if (!out) return fail(Errc::io, "export: cannot write " + (o.target / name).string());
    }
    auto rec = st.with_writer([&](store::Connection& c) {
        store::AirgapExport e{m.sequence, m.bundle_id, now_ms(), m.since, m.upto, o.target.string(), m.counts.dump()};
        return store::AirgapRepo(c).record_export(e);
    });
    if (!rec) return std::unexpected(rec.error());
    log->info("export: bundle {} (sequence {}, {}) to {}: {} parts, {} revisions, {} files, {} approvals, {} withdrawn",
              m.bundle_id, m.sequence, m.since ? "incremental" : "full", o.target.string(), m.parts.size(),
              revisions_written, files_written, plan_out.approvals, plan_out.withdrawn);
    return report;
}

}  // namespace wsusd::transfer
