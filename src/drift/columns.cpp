#include "drift/columns.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "core/limits.hpp"
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

constexpr std::uint64_t kMaxExactMantissa = std::uint64_t{1} << 53;

// The inverse of the code NumberColumn::add(PlainDecimal) stores: mantissa, sign, decimals.
PlainDecimal decode(std::uint64_t code) {
  PlainDecimal d;
  d.mantissa = code >> 6;
  d.negative = (code & 32u) != 0;
  d.decimals = static_cast<int>(code & 31u);
  return d;
}

std::uint64_t power_of_ten(int k) {
  std::uint64_t p = 1;
  while (k-- > 0) p *= 10;
  return p;
}

void add_cell(FileColumn& column, std::string_view cell, const CsvReader& reader) {
  if (column.numeric) {
    if (auto decimal = parse_plain_decimal(cell)) {
      column.numbers.add(*decimal);
      return;
    }
  }
  if (is_missing_cell(cell)) {
    ++column.missing;
    return;
  }
  if (column.numeric) {
    if (auto value = parse_finite_number(cell)) {
      column.numbers.add(*value);
      return;
    }
    if (column.requested == ColumnKind::numeric) {
      throw_input(reader.path() + ":" + std::to_string(reader.line()),
                  "column \"" + column.name + "\": " + quoted(cell) + " is not a number (--numeric)");
    }
    column.numeric = false;
    column.first_text_line = reader.line();
    column.first_text = std::string(cell.substr(0, 80));
    if (column.numbers.size() > 0) column.needs_text_pass = true;
    column.numbers.clear();
  }
  if (column.needs_text_pass) return;  // counted in the second pass
  if (auto found = column.categories.find(cell); found != column.categories.end()) {
    ++found->second;
  } else {
    // Bounded memory (docs/hardening.md): a column of ids is not a category column.
    column.numbers.arena()->category_bytes += cell.size() + 64;
    if (column.numbers.arena()->category_bytes > limits::kCategoryBytes) {
      throw_input(reader.path() + ":" + std::to_string(reader.line()),
                  "the distinct values of the text columns exceed " + describe_bytes_limit(limits::kCategoryBytes) +
                      " (the limit; see docs/hardening.md); column \"" + column.name +
                      "\" may be an id: leave it out with --exclude");
    }
    column.categories.emplace(std::string(cell), 1);
  }
}

}  // namespace

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t SpillFile::write(const std::uint64_t* values, std::size_t count) {
  if (fd_ < 0) {
    std::string path = temporary_directory() + "/ml-drift-XXXXXX";
    fd_ = ::mkstemp(path.data());
    if (fd_ < 0) throw_input(temporary_directory(), std::string("cannot create a temporary file: ") + std::strerror(errno));
    ::unlink(path.c_str());
  }
  const std::uint64_t offset = size_;
  const char* data = reinterpret_cast<const char*>(values);
  std::size_t left = count * sizeof(std::uint64_t);
  while (left > 0) {
    const ssize_t n = ::pwrite(fd_, data, left, static_cast<off_t>(size_));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_input(temporary_directory(), std::string("cannot write a temporary file: ") + std::strerror(errno));
    }
    data += n;
    left -= static_cast<std::size_t>(n);
    size_ += static_cast<std::uint64_t>(n);
  }
  return offset;
}

void SpillFile::read(std::uint64_t offset, std::uint64_t* values, std::size_t count) const {
  char* data = reinterpret_cast<char*>(values);
  std::size_t left = count * sizeof(std::uint64_t);
  while (left > 0) {
    const ssize_t n = ::pread(fd_, data, left, static_cast<off_t>(offset));
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      throw_input(temporary_directory(), std::string("cannot read a temporary file: ") + std::strerror(n < 0 ? errno : EIO));
    }
    data += n;
    left -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

void NumberColumn::add(double value) {
  if (all_decimal_) {
    all_decimal_ = false;
    for (std::size_t i = 0; i < tail_count_; ++i) tail_[i] = std::bit_cast<std::uint64_t>(decode(tail_[i]).value());
    tail_decimal_ = false;
  }
  push(std::bit_cast<std::uint64_t>(value));
}

void NumberColumn::flush() {
  if (tail_) {
    Chunk chunk;
    chunk.count = tail_count_;
    chunk.decimal = tail_decimal_;
    if (arena_->chunks_in_memory < arena_->budget_chunks) {
      ++arena_->chunks_in_memory;
      chunk.data = std::move(tail_);
    } else {
      chunk.spill_offset = arena_->spill.write(tail_.get(), tail_count_);
    }
    stored_ += tail_count_;
    chunks_.push_back(std::move(chunk));
  }
  if (!tail_) tail_ = std::make_unique_for_overwrite<std::uint64_t[]>(kChunk);
  tail_count_ = 0;
  tail_decimal_ = all_decimal_;
}

void NumberColumn::take_sorted(std::vector<double>& values, std::vector<std::uint64_t>& keys,
                               std::vector<std::uint64_t>& scratch) {
  const std::size_t n = size();
  keys.resize(n);
  values.resize(n);
  // Gather the slots; chunks holding doubles are decoded straight into `values`.
  std::size_t at = 0;
  auto gather = [&](const std::uint64_t* slots, std::size_t count, bool decimal) {
    if (all_decimal_) {
      std::memcpy(keys.data() + at, slots, count * sizeof(std::uint64_t));
    } else {
      for (std::size_t i = 0; i < count; ++i) {
        values[at + i] = decimal ? decode(slots[i]).value() : std::bit_cast<double>(slots[i]);
      }
    }
    at += count;
  };
  std::vector<std::uint64_t> spilled;
  for (Chunk& chunk : chunks_) {
    if (!chunk.data) {
      spilled.resize(chunk.count);
      arena_->spill.read(chunk.spill_offset, spilled.data(), chunk.count);
    }
    gather(chunk.data ? chunk.data.get() : spilled.data(), chunk.count, chunk.decimal);
  }
  if (tail_count_) gather(tail_.get(), tail_count_, tail_decimal_);

  const int scale = max_decimals_;
  bool fixed_point = all_decimal_ && scale <= 15;  // 10^15 * any mantissa > 0 stays below 2^64
  std::int64_t lowest = 0;
  if (fixed_point) {
    // Every value on one scale, m * 10^(scale - k), must stay an exact double (<= 2^53).
    for (std::size_t i = 0; i < n && fixed_point; ++i) {
      const PlainDecimal d = decode(keys[i]);
      const std::uint64_t factor = power_of_ten(scale - d.decimals);
      if (d.mantissa > kMaxExactMantissa / factor) {
        fixed_point = false;
        break;
      }
      const auto scaled = static_cast<std::int64_t>(d.mantissa * factor);
      lowest = std::min(lowest, d.negative ? -scaled : scaled);
    }
  }
  if (all_decimal_ && !fixed_point) {
    for (std::size_t i = 0; i < n; ++i) values[i] = decode(keys[i]).value();
  }
  if (fixed_point) {
    for (std::size_t i = 0; i < n; ++i) {
      const PlainDecimal d = decode(keys[i]);
      const auto scaled = static_cast<std::int64_t>(d.mantissa * power_of_ten(scale - d.decimals));
      keys[i] = static_cast<std::uint64_t>((d.negative ? -scaled : scaled) - lowest);  // order-preserving, >= 0
    }
    radix_sort(keys, scratch);
    const double divisor = exact_power_of_ten(scale);
    for (std::size_t i = 0; i < n; ++i) {
      values[i] = static_cast<double>(static_cast<std::int64_t>(keys[i]) + lowest) / divisor;
    }
  } else {
    sort_doubles(values, keys, scratch);
  }
  clear();
}

void NumberColumn::clear() {
  all_decimal_ = tail_decimal_ = true;
  max_decimals_ = 0;
  chunks_.clear();
  chunks_.shrink_to_fit();
  tail_.reset();
  tail_count_ = 0;
  stored_ = 0;
}

std::unique_ptr<CsvReader> open_csv(const std::string& path, char delimiter, std::vector<std::string>& header) {
  auto reader = std::make_unique<CsvReader>(path, delimiter);
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
  file.arena->budget_chunks = memory_budget_bytes / (NumberColumn::kChunk * sizeof(double));
  const std::size_t width = file.header.size();
  std::vector<std::string_view> fields;
  while (reader.next(fields)) {
    if (fields.size() != width) {
      throw_input(reader.path() + ":" + std::to_string(reader.line()),
                  "row has " + std::to_string(fields.size()) + (fields.size() == 1 ? " field" : " fields") +
                      ", the header has " + std::to_string(width));
    }
    ++file.rows;
    for (auto& column : file.columns) add_cell(*column, fields[column->field], reader);
  }
}

void reread_as_text(LoadedFile& file, const std::vector<std::size_t>& columns) {
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
    pass.columns.push_back(std::move(column));
  }
  read_rows(*reader, pass, 0);
  for (std::size_t i = 0; i < columns.size(); ++i) file.columns[columns[i]] = std::move(pass.columns[i]);
}

}  // namespace lean
