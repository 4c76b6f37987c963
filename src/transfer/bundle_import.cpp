#include "transfer/bundle_import.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "catalog/catalog_import.h"
#include "metadata/fragments.h"
#include "store/airgap_repo.h"
#include "store/revision_repo.h"
#include "sync/replica_apply.h"
#include "transfer/part_file.h"
#include "util/encoding.h"
#include "util/log.h"
#include "util/time_format.h"

namespace wsusd::transfer {

namespace {

constexpr const char* kNoParent = "00000000-0000-0000-0000-000000000000";

store::TimePoint now_ms() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

std::string anchor_text(const store::AirgapAnchor& a) {
    return "catalog " + std::to_string(a.catalog) + "/deployments " + std::to_string(a.deployments);
}

// Replay, order and gap rules (docs/airgap.md); returns how many parts are already committed.
Result<int> admit(store::Connection& c, const Manifest& m) {
    store::AirgapRepo repo(c);
    auto same = repo.import_of(m.bundle_id);
    if (!same) return std::unexpected(same.error());
    if (*same) {
        if ((*same)->complete)
            return fail(Errc::conflict, "bundle " + m.bundle_id + " (sequence " + std::to_string(m.sequence) +
                                            ") was already imported completely: refusing to replay it");
        return (*same)->parts_done;  // an interrupted import of this bundle: resume
    }
    auto last = repo.last_import(m.key_id);
    if (!last) return std::unexpected(last.error());
    if (*last && !(*last)->complete)
        return fail(Errc::conflict, "bundle " + (*last)->bundle_id + " (sequence " + std::to_string((*last)->sequence) +
                                        ") of exporter key " + m.key_id + " is half imported (" +
                                        std::to_string((*last)->parts_done) + " of " +
                                        std::to_string((*last)->parts_total) + " parts): import it again to finish it first");
    if (*last && m.sequence <= (*last)->sequence)
        return fail(Errc::conflict, "bundle sequence " + std::to_string(m.sequence) + " is not newer than sequence " +
                                        std::to_string((*last)->sequence) + " already imported from exporter key " +
                                        m.key_id + " (a replayed or out-of-order bundle): refusing it");
    if (m.since) {
        if (!*last)
            return fail(Errc::conflict, "bundle " + m.bundle_id + " is incremental (since " + anchor_text(*m.since) +
                                            ") but nothing was imported from exporter key " + m.key_id +
                                            " yet: import a full export first");
        const auto& held = (*last)->upto;
        if (m.since->catalog > held.catalog || m.since->deployments > held.deployments)
            return fail(Errc::conflict, "bundle " + m.bundle_id + " is incremental since " + anchor_text(*m.since) +
                                            " but this server holds that exporter's changes only up to " +
                                            anchor_text(held) + ": import the bundles in between, or a full export");
    }
    store::AirgapImport rec;
    rec.bundle_id = m.bundle_id;
    rec.key_id = m.key_id;
    rec.sequence = m.sequence;
    rec.since = m.since;
    rec.upto = m.upto;
    rec.parts_total = static_cast<int>(m.parts.size());
    rec.started_at = now_ms();
    if (auto b = repo.begin_import(rec); !b) return std::unexpected(b.error());
    return 0;
}

struct PendingRevision {
    nlohmann::json header;
    std::string xml;
};

sync::DeploymentData deployment_data(const nlohmann::json& state) {
    sync::DeploymentData d;
    for (const auto& g : state.value("groups", nlohmann::json::array())) {
        std::string parent = g.value("parent_id", "");
        d.groups.push_back({g.value("id", ""), parent == kNoParent ? "" : parent, g.value("name", ""),
                            g.value("builtin", false)});
    }
    for (const auto& x : state.value("deployments", nlohmann::json::array())) {
        sync::UpstreamDeployment u;
        u.update_id = x.value("update_id", "");
        u.revision_number = x.value("revision", 0);
        u.action = x.value("action", 0);
        u.admin_name = x.value("admin_name", "");
        u.deadline = x.value("deadline", "");
        u.guid = x.value("guid", "");
        u.group_id = x.value("group_id", "");
        d.deployments.push_back(std::move(u));
    }
    for (const auto& g : state.value("dead", nlohmann::json::array()))
        if (g.is_string()) d.dead_deployments.push_back(g.get<std::string>());
    for (const auto& u : state.value("declined", nlohmann::json::array()))
        if (u.is_string()) d.hidden_updates.push_back(u.get<std::string>());
    return d;  // no anchor: a bundle never moves the sync's deployments anchor
}

class Importer {
  public:
    Importer(store::Store& st, content::ContentStore* content, const VerifiedBundle& b, const ImportOptions& o,
             ImportReport& rep)
        : st_(st), content_(content), b_(b), o_(o), rep_(rep) {}

    Result<void> part(int index) {
        const auto& entry = b_.manifest.parts[static_cast<std::size_t>(index - 1)];
        where_ = entry.name + " (part " + std::to_string(index) + " of " + std::to_string(rep_.parts_total) + ")";
        auto reader = PartReader::open(b_.dir / entry.name, b_.manifest.bundle_id, index);
        if (!reader) return fail(reader.error().code, where_ + ": " + reader.error().message);
        std::vector<PendingRevision> revisions;
        std::optional<nlohmann::json> state;
        PartProgress progress{index, rep_.parts_total};
        for (;;) {
            auto h = reader->next();
            if (!h) return fail(h.error().code, where_ + ": " + h.error().message);
            if (!*h) break;
            const auto type = (**h)["type"].get<std::string>();
            if (type == "file") {
                if (auto f = file_chunk(**h, *reader, progress); !f) return f;
            } else if (type == "revision") {
                auto xml = reader->data(o_.max_record_bytes);
                if (!xml) return fail(xml.error().code, where_ + ": " + xml.error().message);
                revisions.push_back({std::move(**h), std::move(*xml)});
            } else if (type == "state") {
                auto text = reader->data(o_.max_record_bytes);
                if (!text) return fail(text.error().code, where_ + ": " + text.error().message);
                auto j = nlohmann::json::parse(*text, nullptr, false);
                if (j.is_discarded() || !j.is_object())
                    return fail(Errc::corrupt, where_ + ": the groups/approvals record is not a JSON object");
                state = std::move(j);
            } else {
                return fail(Errc::corrupt, where_ + ": unknown record type \"" + type + "\"");
            }
        }
        auto recs = to_records(revisions);
        if (!recs) return std::unexpected(recs.error());
        progress.revisions = static_cast<int>(revisions.size());
        const bool last = index == rep_.parts_total;
        auto committed = st_.with_writer([&](store::Connection& c) -> Result<void> {
            auto r = commit(c, revisions, *recs, state);
            if (!r) return r;
            store::AirgapRepo airgap(c);
            if (auto d = airgap.mark_part_done(b_.manifest.bundle_id, index); !d) return d;
            if (last) return airgap.complete_import(b_.manifest.bundle_id, now_ms());
            return {};
        });
        if (!committed) return fail(committed.error().code, where_ + ": " + committed.error().message);
        rep_.parts_imported++;
        if (o_.progress) o_.progress(progress);
        return {};
    }

  private:
    Result<void> file_chunk(const nlohmann::json& h, PartReader& reader, PartProgress& progress) {
        const auto sha1 = h.value("sha1", "");
        const auto name = h.value("name", "");
        const auto total = h.value("total", std::uint64_t{0});
        const auto offset = h.value("offset", std::uint64_t{0});
        const auto size = reader.data_size();
        if (!content::is_sha1_hex(sha1) || offset + size > total || offset + size < offset)
            return fail(Errc::corrupt, where_ + ": malformed file record");
        if (!content_) return fail(Errc::invalid_argument, where_ + ": no content store configured for its files");
        content::ExpectedFile ex{sha1, std::nullopt, total, content::extension_of(name)};
        if (auto s = h.value("sha256", ""); s.size() == 64) ex.sha256 = s;
        if (offset == 0) {
            progress.files++;
            rep_.files++;
            rep_.file_bytes += static_cast<std::int64_t>(total);
        }
        if (content_->quick_state(ex) == content::FileState::present) return {};  // held already: skip the bytes
        std::error_code ec;
        const auto dir = o_.staging / b_.manifest.bundle_id;
        std::filesystem::create_directories(dir, ec);
        const auto staged = dir / sha1;
        // pwrite at the chunk's offset: rerunning a part after an interruption rewrites the same bytes.
        int fd = ::open(staged.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) return fail(Errc::io, where_ + ": cannot write " + staged.string() + ": " + std::strerror(errno));
        std::uint64_t at = offset;
        auto copied = reader.copy_data([&](std::string_view bytes) -> Result<void> {
            while (!bytes.empty()) {
                auto w = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(at));
                if (w <= 0) return fail(Errc::io, "cannot write " + staged.string() + ": " + std::strerror(errno));
                at += static_cast<std::uint64_t>(w);
                bytes.remove_prefix(static_cast<std::size_t>(w));
            }
            return {};
        });
        ::close(fd);
        if (!copied) return fail(copied.error().code, where_ + ": " + copied.error().message);
        if (offset + size < total) return {};  // more chunks in later parts
        auto placed = content_->import_file(staged, ex);
        if (!placed)
            return fail(placed.error().code, where_ + ": file " + name + " (" + sha1 + "): " + placed.error().message);
        std::filesystem::remove(staged, ec);
        return {};
    }

    Result<std::vector<std::optional<store::NewRevision>>> to_records(const std::vector<PendingRevision>& revisions) {
        std::vector<std::optional<store::NewRevision>> out;
        auto lookup = [&](std::string_view id) -> std::optional<std::string> {
            if (auto it = category_types_.find(std::string(id)); it != category_types_.end()) return it->second;
            auto stored = st_.with_reader([&](store::Connection& c) { return store::RevisionRepo(c).latest(id); });
            if (stored && stored->update_type == store::UpdateType::category && stored->category_type)
                return *stored->category_type;
            return std::nullopt;
        };
        for (const auto& p : revisions) {
            const auto uid = p.header.value("update_id", "");
            const int rev = p.header.value("revision", 0);
            const std::string what = "update " + uid + " revision " + std::to_string(rev);
            auto parsed = metadata::parse_and_derive(p.xml, o_.parse_limits);
            if (!parsed) return fail(Errc::corrupt, where_ + ": " + what + ": " + parsed.error().message);
            auto& doc = parsed->document;
            if (doc.update_id != uid || doc.revision_number != rev)
                return fail(Errc::corrupt, where_ + ": " + what + ": the document names update " + doc.update_id +
                                               " revision " + std::to_string(doc.revision_number));
            if (doc.is_category()) category_types_[doc.update_id] = doc.category_type();
            metadata::assign_categories(doc, lookup);
            const auto urls = p.header.value("file_urls", nlohmann::json::object());
            for (auto& f : doc.files) {
                const auto* d = f.find_digest("SHA1");
                if (!d) continue;
                auto raw = util::base64_decode(d->value);
                if (!raw) continue;
                if (auto u = urls.find(util::to_hex(*raw)); u != urls.end() && u->is_string()) f.origin_uri = *u;
            }
            auto rec = catalog::to_new_revision(doc, parsed->fragments);
            if (!rec) return fail(Errc::corrupt, where_ + ": " + what + ": " + rec.error().message);
            out.emplace_back(std::move(*rec));
        }
        return out;
    }

    Result<void> commit(store::Connection& c, const std::vector<PendingRevision>& revisions,
                        std::vector<std::optional<store::NewRevision>>& recs, const std::optional<nlohmann::json>& state) {
        store::RevisionRepo repo(c);
        std::vector<store::NewRevision> fresh;
        std::vector<bool> had;
        for (std::size_t i = 0; i < recs.size(); ++i) {
            const auto& h = revisions[i].header;
            auto held = repo.get(recs[i]->update_id, recs[i]->revision_number);
            if (held) {
                rep_.unchanged++;
                // A revision that expired on the exporter travels again; the flag is what changed.
                if (h.value("expired", false) && !held->expired && held->is_latest) {
                    if (auto e = repo.set_expired(held->update_id, true); !e) return e;
                    rep_.counts.expired++;
                }
                continue;
            }
            if (held.error().code != Errc::not_found) return std::unexpected(held.error());
            had.push_back(repo.latest(recs[i]->update_id).has_value());
            fresh.push_back(std::move(*recs[i]));
        }
        auto ins = repo.insert_batch(fresh, now_ms());
        if (!ins) return std::unexpected(ins.error());
        for (std::size_t i = 0; i < ins->size(); ++i) {
            if (!(*ins)[i].created) continue;
            (had[i] ? rep_.counts.revised : rep_.counts.new_updates)++;
            if (fresh[i].expired) rep_.counts.expired++;
        }
        if (!state || state->empty()) return {};
        if (!o_.replica) {
            rep_.deployments = {{"applied", false},
                                {"reason", "this server is autonomous (sync.replica = false): it keeps its own groups "
                                           "and approvals"}};
            return {};
        }
        auto applied = sync::apply_deployments_in(c, deployment_data(*state), now_ms());
        if (!applied) return std::unexpected(applied.error());
        rep_.counts.declined += applied->declined;
        rep_.deployments = {{"applied", true},
                            {"groups_created", applied->groups_created},
                            {"groups_changed", applied->groups_changed},
                            {"groups_removed", applied->groups_removed},
                            {"approvals", applied->approvals},
                            {"withdrawn", applied->withdrawn},
                            {"declined", applied->declined},
                            {"undeclined", applied->undeclined},
                            {"inactive", applied->inactive},
                            {"problems", applied->problems}};
        for (const auto& p : applied->problems) log::sync()->warn("import {}: {}", b_.manifest.bundle_id, p);
        return {};
    }

    store::Store& st_;
    content::ContentStore* content_;
    const VerifiedBundle& b_;
    const ImportOptions& o_;
    ImportReport& rep_;
    std::string where_;
    std::unordered_map<std::string, std::string> category_types_;
};

}  // namespace

nlohmann::json ImportReport::to_json() const {
    return {{"bundle_id", bundle_id},
            {"key_id", key_id},
            {"sequence", sequence},
            {"incremental", incremental},
            {"parts_total", parts_total},
            {"parts_before", parts_before},
            {"parts_imported", parts_imported},
            {"complete", complete},
            {"new", counts.new_updates},
            {"revised", counts.revised},
            {"expired", counts.expired},
            {"declined", counts.declined},
            {"unchanged", unchanged},
            {"files", files},
            {"file_bytes", file_bytes},
            {"deployments", deployments},
            {"run_id", run_id}};
}

Result<ImportReport> import_bundle(store::Store& st, content::ContentStore* content, const VerifiedBundle& b,
                                   const ImportOptions& o) {
    auto log = log::sync();
    const auto& m = b.manifest;
    ImportReport rep;
    rep.bundle_id = m.bundle_id;
    rep.key_id = m.key_id;
    rep.sequence = m.sequence;
    rep.incremental = m.since.has_value();
    rep.parts_total = static_cast<int>(m.parts.size());
    auto admitted = st.with_writer([&](store::Connection& c) { return admit(c, m); });
    if (!admitted) {
        log->error("import of bundle {} refused: {}", m.bundle_id, admitted.error().message);
        return std::unexpected(admitted.error());
    }
    rep.parts_before = *admitted;
    const std::string source = "bundle " + m.bundle_id + " (sequence " + std::to_string(m.sequence) + ", key " +
                               m.key_id + ")";
    auto run = st.with_writer([&](store::Connection& c) -> Result<std::int64_t> {
        // started_by is "import" for every front end, so the earlier runs of this bundle are found by it.
        auto i = store::AirgapRepo(c).interrupt_import_runs(source, "interrupted; resumed by a later import", now_ms());
        if (!i) return std::unexpected(i.error());
        return store::SyncRepo(c).start_run(now_ms(), "import", source);
    });
    if (!run) return std::unexpected(run.error());
    rep.run_id = *run;
    log->info("import of {} from {}: {} parts, {} already committed", source, b.dir.string(), rep.parts_total,
              rep.parts_before);
    for (int i = 1; i <= rep.parts_before && o.progress; ++i) o.progress({i, rep.parts_total, 0, 0, true});

    Importer importer(st, content, b, o, rep);
    Result<void> outcome;
    for (int i = rep.parts_before + 1; i <= rep.parts_total; ++i) {
        if (o.max_parts > 0 && rep.parts_imported >= o.max_parts) break;
        outcome = importer.part(i);
        if (!outcome) break;
    }
    rep.complete = outcome && rep.parts_before + rep.parts_imported == rep.parts_total;
    if (rep.complete) {
        std::error_code ec;
        std::filesystem::remove_all(o.staging / m.bundle_id, ec);
    }
    const auto result = !outcome ? store::SyncResult::failed
                        : rep.complete ? store::SyncResult::succeeded
                                       : store::SyncResult::cancelled;
    std::string error = !outcome ? outcome.error().message
                        : rep.complete ? std::string()
                                       : "stopped after " + std::to_string(rep.parts_before + rep.parts_imported) +
                                             " of " + std::to_string(rep.parts_total) +
                                             " parts; import the bundle again to continue";
    auto details = rep.to_json();
    details["kind"] = "import";
    (void)st.with_writer([&](store::Connection& c) -> Result<void> {
        store::SyncRepo s(c);
        if (auto d = s.set_run_details(rep.run_id, details.dump()); !d) return d;
        return s.finish_run(rep.run_id, result, rep.counts, error, now_ms());
    });
    if (!outcome) {
        log->error("import of {} failed: {}", source, outcome.error().message);
        return std::unexpected(outcome.error());
    }
    log->info("import of {}: {} parts committed ({}), {} new, {} revised, {} expired, {} declined, {} files", source,
              rep.parts_imported, rep.complete ? "complete" : "partial", rep.counts.new_updates, rep.counts.revised,
              rep.counts.expired, rep.counts.declined, rep.files);
    return rep;
}

}  // namespace wsusd::transfer
