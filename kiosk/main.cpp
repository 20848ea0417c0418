// cxkiosk: the customer rating kiosk, and its commands on a data dir (cx/kiosk/cxkiosk_app.hpp).
#include <iostream>

#include "cx/kiosk/cxkiosk_app.hpp"

int main(int argc, char** argv) {
    return cx::run_cxkiosk(argc, argv, std::cout, std::cerr);
}
