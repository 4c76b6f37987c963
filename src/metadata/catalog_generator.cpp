#include "metadata/catalog_generator.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <sstream>
#include <utility>

#include "metadata/parse_document.h"

namespace wsusd::metadata {

namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

// splitmix64's finalizer: a cheap, well-mixed 64-bit permutation; the content generator's counter mode relies on it.
std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// xoshiro256**, with integer-only helpers: std:: distributions differ between standard libraries, and the catalog
// must be the same bytes everywhere for a seed.
class Rng {
  public:
    explicit Rng(std::uint64_t seed) {
        std::uint64_t x = seed;
        for (auto& s : s_) s = mix64(x += kGolden);
    }
    std::uint64_t next() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
    std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
    bool percent(unsigned p) { return below(100) < p; }
    bool permille(unsigned p) { return below(1000) < p; }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[below(v.size())];
    }

  private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::array<std::uint64_t, 4> s_{};
};

std::string guid(Rng& rng) {
    std::uint64_t hi = rng.next(), lo = rng.next();
    hi = (hi & ~0xF000ULL) | 0x4000ULL;                         // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
    char buf[37];
    std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                  static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
    return buf;
}

// Days since 1970-01-01 to a civil date (proleptic Gregorian).
void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

std::string format_datetime(std::int64_t unix_seconds, unsigned millis, bool with_millis = true) {
    std::int64_t days = unix_seconds / 86400, secs = unix_seconds % 86400;
    int y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    char buf[40];
    if (with_millis)
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03uZ", y, m, d, static_cast<int>(secs / 3600),
                      static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60), millis % 1000);
    else
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, static_cast<int>(secs / 3600),
                      static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
    return buf;
}

std::string format_date(std::int64_t unix_seconds) { return format_datetime(unix_seconds, 0, false).substr(0, 10); }

void append_escaped(std::string& out, std::string_view s) {
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
}

// Appends ` name="value"` with the value escaped.
void attr(std::string& out, std::string_view name, std::string_view value) {
    out += ' ';
    out += name;
    out += "=\"";
    append_escaped(out, value);
    out += '"';
}

void text_element(std::string& out, std::string_view qname, std::string_view text) {
    out += '<';
    out += qname;
    out += '>';
    append_escaped(out, text);
    out += "</";
    out += qname;
    out += '>';
}

// FNV-1a: a portable string hash (std::hash differs between standard libraries).
std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    return h;
}

std::string slug(std::string_view s) {
    std::string out;
    for (char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out += c;
        else if (c >= 'A' && c <= 'Z')
            out += static_cast<char>(c - 'A' + 'a');
        else if (!out.empty() && out.back() != '-')
            out += '-';
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out;
}

std::string base64(const unsigned char* data, std::size_t n) {
    std::string out(4 * ((n + 2) / 3), '\0');
    int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
    out.resize(static_cast<std::size_t>(len));
    return out;
}

// --- Templates ---------------------------------------------------------------------------------------------------

struct StringWriter : pugi::xml_writer {
    std::string& out;
    explicit StringWriter(std::string& s) : out(s) {}
    void write(const void* data, std::size_t size) override { out.append(static_cast<const char*>(data), size); }
};

std::string print(const pugi::xml_node& n) {
    std::string s;
    StringWriter w(s);
    n.print(w, "", pugi::format_raw, pugi::encoding_utf8);
    return s;
}

constexpr std::string_view kSlot = "@@WSUSD-SLOT@@";

// Printed template XML with holes where per-document attribute values go.
struct Snippet {
    std::vector<std::string> parts;
    void emit(std::string& out, std::string_view value) const {
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (i) append_escaped(out, value);
            out += parts[i];
        }
    }
};

Snippet make_snippet(const pugi::xml_node& node, std::string_view slot_value) {
    pugi::xml_document scratch;
    pugi::xml_node copy = scratch.append_copy(node);
    // Template trees passed parse limits, so the explicit stack stays small.
    std::vector<pugi::xml_node> stack{copy};
    while (!stack.empty()) {
        pugi::xml_node n = stack.back();
        stack.pop_back();
        for (pugi::xml_attribute a : n.attributes())
            if (!slot_value.empty() && slot_value == a.value()) a.set_value(std::string(kSlot).c_str());
        for (pugi::xml_node c : n.children())
            if (c.type() == pugi::node_element) stack.push_back(c);
    }
    std::string printed = print(copy);
    Snippet s;
    std::size_t start = 0;
    for (std::size_t pos; (pos = printed.find(kSlot, start)) != std::string::npos; start = pos + kSlot.size())
        s.parts.push_back(printed.substr(start, pos - start));
    s.parts.push_back(printed.substr(start));
    return s;
}

pugi::xml_node upd_child(const pugi::xml_node& parent, std::string_view local) {
    for (pugi::xml_node c : parent.children())
        if (c.type() == pugi::node_element && xml::local_name(c.name()) == local && xml::namespace_of(c) == ns::kUpdate)
            return c;
    return {};
}

struct LeafShape {
    std::string rules;             // printed upd:ApplicabilityRules
    std::string install_behavior;  // printed upd:InstallationBehavior, may be empty
    Snippet handler_data;          // upd:HandlerSpecificData with the payload file name as a slot
    std::string handler;           // Properties/@Handler
};

struct Templates {
    std::string ns_decls;  // ` xmlns:p="uri"` for the generated root
    std::string category_rules;
    std::string category_handler;
    std::string category_hsd_type;
    std::string category_info_name;
    std::vector<LeafShape> leaves;
};

Result<Templates> load_templates(const std::filesystem::path& dir) {
    std::error_code ec;
    if (dir.empty() || !std::filesystem::is_directory(dir, ec))
        return fail(Errc::invalid_argument,
                    "catalog generator: template directory " + dir.string() + " does not exist");
    std::vector<std::filesystem::path> paths;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".xml") paths.push_back(e.path());
    if (ec) return fail(Errc::io, "catalog generator: cannot list " + dir.string() + ": " + ec.message());
    std::sort(paths.begin(), paths.end());

    Templates t;
    // Prefixes the generated parts use themselves; templates may add more but must not rebind these.
    std::vector<std::pair<std::string, std::string>> decls = {{"upd", std::string(ns::kUpdate)},
                                                              {"lar", std::string(ns::kLogicalApplicabilityRules)},
                                                              {"bar", std::string(ns::kBaseApplicabilityRules)},
                                                              {"cat", std::string(ns::kCategoryHandler)},
                                                              {"drv", std::string(ns::kWindowsDriver)}};
    bool have_category = false;
    for (const auto& path : paths) {
        std::ifstream f(path, std::ios::binary);
        std::stringstream ss;
        ss << f.rdbuf();
        pugi::xml_document tree;
        auto doc = parse_update_document(ss.str(), ParseLimits{}, tree);
        if (!doc)
            return fail(doc.error().code, "catalog generator: template " + path.string() + ": " + doc.error().message);
        pugi::xml_node root = tree.document_element();
        for (pugi::xml_attribute a : root.attributes()) {
            std::string_view name = a.name();
            if (name.substr(0, 6) != "xmlns:") continue;
            std::string prefix(name.substr(6));
            auto it = std::find_if(decls.begin(), decls.end(), [&](const auto& d) { return d.first == prefix; });
            if (it == decls.end())
                decls.emplace_back(prefix, a.value());
            else if (it->second != a.value())
                return fail(Errc::invalid_argument, "catalog generator: template " + path.string() + " binds prefix " +
                                                        prefix + " to " + a.value() + ", expected " + it->second);
        }
        if (doc->category && !have_category) {
            pugi::xml_node rules = upd_child(root, "ApplicabilityRules");
            pugi::xml_node hsd = upd_child(root, "HandlerSpecificData");
            pugi::xml_node info = hsd ? hsd.find_child([](pugi::xml_node n) {
                return xml::local_name(n.name()) == "CategoryInformation";
            })
                                      : pugi::xml_node{};
            if (!rules || !info) continue;
            t.category_rules = print(rules);
            t.category_handler = doc->handler;
            t.category_hsd_type = doc->handler_specific_type;
            t.category_info_name = info.name();
            have_category = true;
        } else if (doc->kind == UpdateKind::software && !doc->files.empty()) {
            pugi::xml_node rules = upd_child(root, "ApplicabilityRules");
            pugi::xml_node hsd = upd_child(root, "HandlerSpecificData");
            if (!rules || !hsd) continue;
            LeafShape leaf;
            leaf.rules = print(rules);
            if (pugi::xml_node behavior = upd_child(upd_child(root, "Properties"), "InstallationBehavior"))
                leaf.install_behavior = print(behavior);
            leaf.handler_data = make_snippet(hsd, doc->files.front().file_name);
            leaf.handler = doc->handler;
            t.leaves.push_back(std::move(leaf));
        }
    }
    if (!have_category)
        return fail(Errc::invalid_argument, "catalog generator: no category document in " + dir.string());
    if (t.leaves.empty())
        return fail(Errc::invalid_argument,
                    "catalog generator: no software document with files and handler data in " + dir.string());
    for (const auto& [prefix, uri] : decls) attr(t.ns_decls, "xmlns:" + prefix, uri);
    return t;
}

// --- Catalog plan --------------------------------------------------------------------------------------------

// Generic names: the catalog must not look like (or be mistaken for) real Microsoft data.
const std::vector<std::string> kCompanies = {"Contoso", "Fabrikam", "Northwind Traders"};
const std::vector<std::string> kFamilies = {"Desktop", "Server"};
const std::vector<std::string> kProductSuffixes = {"2019", "2022", "2025"};
const std::vector<std::string> kClassifications = {
    "Critical Updates", "Security Updates", "Definition Updates", "Updates",
    "Update Rollups",   "Service Packs",    "Feature Packs",      "Tools",
    "Drivers",          "Driver Sets",      "Upgrades",           "Applications"};
constexpr std::size_t kSecurityUpdates = 1, kUpdates = 3, kDrivers = 8;
const std::vector<std::string> kDriverClasses = {"Net",    "Display",  "MEDIA",     "USB",
                                                 "System", "HIDClass", "Bluetooth", "SCSIAdapter"};
const std::vector<std::string> kHardwareMakers = {"Contoso Devices", "Fabrikam Semiconductor", "Litware",
                                                  "Adventure Works", "Proseware"};
const std::vector<std::string> kSeverities = {"Critical", "Important", "Moderate", "Low"};

struct GenFile {
    std::string name;
    FileSpec spec;
    GeneratedDigests digests;
    std::string modified;
    std::string patching_type;
};

struct Category {
    std::string id;
    std::string name;
    std::string parent_id;
    std::string type;  // Company, ProductFamily, Product, UpdateClassification
};

struct Driver {
    std::string id;
    std::int32_t revision = 200;
    std::int64_t created = 0;
    std::string product_id;
    std::string superseded;
    std::string maker;
    std::string driver_class;
    std::string version;
    std::string ver_date;
    std::vector<std::string> hardware_ids;
    std::string title;
    GenFile file;
};

struct Software {
    std::string id;
    std::int32_t revision = 200;
    std::int64_t created = 0;
    bool bundle = false;
    bool bundle_leaf = false;
    std::string title;
    std::string description;
    std::string product_id;
    std::string classification_id;
    std::vector<std::string> detectoids;
    std::string chain_prereq;
    std::string superseded;
    std::vector<std::pair<std::string, std::int32_t>> bundled;
    unsigned kb = 0;
    std::string severity;
    std::string bulletin;
    bool uninstallable = false;
    std::size_t shape = 0;
    std::vector<GenFile> files;
    std::string eula_id;
    std::vector<std::pair<std::string, GenFile>> eula_files;  // language → file
};

class Generator {
  public:
    Generator(const GeneratorOptions& o, Templates t) : o_(o), t_(std::move(t)), rng_(o.seed) {
        // Our own publisher id (not the templates'), so the catalog cannot pass for real Microsoft metadata.
        Rng publisher(o.seed ^ 0x7075626C69736865ULL);
        publisher_id_ = guid(publisher);
        default_language_ = std::find(o.languages.begin(), o.languages.end(), "en") != o.languages.end()
                                ? std::string("en")
                                : o.languages.front();
    }

    Result<GeneratorStats> run();

  private:
    Result<void> write(const std::string& id, std::int32_t revision, const std::string& xml);
    Result<GenFile> make_file(std::string name, std::uint64_t size, std::int64_t created);
    std::uint64_t draw_size();

    void open_doc(std::string& x, const std::string& id, std::int32_t revision) const;
    void localized(std::string& x, const std::string& title, const std::string& description,
                   const std::string& support_url,
                   const std::vector<std::pair<std::string, GenFile>>& eulas = {}) const;
    void files_element(std::string& x, const std::vector<GenFile>& files) const;
    void category_clause(std::string& x, const std::string& id, bool is_category) const;

    Result<void> emit_category(const Category& c, std::int32_t revision, std::size_t display_order,
                               std::int64_t created);
    Result<void> emit_detectoid(const std::string& id, std::size_t n);
    Result<void> emit_software(const Software& s);
    Result<void> emit_driver(const Driver& d);

    Result<void> plan_categories();
    Result<void> add_bundle(std::size_t leaves);
    Result<Software> make_leaf(const std::string& product, const std::string& classification, bool in_bundle,
                               unsigned kb, std::size_t part);
    Result<void> add_standalone();
    Result<void> add_driver();
    Result<void> add_revision();
    std::int64_t next_time() { return clock_ += 600 + static_cast<std::int64_t>(rng_.below(3000)); }

    const GeneratorOptions& o_;
    Templates t_;
    Rng rng_;
    std::string default_language_;
    std::string publisher_id_;
    GeneratorStats stats_;
    std::size_t budget_ = 0;
    std::int64_t clock_ = 1704067200;  // 2024-01-01T00:00:00Z
    std::uint64_t file_counter_ = 0;
    unsigned kb_counter_ = 5000000;
    std::vector<Category> products_, classifications_;
    std::vector<std::string> detectoids_;
    std::map<std::pair<std::string, std::string>, std::string> last_bundle_, last_standalone_;
    std::map<std::string, std::string> last_driver_;  // first hardware id → update id
    std::vector<Software> revisable_software_;
    std::vector<Driver> revisable_drivers_;
    std::vector<std::string> manifest_;
};

std::uint64_t Generator::draw_size() {
    // Three log-uniform bands (small, medium, large), integer only: pick a power of two, then a value inside it.
    unsigned band = static_cast<unsigned>(rng_.below(1000));
    std::uint64_t lo, hi;
    if (band < 900)
        lo = 512, hi = 128 * 1024;
    else if (band < 995)
        lo = 128 * 1024, hi = 2 * 1024 * 1024;
    else
        lo = 2 * 1024 * 1024, hi = 16 * 1024 * 1024;
    lo = std::clamp(lo, o_.min_file_size, o_.max_file_size);
    hi = std::clamp(hi, o_.min_file_size, o_.max_file_size);
    unsigned lo_bits = 63 - static_cast<unsigned>(__builtin_clzll(lo)),
             hi_bits = 63 - static_cast<unsigned>(__builtin_clzll(hi));
    // Octaves [2^lo_bits, 2^hi_bits): the top octave would mostly exceed hi.
    unsigned bits = static_cast<unsigned>(rng_.between(lo_bits, hi_bits > lo_bits ? hi_bits - 1 : lo_bits));
    std::uint64_t base = 1ULL << bits;
    return std::clamp(base + rng_.below(base), lo, hi);
}

Result<GenFile> Generator::make_file(std::string name, std::uint64_t size, std::int64_t created) {
    GenFile f;
    f.name = std::move(name);
    f.spec = {mix64(o_.seed * kGolden + ++file_counter_), size};
    auto digests = digest_generated_file(f.spec);
    if (!digests) return std::unexpected(digests.error());
    f.digests = std::move(*digests);
    f.modified = format_datetime(created - 3600 - static_cast<std::int64_t>(rng_.below(86400)), 0, false);
    ++stats_.files;
    stats_.file_bytes += size;
    if (o_.write_manifest) {
        char seed_hex[17];
        std::snprintf(seed_hex, sizeof seed_hex, "%016llx", static_cast<unsigned long long>(f.spec.content_seed));
        manifest_.push_back(f.digests.sha1_base64 + '\t' + f.digests.sha256_base64 + '\t' + std::to_string(size) +
                            '\t' + seed_hex + '\t' + f.name);
    }
    return f;
}

Result<void> Generator::write(const std::string& id, std::int32_t revision, const std::string& xml) {
    auto path = o_.output_dir / (id + "-r" + std::to_string(revision) + ".xml");
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), std::fclose);
    if (!f || std::fwrite(xml.data(), 1, xml.size(), f.get()) != xml.size())
        return fail(Errc::io, "catalog generator: cannot write " + path.string());
    ++stats_.documents;
    stats_.document_bytes += xml.size();
    --budget_;
    return {};
}

void Generator::open_doc(std::string& x, const std::string& id, std::int32_t revision) const {
    x += "<upd:Update";
    x += t_.ns_decls;
    x += "><upd:UpdateIdentity";
    attr(x, "UpdateID", id);
    attr(x, "RevisionNumber", std::to_string(revision));
    x += " />";
}

void Generator::localized(std::string& x, const std::string& title, const std::string& description,
                          const std::string& support_url,
                          const std::vector<std::pair<std::string, GenFile>>& eulas) const {
    x += "<upd:LocalizedPropertiesCollection>";
    for (const auto& lang : o_.languages) {
        // Other languages get the English text tagged with the language: enough to tell them apart in tests.
        std::string tag = lang == "en" ? std::string() : "[" + lang + "] ";
        x += "<upd:LocalizedProperties>";
        text_element(x, "upd:Language", lang);
        text_element(x, "upd:Title", tag + title);
        if (!description.empty()) text_element(x, "upd:Description", tag + description);
        if (!support_url.empty()) text_element(x, "upd:SupportUrl", support_url);
        x += "</upd:LocalizedProperties>";
    }
    for (const auto& [lang, f] : eulas) {
        x += "<upd:EulaFile";
        attr(x, "Digest", f.digests.sha1_base64);
        attr(x, "DigestAlgorithm", "SHA1");
        attr(x, "FileName", f.name);
        attr(x, "Size", std::to_string(f.spec.size));
        attr(x, "Language", lang);
        x += "><upd:AdditionalDigest Algorithm=\"SHA256\">";
        x += f.digests.sha256_base64;
        x += "</upd:AdditionalDigest></upd:EulaFile>";
    }
    x += "</upd:LocalizedPropertiesCollection>";
}

void Generator::files_element(std::string& x, const std::vector<GenFile>& files) const {
    x += "<upd:Files>";
    for (const auto& f : files) {
        x += "<upd:File";
        attr(x, "Digest", f.digests.sha1_base64);
        attr(x, "DigestAlgorithm", "SHA1");
        attr(x, "FileName", f.name);
        attr(x, "Size", std::to_string(f.spec.size));
        attr(x, "Modified", f.modified);
        if (!f.patching_type.empty()) attr(x, "PatchingType", f.patching_type);
        x += "><upd:AdditionalDigest Algorithm=\"SHA256\">";
        x += f.digests.sha256_base64;
        x += "</upd:AdditionalDigest></upd:File>";
    }
    x += "</upd:Files>";
}

void Generator::category_clause(std::string& x, const std::string& id, bool is_category) const {
    if (id.empty()) return;
    x += is_category ? "<upd:AtLeastOne IsCategory=\"true\">" : "<upd:AtLeastOne>";
    x += "<upd:UpdateIdentity";
    attr(x, "UpdateID", id);
    x += " /></upd:AtLeastOne>";
}

Result<void> Generator::emit_category(const Category& c, std::int32_t revision, std::size_t display_order,
                                      std::int64_t created) {
    std::string x;
    open_doc(x, c.id, revision);
    x += "<upd:Properties";
    attr(x, "DefaultPropertiesLanguage", default_language_);
    attr(x, "IsPublic", "true");
    attr(x, "UpdateType", "Category");
    attr(x, "Handler", t_.category_handler);
    attr(x, "PublicationState", "Published");
    attr(x, "CreationDate", format_datetime(created, static_cast<unsigned>(rng_.below(1000))));
    attr(x, "PublisherID", publisher_id_);
    x += "></upd:Properties>";
    localized(x, c.name, c.name, "");
    if (!c.parent_id.empty()) {
        x += "<upd:Relationships><upd:Prerequisites>";
        category_clause(x, c.parent_id, true);
        x += "</upd:Prerequisites></upd:Relationships>";
    }
    x += t_.category_rules;
    x += "<upd:HandlerSpecificData";
    attr(x, "xsi:type", t_.category_hsd_type);
    attr(x, "xmlns:xsi", ns::kXsi);
    x += "><";
    x += t_.category_info_name;
    attr(x, "CategoryType", c.type);
    bool leaf = c.type == "Product" || c.type == "UpdateClassification";
    attr(x, "ProhibitsSubcategories", leaf ? "true" : "false");
    attr(x, "ProhibitsUpdates", c.type == "Company" || c.type == "ProductFamily" ? "true" : "false");
    attr(x, "DisplayOrder", std::to_string(display_order));
    x += " /></upd:HandlerSpecificData></upd:Update>";
    return write(c.id, revision, x);
}

Result<void> Generator::emit_detectoid(const std::string& id, std::size_t n) {
    std::string x;
    open_doc(x, id, 200);
    x += "<upd:Properties";
    attr(x, "UpdateType", "Detectoid");
    attr(x, "DefaultPropertiesLanguage", default_language_);
    attr(x, "PublicationState", "Published");
    attr(x, "CreationDate", format_datetime(clock_ - 86400 * 400 + static_cast<std::int64_t>(n) * 3600, 0));
    attr(x, "PublisherID", publisher_id_);
    x += "></upd:Properties>";
    unsigned build = 17763 + static_cast<unsigned>(n % 16) * 100;
    static const std::array<std::pair<const char*, const char*>, 3> kArch = {
        {{"0", "x86"}, {"9", "x64"}, {"12", "arm64"}}};  // PROCESSOR_ARCHITECTURE_* values
    const char* arch = kArch[n % 3].first;
    localized(x, "Windows 10 build " + std::to_string(build) + " or later on " + kArch[n % 3].second, "", "");
    x += "<upd:ApplicabilityRules><upd:IsInstalled><lar:And><bar:WindowsVersion Comparison=\"GreaterThanOrEqualTo\" "
         "MajorVersion=\"10\" MinorVersion=\"0\"";
    attr(x, "BuildNumber", std::to_string(build));
    x += " /><bar:Processor";
    attr(x, "Architecture", arch);
    x += " /></lar:And></upd:IsInstalled></upd:ApplicabilityRules></upd:Update>";
    return write(id, 200, x);
}

Result<void> Generator::emit_software(const Software& s) {
    const LeafShape& shape = t_.leaves[s.shape];
    if (!s.superseded.empty()) ++stats_.superseding_updates;
    if (!s.chain_prereq.empty()) ++stats_.prerequisite_chain_links;
    bool has_files = !s.files.empty();
    std::string x;
    open_doc(x, s.id, s.revision);
    x += "<upd:Properties";
    attr(x, "UpdateType", "Software");
    if (!s.bundle_leaf) {
        attr(x, "ExplicitlyDeployable", "true");
        attr(x, "AutoSelectOnWebSites", s.classification_id == classifications_.at(0).id ? "true" : "false");
    }
    attr(x, "DefaultPropertiesLanguage", default_language_);
    if (has_files) {
        std::uint64_t total = 0;
        for (const auto& f : s.files) total += f.spec.size;
        attr(x, "Handler", shape.handler);
        attr(x, "MaxDownloadSize", std::to_string(total));
        attr(x, "MinDownloadSize", "0");
    }
    if (!s.severity.empty()) attr(x, "MsrcSeverity", s.severity);
    if (!s.eula_id.empty()) attr(x, "EulaID", s.eula_id);
    attr(x, "PublicationState", "Published");
    attr(x, "CreationDate", format_datetime(s.created, static_cast<unsigned>(s.created % 1000)));
    attr(x, "PublisherID", publisher_id_);
    x += '>';
    if (has_files) x += shape.install_behavior;
    if (s.uninstallable) x += "<upd:UninstallationBehavior RebootBehavior=\"CanRequestReboot\" />";
    if (s.kb) text_element(x, "upd:KBArticleID", std::to_string(s.kb));
    if (!s.bulletin.empty()) text_element(x, "upd:SecurityBulletinID", s.bulletin);
    x += "</upd:Properties>";
    localized(x, s.title, s.description,
              s.bundle_leaf ? std::string() : "https://support.example.invalid/help/" + std::to_string(s.kb),
              s.eula_files);

    x += "<upd:Relationships><upd:Prerequisites>";
    for (const auto& d : s.detectoids) {
        x += "<upd:UpdateIdentity";
        attr(x, "UpdateID", d);
        x += " />";
    }
    if (!s.chain_prereq.empty()) {
        x += "<upd:UpdateIdentity";
        attr(x, "UpdateID", s.chain_prereq);
        x += " />";
    }
    if (s.bundle_leaf) {
        // Leaves inside a bundle name only the product, without IsCategory (as the real leaves do).
        category_clause(x, s.product_id, false);
    } else {
        category_clause(x, s.classification_id, true);
        category_clause(x, s.product_id, true);
    }
    x += "</upd:Prerequisites>";
    if (!s.bundled.empty()) {
        x += "<upd:BundledUpdates><upd:AtLeastOne>";
        for (const auto& [id, rev] : s.bundled) {
            x += "<upd:UpdateIdentity";
            attr(x, "UpdateID", id);
            attr(x, "RevisionNumber", std::to_string(rev));
            x += " />";
        }
        x += "</upd:AtLeastOne></upd:BundledUpdates>";
    }
    if (!s.superseded.empty()) {
        x += "<upd:SupersededUpdates><upd:UpdateIdentity";
        attr(x, "UpdateID", s.superseded);
        x += " /></upd:SupersededUpdates>";
    }
    x += "</upd:Relationships>";
    if (has_files) {
        x += shape.rules;
        files_element(x, s.files);
        shape.handler_data.emit(x, s.files.front().name);
    }
    x += "</upd:Update>";
    return write(s.id, s.revision, x);
}

Result<void> Generator::emit_driver(const Driver& d) {
    if (!d.superseded.empty()) ++stats_.superseding_updates;
    std::string x;
    open_doc(x, d.id, d.revision);
    x += "<upd:Properties";
    attr(x, "UpdateType", "Driver");
    attr(x, "ExplicitlyDeployable", "true");
    attr(x, "AutoSelectOnWebSites", "false");
    attr(x, "DefaultPropertiesLanguage", default_language_);
    attr(x, "Handler", ns::kWindowsDriver);
    attr(x, "MaxDownloadSize", std::to_string(d.file.spec.size));
    attr(x, "MinDownloadSize", "0");
    attr(x, "PublicationState", "Published");
    attr(x, "CreationDate", format_datetime(d.created, static_cast<unsigned>(d.created % 1000)));
    attr(x, "PublisherID", publisher_id_);
    x += "><upd:InstallationBehavior RebootBehavior=\"CanRequestReboot\" /></upd:Properties>";
    localized(x, d.title, d.maker + " " + d.driver_class + " driver update released in " + d.ver_date.substr(0, 7), "");
    x += "<upd:Relationships><upd:Prerequisites>";
    if (classifications_.size() > kDrivers) category_clause(x, classifications_[kDrivers].id, true);
    category_clause(x, d.product_id, true);
    x += "</upd:Prerequisites>";
    if (!d.superseded.empty()) {
        x += "<upd:SupersededUpdates><upd:UpdateIdentity";
        attr(x, "UpdateID", d.superseded);
        x += " /></upd:SupersededUpdates>";
    }
    x += "</upd:Relationships><upd:ApplicabilityRules><upd:IsInstalled><drv:WindowsDriverInstalled /></upd:IsInstalled>"
         "<upd:IsSuperseded><drv:WindowsDriverSuperseded /></upd:IsSuperseded><upd:IsInstallable>"
         "<drv:WindowsDriverInstallable /></upd:IsInstallable><upd:Metadata>";
    for (const auto& hwid : d.hardware_ids) {
        x += "<drv:WindowsDriverMetaData";
        attr(x, "HardwareID", hwid);
        attr(x, "WhqlDriverID", std::to_string(mix64(fnv1a(d.id) ^ fnv1a(hwid)) % 90000000 + 10000000));
        attr(x, "Manufacturer", d.maker);
        attr(x, "Company", d.maker);
        attr(x, "Provider", d.maker);
        attr(x, "DriverVerDate", d.ver_date);
        attr(x, "DriverVerVersion", d.version);
        attr(x, "Class", d.driver_class);
        attr(x, "Model", d.maker + " " + d.driver_class + " adapter");
        x += " />";
    }
    x += "</upd:Metadata></upd:ApplicabilityRules>";
    files_element(x, {d.file});
    x += "</upd:Update>";
    return write(d.id, d.revision, x);
}

Result<void> Generator::plan_categories() {
    std::vector<Category> companies, families;
    for (const auto& name : kCompanies) companies.push_back({guid(rng_), name, "", "Company"});
    for (std::size_t i = 0; i < companies.size() * kFamilies.size(); ++i)
        families.push_back({guid(rng_), companies[i / kFamilies.size()].name + " " + kFamilies[i % kFamilies.size()],
                            companies[i / kFamilies.size()].id, "ProductFamily"});
    std::vector<Category> products;
    for (std::size_t i = 0; i < families.size() * kProductSuffixes.size(); ++i)
        products.push_back(
            {guid(rng_),
             families[i / kProductSuffixes.size()].name + " " + kProductSuffixes[i % kProductSuffixes.size()],
             families[i / kProductSuffixes.size()].id, "Product"});
    std::vector<Category> classes;
    for (const auto& name : kClassifications) classes.push_back({guid(rng_), name, "", "UpdateClassification"});
    // Drivers keep the protocol's well-known classification id, which a downstream server's sync.drivers switch
    // recognizes (as WSUS does); the random id is still drawn so the rest of the catalog is unchanged.
    classes[kDrivers].id = "ebfc1fc5-71a4-4f7b-9aca-3b9a503104a0";

    // Order so that a small catalog still gets one of each kind, parents always before children.
    std::vector<std::pair<const Category*, std::size_t>> order;  // category, display order
    order.emplace_back(&companies[0], 1);
    order.emplace_back(&families[0], 1);
    order.emplace_back(&products[0], 1);
    for (std::size_t c : {kSecurityUpdates, kDrivers, kUpdates}) order.emplace_back(&classes[c], c + 1);
    for (std::size_t i = 1; i < companies.size(); ++i) order.emplace_back(&companies[i], i + 1);
    for (std::size_t i = 1; i < families.size(); ++i) order.emplace_back(&families[i], i + 1);
    for (std::size_t i = 1; i < products.size(); ++i) order.emplace_back(&products[i], i + 1);
    for (std::size_t c = 0; c < classes.size(); ++c)
        if (c != kSecurityUpdates && c != kDrivers && c != kUpdates) order.emplace_back(&classes[c], c + 1);

    // Classification slots keep their index (kDrivers, kSecurityUpdates) even when some are not generated.
    classifications_.assign(classes.size(), Category{});
    std::int64_t created = 1104537600;  // 2005-01-01
    for (const auto& [c, display] : order) {
        if (budget_ == 0) break;
        std::int32_t revision = rng_.percent(50) ? 100 : 101;
        if (auto r = emit_category(*c, revision, display, created += 86400 * 30); !r) return r;
        ++stats_.update_ids;
        if (c->type == "Company") {
            ++stats_.companies;
        } else if (c->type == "ProductFamily") {
            ++stats_.product_families;
        } else if (c->type == "Product") {
            ++stats_.products;
            products_.push_back(*c);
        } else {
            ++stats_.classifications;
            classifications_[static_cast<std::size_t>(c - classes.data())] = *c;
        }
    }
    return {};
}

Result<Software> Generator::make_leaf(const std::string& product, const std::string& classification, bool in_bundle,
                                      unsigned kb, std::size_t part) {
    Software s;
    s.id = guid(rng_);
    s.created = next_time();
    s.bundle_leaf = in_bundle;
    s.product_id = product;
    s.classification_id = classification;
    s.shape = rng_.below(t_.leaves.size());
    s.kb = in_bundle ? 0 : kb;
    for (std::size_t i = 0, n = detectoids_.empty() ? 0 : rng_.between(1, 3); i < n; ++i) {
        const std::string& d = rng_.pick(detectoids_);
        if (std::find(s.detectoids.begin(), s.detectoids.end(), d) == s.detectoids.end()) s.detectoids.push_back(d);
    }
    static const std::array<const char*, 3> kArch = {"x64", "x86", "arm64"};
    std::string base = "kb" + std::to_string(kb) + "-" + kArch[part % kArch.size()];
    auto file = make_file(base + ".exe", draw_size(), s.created);
    if (!file) return std::unexpected(file.error());
    s.files.push_back(std::move(*file));
    if (rng_.percent(8)) {
        auto extra = make_file(base + "-express.psf", draw_size(), s.created);
        if (!extra) return std::unexpected(extra.error());
        extra->patching_type = "Express";
        s.files.push_back(std::move(*extra));
    }
    s.uninstallable = rng_.percent(30);
    return s;
}

std::string product_name(const std::vector<Category>& products, const std::string& id) {
    for (const auto& p : products)
        if (p.id == id) return p.name;
    return "the product";
}

Result<void> Generator::add_bundle(std::size_t leaves) {
    const std::string product = products_.empty() ? std::string() : rng_.pick(products_).id;
    std::size_t cls =
        rng_.percent(45) ? kSecurityUpdates : (rng_.percent(50) ? kUpdates : rng_.below(kClassifications.size()));
    if (cls == kDrivers) cls = kUpdates;
    const std::string classification = classifications_[cls].id;
    unsigned kb = kb_counter_ += 1 + static_cast<unsigned>(rng_.below(40));

    Software b;
    b.id = guid(rng_);
    b.bundle = true;
    b.product_id = product;
    b.classification_id = classification;
    b.kb = kb;
    std::string pname = product_name(products_, product);
    for (std::size_t i = 0; i < leaves; ++i) {
        auto leaf = make_leaf(product, classification, true, kb, i);
        if (!leaf) return std::unexpected(leaf.error());
        leaf->title = pname + " package " + std::to_string(i + 1) + " for KB" + std::to_string(kb);
        b.bundled.emplace_back(leaf->id, leaf->revision);
        if (auto r = emit_software(*leaf); !r) return r;
        ++stats_.bundled_leaves;
        ++stats_.update_ids;
    }
    b.created = next_time();
    std::string month = format_date(b.created).substr(0, 7);
    b.title = month + " " + kClassifications[cls].substr(0, kClassifications[cls].size() - 1) + " for " + pname +
              " (KB" + std::to_string(kb) + ")";
    b.description = "Install this update to resolve issues in " + pname +
                    ". After you install it, you may have to "
                    "restart your computer.";
    if (cls == kSecurityUpdates) {
        b.severity = rng_.pick(kSeverities);
        b.bulletin = "CSA" + month.substr(2, 2) + "-" + std::to_string(100 + rng_.below(900));
    }
    auto& last = last_bundle_[{product, classification}];
    if (!last.empty() && rng_.percent(70)) b.superseded = last;
    last = b.id;
    if (rng_.permille(30)) {
        b.eula_id = guid(rng_);
        for (const auto& lang : o_.languages) {
            auto f = make_file("eula_" + lang + "_" + b.eula_id.substr(0, 8) + ".txt",
                               std::clamp<std::uint64_t>(rng_.between(2048, 16384), o_.min_file_size, o_.max_file_size),
                               b.created);
            if (!f) return std::unexpected(f.error());
            b.eula_files.emplace_back(lang, std::move(*f));
        }
        ++stats_.eulas;
    }
    ++stats_.bundles;
    ++stats_.update_ids;
    return emit_software(b);
}

Result<void> Generator::add_standalone() {
    const std::string product = products_.empty() ? std::string() : rng_.pick(products_).id;
    std::size_t cls = rng_.percent(50) ? kUpdates : rng_.below(kClassifications.size());
    if (cls == kDrivers) cls = kUpdates;
    const std::string classification = classifications_[cls].id;
    unsigned kb = kb_counter_ += 1 + static_cast<unsigned>(rng_.below(40));
    auto leaf = make_leaf(product, classification, false, kb, 0);
    if (!leaf) return std::unexpected(leaf.error());
    std::string pname = product_name(products_, product);
    leaf->title = "Update for " + pname + " (KB" + std::to_string(kb) + ")";
    leaf->description = "This update improves the reliability of " + pname + ".";
    if (cls == kSecurityUpdates) leaf->severity = rng_.pick(kSeverities);
    auto& last = last_standalone_[{product, classification}];
    if (!last.empty()) {
        if (rng_.percent(40))
            leaf->superseded = last;
        else if (rng_.percent(50))
            leaf->chain_prereq = last;  // requires the previous one: a prerequisite chain
    }
    last = leaf->id;
    ++stats_.standalone_leaves;
    ++stats_.update_ids;
    if (auto r = emit_software(*leaf); !r) return r;
    revisable_software_.push_back(std::move(*leaf));
    return {};
}

Result<void> Generator::add_driver() {
    Driver d;
    d.id = guid(rng_);
    d.created = next_time();
    d.product_id = products_.empty() ? std::string() : rng_.pick(products_).id;
    d.maker = rng_.pick(kHardwareMakers);
    d.driver_class = rng_.pick(kDriverClasses);
    std::size_t device = rng_.below(96);  // a small device population, so drivers for the same device recur
    unsigned vendor = 0x1000 + static_cast<unsigned>(mix64(o_.seed + device / 8) % 0xE000);
    unsigned dev = 0x0100 + static_cast<unsigned>(mix64(o_.seed * 31 + device) % 0xF000);
    char buf[96];
    std::snprintf(buf, sizeof buf, "PCI\\VEN_%04X&DEV_%04X&SUBSYS_%08X", vendor, dev,
                  static_cast<unsigned>(mix64(device) & 0xFFFFFFFF));
    d.hardware_ids.emplace_back(buf);
    std::snprintf(buf, sizeof buf, "PCI\\VEN_%04X&DEV_%04X", vendor, dev);
    d.hardware_ids.emplace_back(buf);
    if (rng_.percent(50)) {  // a compatible id: class code match
        std::snprintf(buf, sizeof buf, "PCI\\VEN_%04X&CC_%04X", vendor, static_cast<unsigned>(0x0200 + device % 16));
        d.hardware_ids.emplace_back(buf);
    }
    d.ver_date = format_date(d.created - 86400 * static_cast<std::int64_t>(rng_.between(10, 200)));
    d.version = std::to_string(rng_.between(1, 31)) + "." + std::to_string(rng_.below(100)) + "." +
                std::to_string(rng_.below(10000)) + "." + std::to_string(rng_.below(1000));
    d.title = d.maker + " - " + d.driver_class + " - " + d.version;
    auto file =
        make_file(slug(d.maker) + "-" + slug(d.driver_class) + "-" + d.version + ".cab", draw_size(), d.created);
    if (!file) return std::unexpected(file.error());
    d.file = std::move(*file);
    auto& last = last_driver_[d.hardware_ids.front()];
    if (!last.empty() && rng_.percent(40)) d.superseded = last;
    last = d.id;
    ++stats_.drivers;
    ++stats_.update_ids;
    if (auto r = emit_driver(d); !r) return r;
    revisable_drivers_.push_back(std::move(d));
    return {};
}

// A later revision of an existing standalone update or driver: new revision number and date, same files.
Result<void> Generator::add_revision() {
    bool driver = !revisable_drivers_.empty() && (revisable_software_.empty() || rng_.percent(30));
    ++stats_.extra_revisions;
    if (driver) {
        Driver& d = revisable_drivers_[rng_.below(revisable_drivers_.size())];
        ++d.revision;
        d.created = next_time();
        return emit_driver(d);
    }
    Software& s = revisable_software_[rng_.below(revisable_software_.size())];
    ++s.revision;
    s.created = next_time();
    return emit_software(s);
}

Result<GeneratorStats> Generator::run() {
    budget_ = o_.revisions;
    if (auto r = plan_categories(); !r) return std::unexpected(r.error());
    std::size_t wanted_detectoids = std::clamp<std::size_t>(o_.revisions / 250, 4, 200);
    for (std::size_t i = 0; i < wanted_detectoids && budget_ > 0; ++i) {
        std::string id = guid(rng_);
        if (auto r = emit_detectoid(id, i); !r) return std::unexpected(r.error());
        detectoids_.push_back(std::move(id));
        ++stats_.detectoids;
        ++stats_.update_ids;
    }
    while (budget_ > 0) {
        unsigned roll = static_cast<unsigned>(rng_.below(100));
        Result<void> r;
        if (roll < 5 && !(revisable_software_.empty() && revisable_drivers_.empty())) {
            r = add_revision();
        } else if (roll < 60 && budget_ >= 2) {
            r = add_bundle(std::min<std::size_t>(rng_.between(1, 3), budget_ - 1));
        } else if (roll < 85) {
            r = add_standalone();
        } else {
            r = add_driver();
        }
        if (!r) return std::unexpected(r.error());
    }
    if (o_.write_manifest) {
        auto path = o_.output_dir / "content-manifest.tsv";
        std::ofstream m(path, std::ios::binary | std::ios::trunc);
        m << "# sha1_base64\tsha256_base64\tsize\tcontent_seed_hex\tfile_name\n";
        for (const auto& line : manifest_) m << line << '\n';
        if (!m) return fail(Errc::io, "catalog generator: cannot write " + path.string());
    }
    return stats_;
}

}  // namespace

std::size_t generated_file_bytes(const FileSpec& spec, std::uint64_t offset, char* out, std::size_t length) {
    if (offset >= spec.size) return 0;
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(length, spec.size - offset));
    const std::uint64_t key = mix64(spec.content_seed ^ 0x5DEECE66DULL);
    std::uint64_t word = offset / 8;
    unsigned skip = static_cast<unsigned>(offset % 8);
    std::size_t done = 0;
    while (done < n) {
        std::uint64_t w = mix64(key + word * kGolden);
        for (unsigned b = skip; b < 8 && done < n; ++b) out[done++] = static_cast<char>((w >> (8 * b)) & 0xFF);
        skip = 0;
        ++word;
    }
    return n;
}

std::string generated_file_content(const FileSpec& spec) {
    std::string s(static_cast<std::size_t>(spec.size), '\0');
    generated_file_bytes(spec, 0, s.data(), s.size());
    return s;
}

Result<GeneratedDigests> digest_generated_file(const FileSpec& spec) {
    using Ctx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
    Ctx sha1(EVP_MD_CTX_new(), EVP_MD_CTX_free), sha256(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!sha1 || !sha256 || EVP_DigestInit_ex(sha1.get(), EVP_sha1(), nullptr) != 1 ||
        EVP_DigestInit_ex(sha256.get(), EVP_sha256(), nullptr) != 1)
        return fail(Errc::internal, "catalog generator: OpenSSL digest initialisation failed");
    std::vector<char> buf(256 * 1024);
    for (std::uint64_t offset = 0; offset < spec.size;) {
        std::size_t n = generated_file_bytes(spec, offset, buf.data(), buf.size());
        if (EVP_DigestUpdate(sha1.get(), buf.data(), n) != 1 || EVP_DigestUpdate(sha256.get(), buf.data(), n) != 1)
            return fail(Errc::internal, "catalog generator: OpenSSL digest update failed");
        offset += n;
    }
    unsigned char d1[EVP_MAX_MD_SIZE], d2[EVP_MAX_MD_SIZE];
    unsigned n1 = 0, n2 = 0;
    if (EVP_DigestFinal_ex(sha1.get(), d1, &n1) != 1 || EVP_DigestFinal_ex(sha256.get(), d2, &n2) != 1)
        return fail(Errc::internal, "catalog generator: OpenSSL digest finalisation failed");
    return GeneratedDigests{base64(d1, n1), base64(d2, n2)};
}

Result<GeneratorStats> generate_catalog(const GeneratorOptions& options) {
    if (options.revisions == 0) return fail(Errc::invalid_argument, "catalog generator: revisions must be at least 1");
    if (options.languages.empty()) return fail(Errc::invalid_argument, "catalog generator: no languages");
    for (const auto& lang : options.languages)
        if (lang.empty() || lang.size() > 16 ||
            lang.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") != std::string::npos)
            return fail(Errc::invalid_argument, "catalog generator: bad language tag \"" + lang + "\"");
    if (options.min_file_size == 0 || options.min_file_size > options.max_file_size)
        return fail(Errc::invalid_argument, "catalog generator: need 0 < min_file_size <= max_file_size");
    if (options.output_dir.empty()) return fail(Errc::invalid_argument, "catalog generator: no output directory");
    std::error_code ec;
    std::filesystem::create_directories(options.output_dir, ec);
    if (ec)
        return fail(Errc::io, "catalog generator: cannot create " + options.output_dir.string() + ": " + ec.message());
    auto templates = load_templates(options.template_dir);
    if (!templates) return std::unexpected(templates.error());
    Generator g(options, std::move(*templates));
    return g.run();
}

}  // namespace wsusd::metadata
