#pragma once

// What the GitHub and GitLab backends share: the keys of the layout and the names of channel
// pointer generations, file names both services keep as given, the API URL, fields of their
// JSON answers, and the wording of a refused request.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_text.hpp"
#include "http/http_client.hpp"
#include "storage/storage.hpp"

namespace lean::forge {

// A key of the registry layout, split into what a forge backend maps to its own objects.
struct KeyRef {
  enum class Kind { version_file, manifest, channel, audit } kind = Kind::version_file;
  std::string model;
  std::string version;  // of a version file or manifest; empty for channels and audit events
  std::string name;     // the file, the channel (without ".json") or the audit object
};

// "churn/versions/1.0.0/model.bin", "churn/channels/production.json", "churn/audit/E.json";
// a file in a publish attempt's folder, "churn/versions/1.0.0/ATTEMPT/model.bin", is a
// version file named "ATTEMPT/model.bin"; anything else (an empty part, another shape) is a
// usage error naming the key.
KeyRef parse_key(const std::string& key);

// Channel pointer generations a forge keeps: a name is free again only after that many newer
// writes, so a reader that listed an older generation still finds it.
inline constexpr long long kKeptGenerations = 10;

// How a forge names a channel pointer's generations. GitHub keeps one asset per name, so
// "production.0000000042.json" has one writer; GitLab keeps every file uploaded under a name,
// so each writer's "production.0000000042-1a2b3c4d.json" has a random suffix (the lower id
// wins).
enum class GenerationNames { plain, suffixed };

// The stored name of `channel`'s generation `generation`; `suffix` only for suffixed names.
std::string generation_name(const std::string& channel, long long generation, const std::string& suffix = "");

// The channel and generation of a stored name; nullopt for anything else.
std::optional<std::pair<std::string, long long>> parse_generation(const std::string& name, GenerationNames style);

// Whether the stored file `stored_name` is (a generation of) what `ref` names: `file_name` is
// the real name of the stored file (a version file's), as the backend decodes it.
bool stores_key(const KeyRef& ref, const std::string& stored_name, const std::optional<std::string>& file_name,
                GenerationNames style);

// The REST API's base URL: `option` (--api-url), else $`variable`, else `fallback`, its scheme
// lower-cased; anything but http(s) is a usage error that shows `shape` ("https://HOST/api/v4").
std::string api_url(const std::string& option, const char* variable, const char* fallback, const char* shape);

// The keys that start with `prefix`, sorted, each once: what Storage::list answers.
std::vector<std::string> keys_under(std::vector<std::string> keys, const std::string& prefix);

// A whole number field, 0 when absent or of another type (value() would throw a JSON
// library exception on a wrong type: an answer of the wrong shape is not a crash).
long long id_of(const nlohmann::json& doc, const char* key);

// The name a file is stored under on a forge: letters, digits, '.', '_' and '-' pass; every
// other byte (space, '~', '(', '+', non-ASCII, ...) becomes "+XX" (hex), which neither
// GitHub nor GitLab rewrites, and which decodes back to the real name. "a b.pkl" ->
// "a+20b.pkl".
std::string encode_name(std::string_view name);
// The real name of an encoded one; nullopt when `stored` is not an encoding we made.
std::optional<std::string> decode_name(std::string_view stored);

// Percent-encodes one URL path segment or query value (RFC 3986 unreserved pass).
std::string url_encode(std::string_view text);

// The first line of an error body, or its "message" field when it is JSON, at most 200
// characters: what a refused request's message shows.
std::string error_detail(const http::Response& response);

// "HTTP 403: Resource not accessible by integration".
std::string status_text(const http::Response& response);

}  // namespace lean::forge
