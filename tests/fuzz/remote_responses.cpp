// What S3, GitHub and GitLab (or anything pretending to be them, or a proxy in between)
// answer, fed to the real backends over loopback HTTP: the first byte picks the backend,
// the rest is a script of answers (status, headers, body) to every request they make while
// reading a channel, listing, downloading and publishing. Whatever comes back, the backend
// ends in a result or a lean::Error, never a crash, a hang or another exception.
#include <cstdlib>
#include <filesystem>

#include "core/error.hpp"
#include "fuzz_util.hpp"
#include "storage/github_storage.hpp"
#include "storage/gitlab_storage.hpp"
#include "storage/s3_storage.hpp"

namespace {

lean::http::ClientOptions quick() {
  lean::http::ClientOptions options;
  options.max_attempts = 2;
  options.backoff_base = std::chrono::milliseconds(1);
  options.backoff_max = std::chrono::milliseconds(2);
  options.retry_after_max = std::chrono::milliseconds(50);
  options.connect_timeout = std::chrono::milliseconds(1000);
  options.stall_timeout = std::chrono::milliseconds(2000);
  return options;
}

std::unique_ptr<lean::Storage> open(int backend, const std::string& url) {
  switch (backend) {
    case 0: {
      lean::S3Options s3;
      s3.endpoint_url = url;
      s3.region = "us-east-1";
      s3.credentials = lean::sigv4::Credentials{"AKIAFUZZ", "fuzz-secret", ""};
      s3.progress = false;
      s3.multipart_threshold = 64;  // the local file below goes up in parts
      s3.part_size = 32;
      s3.concurrency = 2;
      s3.http = quick();
      return lean::open_s3_storage("s3://bucket/reg", s3);
    }
    case 1: {
      lean::GithubOptions github;
      github.api_url = url;
      github.http = quick();
      github.stale_after = std::chrono::milliseconds(0);
      github.wait_for_others = std::chrono::milliseconds(0);
      return lean::open_github_storage("github://owner/repo", github);
    }
    default: {
      lean::GitlabOptions gitlab;
      gitlab.api_url = url;
      gitlab.http = quick();
      gitlab.settle = std::chrono::milliseconds(0);
      return lean::open_gitlab_storage("gitlab://group/project", gitlab);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lean::fuzz::ToolRun run;
  static lean::fuzz::ScriptedServer server;
  static const std::string upload = run.write("model.bin", std::string(100, 'w'));
  static const bool env = [] {
    ::setenv("GITHUB_TOKEN", "fuzz-token", 1);
    ::setenv("GITLAB_TOKEN", "fuzz-token", 1);
    return true;
  }();
  (void)env;
  if (size == 0) return 0;
  server.script(lean::fuzz::answers_from(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1)));
  auto attempt = [](auto&& body) {
    try {
      body();
    } catch (const lean::Error&) {
    }
  };
  std::unique_ptr<lean::Storage> storage;
  attempt([&] { storage = open(data[0] % 3, server.url()); });
  if (!storage) return 0;
  const std::string download = run.path("download.bin");
  attempt([&] { (void)storage->get("churn/channels/production.json"); });
  attempt([&] { (void)storage->list("churn/"); });
  attempt([&] { (void)storage->download_file("churn/versions/1.0/model.bin", download); });
  attempt([&] { (void)storage->read_digest("churn/versions/1.0/model.bin"); });
  attempt([&] { (void)storage->put("churn/channels/production.json", "{}", lean::WriteCondition::match("\"e\"")); });
  attempt([&] { (void)storage->upload_file("churn/versions/1.1/model.bin", upload); });
  attempt([&] { storage->remove("churn/versions/1.1/model.bin"); });
  std::filesystem::remove(download);
  return 0;
}
