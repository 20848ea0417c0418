#include "cx/sync/enrol_client.hpp"

#include <curl/curl.h>

#include <memory>

#include "curl_transport.hpp"
#include "cx/sync/protocol.hpp"

namespace cx {

namespace {

struct CurlUrlDeleter {
    void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlEasyDeleter {
    void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct CurlListDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// A part of a parsed URL, or "" when it has none.
std::string url_part(CURLU* url, CURLUPart part) {
    char* text = nullptr;
    if (curl_url_get(url, part, &text, 0) != CURLUE_OK || !text) return {};
    std::string copy(text);
    curl_free(text);
    return copy;
}

}  // namespace

Status check_enrolment_url(std::string_view url) {
    std::unique_ptr<CURLU, CurlUrlDeleter> parsed(curl_url());
    const std::string text(url);
    if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK)
        return Error{"--server \"" + text +
                     "\" is not a URL (e.g. https://certifier.example:8443)"};
    const auto scheme = url_part(parsed.get(), CURLUPART_SCHEME);
    if (scheme == "https") return Ok{};
    const auto host = url_part(parsed.get(), CURLUPART_HOST);
    if (scheme == "http" && (host == "127.0.0.1" || host == "[::1]" || host == "localhost"))
        return Ok{};
    return Error{
        "--server must be https://… (the device token travels in the reply; plain "
        "http only to 127.0.0.1, ::1 or localhost), not \"" +
        text + "\""};
}

Result<EnrolReply> request_enrolment(const EnrolTarget& target, std::string_view code,
                                     std::string_view pubkey) {
    if (auto allowed = check_enrolment_url(target.server_url); !allowed) return allowed.error();
    std::unique_ptr<CURL, CurlEasyDeleter> easy(curl_easy_init());
    if (!easy) return make_error(ErrorKind::Internal, "libcurl could not create a handle");
    const std::string url = endpoint_url(target.server_url, kEnrolPath);
    curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());  // libcurl copies strings it is given
    set_transport_options(easy.get(), target.ca_file, target.connect_timeout, target.total_timeout);
    std::unique_ptr<curl_slist, CurlListDeleter> headers;
    for (const char* header : {"Content-Type: application/json", "Expect:"})
        headers.reset(curl_slist_append(headers.release(), header));
    curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers.get());
    const auto body = encode_enrol_request(code, pubkey);
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    std::string reply;
    curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &reply);
    char message[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, message);
    if (CURLcode done = curl_easy_perform(easy.get()); done != CURLE_OK)
        return make_error(ErrorKind::Network,
                          "no reply from " + target.server_url + " (" +
                              std::string(to_string(classify_curl_error(done))) +
                              "): " + (message[0] ? message : curl_easy_strerror(done)));
    long status = 0;
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status == 200) {
        auto enrolled = decode_enrol_reply(reply);
        if (!enrolled)
            return make_error(ErrorKind::Network,
                              target.server_url + ": " + enrolled.error().message);
        return enrolled;
    }
    if (auto error = decode_error(reply))
        return make_error(ErrorKind::Refused, error->code + ": " + error->detail);
    return make_error(ErrorKind::Refused,
                      "HTTP " + std::to_string(status) + " from " + target.server_url);
}

}  // namespace cx
