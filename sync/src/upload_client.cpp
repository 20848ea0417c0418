#include "cx/sync/upload_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
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

// Keeps the value of a reply's `Date` header (libcurl passes each header line once).
std::size_t keep_date_header(char* data, std::size_t size, std::size_t count, void* date) {
    std::string_view line(data, size * count);
    constexpr std::string_view kName = "date:";
    if (line.size() > kName.size() &&
        std::equal(kName.begin(), kName.end(), line.begin(), [](char a, char b) {
            return a == std::tolower(static_cast<unsigned char>(b));
        })) {
        auto value = line.substr(kName.size());
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
            value.remove_suffix(1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        static_cast<std::string*>(date)->assign(value);
    }
    return size * count;
}

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
    set_transport_options(easy, config_.ca_file, config_.connect_timeout, config_.total_timeout);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, keep_date_header);
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

UploadResult UploadClient::post(std::string_view path, std::string_view body, std::string& reply) {
    UploadResult result;
    CURL* easy = curl_->easy;
    if (!easy) return {TransportError::Other, 0, {}, "libcurl could not create a handle"};
    auto packed = gzip_compress(body);
    if (!packed) return {TransportError::Other, 0, {}, packed.error().message};
    const std::string url = endpoint_url(config_.server_url, path);
    std::string date;
    char message[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());  // libcurl copies strings it is given
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, packed.value().data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(packed.value().size()));
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &date);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, message);
    const auto sent = config_.now();
    CURLcode code = curl_easy_perform(easy);
    const auto answered = config_.now();
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
    if (code != CURLE_OK) {
        result.transport = classify_curl_error(code);
        result.detail = message[0] ? message : curl_easy_strerror(code);
        return result;
    }
    if (auto server_second = curl_getdate(date.c_str(), nullptr);
        !date.empty() && server_second >= 0) {
        using std::chrono::milliseconds;
        const auto server_time =
            std::chrono::system_clock::from_time_t(server_second) + milliseconds{500};
        const auto kiosk_time = sent + (answered - sent) / 2;
        clock_offset_ = std::chrono::duration_cast<milliseconds>(kiosk_time - server_time);
    }
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    result.http_status = static_cast<int>(status);
    if (status != 200) {
        if (auto error = decode_error(reply))
            result.detail = error->code + ": " + error->detail;
        else
            result.detail = "HTTP " + std::to_string(status) + ": " + reply.substr(0, 200);
    }
    return result;
}

UploadResult UploadClient::post_heartbeat(const Heartbeat& heartbeat) {
    std::string reply;
    return post(kHeartbeatPath, encode_heartbeat(heartbeat), reply);
}

UploadResult UploadClient::post_batch(std::span<const PendingRecord> records) {
    std::string reply;
    auto result = post(kResponsesPath, encode_batch(records), reply);
    if (result.http_status != 200) return result;
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

}  // namespace cx
