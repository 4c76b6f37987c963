// SOAP faults shaped as real WSUS (ASP.NET) sends them: faultcode soap:Client/soap:Server,
// faultstring "Fault occurred", faultactor = the endpoint URL, and a detail with
// ErrorCode, Message, ID (a fresh GUID) and Method (the quoted SOAPAction), MS-WUSP §2.2.2.4.
#pragma once

#include <string>
#include <string_view>

namespace wsusd::soap {

/// ErrorCode values of MS-WUSP §2.2.2.4 and MS-WSUSSS; the names are wire text.
enum class ErrorCode {
    InvalidCookie,               ///< cookie cannot be decrypted/authenticated: client restarts the handshake
    ConfigChanged,               ///< server config changed since GetConfig: client calls GetConfig again
    RegistrationRequired,        ///< client must call RegisterComputer first
    ServerChanged,               ///< server identity changed: client restarts and calls RefreshCache
    InternalServerError,         ///< server-side failure: client retries later
    CookieExpired,               ///< cookie authentic but expired: client renews it
    InvalidParameters,           ///< a parameter is invalid; Message names it
    InvalidAuthorizationCookie,  ///< the authorization cookie given to GetCookie is invalid
    RegistrationNotRequired,     ///< RegisterComputer called although GetConfig said not to
    ServerBusy,                  ///< too busy: client retries later
    FileLocationChanged,         ///< client should call GetFileLocations
    IncompatibleProtocolVersion, ///< MS-WSUSSS: the downstream server's protocol major version is not 1
    FileDigestsMissing,          ///< MS-WSUSSS DownloadFiles: digests unknown here; Message lists them, '|'-separated
};

const char* error_code_name(ErrorCode code);

/// Who is at fault: SOAP 1.1 soap:Client/soap:Server, SOAP 1.2 soap:Sender/soap:Receiver.
enum class FaultSide { client, server };

/// Default side per ErrorCode, as real WSUS answers (InternalServerError/ServerBusy are server faults).
FaultSide default_side(ErrorCode code);

struct Fault {
    ErrorCode code = ErrorCode::InternalServerError;
    std::string message;  ///< optional: for InvalidParameters the parameter name
    FaultSide side = default_side(code);
};

inline Fault make_fault(ErrorCode code, std::string message = {}) {
    return Fault{code, std::move(message), default_side(code)};
}

enum class SoapVersion { v11, v12 };

struct FaultContext {
    SoapVersion version = SoapVersion::v11;
    std::string actor;        ///< absolute URL of the endpoint
    std::string soap_action;  ///< as received (real WSUS echoes the quoted SOAPAction)
    std::string id;           ///< GUID logged next to the fault so an admin can find it
};

/// Renders a complete fault envelope (ASMX style, with XML declaration) for the given version.
std::string render_fault(const Fault& fault, const FaultContext& ctx);

/// Renders a protocol-level fault without a WSUS detail (broken envelope, unknown operation).
std::string render_protocol_fault(FaultSide side, std::string_view reason, const FaultContext& ctx);

/// Escapes text for element content (quotes stay as they are, as ASP.NET writes them).
std::string xml_escape(std::string_view text);

}  // namespace wsusd::soap
