#include "sketch/kll.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <utility>

namespace lean {
namespace {

constexpr std::uint8_t kM = KllSketch::kMinK;
constexpr std::uint8_t kPreambleShort = 2, kPreambleFull = 5;
constexpr std::uint8_t kSerialVersion1 = 1, kSerialVersionSingle = 2;
constexpr std::uint8_t kFamilyKll = 15;
constexpr std::uint8_t kFlagEmpty = 1, kFlagLevelZeroSorted = 2, kFlagSingleItem = 4;
constexpr std::uint8_t kMaxLevels = 61;  // the library's level capacities stop at depth 60
constexpr std::uint64_t kSeed = 0x9e3779b97f4a7c15ULL;

// The library's level capacities: k (2/3)^depth, rounded, at least M.
std::uint64_t power_of_three(unsigned exponent) {
  std::uint64_t value = 1;
  for (unsigned i = 0; i < exponent; ++i) value *= 3;
  return value;
}

std::uint32_t capacity_for_depth_small(std::uint32_t k, unsigned depth) {
  const std::uint64_t twice_k = std::uint64_t{k} << 1;  // doubled, to round to nearest
  const std::uint64_t scaled = (twice_k << depth) / power_of_three(depth);
  return static_cast<std::uint32_t>((scaled + 1) >> 1);
}

std::uint32_t capacity_for_depth(std::uint32_t k, unsigned depth) {
  if (depth <= 30) return capacity_for_depth_small(k, depth);
  const unsigned half = depth / 2;
  return capacity_for_depth_small(capacity_for_depth_small(k, half), depth - half);
}

std::uint32_t level_capacity(std::uint16_t k, unsigned num_levels, unsigned height) {
  return std::max<std::uint32_t>(kM, capacity_for_depth(k, num_levels - height - 1));
}

std::uint32_t total_capacity(std::uint16_t k, unsigned num_levels) {
  std::uint32_t total = 0;
  for (unsigned h = 0; h < num_levels; ++h) total += level_capacity(k, num_levels, h);
  return total;
}

// Keeps every other item of buf[start, start + length) (an even length), in its lower half.
void halve_down(double* buf, std::uint32_t start, std::uint32_t length, bool offset) {
  std::uint32_t j = start + (offset ? 1 : 0);
  for (std::uint32_t i = start; i < start + length / 2; ++i, j += 2) buf[i] = buf[j];
}

// The same, kept in the upper half.
void halve_up(double* buf, std::uint32_t start, std::uint32_t length, bool offset) {
  std::uint32_t j = start + length - 1 - (offset ? 1 : 0);
  for (std::uint32_t i = start + length; i-- > start + length / 2; j -= 2) buf[i] = buf[j];
}

// x or y, by a mask of all ones (y) or zeros: without a branch, which the compiler does not
// always see through for a plain conditional.
inline double select(double x, double y, std::uint64_t take_y) {
  return std::bit_cast<double>((std::bit_cast<std::uint64_t>(x) & ~take_y) |
                               (std::bit_cast<std::uint64_t>(y) & take_y));
}

// Merges sorted buf[a, a + len_a) and buf[b, b + len_b) (both not empty) into buf[c, b + len_b),
// where c = a + len_a and b = c + len_a (the layout compaction uses); ties from b, as the
// library's merge. Without a branch on the comparison, which random data mispredicts half the
// time: this loop is most of an update's cost once the sketch compacts every few updates. Each
// step waits for the one before (the next item to compare depends on the last comparison), so
// the smallest items are taken from the front and the largest from the back at once, two
// independent chains; b is copied to `scratch` first, as the back overwrites it.
void merge_sorted(double* buf, std::uint32_t a, std::uint32_t len_a, std::uint32_t b, std::uint32_t len_b,
                  std::uint32_t c, std::vector<double>& scratch) {
  if (scratch.size() < len_b) scratch.resize(len_b);
  const double* from_a = buf + a;
  const double* from_b = scratch.data();
  std::copy(buf + b, buf + b + len_b, scratch.data());
  double* out = buf + c;
  const std::uint32_t total = len_a + len_b;
  std::uint32_t front_a = 0, front_b = 0;                             // the next items from the front
  std::int64_t back_a = len_a - 1, back_b = std::int64_t{len_b} - 1;  // and from the back
  const auto front = [&](std::uint32_t at) {
    const double x = from_a[std::min(front_a, len_a - 1)], y = from_b[std::min(front_b, len_b - 1)];
    const std::uint32_t take_b = (front_a == len_a) | ((front_b < len_b) & !(x < y));
    out[at] = select(x, y, -std::uint64_t{take_b});
    front_a += 1 - take_b;
    front_b += take_b;
  };
  const auto back = [&](std::uint32_t at) {
    const double x = from_a[std::max<std::int64_t>(back_a, 0)], y = from_b[std::max<std::int64_t>(back_b, 0)];
    const std::uint32_t take_a = (back_b < 0) | ((back_a >= 0) & !(x < y));  // a's item after b's equal one
    out[at] = select(y, x, -std::uint64_t{take_a});
    back_a -= take_a;
    back_b -= 1 - take_a;
  };
  for (std::uint32_t i = 0; i < total / 2; ++i) {
    front(i);
    back(total - 1 - i);
  }
  if (total % 2) front(total / 2);
}

// Batcher's odd-even merge sort as a network for `count` items: its compare-exchanges for
// the next power of two, without those that reach past `count` (there only +infinity would
// be, and they would leave it there). Calls pair(i, j) for each, in order.
template <class Pair>
constexpr void odd_even_network(unsigned count, Pair pair) {
  const unsigned width = std::bit_ceil(count);
  for (unsigned p = 1; p < width; p *= 2) {
    for (unsigned k = p; k >= 1; k /= 2) {
      for (unsigned j = k % p; j + k < width; j += 2 * k) {
        for (unsigned i = 0; i < k && i + j + k < count; ++i) {
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) pair(i + j, i + j + k);
        }
      }
    }
  }
}

template <unsigned Count>
struct Network {
  static constexpr unsigned size = [] {
    unsigned pairs = 0;
    odd_even_network(Count, [&](unsigned, unsigned) { ++pairs; });
    return pairs;
  }();
  static constexpr std::array<std::pair<std::uint8_t, std::uint8_t>, size> pairs = [] {
    std::array<std::pair<std::uint8_t, std::uint8_t>, size> out{};
    unsigned next = 0;
    odd_even_network(Count, [&](unsigned i, unsigned j) {
      out[next++] = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(j)};
    });
    return out;
  }();
};

// Sorts Count items by the network, unrolled, so that they stay in registers: no branch on
// the data, where std::sort's insertion sort mispredicts about once per item (level 0 holds
// a dozen items when most compactions sort it).
template <unsigned Count, std::size_t... Pair>
void network_sort(double* items, std::index_sequence<Pair...>) {
  double v[Count];
  std::copy(items, items + Count, v);
  const auto exchange = [&v](unsigned i, unsigned j) {
    const double x = v[i], y = v[j];
    v[i] = std::min(x, y);
    v[j] = std::max(x, y);
  };
  (exchange(Network<Count>::pairs[Pair].first, Network<Count>::pairs[Pair].second), ...);
  std::copy(v, v + Count, items);
}

template <unsigned Count>
void network_sort(double* items) {
  if constexpr (Count > 1) network_sort<Count>(items, std::make_index_sequence<Network<Count>::size>());
}

constexpr unsigned kNetworkWidth = 32;

template <std::size_t... Count>
constexpr auto network_sorts(std::index_sequence<Count...>) {
  return std::array<void (*)(double*), sizeof...(Count)>{&network_sort<Count>...};
}

// network_sort for 0 to kNetworkWidth items, by count.
constexpr auto kNetworkSorts = network_sorts(std::make_index_sequence<kNetworkWidth + 1>());

// Sorts the items of level 0 (never NaN) into the order std::sort gives, which the sketch's
// bytes depend on. Items that compare equal have the same bits, but for 0 and -0: with both,
// only std::sort places them as std::sort does. Otherwise blocks of kNetworkWidth are sorted by
// the network and merged without branches through `scratch`.
void sort_items(double* items, std::uint32_t count, std::vector<double>& scratch) {
  std::uint64_t positive_zero = 0, negative_zero = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto bits = std::bit_cast<std::uint64_t>(items[i]);
    positive_zero |= bits == 0;
    negative_zero |= bits == std::uint64_t{1} << 63;
  }
  if (positive_zero & negative_zero) {
    std::sort(items, items + count);
    return;
  }
  for (std::uint32_t start = 0; start < count; start += kNetworkWidth)
    kNetworkSorts[std::min(kNetworkWidth, count - start)](items + start);
  if (count <= kNetworkWidth) return;
  scratch.resize(count);
  double* from = items;
  double* to = scratch.data();
  for (std::uint32_t width = kNetworkWidth; width < count; width *= 2) {
    for (std::uint32_t start = 0; start < count; start += 2 * width) {
      const std::uint32_t middle = std::min(start + width, count), end = std::min(start + 2 * width, count);
      std::uint32_t a = start, b = middle, c = start;
      while (a < middle && b < end) {
        const double x = from[a], y = from[b];
        const std::uint32_t take_b = y < x;
        to[c++] = select(x, y, -std::uint64_t{take_b});
        a += 1 - take_b;
        b += take_b;
      }
      while (a < middle) to[c++] = from[a++];
      while (b < end) to[c++] = from[b++];
    }
    std::swap(from, to);
  }
  if (from != items) std::copy(from, from + count, items);
}

template <class T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // little-endian hosts only (static_assert below)
  out.append(bytes, sizeof(T));
}

static_assert(std::endian::native == std::endian::little, "the KLL format is little-endian");

class Bytes {
 public:
  explicit Bytes(std::string_view data) : data_(data) {}
  template <class T>
  T get(const char* what) {
    if (data_.size() - used_ < sizeof(T)) {
      throw KllFormatError("truncated: " + std::to_string(data_.size()) + " bytes end inside the " + what);
    }
    T value;
    std::memcpy(&value, data_.data() + used_, sizeof(T));
    used_ += sizeof(T);
    return value;
  }
  std::size_t left() const { return data_.size() - used_; }

 private:
  std::string_view data_;
  std::size_t used_ = 0;
};

}  // namespace

KllSketch::KllSketch(std::uint16_t k) : k_(k), min_k_(k), random_state_(kSeed) {
  if (k < kMinK) throw std::invalid_argument("KLL k must be at least 8");
  items_.assign(k, 0.0);
  levels_ = {k, k};
}

double KllSketch::normalized_rank_error(std::uint16_t k, bool pmf) {
  // The library's empirical fit of the 99th-percentile error over many trials.
  return pmf ? 2.446 / std::pow(k, 0.9433) : 2.296 / std::pow(k, 0.9723);
}

bool KllSketch::random_bit() {
  // splitmix64: a fixed seed makes a profile reproducible.
  std::uint64_t z = (random_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return ((z ^ (z >> 31)) & 1) != 0;
}

void KllSketch::add_empty_top_level() {
  const std::uint32_t delta = level_capacity(k_, num_levels() + 1u, 0);
  items_.insert(items_.begin(), delta, 0.0);
  for (auto& level : levels_) level += delta;
  levels_.push_back(static_cast<std::uint32_t>(items_.size()));
}

std::uint32_t KllSketch::capacity(std::uint8_t level) {
  if (capacities_.size() != num_levels()) {
    capacities_.resize(num_levels());
    for (unsigned h = 0; h < num_levels(); ++h) capacities_[h] = level_capacity(k_, num_levels(), h);
  }
  return capacities_[level];
}

void KllSketch::compress_while_updating() {
  std::uint8_t level = 0;
  while (level_size(level) < capacity(level)) ++level;
  if (level == num_levels() - 1) add_empty_top_level();

  double* buf = items_.data();
  const std::uint32_t raw_beg = levels_[level], raw_lim = levels_[level + 1];
  const std::uint32_t pop_above = levels_[level + 2] - raw_lim;
  const std::uint32_t raw_pop = raw_lim - raw_beg;
  const bool odd = raw_pop % 2 == 1;
  const std::uint32_t adj_beg = odd ? raw_beg + 1 : raw_beg, adj_pop = odd ? raw_pop - 1 : raw_pop;
  const std::uint32_t half = adj_pop / 2;
  if (level == 0 && !level_zero_sorted_) sort_items(buf + adj_beg, adj_pop, scratch_);
  if (pop_above == 0) {
    halve_up(buf, adj_beg, adj_pop, random_bit());
  } else {
    halve_down(buf, adj_beg, adj_pop, random_bit());
    merge_sorted(buf, adj_beg, half, raw_lim, pop_above, adj_beg + half, scratch_);
  }
  levels_[level + 1] -= half;
  if (odd) {
    levels_[level] = levels_[level + 1] - 1;
    buf[levels_[level]] = buf[raw_beg];  // the one item left at this level
  } else {
    levels_[level] = levels_[level + 1];
  }
  // Shift the levels below up into the freed space, so that level 0 can use it.
  if (level > 0) {
    const std::uint32_t amount = raw_beg - levels_[0];
    std::move_backward(buf + levels_[0], buf + levels_[0] + amount, buf + levels_[0] + half + amount);
    for (std::uint8_t l = 0; l < level; ++l) levels_[l] += half;
  }
}

void KllSketch::merge(const KllSketch& other) {
  if (other.empty()) return;
  if (empty()) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  const std::uint64_t final_n = n_ + other.n_;
  for (std::uint32_t i = other.levels_[0]; i < other.levels_[1]; ++i) items_[next_slot()] = other.items_[i];
  if (other.num_levels() >= 2) merge_higher_levels(other, final_n);
  n_ = final_n;
  if (other.estimation_mode()) min_k_ = std::min(min_k_, other.min_k_);
  sorted_view_.clear();
}

// The library's general compression: levels 1 and up of both sketches merged level by
// level, then compacted from the bottom while the whole is over capacity.
void KllSketch::merge_higher_levels(const KllSketch& other, std::uint64_t /*final_n*/) {
  const unsigned provisional = std::max(num_levels(), other.num_levels());
  std::vector<double> work(num_retained() + (other.num_retained() - other.level_size(0)));
  std::vector<std::uint32_t> in(provisional + kMaxLevels + 2, 0), out(provisional + kMaxLevels + 2, 0);
  std::copy(items_.begin() + levels_[0], items_.begin() + levels_[1], work.begin());
  in[1] = level_size(0);
  for (unsigned lvl = 1; lvl < provisional; ++lvl) {
    const std::uint32_t mine = level_size(lvl), theirs = other.level_size(lvl);
    in[lvl + 1] = in[lvl] + mine + theirs;
    const double* a = items_.data() + (mine ? levels_[lvl] : 0);
    const double* b = other.items_.data() + (theirs ? other.levels_[lvl] : 0);
    std::merge(a, a + mine, b, b + theirs, work.begin() + in[lvl], [](double x, double y) { return x < y; });
  }

  double* buf = work.data();
  const std::uint32_t starting = in[provisional] - in[0];
  unsigned levels = provisional;
  std::uint32_t count = starting, target = total_capacity(k_, levels);
  out[0] = 0;
  for (unsigned current = 0;; ++current) {
    if (current == levels - 1) in[current + 2] = in[current + 1];
    const std::uint32_t raw_beg = in[current], raw_lim = in[current + 1], raw_pop = raw_lim - raw_beg;
    if (count < target || raw_pop < level_capacity(k_, levels, current)) {
      std::copy(buf + raw_beg, buf + raw_lim, buf + out[current]);  // never moves data up
      out[current + 1] = out[current] + raw_pop;
    } else {
      const std::uint32_t pop_above = in[current + 2] - raw_lim;
      const bool odd = raw_pop % 2 == 1;
      const std::uint32_t adj_beg = odd ? raw_beg + 1 : raw_beg, adj_pop = odd ? raw_pop - 1 : raw_pop;
      const std::uint32_t half = adj_pop / 2;
      if (odd) {
        buf[out[current]] = buf[raw_beg];
        out[current + 1] = out[current] + 1;
      } else {
        out[current + 1] = out[current];
      }
      if (current == 0 && !level_zero_sorted_) sort_items(buf + adj_beg, adj_pop, scratch_);
      if (pop_above == 0) {
        halve_up(buf, adj_beg, adj_pop, random_bit());
      } else {
        halve_down(buf, adj_beg, adj_pop, random_bit());
        merge_sorted(buf, adj_beg, half, raw_lim, pop_above, adj_beg + half, scratch_);
      }
      count -= half;
      in[current + 1] -= half;
      if (current == levels - 1) {
        ++levels;
        target += level_capacity(k_, levels, 0);
      }
    }
    if (current == levels - 1) break;
  }

  items_.assign(target, 0.0);
  const std::uint32_t free_bottom = target - count;
  std::copy(buf + out[0], buf + out[0] + count, items_.begin() + free_bottom);
  levels_.resize(levels + 1);
  for (unsigned lvl = 0; lvl <= levels; ++lvl) levels_[lvl] = out[lvl] + free_bottom - out[0];
}

std::vector<std::pair<double, std::uint64_t>> KllSketch::weighted_items() const {
  std::vector<std::pair<double, std::uint64_t>> entries;
  entries.reserve(num_retained());
  for (unsigned lvl = 0; lvl < num_levels(); ++lvl) {
    for (std::uint32_t i = levels_[lvl]; i < levels_[lvl + 1]; ++i)
      entries.emplace_back(items_[i], std::uint64_t{1} << lvl);
  }
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return entries;
}

const std::vector<std::pair<double, std::uint64_t>>& KllSketch::cumulative() const {
  if (sorted_view_.empty()) {
    sorted_view_ = weighted_items();
    std::uint64_t total = 0;
    for (auto& entry : sorted_view_) entry.second = total += entry.second;
  }
  return sorted_view_;
}

double KllSketch::quantile(double rank, bool inclusive) const {
  const auto& view = cumulative();
  const double scaled = rank * static_cast<double>(n_);
  const auto weight = static_cast<std::uint64_t>(inclusive ? std::ceil(scaled) : scaled);
  const auto by_weight = [](const auto& entry, std::uint64_t w) { return entry.second < w; };
  auto it = inclusive ? std::lower_bound(view.begin(), view.end(), weight, by_weight)
                      : std::upper_bound(view.begin(), view.end(), weight,
                                         [](std::uint64_t w, const auto& entry) { return w < entry.second; });
  return it == view.end() ? view.back().first : it->first;
}

double KllSketch::rank(double item, bool inclusive) const {
  const auto& view = cumulative();
  auto it = inclusive ? std::upper_bound(view.begin(), view.end(), item,
                                         [](double x, const auto& entry) { return x < entry.first; })
                      : std::lower_bound(view.begin(), view.end(), item,
                                         [](const auto& entry, double x) { return entry.first < x; });
  if (it == view.begin()) return 0;
  return static_cast<double>(std::prev(it)->second) / static_cast<double>(n_);
}

std::string KllSketch::serialize() const {
  const bool single = n_ == 1;
  std::string out;
  put<std::uint8_t>(out, empty() || single ? kPreambleShort : kPreambleFull);
  put<std::uint8_t>(out, single ? kSerialVersionSingle : kSerialVersion1);
  put<std::uint8_t>(out, kFamilyKll);
  put<std::uint8_t>(
      out, static_cast<std::uint8_t>((empty() ? kFlagEmpty : 0) | (level_zero_sorted_ ? kFlagLevelZeroSorted : 0) |
                                     (single ? kFlagSingleItem : 0)));
  put<std::uint16_t>(out, k_);
  put<std::uint8_t>(out, kM);
  put<std::uint8_t>(out, 0);
  if (empty()) return out;
  if (!single) {
    put<std::uint64_t>(out, n_);
    put<std::uint16_t>(out, min_k_);
    put<std::uint8_t>(out, num_levels());
    put<std::uint8_t>(out, 0);
    for (unsigned lvl = 0; lvl < num_levels(); ++lvl) put<std::uint32_t>(out, levels_[lvl]);  // the last is implied
    put<double>(out, min_);
    put<double>(out, max_);
  }
  for (std::uint32_t i = levels_[0]; i < levels_.back(); ++i) put<double>(out, items_[i]);
  return out;
}

KllSketch KllSketch::deserialize(std::string_view data) {
  Bytes bytes(data);
  const auto preamble = bytes.get<std::uint8_t>("preamble");
  const auto serial_version = bytes.get<std::uint8_t>("preamble");
  const auto family = bytes.get<std::uint8_t>("preamble");
  const auto flags = bytes.get<std::uint8_t>("preamble");
  const auto k = bytes.get<std::uint16_t>("preamble");
  const auto m = bytes.get<std::uint8_t>("preamble");
  (void)bytes.get<std::uint8_t>("preamble");
  if (family != kFamilyKll) throw KllFormatError("not a KLL sketch (family " + std::to_string(family) + ", not 15)");
  if (serial_version != kSerialVersion1 && serial_version != kSerialVersionSingle) {
    throw KllFormatError("unsupported KLL serial version " + std::to_string(serial_version));
  }
  if (m != kM) throw KllFormatError("unsupported KLL level width m = " + std::to_string(m) + " (not 8)");
  if (k < kMinK) throw KllFormatError("KLL k = " + std::to_string(k) + " is below 8");
  const bool is_empty = flags & kFlagEmpty, single = flags & kFlagSingleItem;
  if (is_empty && single) throw KllFormatError("flags say both empty and single item");
  if (preamble != ((is_empty || single) ? kPreambleShort : kPreambleFull)) {
    throw KllFormatError("preamble length " + std::to_string(preamble) + " does not match the flags");
  }
  KllSketch sketch(k);
  const auto finish = [&bytes] {
    if (bytes.left() != 0) throw KllFormatError(std::to_string(bytes.left()) + " bytes after the end of the sketch");
  };
  if (is_empty) {
    finish();
    return sketch;
  }
  if (single) {
    const double item = bytes.get<double>("item");
    finish();
    if (std::isnan(item)) throw KllFormatError("the item is NaN");
    sketch.update(item);
    sketch.level_zero_sorted_ = (flags & kFlagLevelZeroSorted) != 0;
    return sketch;
  }
  const auto n = bytes.get<std::uint64_t>("header");
  const auto min_k = bytes.get<std::uint16_t>("header");
  const auto levels = bytes.get<std::uint8_t>("header");
  (void)bytes.get<std::uint8_t>("header");
  if (n == 0) throw KllFormatError("n is 0 but the empty flag is not set");
  if (levels == 0 || levels > kMaxLevels) throw KllFormatError("bad number of levels " + std::to_string(levels));
  if (min_k < kMinK || min_k > k) throw KllFormatError("min k " + std::to_string(min_k) + " is not between 8 and k");
  const std::uint32_t capacity = total_capacity(k, levels);
  std::vector<std::uint32_t> offsets(levels + 1u);
  for (unsigned lvl = 0; lvl < levels; ++lvl) offsets[lvl] = bytes.get<std::uint32_t>("level offsets");
  offsets[levels] = capacity;
  for (unsigned lvl = 0; lvl < levels; ++lvl) {
    if (offsets[lvl] > offsets[lvl + 1]) throw KllFormatError("level offsets are not increasing within the capacity");
  }
  sketch.min_ = bytes.get<double>("minimum");
  sketch.max_ = bytes.get<double>("maximum");
  const std::uint32_t retained = capacity - offsets[0];
  if (bytes.left() != std::size_t{retained} * sizeof(double)) {
    throw KllFormatError("expected " + std::to_string(retained) + " items (" +
                         std::to_string(retained * sizeof(double)) + " bytes), found " + std::to_string(bytes.left()) +
                         " bytes");
  }
  if (std::isnan(sketch.min_) || std::isnan(sketch.max_) || sketch.min_ > sketch.max_) {
    throw KllFormatError("bad minimum or maximum");
  }
  sketch.items_.assign(capacity, 0.0);
  for (std::uint32_t i = offsets[0]; i < capacity; ++i) {
    const double item = bytes.get<double>("items");
    if (!(item >= sketch.min_ && item <= sketch.max_)) throw KllFormatError("an item is NaN or outside [min, max]");
    sketch.items_[i] = item;
  }
  std::uint64_t weight = 0;
  for (unsigned lvl = 0; lvl < levels; ++lvl) {
    const std::uint64_t size = offsets[lvl + 1] - offsets[lvl];
    if (size > ((~std::uint64_t{0} - weight) >> lvl)) throw KllFormatError("the items' weights overflow");
    weight += size << lvl;
    if (lvl > 0 && !std::is_sorted(sketch.items_.begin() + offsets[lvl], sketch.items_.begin() + offsets[lvl + 1])) {
      throw KllFormatError("level " + std::to_string(lvl) + " is not sorted");
    }
  }
  if (weight != n) throw KllFormatError("the items' weights do not add up to n = " + std::to_string(n));
  sketch.levels_ = std::move(offsets);
  sketch.n_ = n;
  sketch.min_k_ = min_k;
  sketch.level_zero_sorted_ = (flags & kFlagLevelZeroSorted) != 0;
  return sketch;
}

}  // namespace lean
