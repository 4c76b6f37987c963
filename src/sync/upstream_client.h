// UpstreamClient: the MS-WSUSSS calls a downstream server makes (§3.2.4), over an HttpTransport, with retries.
// Requests and replies go through the gSOAP serializers generated from wsdl/serversync.wsdl and wsdl/dssauth.wsdl;
// results come back as the plain values of upstream_types.h. Not thread-safe (one per sync run).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "sync/http_transport.h"
#include "sync/retry.h"
#include "sync/upstream_types.h"

namespace wsusd::soap {
class SoapContext;
}

namespace wsusd::sync {

inline constexpr const char* kServerSyncPath = "/ServerSyncWebService/ServerSyncWebService.asmx";
/// The protocol version this downstream implements (GetCookie protocolVersion), as real WSUS sends it.
inline constexpr const char* kDssProtocolVersion = "1.20";

class UpstreamClient {
  public:
    /// `root_url`: the upstream's root ("http://wsus1:8530"); `max_document_bytes` bounds one decompressed document.
    UpstreamClient(HttpTransport& transport, std::string root_url, RetryPolicy retry, Sleeper sleep,
                   std::size_t max_document_bytes = 16 << 20);
    ~UpstreamClient();

    const std::string& root_url() const { return root_; }

    /// GetAuthConfig: the absolute URL of the DssAuth web service (its ServiceUrl, resolved against the root).
    UpstreamResult<std::string> auth_service_url();
    /// DssAuth GetAuthorizationCookie.
    UpstreamResult<AuthorizationCookie> authorization_cookie(const std::string& dssauth_url,
                                                             const std::string& account_name,
                                                             const std::string& account_guid);
    /// GetCookie with the authorization cookie (and the previous cookie, if any).
    UpstreamResult<ServerCookie> cookie(const AuthorizationCookie& auth, const std::optional<ServerCookie>& old);
    UpstreamResult<UpstreamConfig> config_data(const ServerCookie& cookie, const std::optional<std::string>& anchor);
    UpstreamResult<RevisionList> revision_ids(const ServerCookie& cookie, const RevisionFilter& filter);
    /// GetUpdateData; compressed documents come back decompressed, every document as UTF-8 text.
    UpstreamResult<UpdateDataBatch> update_data(const ServerCookie& cookie, std::span<const UpdateIdentity> ids);
    UpstreamResult<DeploymentData> deployments(const ServerCookie& cookie, const std::optional<std::string>& anchor,
                                               const std::string& sync_anchor);

  private:
    HttpTransport& transport_;
    std::string root_;
    RetryPolicy retry_;
    Sleeper sleep_;
    std::size_t max_document_bytes_;
    std::unique_ptr<soap::SoapContext> serversync_;
};

/// "https://host:8531/" → "https://host:8531"; a relative service URL resolved against it.
std::string resolve_service_url(const std::string& root_url, const std::string& service_url);

}  // namespace wsusd::sync
