#include "drift/columns.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>
#include <type_traits>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "drift/parquet_columns.hpp"
#include "csv/sniff.hpp"
#include "stats/sort.hpp"

namespace lean {
namespace {

std::string temporary_directory() {
  const char* dir = std::getenv("TMPDIR");
  return dir && *dir ? dir : "/tmp";
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 40;
  std::string out = "\"";
  out.append(text.substr(0, kShown));
  if (text.size() > kShown) out += "...";
  return out + "\"";
}

constexpr std::size_t kStrayLinesKept = 3;
constexpr std::uint64_t kStrayPercent = 1;       // a column is numeric with under 1 % stray cells
constexpr std::uint64_t kStrayMinimumCells = 100;  // below this many values, any stray cell decides

// Turns a numeric column categorical: the numbers it kept are read again as text.
void make_categorical(FileColumn& column) {
  column.numeric = false;
  if (column.numbers.size() > 0) column.needs_text_pass = true;
  column.numbers.clear();
}

// A cell that is not a plain decimal: missing, a number in another form, or text.
void add_other_cell(FileColumn& column, std::string_view cell, const CsvReader& reader) {
  if (is_missing_cell(cell)) {
    ++column.missing;
    if (column.track_quality && column.missing_lines.size() < kMaxExamples) column.missing_lines.push_back(reader.line());
    return;
  }
  if (column.numeric) {
    if (auto value = parse_finite_number(cell)) {
      column.numbers.add(*value);
      if (column.track_quality) column.extremes.add(*value, reader.line());
      return;
    }
    if (column.requested == ColumnKind::numeric) {
      throw_input(reader.path() + ":" + std::to_string(reader.line()),
                  "column \"" + column.name + "\": " + quoted(cell) + " is not a number (--numeric)");
    }
    if (column.stray_cells++ == 0) {
      column.first_text_line = reader.line();
      column.first_text = std::string(cell.substr(0, 80));
    }
    if (column.stray_lines.size() < kStrayLinesKept) column.stray_lines.push_back(reader.line());
    if (column.track_quality && column.text_examples.size() < kMaxExamples) {
      column.text_examples.push_back({std::string(cell.substr(0, 80)), reader.line()});
    }
    const std::uint64_t seen = column.numbers.size() + column.stray_cells;
    const bool many = column.stray_cells * 100 >= seen * kStrayPercent;
    if (column.numbers.size() > 0 && (!many || seen < kStrayMinimumCells)) return;  // decided at the end
    make_categorical(column);
  } else if (column.track_quality && !column.text_examples.empty() && column.text_examples.size() < kMaxExamples &&
             !parse_finite_number(cell)) {
    column.text_examples.push_back({std::string(cell.substr(0, 80)), reader.line()});
  }
  if (column.needs_text_pass) return;  // counted in the second pass
  const std::size_t distinct = column.categories.size();
  column.categories.add_padded(cell);  // a CsvReader field
  if (column.categories.size() != distinct) {
    if (column.track_quality) column.first_lines.push_back(reader.line());
    // Bounded memory (docs/hardening.md): a column of ids is not a category column.
    std::uint64_t& held = column.numbers.arena()->category_bytes;
    held += cell.size() + 64;
    if (held > limits::kCategoryBytes) {
      throw_input(reader.path() + ":" + std::to_string(reader.line()),
                  "the distinct values of the text columns exceed " + describe_bytes_limit(limits::kCategoryBytes) +
                      " (the limit; see docs/hardening.md); column \"" + column.name +
                      "\" may be an id: leave it out with --exclude");
    }
  }
}

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

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t SpillFile::write(const void* data, std::size_t size) {
  if (fd_ < 0) {
    std::string path = temporary_directory() + "/ml-drift-XXXXXX";
    fd_ = ::mkstemp(path.data());
    if (fd_ < 0) throw_input(temporary_directory(), std::string("cannot create a temporary file: ") + std::strerror(errno));
    ::unlink(path.c_str());
  }
  const std::uint64_t offset = size_;
  const char* bytes = static_cast<const char*>(data);
  std::size_t left = size;
  while (left > 0) {
    const ssize_t n = ::pwrite(fd_, bytes, left, static_cast<off_t>(size_));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_input(temporary_directory(), std::string("cannot write a temporary file: ") + std::strerror(errno));
    }
    bytes += n;
    left -= static_cast<std::size_t>(n);
    size_ += static_cast<std::uint64_t>(n);
  }
  return offset;
}

void SpillFile::read(std::uint64_t offset, void* data, std::size_t size) const {
  char* bytes = static_cast<char*>(data);
  std::size_t left = size;
  while (left > 0) {
    const ssize_t n = ::pread(fd_, bytes, left, static_cast<off_t>(offset));
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      throw_input(temporary_directory(), std::string("cannot read a temporary file: ") + std::strerror(n < 0 ? errno : EIO));
    }
    bytes += n;
    left -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

void NumberColumn::add(double value) {
  if (tail_count_ == tail_capacity_) flush();
  if (tail_fixed_) tail_to_doubles();
  tail_[tail_count_++] = std::bit_cast<std::uint64_t>(value);
}

void NumberColumn::add_rescaled(PlainDecimal decimal) {
  if (tail_count_ == tail_capacity_) flush();
  if (tail_fixed_ && decimal.decimals > scale_) rescale_tail(decimal.decimals);
  if (tail_fixed_) {
    const int shift = scale_ - decimal.decimals;
    if (decimal.mantissa <= kMaxMantissa[shift]) {
      const auto scaled = static_cast<std::int64_t>(decimal.mantissa * kPowersOfTen[shift]);
      tail_[tail_count_++] = static_cast<std::uint64_t>(decimal.negative ? -scaled : scaled);
      return;
    }
    tail_to_doubles();
  }
  tail_[tail_count_++] = std::bit_cast<std::uint64_t>(decimal.value());
}

void NumberColumn::rescale_tail(int scale) {
  if (scale > kMaxScale) return tail_to_doubles();
  const int shift = scale - scale_;
  for (std::uint64_t slot : tail()) {
    if (magnitude(static_cast<std::int64_t>(slot)) > kMaxMantissa[shift]) return tail_to_doubles();
  }
  for (std::uint64_t& slot : tail()) slot *= kPowersOfTen[shift];  // unsigned: wraps like two's complement
  scale_ = scale;
}

void NumberColumn::tail_to_doubles() {
  const double divisor = exact_power_of_ten(scale_);
  for (std::uint64_t& slot : tail()) {
    slot = std::bit_cast<std::uint64_t>(static_cast<double>(static_cast<std::int64_t>(slot)) / divisor);
  }
  tail_fixed_ = false;
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
    chunk.bits = static_cast<int>(std::bit_width(static_cast<std::uint64_t>(highest - lowest)));  // <= 55: |values| <= 2^53
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
  tail_fixed_ = true;
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

  if (fixed) {
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
      for (std::uint64_t slot : tail()) keys[at++] = static_cast<Key>(static_cast<std::int64_t>(slot) * factor - lowest);
      const double divisor = exact_power_of_ten(scale);
      radix_sort_into(std::span<Key>(keys), std::span<Key>(scratch), static_cast<Key>(highest - lowest),
                      [&](std::size_t rank, Key key) { values[rank] = static_cast<double>(static_cast<std::int64_t>(key) + lowest) / divisor; });
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
      values[at++] = tail_fixed_ ? static_cast<double>(static_cast<std::int64_t>(slot)) / divisor : std::bit_cast<double>(slot);
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
}

std::size_t CategoryCounts::find(std::string_view cell, std::uint64_t head) const {
  const std::size_t mask = slots_.size() - 1;
  // Short cells hash by their head and size; longer ones by all their text, so cells that
  // share a long prefix (ids) do not all collide.
  const std::uint64_t hash = cell.size() <= 8 ? mix(head ^ (cell.size() * 0x9E3779B97F4A7C15)) : hash_text(cell);
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.text == 0 ||
        (slot.head == head && slot.size == cell.size() && (cell.size() <= 8 || texts_[slot.text - 1] == cell))) {
      return i;
    }
  }
}

void CategoryCounts::add_padded(std::string_view cell, std::uint64_t times) {
  if (slots_.empty()) slots_.resize(16);
  std::uint64_t head;
  std::memcpy(&head, cell.data(), sizeof head);  // the padding makes 8 bytes readable
  if (cell.size() < 8) head &= (std::uint64_t{1} << (8 * cell.size())) - 1;
  Slot& slot = slots_[find(cell, head)];
  if (slot.text == 0) {
    texts_.emplace_back(cell);
    slot = {head, static_cast<std::uint32_t>(cell.size()), static_cast<std::uint32_t>(texts_.size()), 0};
    if (texts_.size() * 2 > slots_.size()) {  // at most half full: probes stay short
      grow();
      return add_padded(cell, times);  // counted in its new slot
    }
  }
  slot.count += times;
}

void CategoryCounts::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  for (const Slot& slot : old) {
    if (slot.text != 0) slots_[find(texts_[slot.text - 1], slot.head)] = slot;
  }
}

std::uint64_t CategoryCounts::count_of(std::string_view cell) const {
  if (slots_.empty()) return 0;
  std::uint64_t head = 0;
  std::memcpy(&head, cell.data(), std::min<std::size_t>(cell.size(), 8));
  return slots_[find(cell, head)].count;
}

std::vector<std::pair<std::string, std::uint64_t>> CategoryCounts::entries() const {
  std::vector<std::pair<std::string, std::uint64_t>> out(texts_.size());
  for (const Slot& slot : slots_) {
    if (slot.text != 0) out[slot.text - 1] = {texts_[slot.text - 1], slot.count};
  }
  return out;
}

std::unique_ptr<CsvReader> open_csv(const std::string& path, char delimiter, std::vector<std::string>& header) {
  std::unique_ptr<CsvReader> reader;
  if (is_parquet_input(path)) {  // the readers that take rows read Parquet as its CSV text
    reader = open_parquet_as_csv(path, delimiter);
  } else {
    if (auto kind = non_csv_kind(path)) throw_input(path, "is " + *kind + ", not CSV");
    reader = std::make_unique<CsvReader>(path, delimiter);
  }
  std::vector<std::string_view> fields;
  if (!reader->next(fields)) throw_input(path, "empty file: no header row");
  header.clear();
  std::set<std::string> seen;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::string name(fields[i]);
    if (name.empty()) name = "Unnamed: " + std::to_string(i);
    if (!seen.insert(name).second) {
      throw_input(path + ":" + std::to_string(reader->line()), "column \"" + name + "\" appears twice in the header");
    }
    header.push_back(std::move(name));
  }
  return reader;
}

void read_rows(CsvReader& reader, LoadedFile& file, std::size_t memory_budget_bytes) {
  file.arena->budget_bytes = memory_budget_bytes;
  const std::size_t width = file.header.size();
  for (std::span<const std::string_view> fields; !(fields = reader.next()).empty();) {
    if (fields.size() != width) {
      throw_input(reader.path() + ":" + std::to_string(reader.line()),
                  "row has " + std::to_string(fields.size()) + (fields.size() == 1 ? " field" : " fields") +
                      ", the header has " + std::to_string(width));
    }
    ++file.rows;
    if (file.row_hashes) file.row_hashes->add_row(fields, reader.line());
    for (auto& column : file.columns) {
      const std::string_view cell = fields[column->field];
      if (column->numeric) {
        if (auto decimal = parse_short_decimal_padded(cell)) {  // CsvReader pads its fields
          column->numbers.add(*decimal);
          if (column->track_quality) column->extremes.add(*decimal, reader.line());
          continue;
        }
        if (cell.size() > 8) {  // may be a longer plain decimal
          if (auto decimal = parse_plain_decimal(cell)) {
            column->numbers.add(*decimal);
            if (column->track_quality) column->extremes.add(*decimal, reader.line());
            continue;
          }
        }
      }
      add_other_cell(*column, cell, reader);
    }
  }
  for (auto& column : file.columns) {
    const std::uint64_t seen = column->numbers.size() + column->stray_cells;
    if (column->numeric && column->stray_cells > 0 && column->stray_cells * 100 >= seen * kStrayPercent) {
      make_categorical(*column);
    }
  }
}

void reread_as_text(LoadedFile& file, const std::vector<std::size_t>& columns) {
  if (file.parquet) return reread_parquet_as_text(file, columns);
  std::vector<std::string> header;
  auto reader = open_csv(file.path, file.delimiter, header);
  LoadedFile pass;
  pass.path = file.path;
  pass.header = header;
  for (std::size_t index : columns) {
    const FileColumn& original = *file.columns[index];
    auto column = std::make_unique<FileColumn>(file.arena.get());  // holds no numbers
    column->name = original.name;
    column->field = original.field;
    column->requested = ColumnKind::categorical;
    column->numeric = false;
    column->first_text_line = original.first_text_line;
    column->first_text = original.first_text;
    column->track_quality = original.track_quality;
    pass.columns.push_back(std::move(column));
  }
  read_rows(*reader, pass, 0);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    pass.columns[i]->text_examples = std::move(file.columns[columns[i]]->text_examples);
    file.columns[columns[i]] = std::move(pass.columns[i]);
  }
}

}  // namespace lean
