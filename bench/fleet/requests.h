// Request bodies of the simulated Windows Update Agent, built from the real client's captured requests
// (../shared/captures/wsus-m0-native/scan, see captures/PROVENANCE.md) with this client's ids, cookies and
// cached revision ids spliced in. Templates are split once at load; rendering is a concatenation.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "wsusd/result.h"

namespace wsusd::fleet {

inline constexpr const char* kClientPath = "/ClientWebService/client.asmx";
inline constexpr const char* kSimpleAuthPath = "/SimpleAuthWebService/SimpleAuth.asmx";
inline constexpr const char* kClientAction = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/";
inline constexpr const char* kSimpleAuthAction =
    "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService/GetAuthorizationCookie";

/// A body with holes: literal[0] value[0] literal[1] ... literal[n].
struct Template {
    std::vector<std::string> literals;
    std::string render(std::initializer_list<std::string_view> values) const;
};

/// `<name>` + ints + `</name>`; empty ints give an empty string (the element is optional everywhere).
std::string int_array(std::string_view name, const std::vector<int>& ids);

class Requests {
  public:
    /// Reads the ten captured requests of the native scan from `scan_dir`. `devices` are hardware ids added
    /// to the captured SystemSpec (one Device each) for the driver pass.
    static Result<Requests> load(const std::filesystem::path& scan_dir, const std::vector<std::string>& devices);

    std::string get_config() const { return get_config_; }
    std::string get_authorization_cookie(std::string_view client_id, std::string_view dns) const {
        return auth_.render({client_id, dns});
    }
    /// `old_cookie`: the EncryptedData of the cookie the client holds (empty: none, as on first contact).
    std::string get_cookie(std::string_view auth_cookie, std::string_view last_change, std::string_view old_cookie) const {
        std::string held = old_cookie.empty() ? std::string() : "<EncryptedData>" + std::string(old_cookie) + "</EncryptedData>";
        return cookie_.render({auth_cookie, held, last_change});
    }
    /// `cookie` is a whole <cookie> element (cookie_xml).
    std::string register_computer(std::string_view cookie, std::string_view dns) const {
        return register_.render({cookie, dns});
    }
    /// Software pass; `cached` is InstalledNonLeafUpdateIDs + OtherCachedUpdateIDs (int_array each).
    std::string sync_software(std::string_view cookie, std::string_view cached) const {
        return software_.render({cookie, cached});
    }
    /// Driver pass with the captured SystemSpec plus the fleet's devices.
    std::string sync_drivers(std::string_view cookie, std::string_view installed, std::string_view cached_drivers) const {
        return drivers_.render({cookie, installed, cached_drivers});
    }
    std::string extended_info(std::string_view cookie, std::string_view revision_ids) const {
        return extended_.render({cookie, revision_ids});
    }

  private:
    std::string get_config_;
    Template auth_, cookie_, register_, software_, drivers_, extended_;
};

std::string cookie_xml(std::string_view expiration, std::string_view encrypted_data);

}  // namespace wsusd::fleet
