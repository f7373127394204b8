#include "core/printable.hpp"
#include "profile/profile.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/parallel.hpp"
#include "core/suggest.hpp"
#include "crypto/sha256.hpp"
#include "csv/cells.hpp"
#include "drift/columns.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr const char* kFormatName = "lean-mlops-profile";
// A profile holds at most max_exact values per column and its sketches: far below this.
constexpr std::uint64_t kProfileBytes = std::uint64_t{1} << 30;

char delimiter_for(const std::string& text, const std::string& path) {
  if (text.empty()) return default_delimiter(path);
  if (text == "tab" || text == "\\t" || text == "\t") return '\t';
  if (text.size() != 1 || text == "\"" || text == "\n" || text == "\r") {
    throw_usage("--delimiter must be one character (or \"tab\"), not \"" + text + "\"");
  }
  return text[0];
}

// Exact counts fed into a new sketch, ascending: deterministic.
template <class Counts>
KllSketch sketch_of(const Counts& counts, std::uint16_t k) {
  KllSketch sketch(k);
  for (const auto& [value, count] : counts) {
    for (std::uint64_t i = 0; i < count; ++i) sketch.update(value);
  }
  return sketch;
}

// Counts per distinct number. Short decimals of one scale (a column rounded to 4 places,
// integers) count in a dense array indexed by the fixed-point value: a column's values
// cluster, so the hot slots stay in the cache, where a hash scatters them over megabytes.
// Other numbers, and every number once the array would span more than `dense_limit` slots,
// count in open addressing over the doubles' bits (linear probing, a power-of-two table at
// most half full). A number is in the array exactly when it is a key at the array's scale,
// so no number is in both.
class NumberCounts {
 public:
  explicit NumberCounts(std::uint64_t dense_limit = 0) : dense_limit_(dense_limit) {}

  bool add(const PlainDecimal& decimal) {  // true when the value is new
    if (decimal.decimals <= scale_) {
      const std::int64_t key = key_of(decimal);
      if (key >= low_ && key < low_ + static_cast<std::int64_t>(dense_.size())) return add_dense(key);
    }
    return add_decimal_slowly(decimal);
  }
  bool add(double value) {
    if (const auto key = dense_key(value)) return add_key(*key, 1);
    return add_hashed(value == 0 ? 0 : std::bit_cast<std::uint64_t>(value), 1);  // -0 counts as 0
  }
  // The slot add(decimal) touches first; `value` is decimal.value().
  void prefetch(const PlainDecimal& decimal, double value) const {
    if (decimal.decimals <= scale_) {
      const std::int64_t key = key_of(decimal);
      if (key >= low_ && key < low_ + static_cast<std::int64_t>(dense_.size())) __builtin_prefetch(&dense_[key - low_]);
    } else if (!slots_.empty()) {
      __builtin_prefetch(&slots_[mix(value == 0 ? 0 : std::bit_cast<std::uint64_t>(value)) & (slots_.size() - 1)]);
    }
  }
  std::size_t size() const { return dense_size_ + size_; }
  std::vector<std::pair<double, std::uint64_t>> sorted() const {
    std::vector<std::pair<double, std::uint64_t>> out;
    out.reserve(size());
    for (const auto& slot : slots_) {
      if (slot.count > 0) out.emplace_back(std::bit_cast<double>(slot.bits), slot.count);
    }
    for_each_dense([&](std::int64_t key, std::uint64_t count) { out.emplace_back(value_of(key), count); });
    std::sort(out.begin(), out.end());
    return out;
  }
  void clear() { *this = NumberCounts(dense_limit_); }

 private:
  struct Slot {
    std::uint64_t bits = 0, count = 0;
  };
  using DenseCount = std::uint16_t;  // a quarter of the cache a 64-bit count takes; wraps kept aside
  static constexpr std::uint64_t kDenseWrap = std::uint64_t{1} << (8 * sizeof(DenseCount));
  static constexpr int kNoScale = -1, kGivenUp = -2;
  static constexpr std::int64_t kMaxKey = 999'999'999'999'999;  // 15 digits: distinct keys, distinct doubles
  std::int64_t key_of(const PlainDecimal& decimal) const {      // decimals <= scale_
    const auto magnitude = static_cast<std::int64_t>(decimal.mantissa) * kPowers[scale_ - decimal.decimals];
    return decimal.negative ? -magnitude : magnitude;
  }
  double value_of(std::int64_t key) const {  // correctly rounded, as PlainDecimal::value
    const double magnitude = static_cast<double>(key < 0 ? -key : key) / exact_power_of_ten(scale_);
    return key < 0 ? -magnitude : magnitude;
  }
  // The key of `value` at the array's scale, when it is one (the only one: a double within
  // half a unit of a 15-digit key is that key's).
  std::optional<std::int64_t> dense_key(double value) const {
    if (scale_ < 0) return std::nullopt;
    const double scaled = value * exact_power_of_ten(scale_);
    if (!(std::fabs(scaled) <= static_cast<double>(kMaxKey))) return std::nullopt;
    const auto key = static_cast<std::int64_t>(std::nearbyint(scaled));
    if (value_of(key) != value) return std::nullopt;
    return key;
  }
  static std::uint64_t mix(std::uint64_t x) {  // MurmurHash3's finaliser
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
  }
  bool add_dense(std::int64_t key) {
    DenseCount& count = dense_[key - low_];
    if (++count > 1) return false;
    if (count == 0) {  // wrapped: kDenseWrap more, kept aside
      carries_[key] += kDenseWrap;
      return false;
    }
    if (!carries_.empty() && carries_.count(key)) return false;
    ++dense_size_;
    return true;
  }
  bool add_hashed(std::uint64_t bits, std::uint64_t count) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    for (std::size_t i = mix(bits) & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      Slot& slot = slots_[i];
      if (slot.count == 0) {
        slot = {bits, count};
        ++size_;
        return true;
      }
      if (slot.bits == bits) {
        slot.count += count;
        return false;
      }
    }
  }
  // A key at the array's scale, the array grown to hold it (or given up).
  bool add_key(std::int64_t key, std::uint64_t count);
  bool add_decimal_slowly(const PlainDecimal& decimal);
  void rescale(int scale);  // to a finer scale, or give the array up
  void give_up();           // every count to the hash
  template <class F>
  void for_each_dense(F f) const {
    for (std::size_t i = 0; i < dense_.size(); ++i) {
      const std::int64_t key = low_ + static_cast<std::int64_t>(i);
      const auto carried = carries_.empty() ? carries_.end() : carries_.find(key);
      const std::uint64_t count = dense_[i] + (carried == carries_.end() ? 0 : carried->second);
      if (count > 0) f(key, count);
    }
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(64, old.size() * 2), Slot{});
    for (const auto& slot : old) {
      if (slot.count == 0) continue;
      std::size_t i = mix(slot.bits) & (slots_.size() - 1);
      while (slots_[i].count != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = slot;
    }
  }
  static constexpr std::array<std::int64_t, 8> kPowers = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};

  std::uint64_t dense_limit_;
  int scale_ = kNoScale;  // the array's decimals; kGivenUp once it spanned too much
  std::int64_t low_ = 0;  // the key of dense_[0]
  std::vector<DenseCount> dense_;
  std::unordered_map<std::int64_t, std::uint64_t> carries_;
  std::size_t dense_size_ = 0;
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

bool NumberCounts::add_decimal_slowly(const PlainDecimal& decimal) {
  if (scale_ == kNoScale || (scale_ >= 0 && decimal.decimals > scale_)) rescale(decimal.decimals);
  if (scale_ == kGivenUp) {
    const double value = decimal.value();
    return add_hashed(value == 0 ? 0 : std::bit_cast<std::uint64_t>(value), 1);
  }
  return add_key(key_of(decimal), 1);
}

bool NumberCounts::add_key(std::int64_t key, std::uint64_t count) {
  const auto span = static_cast<std::int64_t>(dense_.size());
  if (key < low_ || key >= low_ + span) {
    const std::int64_t low = span == 0 ? key : std::min(low_, key),
                       high = span == 0 ? key + 1 : std::max(low_ + span, key + 1);
    if (static_cast<std::uint64_t>(high - low) > dense_limit_) {
      const double value = value_of(key);
      give_up();
      return add_hashed(value == 0 ? 0 : std::bit_cast<std::uint64_t>(value), count);
    }
    // Room to grow on the side it grew, by doubling: a column's extremes widen slowly.
    const auto grown = static_cast<std::int64_t>(std::min<std::uint64_t>(
        dense_limit_, std::max<std::uint64_t>(high - low, std::max<std::int64_t>(64, 2 * span))));
    const std::int64_t new_low = span == 0 ? key - grown / 2 : key < low_ ? high - grown : low;
    std::vector<DenseCount> grown_counts(static_cast<std::size_t>(grown), 0);
    if (span > 0) std::copy(dense_.begin(), dense_.end(), grown_counts.begin() + (low_ - new_low));
    dense_ = std::move(grown_counts);
    low_ = new_low;
  }
  DenseCount& slot = dense_[key - low_];
  const bool seen = slot != 0 || (!carries_.empty() && carries_.count(key));
  const std::uint64_t sum = std::uint64_t{slot} + count;
  slot = static_cast<DenseCount>(sum % kDenseWrap);
  if (sum >= kDenseWrap) carries_[key] += sum - sum % kDenseWrap;
  if (!seen) ++dense_size_;
  return !seen;
}

void NumberCounts::rescale(int scale) {
  std::vector<std::pair<std::int64_t, std::uint64_t>> counts;  // at the new scale
  if (scale_ >= 0) {
    const std::int64_t factor = kPowers[scale - scale_];
    std::int64_t lowest = 0, highest = 0;
    for_each_dense([&](std::int64_t key, std::uint64_t count) {
      if (counts.empty()) lowest = key;
      highest = key;
      counts.emplace_back(key, count);
    });
    const auto reach = [&](std::int64_t key) { return key >= -kMaxKey / factor && key <= kMaxKey / factor; };
    if (!counts.empty() &&
        (!reach(lowest) || !reach(highest) || static_cast<std::uint64_t>(highest - lowest) * factor >= dense_limit_)) {
      give_up();
      return;
    }
    for (auto& entry : counts) entry.first *= factor;
  }
  dense_ = {};
  carries_ = {};
  dense_size_ = 0;
  low_ = 0;
  scale_ = scale;
  for (const auto& [key, count] : counts) add_key(key, count);
  // Hashed numbers that are keys at the new scale move to the array.
  std::vector<Slot> hashed = std::move(slots_);
  slots_ = {};
  size_ = 0;
  for (const auto& slot : hashed) {
    if (slot.count == 0) continue;
    const auto key = dense_key(std::bit_cast<double>(slot.bits));
    if (key) add_key(*key, slot.count);
    else add_hashed(slot.bits, slot.count);
  }
}

void NumberCounts::give_up() {
  for_each_dense([&](std::int64_t key, std::uint64_t count) {
    const double value = value_of(key);
    add_hashed(value == 0 ? 0 : std::bit_cast<std::uint64_t>(value), count);
  });
  dense_ = {};
  carries_ = {};
  dense_size_ = 0;
  scale_ = kGivenUp;
}

// Hashes a cell as its std::string would hash: the counts are found without copying it.
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// A variance beyond a double's range (values around 1e200) could not be written: JSON has no
// infinity, and a profile missing it could not be read back.
void require_finite_moments(const ColumnProfile& column, const std::string& path) {
  if (std::isfinite(column.moments.mean) && std::isfinite(column.moments.m2)) return;
  throw_input(path, "column \"" + column.name + "\": its variance is beyond a double's range (values as large as " +
                        format_number(std::max(-column.moments.min, column.moments.max)) +
                        "); profile it with --categorical or leave it out with --exclude");
}

// One selected column while its files stream by.
struct ColumnBuilder {
  ColumnProfile profile;
  std::size_t field = 0;
  ColumnKind kind = ColumnKind::automatic;
  NumberCounts numbers;  // while exact
  std::unordered_map<std::string, std::uint64_t, TextHash, std::equal_to<>> texts;

  // Values on their way to profile.moments, a batch at a time (Moments::add_batch).
  std::array<double, 256> pending_moments;
  std::size_t pending_count = 0;
  void add_moment(double value) {
    pending_moments[pending_count++] = value;
    if (pending_count == pending_moments.size()) flush_moments();
  }
  void flush_moments() {
    profile.moments.add_batch(pending_moments.data(), pending_count);
    pending_count = 0;
  }

  // A plain short decimal of a column still counted exactly, parsed ahead and its slot
  // prefetched: a row's cells then miss the cache in a dozen tables at once, not in turn.
  std::optional<double> staged;
  PlainDecimal staged_decimal;
  void stage(std::string_view cell) {
    staged.reset();
    if (!profile.numeric || kind == ColumnKind::categorical || profile.sketch) return;
    if (const auto decimal = parse_short_decimal_padded(cell)) {  // never a missing cell
      staged = decimal->value();
      staged_decimal = *decimal;
      numbers.prefetch(staged_decimal, *staged);
    }
  }

  void add(std::string_view cell, const ProfileOptions& options, const std::string& path, std::uint64_t line) {
    if (staged) {  // as below, for a short decimal
      ++profile.count;
      add_moment(*staged);
      if (numbers.add(staged_decimal) && numbers.size() > options.max_exact) {
        profile.sketch = sketch_of(numbers.sorted(), options.sketch_k);
        numbers.clear();
      }
      return;
    }
    const bool number_column = profile.numeric && kind != ColumnKind::categorical;
    // The short-decimal fast path first, as the raw path reads (CsvReader pads every field);
    // such a cell is never a missing one.
    const auto short_decimal = number_column ? parse_short_decimal_padded(cell) : std::nullopt;
    if (!short_decimal && is_missing_cell(cell)) {
      ++profile.missing;
      return;
    }
    ++profile.count;
    if (number_column) {
      if (const auto value =
              short_decimal ? std::optional<double>(short_decimal->value()) : parse_finite_number(cell)) {
        add_moment(*value);
        if (profile.sketch) {
          profile.sketch->update(*value);
        } else if (numbers.add(*value) && numbers.size() > options.max_exact) {
          profile.sketch = sketch_of(numbers.sorted(), options.sketch_k);
          numbers.clear();
        }
        return;
      }
      const std::string where = path + ":" + std::to_string(line);
      if (kind == ColumnKind::numeric) {
        throw_input(where,
                    "column \"" + profile.name + "\": " + quote_truncated(cell) + " is not a number (--numeric)");
      }
      if (profile.sketch) {
        throw_input(where, "column \"" + profile.name + "\": " + quote_truncated(cell) +
                               " is not a number, after more than " + std::to_string(options.max_exact) +
                               " distinct numbers (--max-exact); give --categorical or --numeric for it");
      }
      // Numbers seen before the first text count by their shortest form ("1.0" as "1").
      for (const auto& [value, count] : numbers.sorted()) texts[format_number(value)] += count;
      numbers.clear();
      profile.numeric = false;
      profile.moments = {};
      pending_count = 0;
    }
    if (const auto found = texts.find(cell); found != texts.end()) {
      ++found->second;
      return;
    }
    // A profile is JSON, whose strings are UTF-8: a value that is not could not be written.
    if (!is_utf8(cell)) {
      throw_input(path + ":" + std::to_string(line), "column \"" + profile.name + "\": " + quote_truncated(cell) +
                                                         " is not UTF-8, which a profile cannot hold; "
                                                         "leave the column out with --exclude");
    }
    texts.emplace(cell, 1);
    if (texts.size() > options.max_exact) {
      throw_input(path + ":" + std::to_string(line), "column \"" + profile.name + "\" has more than " +
                                                         std::to_string(options.max_exact) +
                                                         " distinct values (--max-exact); leave it out with --exclude");
    }
  }

  ColumnProfile finish() {
    flush_moments();
    if (profile.numeric && kind != ColumnKind::categorical) {
      if (!profile.sketch) {
        for (const auto& entry : numbers.sorted())
          profile.number_counts.emplace_hint(profile.number_counts.end(), entry);
      }
      numbers.clear();
    } else {
      profile.numeric = false;
      profile.text_counts.insert(texts.begin(), texts.end());
      texts = {};
    }
    return std::move(profile);
  }
};

std::vector<std::string> selected_names(const ProfileOptions& options, const std::vector<std::string>& header,
                                        const std::string& path) {
  if (!options.columns.empty() && !options.exclude.empty()) throw_usage("give --columns or --exclude, not both");
  for (const auto* list : {&options.columns, &options.exclude, &options.numeric, &options.categorical}) {
    for (const auto& name : *list) {
      if (std::find(header.begin(), header.end(), name) == header.end()) {
        throw_input(path, "no column \"" + name + "\"" + did_you_mean(name, header));
      }
    }
  }
  std::vector<std::string> names;
  for (const auto& name : header) {
    const auto in = [&](const std::vector<std::string>& list) {
      return std::find(list.begin(), list.end(), name) != list.end();
    };
    if (options.columns.empty() ? !in(options.exclude) : in(options.columns)) names.push_back(name);
    if (in(options.numeric) && in(options.categorical)) {
      throw_usage("column \"" + name + "\" is in both --numeric and --categorical");
    }
  }
  if (names.empty()) throw_usage("no column left to compare after --exclude");
  return names;
}

// Typed access to a parsed profile: a missing or mistyped field is an input error naming it.
class Fields {
 public:
  Fields(const ordered_json& json, std::string path, std::string where)
      : json_(json), path_(std::move(path)), where_(std::move(where)) {}
  const ordered_json& get(const char* key, bool (ordered_json::*is)() const) const {
    const auto found = json_.find(key);
    if (found == json_.end() || !((*found).*is)()) {
      throw_input(path_, "profile field \"" + where_ + key + "\" is missing or has the wrong type");
    }
    return *found;
  }
  std::uint64_t count(const char* key) const {
    return get(key, &ordered_json::is_number_unsigned).get<std::uint64_t>();
  }
  double number(const char* key) const { return get(key, &ordered_json::is_number).get<double>(); }
  std::string text(const char* key) const { return get(key, &ordered_json::is_string).get<std::string>(); }
  [[noreturn]] void fail(const std::string& message) const { throw_input(path_, "profile column " + where_ + message); }

 private:
  const ordered_json& json_;
  std::string path_, where_;
};

ordered_json column_json(const ColumnProfile& column) {
  ordered_json out;
  out["name"] = column.name;
  out["type"] = column.numeric ? "numeric" : "categorical";
  out["count"] = column.count;
  out["missing"] = column.missing;
  const bool moments = column.moments.count == column.count;  // else some part came from an imported sketch
  if (column.numeric && column.count > 0) {
    out["min"] = moments ? column.moments.min : column.sketch->min();
    out["max"] = moments ? column.moments.max : column.sketch->max();
    if (moments) {
      out["mean"] = column.moments.mean;
      out["variance"] = column.moments.variance();
      out["m2"] = column.moments.m2;
    }
  }
  if (column.sketch) {
    out["distribution"] = "kll";
    out["kll"] = {{"k", column.sketch->k()},
                  {"n", column.sketch->n()},
                  {"retained", column.sketch->num_retained()},
                  {"rank_error", column.sketch->normalized_rank_error(true)},
                  {"sketch", base64_encode(column.sketch->serialize())}};
  } else {
    out["distribution"] = "exact";
    ordered_json values = ordered_json::array();
    if (column.numeric) {
      for (const auto& [value, count] : column.number_counts) values.push_back(ordered_json::array({value, count}));
    } else {
      for (const auto& [value, count] : column.text_counts) values.push_back(ordered_json::array({value, count}));
    }
    out["values"] = std::move(values);
  }
  return out;
}

ColumnProfile column_from_json(const ordered_json& json, const std::string& path, std::size_t index) {
  if (!json.is_object()) throw_input(path, "profile column " + std::to_string(index) + " is not an object");
  const Fields fields(json, path, "columns[" + std::to_string(index) + "].");
  ColumnProfile column;
  column.name = fields.text("name");
  const std::string type = fields.text("type");
  if (type != "numeric" && type != "categorical") fields.fail("has unknown type " + quote_truncated(type));
  column.numeric = type == "numeric";
  column.count = fields.count("count");
  column.missing = fields.count("missing");
  if (column.numeric && column.count > 0 && json.contains("mean")) {
    column.moments.count = column.count;
    column.moments.min = fields.number("min");
    column.moments.max = fields.number("max");
    column.moments.mean = fields.number("mean");
    column.moments.m2 = fields.number("m2");
  }
  const std::string distribution = fields.text("distribution");
  std::uint64_t total = 0;
  if (distribution == "kll") {
    if (!column.numeric) fields.fail("is categorical but has a KLL sketch");
    const Fields kll(fields.get("kll", &ordered_json::is_object), path, "columns[" + std::to_string(index) + "].kll.");
    const auto bytes = base64_decode(kll.text("sketch"));
    if (!bytes) kll.fail("sketch is not base64");
    try {
      column.sketch = KllSketch::deserialize(*bytes);
    } catch (const KllFormatError& e) {
      fields.fail("sketch: " + std::string(e.what()));
    }
    total = column.sketch->n();
  } else if (distribution == "exact") {
    for (const auto& entry : fields.get("values", &ordered_json::is_array)) {
      if (!entry.is_array() || entry.size() != 2 || !entry[1].is_number_unsigned() ||
          !(column.numeric ? entry[0].is_number() : entry[0].is_string())) {
        fields.fail("has a value that is not [value, count]");
      }
      const auto count = entry[1].get<std::uint64_t>();
      if (column.numeric) {
        column.number_counts[entry[0].get<double>()] += count;
      } else {
        column.text_counts[entry[0].get<std::string>()] += count;
      }
      total += count;
    }
  } else {
    fields.fail("has unknown distribution " + quote_truncated(distribution));
  }
  if (column.numeric && column.count > 0 && column.moments.count == 0 && !column.sketch) {
    fields.fail("has exact values but no mean");
  }
  if (total != column.count)
    fields.fail("counts " + std::to_string(total) + " values, not its count " + std::to_string(column.count));
  return column;
}

// Of the compact dump of a profile without its "sha256" field (which it must not hold).
std::string checksum_of(const ordered_json& profile_without_checksum) {
  Sha256 hash;
  hash.update(profile_without_checksum.dump());
  return hash.finish_hex();
}

void merge_distribution(ColumnProfile& into, const ColumnProfile& other, std::uint16_t k, std::uint64_t max_exact) {
  into.count += other.count;
  into.missing += other.missing;
  if (!into.numeric) {
    for (const auto& [text, count] : other.text_counts) into.text_counts[text] += count;
    return;
  }
  into.moments.merge(other.moments);
  if (into.sketch && other.sketch) {
    into.sketch->merge(*other.sketch);
  } else if (into.sketch) {
    into.sketch->merge(sketch_of(other.number_counts, k));
  } else if (other.sketch) {
    KllSketch merged = sketch_of(into.number_counts, k);
    merged.merge(*other.sketch);
    into.sketch = std::move(merged);
    into.number_counts.clear();
  } else {
    for (const auto& [value, count] : other.number_counts) into.number_counts[value] += count;
    if (into.number_counts.size() > max_exact) {
      into.sketch = sketch_of(into.number_counts, k);
      into.number_counts.clear();
    }
  }
}

}  // namespace

void Moments::add_batch(const double* values, std::size_t size) {
  if (size == 0) return;
  // Four partial sums, minima and maxima: independent chains the processor runs side by side
  // (in a fixed order, so the result stays deterministic).
  constexpr std::size_t kLanes = 4;
  double sums[kLanes] = {}, lows[kLanes], highs[kLanes];
  std::fill(std::begin(lows), std::end(lows), values[0]);
  std::fill(std::begin(highs), std::end(highs), values[0]);
  const std::size_t whole = size - size % kLanes;
  std::size_t i = 0;
  for (; i < whole; i += kLanes) {
    for (std::size_t lane = 0; lane < kLanes; ++lane) {
      sums[lane] += values[i + lane];
      lows[lane] = std::min(lows[lane], values[i + lane]);
      highs[lane] = std::max(highs[lane], values[i + lane]);
    }
  }
  for (; i < size; ++i) {
    sums[0] += values[i];
    lows[0] = std::min(lows[0], values[i]);
    highs[0] = std::max(highs[0], values[i]);
  }
  Moments batch;
  batch.count = size;
  batch.mean = ((sums[0] + sums[1]) + (sums[2] + sums[3])) / static_cast<double>(size);
  batch.min = std::min(std::min(lows[0], lows[1]), std::min(lows[2], lows[3]));
  batch.max = std::max(std::max(highs[0], highs[1]), std::max(highs[2], highs[3]));
  double squares[kLanes] = {};
  for (i = 0; i < whole; i += kLanes) {
    for (std::size_t lane = 0; lane < kLanes; ++lane) {
      const double deviation = values[i + lane] - batch.mean;
      squares[lane] += deviation * deviation;
    }
  }
  for (; i < size; ++i) squares[0] += (values[i] - batch.mean) * (values[i] - batch.mean);
  batch.m2 = (squares[0] + squares[1]) + (squares[2] + squares[3]);
  if (!std::isfinite(batch.mean)) {  // the sum overflowed (values near the largest doubles): one at a time
    for (i = 0; i < size; ++i) add(values[i]);
    return;
  }
  merge(batch);
}

void Moments::merge(const Moments& other) {
  if (other.count == 0) return;
  if (count == 0) {
    *this = other;
    return;
  }
  const double n_a = static_cast<double>(count), n_b = static_cast<double>(other.count), n = n_a + n_b;
  const double delta = other.mean - mean;
  mean += delta * (n_b / n);
  m2 += other.m2 + delta * delta * (n_a * n_b / n);
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  count += other.count;
}

const ColumnProfile* Profile::find(const std::string& name) const {
  for (const auto& column : columns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

namespace {

// Where a thread profiling some of the columns failed first: after the record on `line`,
// while reading the next one (`reading`) or in one of its cells.
struct FirstError {
  std::exception_ptr error;
  std::uint64_t line = 0;
  bool reading = false;
};

// Rows for the threads that profile the columns the reading thread does not: their cells,
// copied, so that the file is tokenised once however many threads profile it.
struct RowBatch {
  static constexpr std::size_t kRows = 4096, kBytes = std::size_t{1} << 20;
  std::vector<char> bytes;  // the cells back to back from 0 to used, then room
  std::size_t used = 0;
  std::vector<std::size_t> starts;   // where each cell starts, row by row; then the end
  std::vector<std::uint64_t> lines;  // each row's line
  bool last = false;
  bool full() const { return lines.size() >= kRows || used >= kBytes; }
  std::string_view cell(std::size_t i) const { return {bytes.data() + starts[i], starts[i + 1] - starts[i]}; }
  // `cell` is followed by CsvReader::kFieldPadding readable bytes: a short one is copied as a
  // fixed 16 bytes, without a call.
  void append(std::string_view cell) {
    constexpr std::size_t kShort = 16;
    static_assert(kShort <= CsvReader::kFieldPadding);
    if (used + cell.size() + kShort + CsvReader::kFieldPadding > bytes.size())
      bytes.resize(std::max(2 * bytes.size(), kBytes + used + cell.size() + kShort + CsvReader::kFieldPadding));
    starts.push_back(used);
    if (cell.size() <= kShort) std::memcpy(bytes.data() + used, cell.data(), kShort);
    else std::memcpy(bytes.data() + used, cell.data(), cell.size());
    used += cell.size();
  }
  void clear() {
    used = 0;
    starts.clear();
    lines.clear();
    last = false;
  }
};

// A few batches passed round from the reading thread to every other: a batch is filled
// again once each of them is done with it, which bounds the memory.
class BatchRing {
 public:
  explicit BatchRing(std::size_t readers) : readers_(readers) {}
  RowBatch& fill() {  // the next batch to fill
    std::unique_lock lock(mutex_);
    Slot& slot = slots_[published_ % slots_.size()];
    changed_.wait(lock, [&] { return slot.readers_left == 0; });
    slot.batch.clear();
    return slot.batch;
  }
  void publish() {  // the batch from fill(), complete
    {
      const std::lock_guard lock(mutex_);
      Slot& slot = slots_[published_ % slots_.size()];
      slot.batch.starts.push_back(slot.batch.used);  // room for CsvReader::kFieldPadding bytes follows
      slot.readers_left = readers_;
      ++published_;
    }
    changed_.notify_all();
  }
  const RowBatch& read(std::uint64_t index) {  // the index-th batch published
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return published_ > index; });
    return slots_[index % slots_.size()].batch;
  }
  void done(std::uint64_t index) {  // a reader is done with the index-th batch
    {
      const std::lock_guard lock(mutex_);
      --slots_[index % slots_.size()].readers_left;
    }
    changed_.notify_all();
  }
  // A reader failed: the rows after its error do not matter.
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }

 private:
  struct Slot {
    RowBatch batch;
    std::size_t readers_left = 0;
  };
  std::mutex mutex_;
  std::condition_variable changed_;
  std::array<Slot, 4> slots_;
  std::uint64_t published_ = 0;
  std::size_t readers_;
  std::atomic<bool> stopped_{false};
};

// The remaining rows of `reader` into `builders`, counted in `rows`; the cells of the fields
// `handed` into batches of `ring` (when there is one) for the other threads.
FirstError read_columns(CsvReader& reader, std::size_t width, std::span<ColumnBuilder> builders,
                        const std::vector<std::size_t>& handed, BatchRing* ring, const ProfileOptions& options,
                        std::uint64_t& rows) {
  FirstError failed;
  RowBatch* batch = ring ? &ring->fill() : nullptr;
  try {
    for (;;) {
      failed.reading = true;
      const std::span<const std::string_view> fields = reader.next();
      if (fields.empty()) break;
      failed.reading = false;
      if (fields.size() != width) {
        throw_input(reader.path() + ":" + std::to_string(reader.line()),
                    "row has " + std::to_string(fields.size()) + (fields.size() == 1 ? " field" : " fields") +
                        ", the header has " + std::to_string(width));
      }
      ++rows;
      if (batch) {
        for (const std::size_t field : handed) batch->append(fields[field]);
        batch->lines.push_back(reader.line());
      }
      for (auto& builder : builders) builder.stage(fields[builder.field]);
      for (auto& builder : builders) builder.add(fields[builder.field], options, reader.path(), reader.line());
      if (batch && batch->full()) {
        ring->publish();
        batch = nullptr;
        if (ring->stopped()) break;
        batch = &ring->fill();
      }
    }
  } catch (...) {
    failed.error = std::current_exception();
    failed.line = reader.line();
  }
  if (ring) {
    RowBatch& rest = batch ? *batch : ring->fill();
    rest.last = true;
    ring->publish();
  }
  return failed;
}

// The rows `ring` hands over into `builders`, whose cells are the `first`-th on of each row's
// `row_cells`; errors name `path`.
FirstError read_handed(BatchRing& ring, std::span<ColumnBuilder> builders, std::size_t first, std::size_t row_cells,
                       const ProfileOptions& options, const std::string& path) {
  FirstError failed;
  for (std::uint64_t index = 0;; ++index) {
    const RowBatch& batch = ring.read(index);
    std::uint64_t line = 0;
    if (!failed.error) {
      try {
        for (std::size_t row = 0; row < batch.lines.size(); ++row) {
          line = batch.lines[row];
          const std::size_t base = row * row_cells + first;
          for (std::size_t j = 0; j < builders.size(); ++j) builders[j].stage(batch.cell(base + j));
          for (std::size_t j = 0; j < builders.size(); ++j) builders[j].add(batch.cell(base + j), options, path, line);
        }
      } catch (...) {
        failed.error = std::current_exception();
        failed.line = line;
        ring.stop();
      }
    }
    const bool last = batch.last;
    ring.done(index);  // drained even after an error, so that the reading thread goes on
    if (last) return failed;
  }
}

}  // namespace

Profile build_profile(const std::vector<std::string>& paths, const ProfileOptions& options) {
  Profile profile;
  profile.sketch_k = options.sketch_k;
  profile.max_exact = options.max_exact;
  std::vector<ColumnBuilder> builders;
  std::vector<std::string> names;
  for (const auto& path : paths) {
    std::vector<std::string> header;
    auto reader = open_csv(path, delimiter_for(options.delimiter, path), header);
    if (names.empty()) {
      names = selected_names(options, header, path);
      for (const auto& name : names) {
        // A profile is JSON, whose strings are UTF-8: the name could not be written as it is.
        if (!is_utf8(name)) {
          throw_input(path, "column name " + quote_printable(name) +
                                " is not UTF-8, which a profile cannot hold; rename it or --exclude it");
        }
        ColumnBuilder builder;
        builder.profile.name = name;
        // At most 4 bytes a slot, 4 slots per distinct value allowed: less than the hash's.
        builder.numbers = NumberCounts(std::clamp<std::uint64_t>(4 * options.max_exact, 4096, 1 << 20));
        const auto in = [&](const std::vector<std::string>& list) {
          return std::find(list.begin(), list.end(), name) != list.end();
        };
        builder.kind = in(options.numeric)       ? ColumnKind::numeric
                       : in(options.categorical) ? ColumnKind::categorical
                                                 : ColumnKind::automatic;
        builders.push_back(std::move(builder));
      }
    }
    for (auto& builder : builders) {
      const auto found = std::find(header.begin(), header.end(), builder.profile.name);
      if (found == header.end()) {
        throw_input(path, "no column \"" + builder.profile.name + "\", which " + paths.front() + " has" +
                              did_you_mean(builder.profile.name, header));
      }
      builder.field = static_cast<std::size_t>(found - header.begin());
    }
    // One thread reads the file, profiles the first columns, two thirds of its share
    // (tokenising a row and copying the cells cost about as much as a third of a share: the
    // threads' CPU time 50/50 on the bench data), and hands the cells of the others to the
    // other threads, which share them out.
    const std::size_t threads = std::min<std::size_t>(std::max(1u, options.threads), builders.size() + 1);
    const std::size_t own = threads == 1 ? builders.size() : 2 * builders.size() / (3 * threads);
    const std::size_t handed_threads = std::min(threads - 1, builders.size() - own);
    std::vector<std::size_t> handed;
    for (std::size_t i = own; i < builders.size(); ++i) handed.push_back(builders[i].field);
    BatchRing ring(handed_threads);
    std::uint64_t rows = 0;
    std::vector<FirstError> errors(handed_threads + 1);
    parallel_for_each_index(errors.size(), static_cast<unsigned>(errors.size()), [&](std::size_t t) {
      if (t == 0) {
        errors[0] = read_columns(*reader, header.size(), std::span(builders).first(own), handed,
                                 handed_threads > 0 ? &ring : nullptr, options, rows);
        return;
      }
      const std::size_t first = handed.size() * (t - 1) / handed_threads, last = handed.size() * t / handed_threads;
      errors[t] = read_handed(ring, std::span(builders).subspan(own + first, last - first), first, handed.size(),
                              options, reader->path());
    });
    // The error one thread would meet first: the earliest line, a row's cells before the next
    // row's reading, the leftmost column.
    const auto failed = std::min_element(errors.begin(), errors.end(), [](const FirstError& a, const FirstError& b) {
      return a.error && (!b.error || std::pair(a.line, a.reading) < std::pair(b.line, b.reading));
    });
    if (failed->error) std::rethrow_exception(failed->error);
    for (auto& builder : builders) {
      builder.flush_moments();
      require_finite_moments(builder.profile, path);
    }
    profile.rows += rows;
    ++profile.files;
  }
  for (auto& builder : builders) profile.columns.push_back(builder.finish());
  return profile;
}

namespace {

bool empty_shard(const Profile& profile) { return profile.files == 0 && profile.columns.empty(); }

// The column sets and types of two profiles to be merged agree (or --allow-new-columns).
void check_columns(const Profile& into, const std::string& into_path, const Profile& other,
                   const std::string& other_path, bool allow_new_columns) {
  for (const auto& column : other.columns) {
    if (into.find(column.name) || allow_new_columns) continue;
    throw_input(other_path, "column \"" + column.name + "\" is not in " + into_path +
                                " (profiles of different column sets; give --allow-new-columns to merge them)");
  }
  for (const auto& column : into.columns) {
    if (other.find(column.name) || allow_new_columns) continue;
    throw_input(other_path, "has no column \"" + column.name + "\", which " + into_path +
                                " has (profiles of different column sets; give --allow-new-columns to merge them)");
  }
  for (const auto& column : into.columns) {
    const ColumnProfile* theirs = other.find(column.name);
    if (theirs && theirs->numeric != column.numeric) {
      throw_input(other_path, "column \"" + column.name + "\" is " + (theirs->numeric ? "numeric" : "categorical") +
                                  " here but " + (column.numeric ? "numeric" : "categorical") + " in " + into_path);
    }
  }
}

// Parts profiled with different options would merge into a profile that keeps one part's
// sketch_k and max_exact, picked by their content's order: refused instead.
void check_options(const Profile& first, const std::string& first_path, const Profile& other,
                   const std::string& other_path) {
  auto same = [&](const char* option, std::uint64_t expected, std::uint64_t actual) {
    if (actual == expected) return;
    throw_input(other_path, std::string("was made with ") + option + " " + std::to_string(actual) + ", " + first_path +
                                " with " + std::to_string(expected) + " (profile every part with the same options)");
  };
  same("--sketch-k", first.sketch_k, other.sketch_k);
  same("--max-exact", first.max_exact, other.max_exact);
}

}  // namespace

std::vector<std::string> check_mergeable(const std::vector<std::pair<std::string, const Profile*>>& profiles,
                                         bool allow_new_columns) {
  Profile shape;  // the names and types of the columns so far, in the order given
  std::string first;
  const Profile* first_profile = nullptr;
  for (const auto& [path, profile] : profiles) {
    if (empty_shard(*profile)) continue;
    if (first.empty()) {
      first = path;
      first_profile = profile;
    } else {
      check_options(*first_profile, first, *profile, path);
      check_columns(shape, first, *profile, path, allow_new_columns);
    }
    for (const auto& column : profile->columns) {
      if (shape.find(column.name)) continue;
      ColumnProfile named;
      named.name = column.name;
      named.numeric = column.numeric;
      shape.columns.push_back(std::move(named));
    }
  }
  std::vector<std::string> names;
  for (const auto& column : shape.columns) names.push_back(column.name);
  return names;
}

void merge_profile(Profile& into, const std::string& into_path, const Profile& other, const std::string& other_path,
                   bool allow_new_columns) {
  if (empty_shard(other)) return;
  if (empty_shard(into)) {
    const auto files = into.files;
    into = other;
    into.files += files;
    return;
  }
  check_columns(into, into_path, other, other_path, allow_new_columns);
  for (auto& column : into.columns) {
    const ColumnProfile* theirs = other.find(column.name);
    if (!theirs) {
      column.missing += other.rows;
      continue;
    }
    merge_distribution(column, *theirs, into.sketch_k, into.max_exact);
  }
  for (const auto& column : other.columns) {
    if (into.find(column.name)) continue;
    ColumnProfile added = column;
    added.missing += into.rows;
    into.columns.push_back(std::move(added));
  }
  into.rows += other.rows;
  into.files += other.files;
}

Profile merge_profiles(std::vector<std::pair<std::string, Profile>> profiles, bool allow_new_columns) {
  struct Input {
    std::string path, canonical;  // canonical: the profile's own serialisation
    Profile profile;
  };
  std::vector<Input> inputs;
  for (auto& [path, profile] : profiles) {
    Input input{path, "", std::move(profile)};
    input.canonical = write_profile(input.profile);
    inputs.push_back(std::move(input));
  }
  std::vector<std::pair<std::string, const Profile*>> given;
  for (const auto& input : inputs) given.emplace_back(input.path, &input.profile);

  const std::vector<std::string> column_order = check_mergeable(given, allow_new_columns);
  // Floating-point merges (the means, the sketches' compactions) depend on the order: merged
  // in the order of their content, the same profiles give the same bytes however they are
  // listed (a CI matrix hands its shards over in any order).
  std::stable_sort(inputs.begin(), inputs.end(),
                   [](const Input& a, const Input& b) { return a.canonical < b.canonical; });
  // The same part given twice (`merge a a`, or a copy of it) would count its rows twice;
  // equal parts are neighbours now, in the order given.
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    if (inputs[i].canonical == inputs[i - 1].canonical && !empty_shard(inputs[i].profile)) {
      throw_input(inputs[i].path,
                  "is the same profile as " + inputs[i - 1].path + " (merged twice, its rows would count twice)");
    }
  }
  Profile merged = std::move(inputs.front().profile);
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    merge_profile(merged, inputs.front().path, inputs[i].profile, inputs[i].path, allow_new_columns);
    for (const auto& column : merged.columns) require_finite_moments(column, inputs[i].path);
  }
  // The columns in the order the profiles were given, as a merge in that order lists them.
  auto position = [&](const ColumnProfile& column) {
    return std::find(column_order.begin(), column_order.end(), column.name) - column_order.begin();
  };
  std::stable_sort(merged.columns.begin(), merged.columns.end(),
                   [&](const ColumnProfile& a, const ColumnProfile& b) { return position(a) < position(b); });
  return merged;
}

void import_sketches(Profile& profile, const std::vector<std::pair<std::string, KllSketch>>& sketches) {
  // The sketches of one import are one batch of rows, as many as the largest holds (a sketch
  // skips missing cells). A batch that extends a column the profile has is more rows; a batch
  // of new columns only sits beside the profile's rows.
  std::uint64_t batch = 0;
  bool more_rows = false;
  for (const auto& [name, sketch] : sketches) {
    batch = std::max(batch, sketch.n());
    more_rows = more_rows || profile.find(name);
  }
  for (const auto& [name, sketch] : sketches) {
    ColumnProfile* column = nullptr;
    for (auto& c : profile.columns) {
      if (c.name == name) column = &c;
    }
    ColumnProfile imported;
    imported.name = name;
    imported.count = sketch.n();
    // A sketch keeps n, min and max but not the mean and variance: those stay unknown (left
    // out of the profile) rather than estimated.
    imported.sketch = sketch;
    if (!column) {
      profile.columns.push_back(std::move(imported));
      continue;
    }
    if (!column->numeric)
      throw_usage("column \"" + name + "\" is categorical in the profile; a KLL sketch holds numbers");
    merge_distribution(*column, imported, profile.sketch_k, profile.max_exact);  // more values of the column
  }
  profile.rows = more_rows ? profile.rows + batch : std::max(profile.rows, batch);
  // Every column covers every row: the cells it lacks are missing.
  for (auto& column : profile.columns) column.missing = profile.rows - column.count;
}

std::string write_profile(const Profile& profile) {
  ordered_json out;
  out["format"] = kFormatName;
  out["version"] = Profile::kVersion;
  out["rows"] = profile.rows;
  out["files"] = profile.files;
  out["sketch_k"] = profile.sketch_k;
  out["max_exact"] = profile.max_exact;
  ordered_json columns = ordered_json::array();
  for (const auto& column : profile.columns) columns.push_back(column_json(column));
  out["columns"] = std::move(columns);
  // Compact: a profile's exact counts may hold millions of numbers.
  std::string text = out.dump();
  Sha256 hash;
  hash.update(text);
  text.pop_back();  // the closing brace
  return text + ",\"sha256\":\"" + hash.finish_hex() + "\"}\n";
}

Profile parse_profile(const std::string& text, const std::string& path) {
  ordered_json json = ordered_json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    throw Error(ExitStatus::integrity, path, "not a complete profile: the JSON is truncated or damaged");
  }
  const auto stated = json.find("sha256");
  const std::string checksum = stated != json.end() && stated->is_string() ? stated->get<std::string>() : std::string();
  json.erase("sha256");
  const Fields fields(json, path, "");
  if (fields.text("format") != kFormatName)
    throw_input(path, "not a lean-mlops profile (format is not \"" + std::string(kFormatName) + "\")");
  const auto version = fields.count("version");
  if (version != Profile::kVersion) {
    throw_input(path, "profile version " + std::to_string(version) + " is not supported (this ml-drift reads version " +
                          std::to_string(Profile::kVersion) + ")");
  }
  if (checksum.empty()) throw_input(path, "profile field \"sha256\" is missing or has the wrong type");
  if (checksum != checksum_of(json)) {
    throw Error(ExitStatus::integrity, path,
                "checksum mismatch: the profile was changed or damaged after it was written");
  }
  Profile profile;
  profile.rows = fields.count("rows");
  profile.files = fields.count("files");
  const auto k = fields.count("sketch_k");
  if (k < KllSketch::kMinK || k > KllSketch::kMaxK)
    throw_input(path, "profile field \"sketch_k\" must be between 8 and 65535");
  profile.sketch_k = static_cast<std::uint16_t>(k);
  profile.max_exact = fields.count("max_exact");
  std::size_t index = 0;
  for (const auto& column : fields.get("columns", &ordered_json::is_array)) {
    profile.columns.push_back(column_from_json(column, path, index++));
    if (profile.columns.back().count + profile.columns.back().missing > profile.rows) {
      throw_input(path,
                  "profile column \"" + profile.columns.back().name + "\" has more cells than the profile has rows");
    }
  }
  return profile;
}

std::string profile_checksum(const std::string& json_text) {
  ordered_json json = ordered_json::parse(json_text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::string();
  json.erase("sha256");
  return checksum_of(json);
}

Profile read_profile(const std::string& path) { return parse_profile(read_text_file(path, kProfileBytes), path); }

std::pair<std::uint64_t, std::uint64_t> parse_shard(const std::string& spec) {
  const auto slash = spec.find('/');
  const auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const std::string index = slash == std::string::npos ? "" : spec.substr(0, slash);
  const std::string count = slash == std::string::npos ? "" : spec.substr(slash + 1);
  if (!digits(index) || !digits(count) || std::stoull(index) < 1 || std::stoull(index) > std::stoull(count)) {
    throw_usage("--shard must be I/N with 1 <= I <= N, not " + quote_truncated(spec));
  }
  return {std::stoull(index), std::stoull(count)};
}

bool in_shard(const std::string& path, std::uint64_t index, std::uint64_t count) {
  const auto slash = path.find_last_of('/');
  Sha256 hash;
  hash.update(slash == std::string::npos ? path : path.substr(slash + 1));
  const std::string digest = hash.finish_raw();
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(digest[i]);
  return value % count == index - 1;
}

}  // namespace lean
