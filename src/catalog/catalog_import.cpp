#include "catalog/catalog_import.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "util/encoding.h"
#include "util/time_format.h"
#include "metadata/fragments.h"
#include "util/log.h"

namespace wsusd::catalog {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> digest_hex(const metadata::UpdateFile& f, std::string_view algorithm, std::size_t bytes) {
    const auto* d = f.find_digest(algorithm);
    if (!d) return std::nullopt;
    auto raw = util::base64_decode(d->value);
    if (!raw || raw->size() != bytes) return std::nullopt;
    return util::to_hex(*raw);
}

store::UpdateType store_type(metadata::UpdateKind k) {
    switch (k) {
        case metadata::UpdateKind::driver: return store::UpdateType::driver;
        case metadata::UpdateKind::category: return store::UpdateType::category;
        case metadata::UpdateKind::detectoid: return store::UpdateType::detectoid;
        default: return store::UpdateType::software;
    }
}

Result<std::string> read_file(const fs::path& p, std::uintmax_t max_bytes) {
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    if (ec) return fail(Errc::io, "cannot read: " + ec.message());
    if (size > max_bytes)
        return fail(Errc::limit_exceeded, "document of " + std::to_string(size) + " bytes exceeds the limit of " +
                                              std::to_string(max_bytes));
    std::ifstream in(p, std::ios::binary);
    std::string text(size, '\0');
    if (!in.read(text.data(), static_cast<std::streamsize>(size))) return fail(Errc::io, "cannot read the file");
    return text;
}

std::vector<fs::path> list_documents(const fs::path& source) {
    std::vector<fs::path> out;
    if (fs::is_regular_file(source)) return {source};
    for (const auto& e : fs::recursive_directory_iterator(source, fs::directory_options::skip_permission_denied))
        if (e.is_regular_file() && e.path().extension() == ".xml") out.push_back(e.path());
    std::sort(out.begin(), out.end());  // deterministic order, and stable progress
    return out;
}

}  // namespace

std::vector<fs::path> dependency_order(const std::vector<fs::path>& files, const std::vector<DocumentDeps>& deps) {
    std::unordered_map<std::string, std::vector<std::size_t>> by_update;  // update id -> its documents, in file order
    for (std::size_t i = 0; i < deps.size(); ++i)
        if (!deps[i].update_id.empty()) by_update[deps[i].update_id].push_back(i);
    enum class Mark : unsigned char { none, visiting, placed };
    std::vector<Mark> mark(files.size(), Mark::none);
    std::vector<fs::path> out;
    out.reserve(files.size());
    // Depth-first, iterative (a long chain of prerequisites must not exhaust the stack). A cycle in the metadata is
    // cut where it closes: its documents keep file order among themselves.
    std::vector<std::pair<std::size_t, std::size_t>> stack;  // (document, next need to look at)
    for (std::size_t root = 0; root < files.size(); ++root) {
        if (mark[root] != Mark::none) continue;
        stack.push_back({root, 0});
        mark[root] = Mark::visiting;
        while (!stack.empty()) {
            const std::size_t doc = stack.back().first;
            std::size_t& next = stack.back().second;
            const auto& needs = deps[doc].needs;
            std::optional<std::size_t> descend;
            while (!descend && next < needs.size()) {
                auto it = by_update.find(needs[next]);
                if (it != by_update.end())
                    for (auto dep : it->second)
                        if (mark[dep] == Mark::none) {
                            descend = dep;  // the same need is looked at again: the update may have more revisions
                            break;
                        }
                if (!descend) ++next;
            }
            if (descend) {
                mark[*descend] = Mark::visiting;
                stack.push_back({*descend, 0});  // invalidates `next`; not used again in this round
                continue;
            }
            mark[doc] = Mark::placed;
            out.push_back(files[doc]);
            stack.pop_back();
        }
    }
    return out;
}

Result<store::NewRevision> to_new_revision(const metadata::UpdateDocument& doc, const metadata::Fragments& fr) {
    store::NewRevision r;
    r.update_id = doc.update_id;
    r.revision_number = doc.revision_number;
    r.update_type = store_type(doc.kind);
    if (doc.category) r.category_type = doc.category->category_type;
    const metadata::LocalizedText* text = doc.localized_for(doc.default_language.empty() ? "en" : doc.default_language);
    if (!text && !doc.localized.empty()) text = &doc.localized.front();
    if (text) r.title = text->title;
    if (!doc.kb_article_id.empty()) r.kb = doc.kb_article_id;
    if (!doc.msrc_severity.empty()) r.msrc_severity = doc.msrc_severity;
    if (!doc.classification_ids.empty()) r.classification_id = doc.classification_ids.front();
    r.product_ids = doc.product_ids;
    for (const auto& c : doc.category_ids) {
        bool known = std::find(doc.product_ids.begin(), doc.product_ids.end(), c) != doc.product_ids.end() ||
                     std::find(doc.classification_ids.begin(), doc.classification_ids.end(), c) !=
                         doc.classification_ids.end();
        if (!known) r.category_ids.push_back(c);
    }
    if (!doc.creation_date.empty()) {
        if (auto t = util::parse_datetime(doc.creation_date))
            r.creation_date = std::chrono::floor<std::chrono::milliseconds>(*t);
    }
    r.is_leaf = doc.is_leaf;
    r.is_bundle = doc.is_bundle;
    r.expired = doc.publication_state == "Expired";
    r.xml = doc.raw_xml;
    r.fragments.push_back({store::FragmentKind::core, "", fr.core});
    if (!fr.extended.empty()) r.fragments.push_back({store::FragmentKind::extended, "", fr.extended});
    for (const auto& [lang, xml] : fr.localized) r.fragments.push_back({store::FragmentKind::localized, lang, xml});
    for (const auto& g : doc.prerequisites) r.prerequisites.push_back(g.update_ids);
    for (const auto& b : doc.bundled_updates) r.bundled.push_back({b.update_id, b.revision_number.value_or(0)});
    r.supersedes = doc.superseded_update_ids;
    for (const auto& f : doc.files) {
        store::FileRecord rec;
        auto sha1 = digest_hex(f, "SHA1", 20);
        if (!sha1) return fail(Errc::invalid_argument, "file " + f.file_name + " has no valid SHA1 digest");
        rec.sha1 = *sha1;
        rec.sha256 = digest_hex(f, "SHA256", 32);
        rec.size = static_cast<std::int64_t>(f.size);
        rec.name = f.file_name;
        rec.url = f.origin_uri;
        rec.patching_type = f.patching_type;
        r.files.push_back(std::move(rec));
    }
    r.languages = doc.languages;
    for (const auto& d : doc.drivers) {
        store::DriverRecord rec;
        rec.hardware_id = d.hardware_id;
        rec.version = d.driver_ver_version;
        rec.date = d.driver_ver_date;
        rec.driver_class = d.driver_class;
        r.drivers.push_back(std::move(rec));
    }
    return r;
}

Result<ImportReport> import_catalog(store::Store& st, const fs::path& source, const ImportOptions& opt) {
    std::error_code ec;
    if (!fs::exists(source, ec)) return fail(Errc::not_found, source.string() + ": no such file or folder");
    auto files = list_documents(source);
    ImportReport report;
    report.documents = files.size();

    // Pass 1: learn the categories in the set, so that membership does not depend on file order
    // (WSUS counts any prerequisite that names a category as membership), and what each document needs.
    std::map<std::string, std::string> category_types;
    std::vector<DocumentDeps> deps(files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        auto text = read_file(files[i], opt.max_document_bytes);
        if (!text) continue;
        auto doc = metadata::parse_update_document(*text, opt.parse_limits);
        if (!doc) continue;
        if (doc->is_category()) category_types[doc->update_id] = doc->category_type();
        deps[i].update_id = doc->update_id;
        for (const auto& g : doc->prerequisites)
            deps[i].needs.insert(deps[i].needs.end(), g.update_ids.begin(), g.update_ids.end());
        for (const auto& b : doc->bundled_updates) deps[i].needs.push_back(b.update_id);
    }
    // Batches commit in an order where every document comes after the documents it needs: a kill between two
    // batches (or a client scanning during the import) never finds a bundle without its members or an update
    // without its prerequisites.
    files = dependency_order(files, deps);
    auto lookup = [&](std::string_view id) -> std::optional<std::string> {
        if (auto it = category_types.find(std::string(id)); it != category_types.end()) return it->second;
        auto stored = st.with_reader([&](store::Connection& c) { return store::RevisionRepo(c).latest(id); });
        if (stored && stored->update_type == store::UpdateType::category && stored->category_type)
            return *stored->category_type;
        return std::nullopt;
    };

    std::vector<store::NewRevision> batch;
    std::size_t done = 0;
    auto flush = [&]() -> Result<void> {
        if (batch.empty()) return {};
        auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
        auto ins = st.with_writer(
            [&](store::Connection& c) { return store::RevisionRepo(c).insert_batch(batch, now); });
        if (!ins) return std::unexpected(ins.error());
        for (const auto& i : *ins) (i.created ? report.imported : report.unchanged)++;
        batch.clear();
        if (opt.progress) opt.progress(done, files.size());
        return {};
    };
    for (const auto& f : files) {
        ++done;
        auto text = read_file(f, opt.max_document_bytes);
        if (!text) {
            report.rejected.push_back({f, text.error().message});
            continue;
        }
        auto parsed = metadata::parse_and_derive(*text, opt.parse_limits);
        if (!parsed) {
            report.rejected.push_back({f, parsed.error().message});
            continue;
        }
        metadata::assign_categories(parsed->document, lookup);
        auto rec = to_new_revision(parsed->document, parsed->fragments);
        if (!rec) {
            report.rejected.push_back({f, rec.error().message});
            continue;
        }
        batch.push_back(std::move(*rec));
        if (batch.size() >= opt.batch_size) {
            if (auto r = flush(); !r) return std::unexpected(r.error());
        }
    }
    if (auto r = flush(); !r) return std::unexpected(r.error());
    for (const auto& rej : report.rejected)
        log::store()->warn("catalog import: {} rejected: {}", rej.file.string(), rej.reason);
    return report;
}

Result<std::size_t> export_catalog(store::Store& st, const fs::path& target) {
    std::error_code ec;
    fs::create_directories(target, ec);
    if (ec) return fail(Errc::io, "cannot create " + target.string() + ": " + ec.message());
    std::size_t written = 0;
    std::int64_t since = 0;
    for (;;) {
        auto page = st.with_reader([&](store::Connection& c) { return store::RevisionRepo(c).changed_since(since, 1000); });
        if (!page) return std::unexpected(page.error());
        if (page->empty()) break;
        for (const auto& rev : *page) {
            since = std::max(since, rev.change_seq);
            auto xml = st.with_reader([&](store::Connection& c) { return store::RevisionRepo(c).xml(rev.id); });
            if (!xml) return std::unexpected(xml.error());
            fs::path out = target / (rev.update_id + "-r" + std::to_string(rev.revision_number) + ".xml");
            std::ofstream f(out, std::ios::binary | std::ios::trunc);
            f << *xml;
            if (!f) return fail(Errc::io, "cannot write " + out.string());
            ++written;
        }
    }
    return written;
}

}  // namespace wsusd::catalog
