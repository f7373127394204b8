// JSON bodies of the GitHub releases API (releases, assets) as the GitHub backend reads
// them, and the file-name encoding both forge backends store names under. A body of the
// wrong shape is an error naming it (lean::Error), never a JSON library exception.
#include "core/error.hpp"
#include "fuzz_util.hpp"
#include "storage/forge_common.hpp"
#include "storage/github_storage.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input = lean::fuzz::text(data, size);
  if (auto decoded = lean::forge::decode_name(input)) {
    if (lean::forge::encode_name(*decoded) != input) lean::fuzz::finding("decode_name accepted a non-canonical name");
  }
  if (!input.empty() && lean::forge::decode_name(lean::forge::encode_name(input)) != input) {
    lean::fuzz::finding("encode_name does not decode back");
  }
  (void)lean::forge::url_encode(input);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(input);
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  try {
    (void)lean::parse_github_release(doc);
  } catch (const lean::Error&) {
  }
  try {
    (void)lean::parse_github_asset(doc);
  } catch (const lean::Error&) {
  }
  return 0;
}
