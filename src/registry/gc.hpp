#pragma once

#include <optional>
#include <string>
#include <vector>

#include "registry/registry.hpp"

namespace lean {

struct GcRequest {
  std::string model;
  std::size_t keep = 0;             // the newest N versions are kept
  std::optional<double> keep_days;  // versions younger than this are kept
  std::size_t keep_history = 10;    // and every version in a channel's last K history entries
  bool dry_run = false;
  double grace_seconds = 5;  // between hiding versions and deleting their files
};

struct GcVersion {
  std::string version;
  std::string created_at;
  std::string reason;  // why it is kept, or "deleted" / "would be deleted"
  std::string manifest_sha256;
  std::size_t files = 0;
  bool hidden = false;  // --dry-run: hidden by a gc that did not finish (the next gc restores it first)
};

struct GcResult {
  std::vector<GcVersion> kept;                 // newest first
  std::vector<GcVersion> deleted;              // oldest first: the order they went (or would go)
  std::vector<std::string> leftovers_removed;  // what killed publishes left (Registry::remove_stale_leftovers)
};

// Deletes the versions of a model that are not kept, in three passes so that a version a
// channel starts to point at while gc runs is never lost:
//  1. hide: each version is re-checked against every channel (read again), then its
//     manifest is copied aside (hidden_manifest_key) and deleted, so it is never listed or
//     resolved as complete again;
//  2. after `grace_seconds` every channel is read again, and a hidden version one of them
//     now points to (a promote that read its manifest before it was hidden) gets its
//     manifest back and is kept; so is one published again meanwhile;
//  3. the files of the rest are deleted, the copy last, one audit event ("event":
//     "delete") each.
// A run first finishes what an interrupted run was deleting and removes the stale leftovers
// of killed publishes (not in a dry run), restores the versions an interrupted run hid, then
// decides about them anew.
// The window that remains (docs/ml-release.md): a promote that read the manifest before
// pass 1 and writes its channel after pass 2.
GcResult collect_garbage(Storage& storage, Registry& registry, const GcRequest& request);

}  // namespace lean
