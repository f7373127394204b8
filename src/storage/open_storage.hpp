#pragma once

#include <memory>
#include <string>

#include "storage/storage.hpp"

namespace lean {

// How to reach a remote store; empty fields fall back to the environment (AWS_ENDPOINT_URL,
// AWS_REGION) in the backend.
struct RegistryOptions {
  std::string endpoint_url;
  std::string region;
  bool progress = true;  // a progress display on stderr for long transfers (off with --quiet)
  // GitHub and GitLab: the API base (empty: GITHUB_API_URL / CI_API_V4_URL, else the public
  // service), the tag of a version's release, and whether GitLab publishes also get a release.
  std::string api_url;
  std::string tag_format;
  bool gitlab_release = false;
  // --ca-bundle: a PEM file of trusted CAs for https (empty: the system's; S3 also reads
  // $AWS_CA_BUNDLE). Verification itself is always on.
  std::string ca_bundle;
};

// --registry's default: $ML_REGISTRY, else ./.ml-registry.
std::string default_registry_url();

// The backend a registry URL names: a path or file:///PATH is a local folder; s3://BUCKET/PREFIX
// is S3-compatible object storage; github://OWNER/REPO the releases of a GitHub repository;
// gitlab://GROUP/PROJECT (or a numeric project id) a GitLab project's generic package
// registry. Anything else is a usage error.
std::unique_ptr<Storage> open_storage(const std::string& url, const RegistryOptions& options);

// The folder a path or file:// URL names ("file:///srv/my%20models" is "/srv/my models").
std::string local_path_of(const std::string& url);

}  // namespace lean
