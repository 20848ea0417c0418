// cxscore: scoring and reports from exported JSON Lines files.
#include <cstdio>

#include "cx/scoring/cxscore_app.hpp"

int main(int argc, char** argv) {
    return cx::run_cxscore(argc, argv, stdout, stderr);
}
