#include "admin/server_settings.h"

#include <algorithm>
#include <charconv>

#include "store/settings_repo.h"

namespace wsusd::admin {

namespace {

constexpr std::string_view kPrefix = "server.";

std::string trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split_commas(std::string_view s) {
    std::vector<std::string> out;
    while (true) {
        auto comma = s.find(',');
        auto item = trim(s.substr(0, comma));
        if (!item.empty()) out.push_back(item);
        if (comma == std::string_view::npos) return out;
        s.remove_prefix(comma + 1);
    }
}

std::string join_commas(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
}

Result<std::string> normalize(const SettingSpec& spec, std::string_view raw) {
    std::string v = trim(raw);
    auto bad = [&](const std::string& why) { return fail(Errc::invalid_argument, std::string(spec.key) + ": " + why); };
    switch (spec.kind) {
        case SettingKind::text:
        case SettingKind::secret:
            if (v.size() > 2048) return bad("at most 2048 characters");
            if (v.find_first_of("\r\n") != std::string::npos) return bad("must be one line");
            if (spec.key.ends_with("url") && !v.empty() && v.find("://") == std::string::npos)
                return bad("must be a URL (scheme://host[:port]/...)");
            return v;
        case SettingKind::flag: {
            std::string l = v;
            std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
            if (l == "true" || l == "1" || l == "yes" || l == "on") return std::string("true");
            if (l == "false" || l == "0" || l == "no" || l == "off") return std::string("false");
            return bad("must be true or false");
        }
        case SettingKind::integer: {
            std::int64_t n = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < spec.min || n > spec.max)
                return bad("must be an integer from " + std::to_string(spec.min) + " to " + std::to_string(spec.max));
            return std::to_string(n);
        }
        case SettingKind::choice: {
            std::string allowed;
            for (auto c : spec.choices) {
                if (v == c) return v;
                allowed += (allowed.empty() ? "" : ", ") + std::string(c);
            }
            return bad("must be one of " + allowed);
        }
        case SettingKind::list: return join_commas(split_commas(v));
    }
    return bad("unknown kind");
}

// The file's value of a file key, as text.
std::string file_value(const config::Config& c, std::string_view key) {
    if (key == "sync.upstream_url") return c.sync.upstream_url;
    if (key == "sync.mode") return c.sync.replica ? "replica" : "autonomous";
    if (key == "sync.schedule") return join_commas(c.sync.schedule);
    if (key == "sync.interval_minutes") return std::to_string(c.sync.interval_minutes);
    if (key == "sync.products") return join_commas(c.sync.products);
    if (key == "sync.classifications") return join_commas(c.sync.classifications);
    if (key == "sync.languages") return join_commas(c.sync.languages);
    if (key == "sync.drivers") return c.sync.drivers ? "true" : "false";
    if (key == "sync.content") return c.sync.content;
    if (key == "sync.proxy") return c.sync.proxy;
    if (key == "server.public_host") return c.server.public_host;
    if (key == "client.targeting") return c.client.targeting;
    return {};
}

void apply(config::Config& c, std::string_view key, const std::string& v) {
    if (key == "sync.upstream_url") c.sync.upstream_url = v;
    else if (key == "sync.mode") c.sync.replica = v == "replica";
    else if (key == "sync.schedule") c.sync.schedule = split_commas(v);
    else if (key == "sync.interval_minutes") c.sync.interval_minutes = static_cast<unsigned>(std::stoul(v));
    else if (key == "sync.products") c.sync.products = split_commas(v);
    else if (key == "sync.classifications") c.sync.classifications = split_commas(v);
    else if (key == "sync.languages") c.sync.languages = split_commas(v);
    else if (key == "sync.drivers") c.sync.drivers = v == "true";
    else if (key == "sync.content") c.sync.content = v;
    else if (key == "sync.proxy") c.sync.proxy = v;
    else if (key == "server.public_host") c.server.public_host = v;
    else if (key == "client.targeting") c.client.targeting = v;
}

Result<std::map<std::string, std::string, std::less<>>> stored(store::Connection& conn) {
    std::map<std::string, std::string, std::less<>> out;
    auto all = store::SettingsRepo(conn).all();
    if (!all) return std::unexpected(all.error());
    for (const auto& s : *all)
        if (s.key.starts_with(kPrefix) && find_setting(std::string_view(s.key).substr(kPrefix.size())))
            out[s.key.substr(kPrefix.size())] = s.value;
    return out;
}

}  // namespace

namespace {
SettingSpec S(std::string_view key, SettingKind kind, std::string_view help, bool restart,
              std::string_view default_value = {}, std::vector<std::string_view> choices = {}, std::int64_t min = 0,
              std::int64_t max = 0) {
    return SettingSpec{key, kind, help, restart, default_value, std::move(choices), min, max};
}
}  // namespace

const std::vector<SettingSpec>& setting_specs() {
    using K = SettingKind;
    static const std::vector<SettingSpec> specs = {
        S("sync.upstream_url", K::text, "upstream WSUS/wsusd server or Microsoft Update; empty = no synchronization", true),
        S("sync.mode", K::choice, "autonomous: approvals are made here; replica: groups and approvals come from the "
         "upstream server and local changes are refused", true, {}, {"autonomous", "replica"}),
        S("sync.schedule", K::list, "daily synchronization times HH:MM (UTC), comma-separated", true),
        S("sync.interval_minutes", K::integer, "synchronize every N minutes (0 = off)", true, {}, {}, 0, 100000),
        S("sync.products", K::list, "product category ids to synchronize; empty = all", true),
        S("sync.classifications", K::list, "classification category ids to synchronize; empty = all", true),
        S("sync.languages", K::list, "update languages (short names); empty = all", true),
        S("sync.drivers", K::flag, "also synchronize drivers", true),
        S("sync.content", K::choice, "where update files come from: upstream, microsoft, or none (metadata only)", true,
         {}, {"upstream", "microsoft", "none"}),
        S("sync.proxy", K::text, "HTTP proxy for the upstream (http://proxy:3128); empty = none", true),
        S("server.public_host", K::text, "host name clients use; empty = the Host header of each request", true),
        S("client.targeting", K::choice, "server: administrators put computers in groups; client: computers name "
         "their groups (Group Policy)", true, {}, {"server", "client"}),
        S("approvals.approve_new_revisions", K::flag, "approvals follow new revisions of approved updates", false, "true"),
        S("approvals.decline_superseded_after_days", K::integer, "decline updates superseded for this many days "
         "(0 = never)", false, "0", {}, 0, 3650),
        S("approvals.decline_expired", K::flag, "decline updates their publisher expired", false, "false"),
        S("cleanup.enabled", K::flag, "run the cleanup on the maintenance timer (wsusctl cleanup runs it anyway)", false,
          "false"),
        S("cleanup.obsolete_computer_days", K::integer, "delete computers not seen for this many days (0 = never)",
         false, "30", {}, 0, 3650),
        S("cleanup.unneeded_content", K::flag, "delete update files only declined or replaced revisions need", false,
         "true"),
        S("cleanup.old_revisions", K::flag, "delete replaced revisions no approval names", false, "true"),
        S("health.silent_client_days", K::integer, "a computer not seen for this many days counts as silent", false,
         "7", {}, 1, 3650),
        S("notify.smtp_url", K::text, "mail server: smtp://host:587 or smtps://host:465; empty = no mail", false, ""),
        S("notify.smtp_starttls", K::flag, "require STARTTLS on smtp://", false, "false"),
        S("notify.smtp_user", K::text, "SMTP AUTH user; empty = no AUTH", false, ""),
        S("notify.smtp_password", K::secret, "SMTP AUTH password", false, ""),
        S("notify.mail_from", K::text, "sender address", false, ""),
        S("notify.mail_to", K::list, "recipients, comma-separated", false, ""),
        S("notify.webhook_url", K::text, "receives a signed JSON POST per event; empty = none", false, ""),
        S("notify.webhook_secret", K::secret, "HMAC-SHA256 key of the X-Wsusd-Signature header", false, ""),
        S("notify.on_new_updates", K::flag, "notify when new updates arrive", false, "true"),
        S("notify.status_report_hours", K::integer, "send a status report every N hours (0 = never)", false, "0", {}, 0,
         8760),
    };
    return specs;
}

const SettingSpec* find_setting(std::string_view key) {
    for (const auto& s : setting_specs())
        if (s.key == key) return &s;
    return nullptr;
}

Result<ServerSettings> load_settings(store::Connection& conn, const config::Config& file) {
    auto st = stored(conn);
    if (!st) return std::unexpected(st.error());
    ServerSettings out;
    for (const auto& spec : setting_specs()) {
        std::string key(spec.key);
        if (auto it = st->find(key); it != st->end()) out[key] = {it->second, "store"};
        else if (spec.restart) out[key] = {file_value(file, key), "file"};
        else out[key] = {std::string(spec.default_value), "default"};
    }
    return out;
}

Result<std::string> store_setting(store::Connection& conn, const config::Config& file, std::string_view key,
                                  std::string_view value, store::TimePoint now) {
    const SettingSpec* spec = find_setting(key);
    if (!spec)
        return fail(Errc::invalid_argument, "key: unknown setting '" + std::string(key) +
                                                "' (`wsusctl server config get` lists them)");
    auto v = normalize(*spec, value);
    if (!v) return v;
    if (spec->restart) {
        // The whole configuration the daemon would start with must be valid, not just this value.
        auto current = overlay_config(conn, file);
        if (!current) return std::unexpected(current.error());
        apply(*current, key, *v);
        if (auto ok = config::validate(*current); !ok)
            return fail(Errc::invalid_argument, std::string(key) + ": " + ok.error().message);
    }
    if (key == "notify.webhook_url" && !v->empty()) {
        auto all = load_settings(conn, file);
        if (!all) return std::unexpected(all.error());
        if (text(*all, "notify.webhook_secret").empty())
            return fail(Errc::invalid_argument, "notify.webhook_url: set notify.webhook_secret first (webhooks are signed)");
    }
    if (auto r = store::SettingsRepo(conn).set(std::string(kPrefix) + std::string(key), *v, now); !r)
        return std::unexpected(r.error());
    return v;
}

Result<void> unset_setting(store::Connection& conn, std::string_view key) {
    if (!find_setting(key)) return fail(Errc::invalid_argument, "key: unknown setting '" + std::string(key) + "'");
    auto r = store::SettingsRepo(conn).remove(std::string(kPrefix) + std::string(key));
    if (!r && r.error().code == Errc::not_found)
        return fail(Errc::not_found, std::string(key) + ": not set here; the value comes from the file or the default");
    return r;
}

Result<config::Config> overlay_config(store::Connection& conn, const config::Config& file) {
    auto st = stored(conn);
    if (!st) return std::unexpected(st.error());
    config::Config out = file;
    for (const auto& [k, v] : *st)
        if (find_setting(k)->restart) apply(out, k, v);
    if (auto ok = config::validate(out); !ok)
        return fail(Errc::invalid_argument, "settings stored with `wsusctl server config set`: " + ok.error().message +
                                                " (fix with `wsusctl server config unset KEY`)");
    return out;
}

std::string shown_value(const SettingSpec& spec, const std::string& value) {
    return spec.kind == SettingKind::secret && !value.empty() ? "********" : value;
}

std::string text(const ServerSettings& s, std::string_view key) {
    auto it = s.find(key);
    return it == s.end() ? std::string() : it->second.value;
}

bool flag(const ServerSettings& s, std::string_view key) { return text(s, key) == "true"; }

std::int64_t integer(const ServerSettings& s, std::string_view key) {
    std::string v = text(s, key);
    std::int64_t n = 0;
    std::from_chars(v.data(), v.data() + v.size(), n);
    return n;
}

std::vector<std::string> list(const ServerSettings& s, std::string_view key) { return split_commas(text(s, key)); }

}  // namespace wsusd::admin
