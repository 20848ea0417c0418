#pragma once
// What every libcurl request of the kiosk shares (uploads, enrolment): TLS
// verified (a private CA from a file), timeouts, http/https only, the reply
// collected into a string, and libcurl's errors as TransportError.
#include <curl/curl.h>

#include <chrono>
#include <string>
#include <string_view>

#include "cx/sync/upload_client.hpp"

namespace cx {

inline TransportError classify_curl_error(CURLcode code) {
    switch (code) {
        case CURLE_OK:
            return TransportError::None;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
            return TransportError::Connect;
        case CURLE_OPERATION_TIMEDOUT:
            return TransportError::Timeout;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
            return TransportError::Tls;
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
            return TransportError::ConnectionLost;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
            return TransportError::BadUrl;
        case CURLE_ABORTED_BY_CALLBACK:
            return TransportError::Cancelled;
        default:
            return TransportError::Other;
    }
}

inline std::size_t append_to_string(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

// The URL of an endpoint (`path`, e.g. "/api/v1/enrol") of the server at `server_url`.
inline std::string endpoint_url(std::string_view server_url, std::string_view path) {
    while (server_url.ends_with('/')) server_url.remove_suffix(1);
    return std::string(server_url) + std::string(path);
}

// Timeouts (from a worker thread: no signals), certificate and host verification,
// `ca_file` when not empty, and the reply into CURLOPT_WRITEDATA's string; the
// caller sets CURLOPT_URL per request.
inline void set_transport_options(CURL* easy, const std::string& ca_file,
                                  std::chrono::milliseconds connect_timeout,
                                  std::chrono::milliseconds total_timeout) {
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, ca_file.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, append_to_string);
}

}  // namespace cx
