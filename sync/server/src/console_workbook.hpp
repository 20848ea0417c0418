#pragma once
// The console's XLSX export (GET /console/orgs/{org}/responses.xlsx): the selected
// records as cx/xlsx's responses workbook, its summary the server's score of the
// same selection. A zip's directory comes last, so the workbook is written whole
// before its first byte is sent: into a temporary file that is unlinked at once and
// then read page by page like the other exports (ExportStream).
#include <cstdint>
#include <utility>

#include "cx/server/api_service.hpp"

namespace cx {

// An open file descriptor, closed with its owner.
class OwnedFd {
  public:
    OwnedFd() = default;
    explicit OwnedFd(int fd) : fd_(fd) {}
    OwnedFd(OwnedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    OwnedFd& operator=(OwnedFd&& other) noexcept;
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(const OwnedFd&) = delete;
    ~OwnedFd();
    int get() const { return fd_; }

  private:
    int fd_ = -1;
};

struct ConsoleWorkbook {
    OwnedFd file;  // read from its start; its name already gone
    std::int64_t records = 0;
};

// Errors: Invalid when the selection holds more records than an Excel sheet; the
// store's, or Io for a temporary file that could not be written (a full disk…).
Result<ConsoleWorkbook> write_console_workbook(ApiService& api, const ResponseQuery& query);

}  // namespace cx
