#pragma once

#include <memory>
#include <string>

#include "registry/storage.hpp"

namespace lean {

// How to reach a remote store; empty fields fall back to the environment (AWS_ENDPOINT_URL,
// AWS_REGION) in the backend.
struct RegistryOptions {
  std::string endpoint_url;
  std::string region;
  bool progress = true;  // a progress display on stderr for long transfers (off with --quiet)
};

// --registry's default: $ML_REGISTRY, else ./.ml-registry.
std::string default_registry_url();

// The backend a registry URL names: a path or file:///PATH is a local folder; s3://BUCKET/PREFIX
// is S3-compatible object storage. Anything else is a usage error.
std::unique_ptr<Storage> open_storage(const std::string& url, const RegistryOptions& options);

// The folder a path or file:// URL names ("file:///srv/my%20models" is "/srv/my models").
std::string local_path_of(const std::string& url);

}  // namespace lean
