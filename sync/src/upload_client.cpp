#include "cx/sync/upload_client.hpp"

#include <curl/curl.h>

#include <optional>

#include "curl_transport.hpp"
#include "cx/sync/gzip.hpp"

namespace cx {

std::string_view to_string(TransportError error) {
    switch (error) {
        case TransportError::None:
            return "none";
        case TransportError::Connect:
            return "connect";
        case TransportError::Timeout:
            return "timeout";
        case TransportError::Tls:
            return "tls";
        case TransportError::ConnectionLost:
            return "connection_lost";
        case TransportError::BadUrl:
            return "bad_url";
        case TransportError::Cancelled:
            return "cancelled";
        case TransportError::Other:
            return "other";
    }
    return "other";
}

AttemptOutcome UploadResult::outcome() const {
    if (transport != TransportError::None) return AttemptOutcome::Transient;
    return classify_http_status(http_status);
}

namespace {

// libcurl calls this at least once a second during a transfer; non-zero aborts it.
int abort_if_cancelled(void* flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::atomic<bool>*>(flag)->load() ? 1 : 0;
}

// Why a 200's ack does not account for exactly this batch, or nullopt when it does:
// every record counted once, and each refusal naming a record of the batch by its
// index and id.
std::optional<std::string> ack_mismatch(const BatchAck& ack,
                                        std::span<const PendingRecord> records) {
    if (ack.records() != records.size())
        return "server accounted for " + std::to_string(ack.records()) + " of " +
               std::to_string(records.size()) + " records";
    for (const auto& refusal : ack.refused)
        if (refusal.index >= records.size() || records[refusal.index].id != refusal.id)
            return "server refused record " + std::to_string(refusal.index) + " (id " + refusal.id +
                   "), which is not in the batch";
    return std::nullopt;
}

}  // namespace

struct UploadClient::Curl {
    CURL* easy = curl_easy_init();
    curl_slist* headers = nullptr;
    ~Curl() {
        curl_slist_free_all(headers);
        if (easy) curl_easy_cleanup(easy);
    }
};

UploadClient::UploadClient(ClientConfig config)
    : config_(std::move(config)), curl_(std::make_unique<Curl>()) {
    CURL* easy = curl_->easy;
    if (!easy) return;
    std::string url = config_.server_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += kResponsesPath;
    set_transport_options(easy, url, config_.ca_file, config_.connect_timeout,
                          config_.total_timeout);
    std::string authorization = "Authorization: Bearer " + config_.token;
    for (const char* header : {authorization.c_str(), "Content-Type: application/json",
                               "Content-Encoding: gzip", "Expect:"})
        curl_->headers = curl_slist_append(curl_->headers, header);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, curl_->headers);
}

UploadClient::~UploadClient() = default;

void UploadClient::cancel_when(const std::atomic<bool>* flag) {
    if (!curl_->easy) return;
    curl_easy_setopt(curl_->easy, CURLOPT_XFERINFOFUNCTION, abort_if_cancelled);
    curl_easy_setopt(curl_->easy, CURLOPT_XFERINFODATA, flag);
    curl_easy_setopt(curl_->easy, CURLOPT_NOPROGRESS, 0L);
}

UploadResult UploadClient::post_batch(std::span<const PendingRecord> records) {
    UploadResult result;
    CURL* easy = curl_->easy;
    if (!easy) return {TransportError::Other, 0, {}, "libcurl could not create a handle"};
    auto packed = gzip_compress(encode_batch(records));
    if (!packed) return {TransportError::Other, 0, {}, packed.error().message};
    const std::string& body = packed.value();
    std::string reply;
    char message[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, message);
    CURLcode code = curl_easy_perform(easy);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
    if (code != CURLE_OK) {
        result.transport = classify_curl_error(code);
        result.detail = message[0] ? message : curl_easy_strerror(code);
        return result;
    }
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    result.http_status = static_cast<int>(status);
    if (status == 200) {
        auto ack = decode_ack(reply);
        if (ack) {
            auto mismatch = ack_mismatch(ack.value(), records);
            if (!mismatch) {
                result.ack = std::move(ack.value());
                return result;
            }
            result.detail = *mismatch;
        } else {
            result.detail = ack.error().message;
        }
        // A 200 that does not account for the batch proves nothing: treat as no reply.
        result.transport = TransportError::Other;
        result.http_status = 0;
        return result;
    }
    if (auto error = decode_error(reply))
        result.detail = error->code + ": " + error->detail;
    else
        result.detail = "HTTP " + std::to_string(status) + ": " + reply.substr(0, 200);
    return result;
}

}  // namespace cx
