#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "cx/config/atomic_file.hpp"

using namespace cx;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir() {
    auto dir = fs::temp_directory_path() /
               ("cx-export-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
    fs::create_directories(dir);
    return dir;
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("a committed export has its content and the SHA-256 of its bytes") {
    auto dir = fresh_dir();
    auto writer = AtomicFileWriter::create(dir / "out.txt");
    REQUIRE(writer.ok());
    REQUIRE(writer.value().write("abc").ok());
    auto written = writer.value().commit();
    REQUIRE(written.ok());
    CHECK(slurp(dir / "out.txt") == "abc");
    CHECK(written.value().bytes == 3);
    // FIPS 180-2 test vector for "abc".
    CHECK(written.value().sha256 ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
    fs::remove_all(dir);
}

TEST_CASE("an export abandoned before commit leaves nothing behind") {
    auto dir = fresh_dir();
    {
        auto writer = AtomicFileWriter::create(dir / "out.txt");
        REQUIRE(writer.ok());
        REQUIRE(writer.value().write("partial").ok());
    }
    CHECK(fs::is_empty(dir));
    fs::remove_all(dir);
}

TEST_CASE("an existing file is replaced only at commit") {
    auto dir = fresh_dir();
    std::ofstream(dir / "out.txt") << "old";
    auto writer = AtomicFileWriter::create(dir / "out.txt");
    REQUIRE(writer.ok());
    REQUIRE(writer.value().write("new").ok());
    CHECK(slurp(dir / "out.txt") == "old");
    REQUIRE(writer.value().commit().ok());
    CHECK(slurp(dir / "out.txt") == "new");
    fs::remove_all(dir);
}

TEST_CASE("publish_file hashes and renames a file written by someone else") {
    auto dir = fresh_dir();
    auto temp = temporary_path_for(dir / "book.xlsx");
    std::ofstream(temp) << "abc";
    auto written = publish_file(temp, dir / "book.xlsx");
    REQUIRE(written.ok());
    CHECK_FALSE(fs::exists(temp));
    CHECK(written.value().sha256 ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    fs::remove_all(dir);
}

TEST_CASE("an unwritable folder is an error, not a crash") {
    auto writer = AtomicFileWriter::create("/nonexistent/folder/out.txt");
    REQUIRE_FALSE(writer.ok());
    CHECK_THAT(writer.error().message, Catch::Contains("/nonexistent/folder"));
}
