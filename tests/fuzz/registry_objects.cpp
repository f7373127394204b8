// Manifests and channel pointers as a registry reads them back from storage (any backend,
// any past version, or tampered with): the input is a manifest, a channel pointer and a
// second manifest, separated by NUL bytes, in an in-memory store with two versions. Every
// read-only command runs over them: a malformed object is an integrity error (exit 5),
// never a crash, and a file name from a manifest never escapes the fetch folder.
#include <filesystem>
#include <map>

#include "core/error.hpp"
#include "crypto/sha256.hpp"
#include "fuzz_util.hpp"
#include "registry/registry.hpp"

namespace {

class MemoryStorage : public lean::Storage {
 public:
  std::map<std::string, std::string> objects;
  std::optional<lean::StoredObject> get(const std::string& key) override {
    auto it = objects.find(key);
    if (it == objects.end()) return std::nullopt;
    return lean::StoredObject{it->second, lean::sha256_hex(it->second)};
  }
  bool put(const std::string& key, const std::string& body, const lean::WriteCondition&) override {
    objects[key] = body;
    return true;
  }
  lean::FileDigest upload_file(const std::string&, const std::string&) override { std::abort(); }
  lean::FileDigest download_file(const std::string& key, const std::string& local_path) override {
    auto it = objects.find(key);
    if (it == objects.end()) throw lean::Error(lean::ExitStatus::integrity, key, "missing");
    std::ofstream(local_path, std::ios::binary) << it->second;
    return {it->second.size(), lean::sha256_hex(it->second)};
  }
  std::vector<std::string> list(const std::string& prefix) override {
    std::vector<std::string> keys;
    for (auto it = objects.lower_bound(prefix); it != objects.end() && it->first.rfind(prefix, 0) == 0; ++it) {
      keys.push_back(it->first);
    }
    return keys;
  }
  void remove(const std::string& key) override { objects.erase(key); }
  bool atomic_conditional_writes() const override { return true; }
  std::string describe() const override { return "memory://"; }
};

std::vector<std::string> split(const std::string& text, std::size_t parts) {
  std::vector<std::string> out(parts);
  std::size_t start = 0;
  for (std::size_t i = 0; i < parts && start <= text.size(); ++i) {
    std::size_t end = i + 1 == parts ? std::string::npos : text.find('\0', start);
    out[i] = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lean::fuzz::ToolRun run;
  const auto parts = split(lean::fuzz::text(data, size), 3);
  MemoryStorage store;
  store.objects["churn/versions/1.0/manifest.json"] = parts[0];
  store.objects["churn/versions/1.0/model.pkl"] = "weights";
  store.objects["churn/channels/production.json"] = parts[1];
  store.objects["churn/versions/2.0/manifest.json"] = parts[2];
  store.objects["churn/versions/2.0/model.pkl"] = "weights 2";
  lean::Registry registry(store);
  auto attempt = [](auto&& body) {
    try {
      body();
    } catch (const lean::Error&) {
    }
  };
  attempt([&] { (void)registry.models(); });
  attempt([&] { (void)registry.list("churn"); });
  attempt([&] { (void)registry.channel_metrics("churn", "production"); });
  attempt([&] {
    auto [version, manifest] = registry.resolve("churn", {std::nullopt, std::string("production")});
    (void)registry.verify("churn", version, manifest);
    const std::string dest = run.path("fetched");
    std::filesystem::remove_all(dest);
    (void)registry.fetch("churn", version, manifest, dest);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(run.path(""))) {
      const std::string name = entry.path().string();
      if (name.rfind(dest, 0) != 0 && entry.path().filename() != "fetched") {
        lean::fuzz::finding("fetch wrote outside its folder: " + name);
      }
    }
  });
  attempt([&] { (void)registry.resolve("churn", {std::string("2.0"), std::nullopt}); });
  attempt([&] { (void)registry.rollback("churn", "production", std::nullopt); });
  attempt([&] { (void)registry.promote("churn", "2.0", "production", true); });
  return 0;
}
