#include "drift/category_counts.hpp"

#include <algorithm>
#include <cstring>

namespace lean {
namespace {

std::uint64_t mix(std::uint64_t x) {
  x *= 0xD6E8FEB86659FD93;
  return x ^ (x >> 32);
}

std::uint64_t hash_text(std::string_view text) {
  // Whole words, or two overlapping halves of short text (as wyhash reads), each mixed in
  // by a multiply and xor-shift.
  const char* p = text.data();
  const std::size_t n = text.size();
  auto load64 = [](const char* at) {
    std::uint64_t word;
    std::memcpy(&word, at, sizeof word);
    return word;
  };
  auto load32 = [](const char* at) {
    std::uint32_t word;
    std::memcpy(&word, at, sizeof word);
    return std::uint64_t{word};
  };
  std::uint64_t hash = mix(n + 0x9E3779B97F4A7C15);
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) hash = mix(hash ^ load64(p + i));
    hash = mix(hash ^ load64(p + n - 8));
  } else if (n >= 4) {
    hash = mix(hash ^ (load32(p) | load32(p + n - 4) << 32));
  } else if (n > 0) {
    const auto byte = [&](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
    hash = mix(hash ^ (byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16));
  }
  return mix(hash);
}

}  // namespace

std::size_t CategoryCounts::find(std::string_view cell, std::uint64_t head, std::uint64_t tail) const {
  const std::size_t mask = slots_.size() - 1;
  // Cells of up to 16 bytes hash by their head, tail and size; longer ones by all their
  // text, so cells that share a long prefix and suffix (ids) do not all collide.
  constexpr std::size_t kWhole = 16;  // head and tail hold every byte
  const std::uint64_t hash =
      cell.size() <= kWhole ? mix(head ^ mix(tail ^ (cell.size() * 0x9E3779B97F4A7C15))) : hash_text(cell);
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.text == 0 || (slot.head == head && slot.tail == tail && slot.size == cell.size() &&
                           (cell.size() <= kWhole || texts_[slot.text - 1] == cell))) {
      return i;
    }
  }
}

namespace {

// A cell's last 8 bytes when it has more than 8, else 0.
std::uint64_t tail_of(std::string_view cell) {
  std::uint64_t tail = 0;
  if (cell.size() > 8) std::memcpy(&tail, cell.data() + cell.size() - 8, sizeof tail);
  return tail;
}

// A padded cell's first 8 bytes, zeros past its end.
std::uint64_t head_of_padded(std::string_view cell) {
  std::uint64_t head;
  std::memcpy(&head, cell.data(), sizeof head);  // the padding makes 8 bytes readable
  if (cell.size() < 8) head &= (std::uint64_t{1} << (8 * cell.size())) - 1;
  return head;
}

}  // namespace

const std::uint64_t* CategoryCounts::add_if_known(std::string_view cell) {
  if (slots_.empty()) return nullptr;
  Slot& slot = slots_[find(cell, head_of_padded(cell), tail_of(cell))];
  if (slot.text == 0) return nullptr;
  ++slot.count;
  return &slot.tag;
}

void CategoryCounts::add_padded(std::string_view cell, std::uint64_t times, std::uint64_t tag) {
  if (slots_.empty()) slots_.resize(16);
  const std::uint64_t head = head_of_padded(cell);
  const std::uint64_t tail = tail_of(cell);
  Slot& slot = slots_[find(cell, head, tail)];
  if (slot.text == 0) {
    texts_.emplace_back(cell);
    slot = {head, tail, static_cast<std::uint32_t>(cell.size()), static_cast<std::uint32_t>(texts_.size()), 0, tag};
    if (texts_.size() * 2 > slots_.size()) {  // at most half full: probes stay short
      grow();
      return add_padded(cell, times, tag);  // counted in its new slot
    }
  }
  slot.count += times;
}

void CategoryCounts::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  for (const Slot& slot : old) {
    if (slot.text != 0) slots_[find(texts_[slot.text - 1], slot.head, slot.tail)] = slot;
  }
}

std::uint64_t CategoryCounts::count_of(std::string_view cell) const {
  if (slots_.empty()) return 0;
  std::uint64_t head = 0;
  std::memcpy(&head, cell.data(), std::min<std::size_t>(cell.size(), 8));
  return slots_[find(cell, head, tail_of(cell))].count;
}

std::vector<std::pair<std::string, std::uint64_t>> CategoryCounts::entries() const {
  std::vector<std::pair<std::string, std::uint64_t>> out(texts_.size());
  for (const Slot& slot : slots_) {
    if (slot.text != 0) out[slot.text - 1] = {texts_[slot.text - 1], slot.count};
  }
  return out;
}

}  // namespace lean
