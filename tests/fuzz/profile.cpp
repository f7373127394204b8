// The profile reader (src/profile/profile.cpp): any text either gives a profile or a
// lean::Error (integrity for a broken checksum or JSON, input for a malformed field). A
// profile read must write itself again stably and merge with itself.
#include "core/error.hpp"
#include "fuzz_util.hpp"
#include "profile/profile.hpp"

#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text = lean::fuzz::text(data, size);
  // The checksum stops nearly every mutation at the door; the first byte 'R' asks for it to
  // be recomputed, so the fields behind it are fuzzed too.
  if (!text.empty() && text[0] == 'R') {
    auto json = nlohmann::ordered_json::parse(text.substr(1), nullptr, false);
    if (json.is_discarded() || !json.is_object()) return 0;
    json["sha256"] = lean::profile_checksum(json.dump());
    text = json.dump();
  }
  try {
    lean::Profile profile = lean::parse_profile(text, "fuzz.profile");
    const std::string written = lean::write_profile(profile);
    if (lean::write_profile(lean::parse_profile(written, "again")) != written)
      lean::fuzz::finding("profile does not write stably");
    // Merging feeds exact counts into sketches value by value: only for modest counts.
    if (profile.rows <= 100000) lean::merge_profile(profile, "a", lean::parse_profile(written, "b"), "b", false);
  } catch (const lean::Error&) {
  }
  return 0;
}
