#include "drift/columns.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "csv/cells.hpp"

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

void add_cell(FileColumn& column, std::string_view cell, const CsvReader& reader) {
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
    column.categories.emplace(std::string(cell), 1);
  }
}

}  // namespace

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t SpillFile::write(const double* values, std::size_t count) {
  if (fd_ < 0) {
    std::string path = temporary_directory() + "/ml-drift-XXXXXX";
    fd_ = ::mkstemp(path.data());
    if (fd_ < 0) throw_input(temporary_directory(), std::string("cannot create a temporary file: ") + std::strerror(errno));
    ::unlink(path.c_str());
  }
  const std::uint64_t offset = size_;
  const char* data = reinterpret_cast<const char*>(values);
  std::size_t left = count * sizeof(double);
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

void SpillFile::read(std::uint64_t offset, double* values, std::size_t count) const {
  char* data = reinterpret_cast<char*>(values);
  std::size_t left = count * sizeof(double);
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

void NumberColumn::flush() {
  if (tail_) {
    Chunk chunk;
    chunk.count = tail_count_;
    if (arena_->chunks_in_memory < arena_->budget_chunks) {
      ++arena_->chunks_in_memory;
      chunk.data = std::move(tail_);
    } else {
      chunk.spill_offset = arena_->spill.write(tail_.get(), tail_count_);
    }
    stored_ += tail_count_;
    chunks_.push_back(std::move(chunk));
  }
  if (!tail_) tail_ = std::make_unique_for_overwrite<double[]>(kChunk);
  tail_count_ = 0;
}

void NumberColumn::take(std::vector<double>& values) {
  values.resize(size());
  std::size_t at = 0;
  for (Chunk& chunk : chunks_) {
    if (chunk.data) {
      std::memcpy(values.data() + at, chunk.data.get(), chunk.count * sizeof(double));
    } else {
      arena_->spill.read(chunk.spill_offset, values.data() + at, chunk.count);
    }
    at += chunk.count;
  }
  if (tail_count_) std::memcpy(values.data() + at, tail_.get(), tail_count_ * sizeof(double));
  clear();
}

void NumberColumn::clear() {
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
