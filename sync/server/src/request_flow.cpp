// The request flow on the event thread: begin() checks the request line and
// headers (strict HTTP, sizes, the address's bad-token record) and hands the
// token to a job; handle() moves each request through its stages (body
// receiving, replies); slot accounting for bodies and exports; the
// libmicrohttpd callbacks, each exception-safe.
#include <microhttpd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <type_traits>
#include <vector>

#include "cx/scoring/response.hpp"
#include "cx/server/strict_headers.hpp"
#include "mhd_util.hpp"
#include "server_impl.hpp"

namespace cx {

std::chrono::milliseconds ApiServer::Impl::judge(const Reply& refusal, const Exchange& exchange) {
    if (refusal.status != http_status(ApiError::Unauthorized)) return {};
    return bad_tokens.record_failure(exchange.address, Clock::now());
}

std::chrono::milliseconds ApiServer::Impl::judge_enrolment(const Reply& reply,
                                                           const Exchange& exchange) {
    if (reply.status == 200 || reply.status == http_status(ApiError::Unavailable)) return {};
    return bad_codes.record_failure(exchange.address, Clock::now());
}

QueryParams ApiServer::Impl::query_params(MHD_Connection* connection) const {
    QueryParams params;
    for (auto [name, slot] : {std::pair{"from", &params.from}, std::pair{"to", &params.to},
                              std::pair{"site", &params.site}})
        if (const char* value =
                MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, name))
            *slot = value;
    return params;
}

std::unique_ptr<WebRequest> ApiServer::Impl::web_request(MHD_Connection* connection,
                                                         const Exchange& exchange) const {
    auto request = std::make_unique<WebRequest>();
    request->method = exchange.method;
    request->path = exchange.path;
    request->address = exchange.address;
    if (const char* lang = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "lang"))
        request->lang = lang;
    request->params = query_params(connection);
    request->accept_language = header_value(connection, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
    request->csrf_header = header_value(connection, "X-CSRF-Token");
    if (const char* saved = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "saved"))
        request->saved = std::string_view(saved) == "1";
    MHD_get_connection_values_n(
        connection, MHD_COOKIE_KIND,
        [](void* cls, MHD_ValueKind, const char* name, std::size_t name_size, const char* value,
           std::size_t value_size) {
            static_cast<WebRequest*>(cls)->cookies.emplace(
                std::string(name, name_size),
                std::string(value ? value : "", value ? value_size : 0));
            return MHD_YES;
        },
        request.get());
    return request;
}

ApiServer::Impl::BodySlot ApiServer::Impl::take_body_slot(Exchange& exchange) {
    std::lock_guard lock(state_mutex);
    // An enrolment has no grant: only the count of bodies holds it.
    if (exchange.grant && uploading_grants.contains(exchange.grant->id)) return BodySlot::GrantBusy;
    if (bodies_in_memory >= 2 * options.threads) return BodySlot::Full;
    if (exchange.grant) uploading_grants.insert(exchange.grant->id);
    ++bodies_in_memory;
    exchange.holds_body_slot = true;
    return BodySlot::Taken;
}

bool ApiServer::Impl::take_export_slot(Exchange& exchange) {
    std::lock_guard lock(state_mutex);
    if (exports_streaming >= options.threads) return false;
    ++exports_streaming;
    exchange.holds_export_slot = true;
    return true;
}

void ApiServer::Impl::give_back_export_slot(Exchange& exchange) {
    if (!exchange.holds_export_slot) return;
    exchange.holds_export_slot = false;
    std::lock_guard lock(state_mutex);
    --exports_streaming;
}

void ApiServer::Impl::give_back_body_slot(Exchange& exchange) {
    if (!exchange.holds_body_slot) return;
    exchange.holds_body_slot = false;
    std::lock_guard lock(state_mutex);
    --bodies_in_memory;
    if (exchange.grant) uploading_grants.erase(exchange.grant->id);
}

MHD_Result ApiServer::Impl::reply(MHD_Connection* connection, Exchange& exchange,
                                  const Reply& reply, bool close,
                                  std::optional<std::chrono::seconds> retry_after) {
    auto* response = MHD_create_response_from_buffer(
        reply.body.size(), const_cast<char*>(reply.body.data()), MHD_RESPMEM_MUST_COPY);
    if (!response) return MHD_NO;
    bool headed = MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                          reply.content_type.c_str()) == MHD_YES;
    for (const auto& [name, value] : reply.headers)
        headed =
            headed && MHD_add_response_header(response, name.c_str(), value.c_str()) == MHD_YES;
    // A refusal before the body is read leaves the connection's byte stream
    // unusable for another request.
    if (close)
        headed = headed &&
                 MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
    if (retry_after)
        headed = headed &&
                 MHD_add_response_header(response, MHD_HTTP_HEADER_RETRY_AFTER,
                                         std::to_string(retry_after->count()).c_str()) == MHD_YES;
    if (!headed) {  // a reply without its headers would mislead: drop the connection
        MHD_destroy_response(response);
        log.note("could not add a reply header; connection dropped");
        return MHD_NO;
    }
    exchange.status = reply.status;
    exchange.records = reply.records;
    exchange.stage = Exchange::Stage::Replied;
    auto queued = MHD_queue_response(connection, static_cast<unsigned>(reply.status), response);
    MHD_destroy_response(response);
    return queued;
}

MHD_Result ApiServer::Impl::handle(MHD_Connection* connection, const char* upload,
                                   std::size_t* upload_size, Exchange& exchange) {
    if (exchange.job_failed && exchange.stage != Exchange::Stage::Replied)
        return refuse(connection, exchange, ApiError::Internal,
                      "the server failed while handling this request; retry later");
    switch (exchange.stage) {
        case Exchange::Stage::Headers:
            break;                                // begin() handles it
        case Exchange::Stage::Authorizing:        // resumed: the job decided
            if (exchange.route == Route::Page) {  // a page, whatever its status
                exchange.stage = Exchange::Stage::Ready;
                return MHD_YES;
            }
            if (exchange.reply && exchange.reply->status != 200)
                return reply(connection, exchange, *exchange.reply, true, exchange.retry_after);
            if (carries_body(exchange.route)) return start_body(connection, exchange);
            if (exchange.export_stream && !take_export_slot(exchange))
                return refuse(connection, exchange, ApiError::Unavailable,
                              "the server streams as many exports as it may; retry shortly",
                              std::chrono::seconds{1});
            exchange.stage = Exchange::Stage::Ready;
            return MHD_YES;
        case Exchange::Stage::Ready:
            if (*upload_size > 0) return MHD_NO;  // a GET with a body: dropped, not read
            if (exchange.export_stream) return stream_export(connection, exchange);
            return reply(connection, exchange, *exchange.reply, false);
        case Exchange::Stage::Receiving:
            return receive(connection, upload, upload_size, exchange);
        case Exchange::Stage::Discarding:
            if (*upload_size == 0) return reply(connection, exchange, *exchange.reply, true);
            exchange.discarded += *upload_size;
            *upload_size = 0;
            // A chunked body has no announced length: past the limit it is cut off.
            return exchange.discarded > options.max_body ? MHD_NO : MHD_YES;
        case Exchange::Stage::Working:  // resumed: the ingest is done
            return reply(connection, exchange, *exchange.reply, false);
        case Exchange::Stage::Replied:
            break;
    }
    *upload_size = 0;  // a refused request's body is never looked at
    return MHD_YES;
}

MHD_Result ApiServer::Impl::begin(MHD_Connection* connection, const char* url, const char* method,
                                  const char* version, Exchange& exchange) {
    exchange.method = method;
    std::vector<HeaderField> headers;
    // "METHOD target VERSION\r\n", each "name: value\r\n", "\r\n"
    std::size_t header_bytes =
        std::strlen(method) + exchange.target_size + std::strlen(version) + 4 + 2;
    MHD_get_connection_values_n(
        connection, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* name, std::size_t name_size, const char* value,
           std::size_t value_size) {
            static_cast<std::vector<HeaderField>*>(cls)->push_back(
                {{name, name_size}, {value ? value : "", value ? value_size : 0}});
            return MHD_YES;
        },
        &headers);
    for (const auto& field : headers) header_bytes += field.name.size() + field.value.size() + 4;
    const auto* received =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    std::size_t received_bytes = received ? received->header_size : header_bytes;
    if (exchange.target_size > kMaxTargetBytes)
        return refuse(connection, exchange, ApiError::UriTooLong,
                      "request target over " + std::to_string(kMaxTargetBytes) + " bytes");
    if (std::max(received_bytes, header_bytes) > kMaxHeaderBytes)
        return refuse(
            connection, exchange, ApiError::HeadersTooLarge,
            "request line and headers over " + std::to_string(kMaxHeaderBytes) + " bytes");
    if (auto violation = strict_header_violation(headers))
        return refuse(connection, exchange, ApiError::BadRequest, *violation);
    // libmicrohttpd reads a header value as a C string: a NUL byte hides the
    // rest of its line, which shows as bytes received but not accounted for.
    if (received_bytes > header_bytes)
        return refuse(connection, exchange, ApiError::BadRequest,
                      "header bytes beyond \"name: value\" lines (a NUL byte, folded lines or "
                      "padding)");

    // The headers are in: their deadline is met. A body gets its own (start_body);
    // replies are bounded by libmicrohttpd's stall timeout.
    deadlines.clear(connection);
    std::tie(exchange.route, exchange.org) = route_of(method, url);
    if (exchange.route == Route::Health) {
        exchange.reply = service.health();
        exchange.stage = Exchange::Stage::Ready;
        return MHD_YES;
    }
    if (exchange.route == Route::Unknown)
        return refuse(connection, exchange, ApiError::NotFound,
                      "no endpoint " + exchange.method + " " + exchange.path);

    exchange.address = address_key(connection);
    // An enrolment needs no token: its code is judged by a limiter of its own.
    if (exchange.route == Route::Enrol) {
        if (auto wait = bad_codes.refusal(exchange.address, Clock::now()))
            return refuse(connection, exchange, ApiError::TooManyRequests,
                          "too many failed enrolments from this address; retry after " +
                              std::to_string(wait->count()) + " s",
                          *wait);
        return start_body(connection, exchange);
    }
    // The console's pages and forms: a session cookie, not a token (web_console.hpp).
    if (exchange.route == Route::Page || exchange.route == Route::Form) {
        exchange.web = web_request(connection, exchange);
        if (exchange.route == Route::Form) return start_body(connection, exchange);
        exchange.stage = Exchange::Stage::Authorizing;
        if (!run_suspended(connection, exchange, [this, &exchange] {
                auto answer = console.handle(*exchange.web);
                exchange.reply = std::move(answer.reply);
                return answer.hold;
            }))
            return refuse(connection, exchange, ApiError::Unavailable, "the server is stopping",
                          std::chrono::seconds{5});
        return MHD_YES;
    }
    if (auto wait = bad_tokens.refusal(exchange.address, Clock::now()))
        return refuse(connection, exchange, ApiError::TooManyRequests,
                      "too many requests with bad tokens from this address; retry after " +
                          std::to_string(wait->count()) + " s",
                      *wait);

    // The token is checked from the headers before any body byte is read.
    exchange.stage = Exchange::Stage::Authorizing;
    auto authorization = header_value(connection, MHD_HTTP_HEADER_AUTHORIZATION);
    std::function<std::chrono::milliseconds()> job;
    // Keeps whom the decision allows in `allowed`, or its refusal as the reply.
    auto settle = [this, &exchange](auto decision, auto& allowed) {
        using Allowed = typename std::remove_reference_t<decltype(allowed)>::value_type;
        if (auto* granted = std::get_if<Allowed>(&decision)) {
            allowed = std::move(*granted);
            return std::chrono::milliseconds{};
        }
        exchange.reply = std::get<Reply>(std::move(decision));
        return judge(*exchange.reply, exchange);
    };
    if (exchange.route == Route::ConsoleExport) {
        // A signed-in person's download: the session decides, as for the console's pages.
        exchange.web = web_request(connection, exchange);
        job = [this, &exchange, connection] {
            auto decision = console.authorize_export(*exchange.web, exchange.org);
            if (auto* refusal = std::get_if<Reply>(&decision)) {
                exchange.reply = std::move(*refusal);
                return std::chrono::milliseconds{};
            }
            auto stream = std::make_shared<ExportStream>();
            stream->connection = connection;
            stream->query = std::get<ResponseQuery>(std::move(decision));
            const auto format = exchange.path.substr(exchange.path.rfind('.') + 1);
            if (format == "csv") {
                stream->csv = &service.config().questionnaire;
                stream->content_type = "text/csv; charset=utf-8";
            } else if (format == "xlsx") {
                auto workbook = write_console_workbook(service, stream->query);
                if (!workbook) {
                    const bool too_many = workbook.error().kind == ErrorKind::Invalid;
                    exchange.reply = error_reply(
                        too_many ? ApiError::BadParameter : ApiError::Unavailable,
                        too_many ? workbook.error().message + " (or choose a shorter period)"
                                 : workbook.error().message);
                    return std::chrono::milliseconds{};
                }
                stream->workbook = std::move(workbook.value().file);
                stream->records = static_cast<std::size_t>(workbook.value().records);
                stream->content_type =
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            }
            stream->disposition =
                "attachment; filename=\"" + exchange.org + "-responses." + format + "\"";
            open_export(exchange, std::move(stream));
            return std::chrono::milliseconds{};
        };
    } else if (exchange.route == Route::SaveAssessment && authorization.empty()) {
        // A certifier's browser session: its cookie and its CSRF token in a header.
        exchange.web = web_request(connection, exchange);
        job = [this, &exchange, settle] {
            return settle(console.authorize_assessment(*exchange.web), exchange.actor);
        };
    } else if (exchange.route == Route::SaveAssessment) {
        job = [this, &exchange, authorization, settle] {
            return settle(service.authorize_assessment(authorization, exchange.org),
                          exchange.actor);
        };
    } else if (carries_body(exchange.route)) {
        job = [this, &exchange, authorization, settle] {
            return settle(service.authorize_upload(authorization), exchange.grant);
        };
    } else if (exchange.route == Route::Management) {
        job = [this, &exchange, authorization] {
            exchange.reply = service.management(authorization);
            return judge(*exchange.reply, exchange);
        };
    } else {
        job = [this, &exchange, connection, authorization, params = query_params(connection)] {
            auto decision = service.authorize_org_query(authorization, exchange.org, params);
            if (auto* refusal = std::get_if<Reply>(&decision)) {
                exchange.reply = std::move(*refusal);
                return judge(*exchange.reply, exchange);
            }
            auto query = std::get<ResponseQuery>(std::move(decision));
            // Every org route but the export answers with one reply.
            switch (exchange.route) {
                case Route::Score:
                    exchange.reply = service.score(query);
                    return std::chrono::milliseconds{};
                case Route::Integrity:
                    exchange.reply = service.integrity(query.org);
                    return std::chrono::milliseconds{};
                case Route::Devices:
                    exchange.reply = service.devices(query.org);
                    return std::chrono::milliseconds{};
                case Route::Assessment:
                    exchange.reply = service.assessment(query.org);
                    return std::chrono::milliseconds{};
                case Route::AssessmentHistory:
                    exchange.reply = service.assessment_history(query.org);
                    return std::chrono::milliseconds{};
                default:
                    break;
            }
            auto stream = std::make_shared<ExportStream>();
            stream->connection = connection;
            stream->query = std::move(query);
            open_export(exchange, std::move(stream));
            return std::chrono::milliseconds{};
        };
    }
    if (!run_suspended(connection, exchange, std::move(job)))
        return refuse(connection, exchange, ApiError::Unavailable, "the server is stopping",
                      std::chrono::seconds{5});
    return MHD_YES;
}

void ApiServer::Impl::open_export(Exchange& exchange, std::shared_ptr<ExportStream> stream) {
    if (auto fetched = fetch_page(*stream, service.store()); !fetched)
        exchange.reply = error_reply(ApiError::Unavailable, fetched.error().message);
    else
        exchange.export_stream = std::move(stream);
}

MHD_Result ApiServer::Impl::start_body(MHD_Connection* connection, Exchange& exchange) {
    auto encoding = parse_content_encoding(header_value(connection, "Content-Encoding"));
    if (!encoding)
        return refuse(connection, exchange, ApiError::UnsupportedEncoding,
                      "Content-Encoding must be gzip, deflate or identity");
    std::size_t announced = 0;
    auto length = header_value(connection, MHD_HTTP_HEADER_CONTENT_LENGTH);
    std::from_chars(length.data(), length.data() + length.size(), announced);
    const std::size_t limit = body_limit(exchange);
    if (announced > limit) return reply(connection, exchange, too_large(exchange), true);
    switch (take_body_slot(exchange)) {
        case BodySlot::Taken:
            break;
        case BodySlot::GrantBusy:
            return refuse(connection, exchange, ApiError::TooManyRequests,
                          "this token is already uploading a batch; send one batch at a time",
                          std::chrono::seconds{1});
        case BodySlot::Full:
            return refuse(connection, exchange, ApiError::Unavailable,
                          "the server holds as many uploads as it may; retry shortly",
                          std::chrono::seconds{1});
    }
    exchange.body = std::make_unique<RequestBody>(*encoding, limit, announced);
    exchange.stage = Exchange::Stage::Receiving;
    // A body has until the header deadline plus its size at the slowest accepted rate.
    std::size_t allowance = announced ? announced : limit;
    deadlines.set(connection, Clock::now() + options.io_timeout +
                                  std::chrono::seconds(allowance / kMinBodyBytesPerSecond));
    return MHD_YES;
}

MHD_Result ApiServer::Impl::receive(MHD_Connection* connection, const char* upload,
                                    std::size_t* upload_size, Exchange& exchange) {
    auto state =
        *upload_size > 0 ? exchange.body->append({upload, *upload_size}) : exchange.body->finish();
    bool at_end = *upload_size == 0;
    *upload_size = 0;
    if (state != RequestBody::State::Reading) {
        exchange.body.reset();
        give_back_body_slot(exchange);
        exchange.reply =
            state == RequestBody::State::TooLarge
                ? too_large(exchange)
                : error_reply(ApiError::MalformedJson,
                              "request body could not be read (truncated, or not valid "
                              "gzip/deflate)");
        // libmicrohttpd takes a reply only before the body or after all of it:
        // the rest passes unread (its length was checked, its time is bounded).
        exchange.stage = Exchange::Stage::Discarding;
        return at_end ? reply(connection, exchange, *exchange.reply, true) : MHD_YES;
    }
    if (!at_end) return MHD_YES;
    deadlines.clear(connection);
    exchange.stage = Exchange::Stage::Working;
    bool queued = run_suspended(connection, exchange, [this, &exchange] {
        std::chrono::milliseconds hold{};
        if (exchange.route == Route::Enrol) {
            exchange.reply = service.enrol(exchange.body->text());
            hold = judge_enrolment(*exchange.reply, exchange);
        } else if (exchange.route == Route::Form) {
            exchange.web->body = exchange.body->text();
            auto answer = console.handle(*exchange.web);
            exchange.reply = std::move(answer.reply);
            hold = answer.hold;
        } else if (exchange.route == Route::Heartbeat) {
            exchange.reply = service.heartbeat(*exchange.grant, exchange.body->text());
        } else if (exchange.route == Route::SaveAssessment) {
            exchange.reply =
                service.put_assessment(*exchange.actor, exchange.org, exchange.body->text());
        } else {
            exchange.reply = service.ingest(*exchange.grant, exchange.body->text());
        }
        exchange.body.reset();
        give_back_body_slot(exchange);
        return hold;
    });
    if (!queued)
        return refuse(connection, exchange, ApiError::Unavailable, "the server is stopping",
                      std::chrono::seconds{5});
    return MHD_YES;
}

void ApiServer::Impl::completed(MHD_Connection* connection, Exchange* exchange) {
    if (!exchange) return;
    std::unique_ptr<Exchange> owned(exchange);  // freed even if logging throws
    give_back_body_slot(*exchange);
    give_back_export_slot(*exchange);
    std::chrono::duration<double, std::milli> elapsed = Clock::now() - exchange->start;
    std::size_t records =
        exchange->export_stream ? exchange->export_stream->records.load() : exchange->records;
    log.write({exchange->method, exchange->path, exchange->status, records, elapsed.count()});
    // Idle keep-alive: the next request's headers must be complete by then.
    deadlines.set(connection, Clock::now() + kKeepAliveIdle);
}

MHD_Result ApiServer::Impl::on_request(void* cls, MHD_Connection* connection, const char* url,
                                       const char* method, const char* version, const char* upload,
                                       std::size_t* upload_size, void** request_context) {
    auto* exchange = static_cast<Exchange*>(*request_context);
    if (!exchange) return MHD_NO;  // on_request_line failed (out of memory)
    auto& server = *static_cast<Impl*>(cls);
    // An exception must not cross into libmicrohttpd (std::terminate): the
    // connection is closed instead.
    try {
        if (exchange->stage == Exchange::Stage::Headers)
            return server.begin(connection, url, method, version, *exchange);
        return server.handle(connection, upload, upload_size, *exchange);
    } catch (...) {
        server.report_failure("a request");
        return MHD_NO;
    }
}

void* ApiServer::Impl::on_request_line(void* cls, const char* uri, MHD_Connection*) {
    try {
        auto exchange = std::make_unique<Exchange>();
        std::string_view path(uri);
        exchange->path = path.substr(0, std::min(path.find('?'), std::size_t{512}));
        exchange->target_size = path.size();
        return exchange.release();
    } catch (...) {
        static_cast<Impl*>(cls)->report_failure("reading a request line");
        return nullptr;  // on_request then drops the connection
    }
}

void ApiServer::Impl::on_completed(void* cls, MHD_Connection* connection, void** request_context,
                                   MHD_RequestTerminationCode) {
    auto* exchange = static_cast<Exchange*>(*request_context);
    *request_context = nullptr;
    try {
        static_cast<Impl*>(cls)->completed(connection, exchange);
    } catch (...) {
        static_cast<Impl*>(cls)->report_failure("finishing a request");
    }
}

void ApiServer::Impl::on_connection(void* cls, MHD_Connection* connection, void**,
                                    MHD_ConnectionNotificationCode code) {
    auto& server = *static_cast<Impl*>(cls);
    try {
        if (code != MHD_CONNECTION_NOTIFY_STARTED) return server.deadlines.closed(connection);
        const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        // Without its descriptor the connection keeps only libmicrohttpd's stall timeout.
        if (!info) return server.log.note("a connection without a descriptor: no deadline kept");
        server.deadlines.opened(connection, info->connect_fd,
                                Clock::now() + server.options.io_timeout);
    } catch (...) {
        server.report_failure("tracking a connection");
    }
}

}  // namespace cx
