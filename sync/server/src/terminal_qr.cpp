#include "cx/server/terminal_qr.hpp"

#include <qrencode.h>

#include <memory>
#include <string>

namespace cx {

namespace {

constexpr int kQuietZone = 2;  // light modules around the symbol, so a reader finds its edge
constexpr std::string_view kLightOnDark = "\x1b[97;40m";
constexpr std::string_view kReset = "\x1b[0m";

struct FreeQrCode {
    void operator()(QRcode* code) const { QRcode_free(code); }
};

}  // namespace

Result<std::string> terminal_qr(std::string_view text) {
    const std::string owned(text);
    std::unique_ptr<QRcode, FreeQrCode> code(
        QRcode_encodeString(owned.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (!code) return Error{"libqrencode could not encode the code"};
    const int width = code->width;
    auto dark = [&](int row, int column) {
        if (row < 0 || column < 0 || row >= width || column >= width) return false;
        return (code->data[row * width + column] & 1) != 0;
    };
    std::string drawn;
    for (int row = -kQuietZone; row < width + kQuietZone; row += 2) {
        drawn += kLightOnDark;
        for (int column = -kQuietZone; column < width + kQuietZone; ++column) {
            const bool top_light = !dark(row, column);
            const bool bottom_light = !dark(row + 1, column);
            if (top_light && bottom_light)
                drawn += "█";
            else if (top_light)
                drawn += "▀";
            else if (bottom_light)
                drawn += "▄";
            else
                drawn += ' ';
        }
        drawn += kReset;
        drawn += '\n';
    }
    return drawn;
}

}  // namespace cx
