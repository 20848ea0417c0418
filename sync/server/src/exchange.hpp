#pragma once
// The transport's per-request state: the route a request names, the Exchange
// that follows it from request line to log line, and the ExportStream that
// sends an export page by page.
#include <microhttpd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "connection_deadlines.hpp"
#include "console_workbook.hpp"
#include "cx/scoring/questionnaire.hpp"
#include "cx/server/api_service.hpp"
#include "cx/server/request_body.hpp"
#include "cx/server/web_console.hpp"

namespace cx {

inline constexpr std::size_t kExportPageRecords = 2000;

enum class Route {
    Health,
    Upload,
    Heartbeat,
    Enrol,
    Score,
    Export,
    Integrity,
    Devices,
    SaveAssessment,     // PUT …/assessment
    Assessment,         // GET …/assessment
    AssessmentHistory,  // GET …/assessment/history
    Management,         // GET /api/v1/management
    Page,               // the console's GET paths (cx/server/web_console.hpp)
    Form,               // the console's POST paths: a form body, no token
    ConsoleExport,      // GET /console/orgs/{org}/responses.jsonl|csv|xlsx: a session's export
    Unknown
};

struct ExportStream;

// One request from its request line to its log line. The event thread owns it,
// except while its connection is suspended: then the one job working on it does.
struct Exchange {
    // Ready: a GET's reply is known; it is queued once the request has been
    // read to its end (queued from the headers alone, libmicrohttpd would
    // close the connection after it).
    enum class Stage { Headers, Authorizing, Receiving, Discarding, Working, Ready, Replied };
    Clock::time_point start = Clock::now();
    std::string method = "-";
    std::string path;             // without the query string: never logged
    std::size_t target_size = 0;  // the request target as sent, query included
    std::string address;
    Route route = Route::Unknown;
    std::string org;
    Stage stage = Stage::Headers;
    // Written by the job, read by the event thread after the connection resumes.
    std::optional<Reply> reply;
    std::optional<std::chrono::seconds> retry_after;
    std::optional<TokenGrant> grant;  // a device's, for an upload or a heartbeat
    std::optional<Actor> actor;       // who saves an assessment
    std::shared_ptr<ExportStream> export_stream;
    std::unique_ptr<RequestBody> body;
    std::unique_ptr<WebRequest> web;  // Page and Form: what the console needs of the request
    bool holds_body_slot = false;
    bool holds_export_slot = false;
    bool job_failed = false;    // a job threw: the reply is 500 internal
    std::size_t discarded = 0;  // body bytes let pass after the body was refused
    int status = 0;             // 0 until a reply is queued: the log shows dropped requests as 0
    std::size_t records = 0;
};

// An export sent page by page: the event thread hands out the fetched page;
// when it is used up, a job fetches the next while the connection is suspended.
struct ExportStream {
    MHD_Connection* connection = nullptr;
    ResponseQuery query;
    // CSV for people (cx/scoring/csv_rows.hpp) under this questionnaire; null: JSON Lines.
    const Questionnaire* csv = nullptr;
    // XLSX: the workbook written whole (console_workbook.hpp), sent from this file.
    OwnedFd workbook;
    std::string content_type = "application/x-ndjson";
    std::string disposition;  // Content-Disposition when the console downloads it
    std::mutex mutex;
    std::string page;
    std::size_t offset = 0;
    std::optional<ExportCursor> after;
    bool finished = false;
    bool failed = false;
    std::atomic<std::size_t> records{0};
};

// Fetches the page after stream.after; the stream is not yet shared or its
// connection is suspended, so only this job touches it.
Status fetch_page(ExportStream& stream, ServerStore& store);

// The routes whose request has a body sent with a token (a device's batch or
// heartbeat, an assessment); an enrolment's body comes without a token (begin()
// starts it before any token check).
inline bool carries_body(Route route) {
    return route == Route::Upload || route == Route::Heartbeat || route == Route::SaveAssessment;
}

// The route of a request line and the org it names ("/api/v1/orgs/{org}/score"); the
// console's paths are Page (GET) or Form (POST); anything else is Unknown.
std::pair<Route, std::string> route_of(std::string_view method, std::string_view path);

}  // namespace cx
