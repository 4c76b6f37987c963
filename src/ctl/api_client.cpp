#include "ctl/api_client.h"

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "util/encoding.h"

namespace wsusd::ctl {

namespace {

std::string read_trimmed(const std::string& path) {
    std::ifstream in(path);
    std::string s((std::istreambuf_iterator<char>(in)), {});
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// "sha256//<base64 of SHA-256 of the DER SubjectPublicKeyInfo>": libcurl's pinned public key format.
Result<std::string> public_key_pin(const std::string& pem_file) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(pem_file.c_str(), "r"), std::fclose);
    if (!f) return fail(Errc::io, "certificate " + pem_file + ": cannot open");
    std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr), X509_free);
    if (!cert) return fail(Errc::invalid_argument, "certificate " + pem_file + ": not a PEM certificate");
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(X509_get0_pubkey(cert.get()), &der);
    if (len <= 0) return fail(Errc::invalid_argument, "certificate " + pem_file + ": no public key");
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(der, static_cast<std::size_t>(len), md);
    OPENSSL_free(der);
    return "sha256//" + util::base64_encode(std::string_view(reinterpret_cast<const char*>(md), sizeof md));
}

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

}  // namespace

Result<Endpoint> resolve_endpoint(std::string url, std::string token, const std::string& token_file,
                                  std::string certificate, const std::string& data_dir) {
    if (url.empty()) url = env("WSUSCTL_URL");
    if (token.empty() && !token_file.empty()) token = read_trimmed(token_file);
    if (token.empty()) token = env("WSUSCTL_TOKEN");
    if (token.empty() && !env("WSUSCTL_TOKEN_FILE").empty()) token = read_trimmed(env("WSUSCTL_TOKEN_FILE"));
    // The package's install step writes DATA_DIR/admin.token (readable by root and the service user only), so an
    // administrator on the server needs no flags at all.
    if (token.empty()) token = read_trimmed(data_dir + "/admin.token");
    if (url.empty()) {
        const std::string ports_file = data_dir + "/ports.json";
        std::ifstream in(ports_file);
        if (!in)
            return fail(Errc::invalid_argument, "url: give --url (or WSUSCTL_URL), or --data-dir of a running wsusd "
                                                "(no " + ports_file + ")");
        auto ports = nlohmann::json::parse(in, nullptr, false);
        if (ports.is_discarded() || !ports.contains("admin") || ports["admin"].get<int>() == 0)
            return fail(Errc::invalid_argument, "url: " + ports_file + " names no admin port (admin.enabled = false?)");
        const bool tls = ports.value("admin_tls", false);
        url = std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(ports["admin"].get<int>());
        if (certificate.empty() && tls) certificate = ports.value("admin_certificate", "");
    }
    if (token.empty())
        return fail(Errc::invalid_argument,
                    "token: give --token-file FILE (or WSUSCTL_TOKEN); create one with `wsusd token create NAME`");
    while (!url.empty() && url.back() == '/') url.pop_back();
    return Endpoint{url, token, certificate};
}

Result<ApiResponse> call(const Endpoint& ep, const std::string& method, const std::string& path,
                         const nlohmann::json& body) {
    static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!initialized) return fail(Errc::internal, "libcurl did not initialize");
    std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
    if (!h) return fail(Errc::internal, "libcurl: no handle");
    const std::string url = ep.url + path;
    std::string response, payload = body.is_null() ? std::string() : body.dump();
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
    auto add_header = [&](const std::string& line) { headers.reset(curl_slist_append(headers.release(), line.c_str())); };
    add_header("Authorization: Bearer " + ep.token);
    add_header("Accept: application/json");
    if (!payload.empty()) add_header("Content-Type: application/json");
    curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(h.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, ep.timeout_seconds);
    curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
    if (!payload.empty()) {
        curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, payload.data());
        curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
    }
    std::string pin;
    if (!ep.certificate.empty()) {
        // The daemon's certificate is self-signed for its host names, not for 127.0.0.1: trust comes from the
        // public key pin instead of a CA chain and a host name.
        auto p = public_key_pin(ep.certificate);
        if (!p) return std::unexpected(p.error());
        pin = *p;
        curl_easy_setopt(h.get(), CURLOPT_PINNEDPUBLICKEY, pin.c_str());
        curl_easy_setopt(h.get(), CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h.get(), CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode rc = curl_easy_perform(h.get());
    if (rc != CURLE_OK)
        return fail(Errc::io, std::string("cannot reach the admin API at ") + ep.url + ": " + curl_easy_strerror(rc) +
                                  " (is wsusd running? `systemctl status wsusd`; admin.enabled, admin.port)");
    ApiResponse out;
    curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &out.status);
    out.body = nlohmann::json::parse(response, nullptr, false);
    if (out.body.is_discarded()) out.body = nlohmann::json{{"error", response}};
    out.text = std::move(response);
    return out;
}

std::string url_encode(std::string_view text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace wsusd::ctl
