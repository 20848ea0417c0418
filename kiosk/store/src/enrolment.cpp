#include "cx/kiosk/enrolment.hpp"

#include "cx/config/atomic_file.hpp"
#include "cx/kiosk/recovery.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/sync/enrolment.hpp"

namespace cx::kiosk {

namespace {

constexpr unsigned kOwnerOnly = 0600;

}  // namespace

Result<EnrolledDevice> enrol_kiosk(const EnrolmentRequest& request) {
    auto code = normalize_enrolment_code(request.code);
    if (!code)
        return Error{"the enrolment code must be " + std::to_string(kEnrolmentCodeDigits) +
                     " digits, as `cxserver enrol-code` printed it (e.g. 1234-5678-9012)"};
    if (auto allowed = check_enrolment_url(request.server.server_url); !allowed)
        return allowed.error();
    const auto token_path = request.data_dir / kTokenFileName;
    std::error_code ec;
    if (!request.force && std::filesystem::exists(token_path, ec))
        return Error{"this kiosk is enrolled already (" + token_path.string() +
                     " exists); enrol again with --force to replace its token"};
    if (auto created = create_data_dir(request.data_dir); !created) return created.error();
    auto key = load_device_key(request.data_dir);
    if (!key) return key.error();
    auto enrolled = request_enrolment(request.server, *code, key.value().public_key().hex());
    if (!enrolled) return enrolled.error();
    auto& reply = enrolled.value();
    auto file = AtomicFileWriter::create(token_path, kOwnerOnly);
    if (!file) return file.error();
    if (auto written = file.value().write(reply.token + "\n"); !written) return written.error();
    if (auto committed = file.value().commit(); !committed) return committed.error();
    return EnrolledDevice{std::move(reply.org), std::move(reply.site), std::move(reply.device)};
}

}  // namespace cx::kiosk
