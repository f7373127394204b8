#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sketch/kll.hpp"

namespace lean {

// Count, extremes, mean and sum of squared deviations of the numbers of a column:
// Welford's update, Chan et al.'s pairwise merge (stable, and exact for the count).
struct Moments {
  std::uint64_t count = 0;
  double min = 0, max = 0, mean = 0, m2 = 0;
  void add(double value) {  // Welford's update
    if (count == 0) {
      min = max = value;
    } else {
      min = std::min(min, value);
      max = std::max(max, value);
    }
    ++count;
    const double delta = value - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (value - mean);
  }
  // The moments of values[0, count) merged in: their mean and squared deviations from it in
  // two passes, one division, then merge(). Welford's update divides for every value, and
  // each division waits for the one before: for a profile that was a tenth of its time.
  void add_batch(const double* values, std::size_t count);
  void merge(const Moments& other);
  double variance() const { return count > 0 ? m2 / static_cast<double>(count) : 0; }  // population (ddof 0)
};

// One column of a reference profile (docs/ml-drift.md, "Profiles").
struct ColumnProfile {
  std::string name;
  bool numeric = true;
  std::uint64_t count = 0;    // cells with a value
  std::uint64_t missing = 0;  // empty or NA cells
  Moments moments;            // numeric columns
  // The distribution: exact counts (numbers, or texts for a categorical column) while a
  // column has at most max_exact distinct values, else (numbers only) a KLL sketch.
  std::map<double, std::uint64_t> number_counts;
  std::map<std::string, std::uint64_t> text_counts;
  std::optional<KllSketch> sketch;
  bool exact() const { return !sketch; }
};

struct Profile {
  static constexpr int kVersion = 1;
  static constexpr std::uint64_t kDefaultMaxExact = 100000;
  std::uint64_t rows = 0;
  std::uint64_t files = 0;
  std::uint16_t sketch_k = KllSketch::kDefaultK;
  std::uint64_t max_exact = kDefaultMaxExact;
  std::vector<ColumnProfile> columns;
  const ColumnProfile* find(const std::string& name) const;
};

// Which columns to profile and how (the same meaning as ml-drift's options).
struct ProfileOptions {
  std::vector<std::string> columns, exclude, numeric, categorical;
  std::string delimiter;  // empty: by each file's name
  std::uint16_t sketch_k = KllSketch::kDefaultK;
  std::uint64_t max_exact = Profile::kDefaultMaxExact;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());  // the columns are shared among them
};

// Profiles the files in one streaming pass each; memory is bounded by the distinct values
// kept (max_exact per column) and the sketches, not by the rows. Every file needs the
// columns the first one selects.
Profile build_profile(const std::vector<std::string>& paths, const ProfileOptions& options);

// Adds `other` (read from `other_path`) to `into` (from `into_path`): counts add, moments
// merge, sketches merge as KLL merges. Differently typed columns are an input error naming
// both files; so are different column sets, unless allow_new_columns (then a column one
// side lacks counts that side's rows as missing).
void merge_profile(Profile& into, const std::string& into_path, const Profile& other, const std::string& other_path,
                   bool allow_new_columns);

// The checks of merge_profile over profiles in the order given (errors name the first), so
// they can be merged in any order afterwards; the column names in the order given.
std::vector<std::string> check_mergeable(const std::vector<std::pair<std::string, const Profile*>>& profiles,
                                         bool allow_new_columns);

// `ml-drift profile merge`: the profiles (path, profile) merged into one, whatever their order
// (each checked by check_mergeable first), the columns in the order given.
Profile merge_profiles(std::vector<std::pair<std::string, Profile>> profiles, bool allow_new_columns);

// Adds KLL sketches (made elsewhere, e.g. by Spark) as the distributions of numeric columns.
// They are one batch of rows (as many as the largest sketch holds): appended to the profile's
// rows when a sketch extends a column it has, else beside them; every column's count plus
// missing is the profile's rows.
void import_sketches(Profile& profile, const std::vector<std::pair<std::string, KllSketch>>& sketches);

// The profile as JSON with its SHA-256 (deterministic), and back: a truncated or changed
// profile fails its checksum (integrity, exit 5); another version or a malformed field is
// an input error.
std::string write_profile(const Profile& profile);
Profile parse_profile(const std::string& text, const std::string& path);
Profile read_profile(const std::string& path);
// The "sha256" a profile's JSON text carries: of its compact dump without that field
// (empty when the text is not JSON). For tests and fuzzing that build profiles by hand.
std::string profile_checksum(const std::string& json_text);

// 1-based shard I of N takes the files whose base name's SHA-256 (first 8 bytes, big-endian)
// is I - 1 modulo N. `spec` is "I/N"; anything else, or I outside 1..N, is a usage error.
std::pair<std::uint64_t, std::uint64_t> parse_shard(const std::string& spec);
bool in_shard(const std::string& path, std::uint64_t index, std::uint64_t count);

}  // namespace lean
