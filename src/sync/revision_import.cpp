// Revision lists into the store: fetch what is not stored yet, hold each revision until what it needs is stored,
// commit one transaction per GetUpdateData batch, the list's anchor with the last one.
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "catalog/catalog_import.h"
#include "metadata/fragments.h"
#include "store/revision_repo.h"
#include "sync/dependency_gate.h"
#include "sync/sync_steps.h"
#include "util/encoding.h"
#include "util/log.h"

namespace wsusd::sync::detail {

namespace {

struct Missing {
    UpdateIdentity id;
    std::string reason;
};

bool is_fault_of_one_item(const UpstreamError& e) {
    // Real WSUS answers a batch naming an update it lacks with InternalServerError for the whole batch.
    return e.fault_code == "InternalServerError" || e.fault_code == "InvalidParameters" ||
           e.fault_code == "FileDigestsMissing";
}

// GetUpdateData for `ids`; on a fault that one bad id can cause, bisects until the culprits are isolated, so one
// update the upstream no longer has does not stop the rest of the sync.
UpstreamResult<void> fetch(RunState& rs, std::span<const UpdateIdentity> ids, UpdateDataBatch& out,
                           std::vector<Missing>& missing) {
    auto r = rs.call([&](const ServerCookie& c) { return rs.client.update_data(c, ids); });
    if (r) {
        std::unordered_set<std::string> got;
        for (auto& u : r->updates) {
            got.insert(u.id.update_id + "/" + std::to_string(u.id.revision_number));
            out.updates.push_back(std::move(u));
        }
        for (auto& f : r->file_urls) out.file_urls.push_back(std::move(f));
        for (const auto& id : ids)
            if (!got.count(id.update_id + "/" + std::to_string(id.revision_number)))
                missing.push_back({id, "the upstream did not return it"});
        return {};
    }
    if (!is_fault_of_one_item(r.error())) return std::unexpected(r.error());
    if (ids.size() == 1) {
        missing.push_back({ids[0], r.error().message});
        return {};
    }
    const auto half = ids.size() / 2;
    if (auto a = fetch(rs, ids.first(half), out, missing); !a) return a;
    return fetch(rs, ids.subspan(half), out, missing);
}

std::optional<std::string> sha1_hex(const metadata::UpdateFile& f) {
    const auto* d = f.find_digest("SHA1");
    if (!d) return std::nullopt;
    auto raw = util::base64_decode(d->value);
    if (!raw || raw->size() != 20) return std::nullopt;
    return util::to_hex(*raw);
}

}  // namespace

Result<void> import_revision_list(RunState& rs, const RevisionList& list, store::AnchorKind kind, SyncPhase phase) {
    auto log = log::sync();
    store::Store& st = *rs.deps.store;

    // What committed batches of an earlier (interrupted) run already hold is not fetched again.
    std::vector<UpdateIdentity> todo;
    {
        std::unordered_set<std::string> listed;
        auto r = st.with_reader([&](store::Connection& c) -> Result<void> {
            store::RevisionRepo repo(c);
            for (const auto& id : list.revisions) {
                if (!listed.insert(id.update_id + "/" + std::to_string(id.revision_number)).second) continue;
                auto got = repo.get(id.update_id, id.revision_number);
                if (got) continue;
                if (got.error().code != Errc::not_found) return std::unexpected(got.error());
                todo.push_back(id);
            }
            return {};
        });
        if (!r) return r;
    }
    log->info("{} list: {} revisions listed, {} to fetch", store::anchor_kind_name(kind), list.revisions.size(),
              todo.size());

    std::unordered_set<std::string> expected;
    for (const auto& id : todo) expected.insert(id.update_id);
    DependencyGate gate(std::move(expected));
    std::vector<std::optional<store::NewRevision>> held;
    std::vector<std::size_t> ready;
    auto& missing_json = rs.details["missing_updates"];
    if (!missing_json.is_array()) missing_json = nlohmann::json::array();

    auto category_lookup = [&](std::string_view id) -> std::optional<std::string> {
        if (auto it = rs.category_types.find(std::string(id)); it != rs.category_types.end()) return it->second;
        auto stored = st.with_reader([&](store::Connection& c) { return store::RevisionRepo(c).latest(id); });
        if (stored && stored->update_type == store::UpdateType::category && stored->category_type)
            return *stored->category_type;
        return std::nullopt;
    };

    auto record_missing = [&](const UpdateIdentity& id, const std::string& reason) {
        // By title when an older revision tells it; the administrator can decline the update.
        auto older = st.with_reader([&](store::Connection& c) { return store::RevisionRepo(c).latest(id.update_id); });
        std::string title = older ? older->title : std::string();
        log->warn("update {} revision {}{}: not synchronized: {}", id.update_id, id.revision_number,
                  title.empty() ? "" : " (" + title + ")", reason);
        missing_json.push_back({{"update_id", id.update_id},
                                {"revision", id.revision_number},
                                {"title", title},
                                {"reason", reason}});
        auto more = gate.give_up(id.update_id);
        ready.insert(ready.end(), more.begin(), more.end());
    };

    auto commit = [&](const std::optional<std::string>& anchor) -> Result<void> {
        std::vector<store::NewRevision> recs;
        recs.reserve(ready.size());
        for (auto i : ready) {
            recs.push_back(std::move(*held[i]));
            held[i].reset();
        }
        ready.clear();
        if (recs.empty() && !anchor) return {};
        store::SyncCounts add;
        auto r = st.with_writer([&](store::Connection& c) -> Result<void> {
            store::RevisionRepo repo(c);
            std::vector<bool> had(recs.size());
            for (std::size_t i = 0; i < recs.size(); ++i) had[i] = repo.latest(recs[i].update_id).has_value();
            auto ins = repo.insert_batch(recs, now_ms());
            if (!ins) return std::unexpected(ins.error());
            for (std::size_t i = 0; i < ins->size(); ++i) {
                if (!(*ins)[i].created) continue;
                (had[i] ? add.revised : add.new_updates)++;
                if (recs[i].expired) add.expired++;
            }
            if (anchor) return store::SyncRepo(c).set_anchor(kind, *anchor, now_ms());
            return {};
        });
        if (!r) return r;
        rs.counts.new_updates += add.new_updates;
        rs.counts.revised += add.revised;
        rs.counts.expired += add.expired;
        return {};
    };

    std::size_t done = 0;
    rs.report(phase, 0, todo.size());
    for (std::size_t start = 0; start < todo.size(); start += rs.batch_size) {
        if (rs.cancelled()) return fail(Errc::conflict, "cancelled");
        auto batch = std::span<const UpdateIdentity>(todo).subspan(start, std::min(rs.batch_size, todo.size() - start));
        UpdateDataBatch data;
        std::vector<Missing> missing;
        if (auto f = fetch(rs, batch, data, missing); !f) return std::unexpected(to_error(f.error()));
        std::unordered_map<std::string, const FileUrl*> urls;
        for (const auto& u : data.file_urls) urls[u.sha1_hex] = &u;
        for (const auto& m : missing) record_missing(m.id, m.reason);
        for (auto& blob : data.updates) {
            auto parsed = metadata::parse_and_derive(blob.xml, rs.options.parse_limits);
            if (!parsed) {
                record_missing(blob.id, "malformed update document: " + parsed.error().message);
                continue;
            }
            auto& doc = parsed->document;
            if (doc.update_id != blob.id.update_id || doc.revision_number != blob.id.revision_number) {
                record_missing(blob.id, "the document names update " + doc.update_id + " revision " +
                                            std::to_string(doc.revision_number));
                continue;
            }
            if (doc.is_category()) rs.category_types[doc.update_id] = doc.category_type();
            metadata::assign_categories(doc, category_lookup);
            for (auto& f : doc.files) {
                auto sha = sha1_hex(f);
                if (!sha) continue;
                if (auto it = urls.find(*sha); it != urls.end()) f.origin_uri = it->second->mu_url;
            }
            auto rec = catalog::to_new_revision(doc, parsed->fragments);
            if (!rec) {
                record_missing(blob.id, rec.error().message);
                continue;
            }
            std::vector<std::string> needs;
            for (const auto& g : doc.prerequisites) needs.insert(needs.end(), g.update_ids.begin(), g.update_ids.end());
            for (const auto& b : doc.bundled_updates) needs.push_back(b.update_id);
            const std::size_t index = held.size();
            held.emplace_back(std::move(*rec));
            auto now_ready = gate.add(index, doc.update_id, needs);
            ready.insert(ready.end(), now_ready.begin(), now_ready.end());
        }
        if (auto c = commit(std::nullopt); !c) return c;
        done += batch.size();
        rs.report(phase, done, todo.size());
        if (gate.waiting())
            log->debug("{} revisions wait for prerequisites or bundle members later in the list", gate.waiting());
    }
    auto rest = gate.drain();
    if (!rest.empty())
        log->warn("{} revisions need each other (a cycle in the metadata); stored together", rest.size());
    ready.insert(ready.end(), rest.begin(), rest.end());
    return commit(list.anchor);
}

}  // namespace wsusd::sync::detail
