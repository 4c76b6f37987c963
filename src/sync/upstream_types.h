// What the downstream role learns from its upstream server, as plain values: the sync engine never sees gSOAP types.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wsusd/result.h"

namespace wsusd::sync {

/// An error of an upstream call. `fault_code` is the MS-WSUSSS ErrorCode of a SOAP fault (§2.2.9.3), empty when
/// the call failed otherwise (network, HTTP status, undecodable reply).
struct UpstreamError {
    Errc code = Errc::io;
    std::string message;
    std::string fault_code;
};

template <class T>
using UpstreamResult = std::expected<T, UpstreamError>;

inline std::unexpected<UpstreamError> upstream_fail(Errc code, std::string message, std::string fault_code = {}) {
    return std::unexpected<UpstreamError>(UpstreamError{code, std::move(message), std::move(fault_code)});
}

/// The server-to-server cookie: opaque to us (§3.2.4.1), sent back as received.
struct ServerCookie {
    std::string expiration;  ///< xsd:dateTime text as received
    std::string data;        ///< EncryptedData, raw bytes
};

struct AuthorizationCookie {
    std::string plugin_id;
    std::string data;  ///< CookieData, raw bytes
};

struct UpstreamLanguage {
    int id = 0;
    std::string short_name;
    bool enabled = false;
};

struct UpstreamConfig {
    bool catalog_only_sync = false;
    bool lazy_sync = false;
    bool hosts_psf_files = false;
    int max_updates_per_request = 0;
    std::string new_config_anchor;
    std::string protocol_version;
    std::vector<UpstreamLanguage> languages;
};

struct IdAndDelta {
    std::string id;
    bool delta = true;  ///< false: the downstream just added this category and wants all of its updates
};

struct LanguageAndDelta {
    int id = 0;
    bool delta = true;
};

struct RevisionFilter {
    std::optional<std::string> anchor;
    bool get_config = false;
    std::vector<IdAndDelta> categories;       ///< products / product families
    std::vector<IdAndDelta> classifications;
    std::vector<LanguageAndDelta> languages;
};

struct UpdateIdentity {
    std::string update_id;  ///< lower-case GUID
    int revision_number = 0;
    bool operator==(const UpdateIdentity&) const = default;
};

struct RevisionList {
    std::string anchor;
    std::vector<UpdateIdentity> revisions;
};

struct UpdateBlob {
    UpdateIdentity id;
    std::string xml;  ///< the full update document, UTF-8 (decompressed if it came compressed)
};

struct FileUrl {
    std::string sha1_hex;  ///< lower case
    std::string mu_url;
    std::string uss_url;
};

struct UpdateDataBatch {
    std::vector<UpdateBlob> updates;
    std::vector<FileUrl> file_urls;
};

struct UpstreamGroup {
    std::string id;
    std::string parent_id;
    std::string name;
    bool builtin = false;
};

struct UpstreamDeployment {
    std::string update_id;
    int revision_number = 0;
    int action = 0;           ///< 0 install, 1 uninstall, 2 scan, 3 block (§3.1.4.10.3.5)
    std::string admin_name;
    std::string deadline;     ///< xsd:dateTime; 9999-12-31… = none
    bool is_assigned = true;
    std::string go_live;
    std::string guid;
    std::string group_id;
    int download_priority = 1;
};

struct DeploymentData {
    std::string anchor;
    std::vector<UpstreamGroup> groups;
    std::vector<UpstreamDeployment> deployments;
    std::vector<std::string> dead_deployments;
    std::vector<std::string> hidden_updates;
};

}  // namespace wsusd::sync
