#include "storage/open_storage.hpp"

#include <cstdlib>

#include "test_util.hpp"

using namespace lean;

TEST_CASE("paths and file:// URLs open the local folder") {
  CHECK(local_path_of("models") == "models");
  CHECK(local_path_of("/srv/models") == "/srv/models");
  CHECK(local_path_of("file:///srv/my%20models") == "/srv/my models");
  CHECK(local_path_of("file://localhost/srv/models") == "/srv/models");
  CHECK(open_storage("file:///srv/models", {})->describe() == "file:///srv/models");
  CHECK(open_storage("./reg", {})->atomic_conditional_writes());
}

TEST_CASE("bad registry URLs are usage errors") {
  auto status = [](const std::string& url) { return test::expect_error([&] { open_storage(url, {}); }).status(); };
  CHECK(status("") == ExitStatus::usage);
  CHECK(status("file://server/share") == ExitStatus::usage);  // another host's path
  CHECK(status("file:///bad%2") == ExitStatus::usage);
  CHECK(status("gs://bucket/models") == ExitStatus::usage);
  CHECK(status("s3://") == ExitStatus::usage);
}

TEST_CASE("s3:// opens the S3 backend with the endpoint and region given") {
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
  RegistryOptions s3_options;
  s3_options.endpoint_url = "http://127.0.0.1:1";
  s3_options.region = "eu-west-3";
  auto storage = open_storage("s3://bucket/models/", s3_options);
  CHECK(storage->describe() == "s3://bucket/models/");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
}

TEST_CASE("the default registry: $ML_REGISTRY, else ./.ml-registry") {
  const char* saved = std::getenv("ML_REGISTRY");
  const std::string old = saved ? saved : "";
  ::unsetenv("ML_REGISTRY");
  CHECK(default_registry_url() == "./.ml-registry");
  ::setenv("ML_REGISTRY", "/srv/models", 1);
  CHECK(default_registry_url() == "/srv/models");
  if (saved) ::setenv("ML_REGISTRY", old.c_str(), 1);
  else ::unsetenv("ML_REGISTRY");
}

TEST_CASE("github:// and gitlab:// URLs open the forge backends") {
  RegistryOptions options;
  options.api_url = "http://127.0.0.1:1";
  CHECK(open_storage("github://acme/models", options)->describe() == "github://acme/models");
  CHECK(open_storage("github://acme/models", options)->atomic_conditional_writes());
  CHECK(open_storage("gitlab://acme/ml/models/", options)->describe() == "gitlab://acme/ml/models");
  CHECK(open_storage("gitlab://4242", options)->describe() == "gitlab://4242");
  CHECK_FALSE(open_storage("gitlab://4242", options)->atomic_conditional_writes());
  CHECK(test::expect_error([&] { open_storage("github://acme", options); }).describe() ==
        "invalid registry URL \"github://acme\": use github://OWNER/REPO");
  CHECK(test::expect_error([&] { open_storage("gitlab://acme", options); }).status() == ExitStatus::usage);
  options.tag_format = "{model}";
  CHECK(test::expect_error([&] { open_storage("github://acme/models", options); }).status() == ExitStatus::usage);
}
