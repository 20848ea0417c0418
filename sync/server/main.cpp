// cxserver: the certifier's collection server and its admin commands (cx/server/cxserver_app.hpp).
#include <iostream>

#include "cx/server/cxserver_app.hpp"

int main(int argc, char** argv) {
    return cx::run_cxserver(argc, argv, std::cout, std::cerr);
}
