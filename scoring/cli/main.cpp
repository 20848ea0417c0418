// cxscore: scoring and reports from exported JSON Lines files (cx/scoring/cxscore_app.hpp).
#include <iostream>

#include "cx/scoring/cxscore_app.hpp"

int main(int argc, char** argv) {
    return cx::run_cxscore(argc, argv, std::cout, std::cerr);
}
