#include "drift/number_column.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>

#include "stats/sort.hpp"

namespace lean {
namespace {

std::uint64_t magnitude(std::int64_t value) {
  return value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
}

// Bytes a fixed-point chunk takes: its offsets, `bits` each, and 8 bytes more so every
// offset can be read with one unaligned 64-bit load.
std::size_t packed_size(std::size_t count, int bits) { return (count * static_cast<std::size_t>(bits) + 7) / 8 + 8; }

// Writes each slot's offset from `lowest` in `bits` bits (at most 57), lowest bits first.
void pack_offsets(std::span<const std::uint64_t> slots, std::uint64_t lowest, int bits, std::uint8_t* out) {
  std::uint64_t word = 0;
  int filled = 0;  // bits of `word` in use
  for (const std::uint64_t slot : slots) {
    const std::uint64_t offset = slot - lowest;
    word |= offset << filled;
    filled += bits;
    if (filled >= 64) {
      std::memcpy(out, &word, sizeof word);
      out += sizeof word;
      filled -= 64;
      word = filled > 0 ? offset >> (bits - filled) : 0;
    }
  }
  std::memcpy(out, &word, sizeof word);  // the rest; the padding holds the whole word
}

// Calls visit(value) for each value of a fixed-point chunk, in the order they came.
template <class Visit>
void for_each_fixed(const std::uint8_t* bytes, std::size_t count, std::int64_t lowest, int bits, Visit visit) {
  const std::uint64_t mask = bits == 0 ? 0 : ~std::uint64_t{0} >> (64 - bits);
  for (std::size_t i = 0, at = 0; i < count; ++i, at += static_cast<std::size_t>(bits)) {
    std::uint64_t word;
    std::memcpy(&word, bytes + at / 8, sizeof word);
    visit(lowest + static_cast<std::int64_t>((word >> (at % 8)) & mask));
  }
}

}  // namespace

void NumberColumn::add(double value) {
  if (tail_count_ == tail_capacity_) flush();
  if (tail_fixed_) tail_to_doubles();
  tail_[tail_count_++] = std::bit_cast<std::uint64_t>(value);
}

void NumberColumn::add_rescaled(PlainDecimal decimal) {
  if (tail_count_ == tail_capacity_) flush();
  if (tail_fixed_ && decimal.decimals > scale_) rescale_tail(decimal.decimals);  // or turns the tail to doubles
  const ToScale to_scale = to_scale_[decimal.decimals];
  if (decimal.mantissa < to_scale.limit) return push(scaled(decimal, to_scale));
  if (tail_fixed_) tail_to_doubles();
  tail_[tail_count_++] = std::bit_cast<std::uint64_t>(decimal.value());
}

void NumberColumn::update_to_scale() {
  for (int decimals = 0; decimals < static_cast<int>(to_scale_.size()); ++decimals) {
    const int shift = scale_ - decimals;
    to_scale_[static_cast<std::size_t>(decimals)] =
        tail_fixed_ && shift >= 0 ? ToScale{kPowersOfTen[shift], kMaxMantissa[shift] + 1} : ToScale{};
  }
}

void NumberColumn::rescale_tail(int scale) {
  if (scale > kMaxScale) return tail_to_doubles();
  const int shift = scale - scale_;
  for (std::uint64_t slot : tail()) {
    if (magnitude(static_cast<std::int64_t>(slot)) > kMaxMantissa[shift]) return tail_to_doubles();
  }
  for (std::uint64_t& slot : tail()) slot *= kPowersOfTen[shift];  // unsigned: wraps like two's complement
  scale_ = scale;
  update_to_scale();
}

void NumberColumn::tail_to_doubles() {
  const double divisor = exact_power_of_ten(scale_);
  for (std::uint64_t& slot : tail()) {
    slot = std::bit_cast<std::uint64_t>(static_cast<double>(static_cast<std::int64_t>(slot)) / divisor);
  }
  tail_fixed_ = false;
  update_to_scale();
}

void NumberColumn::flush() {
  if (!tail_) {
    tail_ = static_cast<std::uint64_t*>(arena_->memory.allocate(kChunk * sizeof(std::uint64_t)));
    tail_capacity_ = kChunk;
    return;
  }
  if (tail_count_ == 0) return;
  Chunk chunk;
  chunk.count = tail_count_;
  chunk.fixed = tail_fixed_;
  chunk.scale = scale_;
  chunk.byte_count = tail_count_ * sizeof(std::uint64_t);
  if (tail_fixed_) {
    std::int64_t lowest = static_cast<std::int64_t>(tail_[0]), highest = lowest;
    for (const std::uint64_t slot : tail()) {
      lowest = std::min(lowest, static_cast<std::int64_t>(slot));
      highest = std::max(highest, static_cast<std::int64_t>(slot));
    }
    chunk.lowest = lowest;
    chunk.highest = highest;
    chunk.bits =
        static_cast<int>(std::bit_width(static_cast<std::uint64_t>(highest - lowest)));  // <= 55: |values| <= 2^53
    chunk.byte_count = packed_size(chunk.count, chunk.bits);
  }
  auto encode = [&](std::uint8_t* out) {
    if (chunk.fixed) pack_offsets(tail(), static_cast<std::uint64_t>(chunk.lowest), chunk.bits, out);
    else std::memcpy(out, tail_, chunk.byte_count);
  };
  if (arena_->bytes_in_memory + chunk.byte_count <= arena_->budget_bytes) {
    arena_->bytes_in_memory += chunk.byte_count;
    auto* bytes = static_cast<std::uint8_t*>(arena_->memory.allocate(chunk.byte_count));
    encode(bytes);
    chunk.bytes = bytes;
  } else {
    arena_->packed.resize(chunk.byte_count);
    encode(arena_->packed.data());
    chunk.spill_offset = arena_->spill.write(arena_->packed.data(), chunk.byte_count);
  }
  stored_ += chunk.count;
  chunks_.push_back(chunk);
  tail_count_ = 0;
  if (!tail_fixed_) {
    tail_fixed_ = true;
    update_to_scale();
  }
}

const std::uint8_t* NumberColumn::chunk_bytes(const Chunk& chunk, SortSpace& space) const {
  if (chunk.bytes) return chunk.bytes;
  space.spilled.resize(chunk.byte_count);
  arena_->spill.read(chunk.spill_offset, space.spilled.data(), chunk.byte_count);
  return space.spilled.data();
}

void NumberColumn::take_sorted(HugePageVector<double>& values, SortSpace& space) {
  const std::size_t n = size();
  values.resize(n);
  // One scale for every value, if every value fits it exactly.
  bool fixed = tail_fixed_;
  int scale = tail_count_ == 0 ? 0 : scale_;
  for (const Chunk& chunk : chunks_) {
    fixed = fixed && chunk.fixed;
    scale = std::max(scale, chunk.scale);
  }
  std::int64_t lowest = 0, highest = 0;
  auto widen = [&](std::int64_t low, std::int64_t high, int from_scale) {
    const int shift = scale - from_scale;
    if (magnitude(low) > kMaxMantissa[shift] || magnitude(high) > kMaxMantissa[shift]) fixed = false;
    if (!fixed) return;
    const auto factor = static_cast<std::int64_t>(kPowersOfTen[shift]);
    lowest = std::min(lowest, low * factor);
    highest = std::max(highest, high * factor);
  };
  if (fixed && n > 0) {
    lowest = std::numeric_limits<std::int64_t>::max();
    highest = std::numeric_limits<std::int64_t>::min();
    for (const Chunk& chunk : chunks_) widen(chunk.lowest, chunk.highest, chunk.scale);
    for (std::uint64_t slot : tail()) widen(static_cast<std::int64_t>(slot), static_cast<std::int64_t>(slot), scale_);
  }

  const auto span = static_cast<std::uint64_t>(highest - lowest);
  if (fixed && n > radix::kSmall && span < 2 * n && n <= std::numeric_limits<std::uint32_t>::max()) {
    // Fewer possible keys than twice the values (4-decimal data): a counting sort reads the
    // packed values once, with no keys stored, and divides once per distinct value.
    auto& counts = space.counts;
    auto& carries = space.carries;
    counts.resize(std::max<std::size_t>(counts.size(), span + 8));  // whole words of counts below
    std::fill_n(counts.begin(), span + 8, 0);
    carries.clear();
    auto count = [&](std::size_t key) {  // a count that wraps stays 1 (256 = 1 + 255), so 0 means none
      if (++counts[key] == 0) [[unlikely]] {
        counts[key] = 1;
        carries.push_back(static_cast<std::uint32_t>(key));
      }
    };
    for (const Chunk& chunk : chunks_) {
      const auto factor = static_cast<std::int64_t>(kPowersOfTen[scale - chunk.scale]);
      for_each_fixed(chunk_bytes(chunk, space), chunk.count, chunk.lowest, chunk.bits,
                     [&](std::int64_t value) { count(static_cast<std::size_t>(value * factor - lowest)); });
    }
    const auto factor = static_cast<std::int64_t>(kPowersOfTen[scale - scale_]);
    for (std::uint64_t slot : tail())
      count(static_cast<std::size_t>(static_cast<std::int64_t>(slot) * factor - lowest));
    // The keys counted, in order, without a branch per key (a sparse column has as many
    // empty keys as full ones, at random); at most n of them, and 8 slots written past.
    auto& keys = space.keys32;
    keys.resize(std::max<std::size_t>(keys.size(), n + 8));
    std::size_t distinct = 0;
    for (std::size_t word_at = 0; word_at <= span; word_at += 8) {
      std::uint64_t word;
      std::memcpy(&word, counts.data() + word_at, sizeof word);
      if (word == 0) continue;  // the thin tails
      for (std::size_t k = 0; k < 8; ++k) {
        keys[distinct] = static_cast<std::uint32_t>(word_at + k);
        distinct += ((word >> (8 * k)) & 0xFF) != 0;
      }
    }
    std::sort(carries.begin(), carries.end());
    // Each distinct value written as often as it occurs: four slots at once, as most keys
    // of a sparse column occur up to four times (`values` has room past the end).
    const double divisor = exact_power_of_ten(scale);
    values.resize(n + kSortedSlack);
    double* out = values.data();
    auto carry = carries.begin();
    for (std::size_t t = 0; t < distinct; ++t) {
      const std::uint32_t key = keys[t];
      std::size_t times = counts[key];
      while (carry != carries.end() && *carry == key) [[unlikely]] {
          times += 255;
          ++carry;
        }
      const double value = static_cast<double>(static_cast<std::int64_t>(key) + lowest) / divisor;
      out[0] = out[1] = out[2] = out[3] = value;
      if (times > 4) [[unlikely]]
        std::fill_n(out + 4, times - 4, value);
      out += times;
    }
    values.resize(n);
  } else if (fixed) {
    // Keys relative to the lowest value: 32 bits when the values span less than 2^32.
    auto sort_keys = [&](auto& keys, auto& scratch) {
      using Key = typename std::remove_reference_t<decltype(keys)>::value_type;
      keys.resize(n);
      scratch.resize(n);
      std::size_t at = 0;
      for (const Chunk& chunk : chunks_) {
        const auto factor = static_cast<std::int64_t>(kPowersOfTen[scale - chunk.scale]);
        for_each_fixed(chunk_bytes(chunk, space), chunk.count, chunk.lowest, chunk.bits,
                       [&](std::int64_t value) { keys[at++] = static_cast<Key>(value * factor - lowest); });
      }
      const auto factor = static_cast<std::int64_t>(kPowersOfTen[scale - scale_]);
      for (std::uint64_t slot : tail())
        keys[at++] = static_cast<Key>(static_cast<std::int64_t>(slot) * factor - lowest);
      const double divisor = exact_power_of_ten(scale);
      radix_sort_into(std::span<Key>(keys), std::span<Key>(scratch), static_cast<Key>(highest - lowest),
                      [&](std::size_t rank, Key key) {
                        values[rank] = static_cast<double>(static_cast<std::int64_t>(key) + lowest) / divisor;
                      });
    };
    if (static_cast<std::uint64_t>(highest - lowest) <= std::numeric_limits<std::uint32_t>::max()) {
      sort_keys(space.keys32, space.scratch32);
    } else {
      sort_keys(space.keys64, space.scratch64);
    }
  } else {
    std::size_t at = 0;
    for (const Chunk& chunk : chunks_) {
      const std::uint8_t* bytes = chunk_bytes(chunk, space);
      if (chunk.fixed) {
        const double divisor = exact_power_of_ten(chunk.scale);
        for_each_fixed(bytes, chunk.count, chunk.lowest, chunk.bits,
                       [&](std::int64_t value) { values[at++] = static_cast<double>(value) / divisor; });
      } else {
        std::memcpy(values.data() + at, bytes, chunk.byte_count);
        at += chunk.count;
      }
    }
    const double divisor = exact_power_of_ten(scale_);
    for (std::uint64_t slot : tail()) {
      values[at++] =
          tail_fixed_ ? static_cast<double>(static_cast<std::int64_t>(slot)) / divisor : std::bit_cast<double>(slot);
    }
    space.keys64.resize(n);
    space.scratch64.resize(n);
    sort_doubles(values, space.keys64, space.scratch64);
  }
  clear();
}

void NumberColumn::clear() {  // the tail's memory stays with the arena, for reuse
  chunks_.clear();
  chunks_.shrink_to_fit();
  tail_count_ = 0;
  tail_fixed_ = true;
  scale_ = 0;
  stored_ = 0;
  update_to_scale();
}

}  // namespace lean
