// Tests of the program's JSON output: file names of any bytes become valid JSON strings.
#include <string>

#include <catch2/catch.hpp>

#include "report.hpp"

using lkflow_app::json_string;
using namespace std::string_literals;

TEST_CASE("json_string escapes what JSON requires and keeps well-formed UTF-8", "[report]") {
  CHECK(json_string("frame.png") == "\"frame.png\"");
  CHECK(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json_string("tab\tnew\nline\x01"s) == "\"tab\\u0009new\\u000aline\\u0001\"");
  CHECK(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8c\x8a") ==
        "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8c\x8a\"");  // é, €, a 4-byte emoji
}

TEST_CASE("json_string replaces bytes that are not UTF-8 by U+FFFD", "[report]") {
  // A Latin-1 file name, as a Linux file system may hold: "\xe9" alone is not UTF-8.
  CHECK(json_string("caf\xe9.png") == "\"caf\\ufffd.png\"");
  CHECK(json_string("\xff\xfe") == "\"\\ufffd\\ufffd\"");
  CHECK(json_string("\xc0\xaf") == "\"\\ufffd\\ufffd\"");             // overlong '/'
  CHECK(json_string("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");  // a UTF-16 surrogate
  CHECK(json_string("\xf4\x90\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // beyond U+10FFFF
  CHECK(json_string("ok\xe2\x82") == "\"ok\\ufffd\\ufffd\"");  // cut short at the end
  CHECK(json_string("\xe2\x82z") == "\"\\ufffd\\ufffdz\"");    // cut short before ASCII
}
