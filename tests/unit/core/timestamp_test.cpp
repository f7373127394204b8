#include "core/timestamp.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("RFC 3339 times and Unix seconds") {
  CHECK(parse_timestamp("2026-01-01T00:00:00Z") == 1767225600);
  CHECK(parse_timestamp("2026-01-01T00:00Z") == 1767225600);
  CHECK(parse_timestamp("2026-01-01T01:00:00+01:00") == 1767225600);
  CHECK(parse_timestamp("2025-12-31T23:30:00-00:30") == 1767225600);
  CHECK(parse_timestamp("2026-01-01T00:00:00.250Z") == 1767225600.25);
  CHECK(parse_timestamp("1767225600") == 1767225600);
  CHECK(parse_timestamp("1767225600.5") == 1767225600.5);
  CHECK(parse_timestamp("2026-01-01 00:00:00z") == 1767225600);
  CHECK(parse_timestamp("2026-01-01t00:00:00.123456789Z") == doctest::Approx(1767225600.123456789));
  for (const char* bad :
       {"", "2026-01-01", "2026-02-30T00:00Z", "2026-13-01T00:00Z", "2026-01-01T25:00Z", "2026-01-01T00:00",
        "yesterday", "-5", "2026-00-01T00:00Z", "1234567890123", "1.", "1.1234567890", "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00.1234567890Z", "2026-01-01T00:00+0100", "2026-01-01T00:00Zx", "2026-1-01T00:00Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_timestamp(bad));
  }
}

TEST_CASE("times are written in UTC, with milliseconds only when there are some") {
  CHECK(format_timestamp(1767225600) == "2026-01-01T00:00:00Z");
  CHECK(format_timestamp(1767225600.25) == "2026-01-01T00:00:00.250Z");
}
