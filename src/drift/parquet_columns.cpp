#include "drift/parquet_columns.hpp"

#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <system_error>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/limits.hpp"
#include "core/parallel.hpp"
#include "core/url.hpp"
#include "csv/reader.hpp"
#include "csv/cells.hpp"
#include "input/s3_input.hpp"
#include "parquet/parquet_file.hpp"
#include "parquet/thrift_compact.hpp"

namespace lean {

using parquet::ColumnSchema;
using parquet::PageValues;
using parquet::ValueKind;
using parquet::Values;

struct ParquetPart {
  std::string path;
  std::vector<std::string> partition_values;  // in ParquetInput::partition_keys order
};

struct ParquetInput {
  std::vector<ParquetPart> parts;
  std::vector<std::string> partition_keys;
  std::vector<bool> partition_numeric;  // every value of the key is a number (or missing)
  std::vector<ColumnSchema> columns;    // the first file's
  unsigned threads = 1;
};

namespace {

namespace fs = std::filesystem;

constexpr const char* kHiveNull = "__HIVE_DEFAULT_PARTITION__";

bool is_data_file(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] != '.' && name[0] != '_';  // _SUCCESS, _metadata, .crc files
}

// The partition values of a file of a dataset: its key=value/ folders below the dataset's.
std::vector<std::string> partition_keys_of(const std::vector<std::string>& folders, ParquetPart& part) {
  std::vector<std::string> file_keys;
  for (const std::string& text : folders) {
    const auto equals = text.find('=');
    if (text == "." || equals == std::string::npos || equals == 0) continue;
    file_keys.push_back(percent_decoded(text.substr(0, equals)));
    part.partition_values.push_back(percent_decoded(text.substr(equals + 1)));
  }
  return file_keys;
}

// One file of a dataset: its partition values, the same partition keys as the first file's,
// and Parquet's magic bytes.
void add_dataset_part(const std::string& path, const std::vector<std::string>& folders, std::vector<ParquetPart>& parts,
                      std::vector<std::string>& keys) {
  ParquetPart part;
  part.path = path;
  const std::vector<std::string> file_keys = partition_keys_of(folders, part);
  if (parts.empty()) keys = file_keys;
  else if (file_keys != keys)
    throw_input(part.path, "its partition folders (key=value/) differ from the other files' in the dataset");
  if (!parquet::has_parquet_magic(part.path)) throw_input(part.path, "not a Parquet file, in a Parquet dataset folder");
  parts.push_back(std::move(part));
}

// s3://BUCKET/PREFIX/: every object under it is a file of the dataset, the parts of its key
// below the prefix its folders (hidden ones skipped, as on disk).
std::vector<ParquetPart> s3_dataset_parts(const std::string& folder, std::vector<std::string>& keys) {
  std::vector<ParquetPart> parts;
  const std::string base = folder.substr(0, folder.find_last_not_of('/') + 1) + "/";
  const std::vector<std::string> objects = input::list_s3_folder(folder);
  for (const std::string& url : objects) {
    std::vector<std::string> folders;
    bool hidden = false;
    for (std::size_t at = base.size(); at < url.size();) {
      const std::size_t slash = std::min(url.find('/', at), url.size());
      const std::string name = url.substr(at, slash - at);
      hidden = hidden || name.empty() || name[0] == '.' || name[0] == '_';
      if (slash < url.size()) folders.push_back(name);
      at = slash + 1;
    }
    if (hidden) continue;
    add_dataset_part(url, folders, parts, keys);
  }
  if (parts.empty() && objects.empty())
    throw_input(folder, "no Parquet files in the folder (no object under the prefix)");
  if (parts.empty()) {
    const std::string what =
        objects.size() == 1 ? "its one object is" : "its " + std::to_string(objects.size()) + " objects are";
    throw_input(folder, "no Parquet files in the folder (" + what +
                            " hidden: a name or folder starting with '.' or '_', such as _SUCCESS)");
  }
  return parts;
}

std::vector<ParquetPart> dataset_parts(const std::string& folder, std::vector<std::string>& keys) {
  std::vector<ParquetPart> parts;
  std::error_code error;
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    if (it->is_directory() && !is_data_file(it->path())) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_data_file(it->path())) files.push_back(it->path());
  }
  if (error) throw_input(folder, "cannot list the folder: " + error.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw_input(folder, "no Parquet files in the folder");
  for (const fs::path& file : files) {
    std::vector<std::string> folders;
    for (const fs::path& component : fs::relative(file.parent_path(), folder)) folders.push_back(component.string());
    add_dataset_part(file.string(), folders, parts, keys);
  }
  return parts;
}

bool is_numeric_kind(ValueKind kind) { return kind != ValueKind::text && kind != ValueKind::boolean; }

const char* kind_name(ValueKind kind) { return is_numeric_kind(kind) ? "numbers" : "text"; }

std::uint64_t magnitude(std::int64_t value) {
  return value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
}

// unscaled / 10^scale, correctly rounded: the double parsing its decimal text gives (what
// the same value read from CSV becomes).
double scaled_double(const std::string& digits, int scale) {
  std::string text = digits + "e-" + std::to_string(scale);
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

__extension__ typedef __int128 Int128;  // DECIMAL values of up to 16 bytes
__extension__ typedef unsigned __int128 UInt128;

std::string int128_digits(Int128 value) {
  const bool negative = value < 0;
  UInt128 rest = negative ? 0 - static_cast<UInt128>(value) : static_cast<UInt128>(value);
  std::string digits;
  do {
    digits += static_cast<char>('0' + static_cast<int>(rest % 10));
    rest /= 10;
  } while (rest > 0);
  if (negative) digits += '-';
  std::reverse(digits.begin(), digits.end());
  return digits;
}

// Decimal text of unscaled / 10^scale with exactly `scale` digits after the point.
std::string decimal_text(const std::string& digits, int scale) {
  if (scale <= 0) return digits;
  const bool negative = !digits.empty() && digits[0] == '-';
  std::string body = negative ? digits.substr(1) : digits;
  if (body.size() <= static_cast<std::size_t>(scale))
    body.insert(0, static_cast<std::size_t>(scale) + 1 - body.size(), '0');
  body.insert(body.size() - static_cast<std::size_t>(scale), ".");
  return (negative ? "-" : "") + body;
}

// A DECIMAL stored as bytes (FIXED_LEN_BYTE_ARRAY, BYTE_ARRAY): big-endian two's complement.
Int128 decimal_value(std::string_view bytes) {
  if (bytes.size() > 16) parquet::fail("a DECIMAL value of " + std::to_string(bytes.size()) + " bytes (at most 16)");
  Int128 value = 0;
  for (const char c : bytes)
    value = static_cast<Int128>(static_cast<UInt128>(value) << 8 | static_cast<unsigned char>(c));
  if (!bytes.empty() && bytes.size() < 16 && (static_cast<unsigned char>(bytes[0]) & 0x80)) {
    value -= static_cast<Int128>(static_cast<UInt128>(1) << (8 * bytes.size()));  // sign-extend
  }
  return value;
}

std::string shortest(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// What one column of one input turns its pages into.
class ColumnSink {
 public:
  ColumnSink(FileColumn& column, const ColumnSchema& schema, const std::string& path, std::mutex& lock)
      : column_(column), schema_(schema), path_(path), lock_(lock) {}

  void add_page(const PageValues& page) {
    missing_ = page.nulls;
    texts_.clear();  // another column's, when it failed on this thread
    if (page.values.form == Values::Form::reals && column_.numeric) {
      // Most numeric pages. In blocks that stay in the cache between converting and adding.
      const std::span<const double> reals(page.values.reals);
      for (std::size_t at = 0; at < reals.size() || at == 0; at += kRealsBlock) {
        add_reals(reals.subspan(at, std::min(kRealsBlock, reals.size() - at)));
        store();
      }
      return;
    }
    decimals_.clear();
    doubles_.clear();
    if (page.values.form == Values::Form::indices) {
      const Values& dictionary = *page.dictionary;
      if (!column_.numeric && dictionary.form != Values::Form::reals && dictionary.form != Values::Form::integers) {
        count_indices(page.values.indices, dictionary);  // categories counted on the indices
      } else {
        for (const std::uint32_t index : page.values.indices) convert(dictionary, index);
      }
    } else {
      const std::size_t n = page.values.size();
      if (!column_.numeric && page.values.form == Values::Form::integers && schema_.kind == ValueKind::boolean) {
        boolean_counts(page.values.integers);
      } else {
        for (std::size_t i = 0; i < n; ++i) convert(page.values, i);
      }
    }
    store();
  }

  void add_repeated(const std::string& value, bool numeric, std::uint64_t rows) {  // a partition column
    std::lock_guard guard(lock_);
    if (value == kHiveNull) {
      column_.missing += rows;
      return;
    }
    if (column_.numeric && numeric) {
      const auto decimal = parse_plain_decimal(value);
      const auto number = parse_finite_number(value);
      for (std::uint64_t i = 0; i < rows; ++i) {
        if (decimal) column_.numbers.add(*decimal);
        else column_.numbers.add(*number);
      }
      return;
    }
    if (column_.numeric) fail_not_a_number(value);
    add_category(value, rows);
  }

 private:
  // The values converted since the last store, added to the column: converted outside
  // the lock, added under it (the file's columns share one arena).
  void store() {
    std::lock_guard guard(lock_);
    if (column_.first_text.empty() && !texts_.empty())
      column_.first_text = texts_.front().first.substr(0, 80);  // for errors
    column_.missing += missing_;
    missing_ = 0;
    // Decimals and doubles each in a run: the order values arrive in does not change the
    // sorted column NumberColumn gives back.
    for (const PlainDecimal& decimal : decimals_) column_.numbers.add(decimal);
    for (const double value : doubles_) column_.numbers.add(value);
    for (const auto& [text, times] : texts_) add_category(text, times);
    texts_.clear();
  }

  [[noreturn]] void fail_not_a_number(std::string_view text) const {
    throw_input(path_, "column \"" + column_.name + "\": \"" + std::string(text.substr(0, 40)) +
                           (text.size() > 40 ? "..." : "") + "\" is not a number (--numeric)");
  }

  void add_category(std::string_view text, std::uint64_t times) {  // under the lock
    padded_.assign(text.data(), text.size());
    padded_.append(8, '\0');
    const std::size_t distinct = column_.categories.size();
    column_.categories.add_padded(std::string_view(padded_.data(), text.size()), times);
    if (column_.categories.size() != distinct) {
      std::uint64_t& held = column_.numbers.arena()->category_bytes;
      held += text.size() + 64;
      if (held > limits::kCategoryBytes) {
        throw_input(path_, "the distinct values of the text columns exceed " +
                               describe_bytes_limit(limits::kCategoryBytes) +
                               " (the limit; see docs/hardening.md); column \"" + column_.name +
                               "\" may be an id: leave it out with --exclude");
      }
    }
  }

  void number(std::int64_t unscaled, int scale) {
    if (!column_.numeric) return text(decimal_text(std::to_string(unscaled), scale));
    const std::uint64_t size = magnitude(unscaled);
    if (size <= (std::uint64_t{1} << 53) && scale <= 22) return decimals_.push_back({size, scale, unscaled < 0});
    real(scale == 0 ? static_cast<double>(unscaled) : scaled_double(std::to_string(unscaled), scale));
  }

  void real(double value) {
    if (!std::isfinite(value)) {  // NaN (and infinities) are missing, as "NaN" in CSV
      ++missing_;
      return;
    }
    if (!column_.numeric) return text(shortest(value));
    PlainDecimal decimal;
    if (exact_decimal_at_some_scale(value, decimal)) decimals_.push_back(decimal);
    else doubles_.push_back(value);
  }

  // A numeric column's page of doubles: real() on each, with the usual case (a short
  // decimal at the last scale that held one) inline and writing to memory it reserved.
  void add_reals(std::span<const double> values) {
    doubles_.clear();
    decimals_.resize(values.size());
    PlainDecimal* out = decimals_.data();
    int scale = scale_hint_;
    double power = exact_power_of_ten(scale);
    for (const double value : values) {
      const double scaled = value * power;
      if (std::fabs(scaled) < 0x1p51) [[likely]] {              // no NaN, no infinity
        const double rounded = (scaled + 0x1.8p52) - 0x1.8p52;  // see exact_decimal
        if (rounded / power == value && !(rounded == 0 && std::signbit(value))) [[likely]] {
          *out++ = {static_cast<std::uint64_t>(std::fabs(rounded)), scale, rounded < 0};
          continue;
        }
      }
      if (!std::isfinite(value)) {
        ++missing_;
      } else if (exact_decimal_at_some_scale(value, *out)) {
        ++out;
        scale = scale_hint_;
        power = exact_power_of_ten(scale);
      } else {
        doubles_.push_back(value);
      }
    }
    decimals_.resize(static_cast<std::size_t>(out - decimals_.data()));
  }

  // A double that is a short decimal (12.3456 written as DOUBLE) is kept as that decimal:
  // the same double comes back, but NumberColumn packs and sorts it as a fixed-point
  // integer, as the CSV path does. The last scale that held one is tried first.
  bool exact_decimal_at_some_scale(double value, PlainDecimal& decimal) {
    if (exact_decimal(value, scale_hint_, decimal)) return true;
    for (int scale = 0; scale <= kMaxDecimalScale; ++scale) {
      if (scale != scale_hint_ && exact_decimal(value, scale, decimal)) {
        scale_hint_ = scale;
        return true;
      }
    }
    return false;
  }

  // `value` as mantissa / 10^scale exactly, the mantissa at most 2^53 (-0 is not one: the
  // decimal has no sign of zero).
  static bool exact_decimal(double value, int scale, PlainDecimal& decimal) {
    const double power = exact_power_of_ten(scale);
    const double scaled = value * power;
    double rounded;
    // Adding and taking away 1.5 * 2^52 rounds to the nearest integer, ties to even, as
    // nearbyint does in the default rounding mode, without its library call: exact below 2^51.
    if (std::fabs(scaled) < 0x1p51) rounded = (scaled + 0x1.8p52) - 0x1.8p52;
    else if (std::fabs(scaled) <= 0x1p53) rounded = std::nearbyint(scaled);
    else return false;
    if (rounded == 0 && std::signbit(value)) return false;
    // PlainDecimal::value() divides the mantissa by the power, sign apart: the same double.
    if (rounded / power != value) return false;
    decimal.mantissa = static_cast<std::uint64_t>(std::fabs(rounded));
    decimal.decimals = scale;
    decimal.negative = rounded < 0;
    return true;
  }

  void text(std::string_view value) {
    if (column_.numeric) {  // a text column read with --numeric: as its CSV cells would be
      if (is_missing_cell(value)) {
        ++missing_;
        return;
      }
      if (auto decimal = parse_plain_decimal(value)) return decimals_.push_back(*decimal);
      if (auto parsed = parse_finite_number(value)) return real(*parsed);
      fail_not_a_number(value);
    }
    texts_.emplace_back(std::string(value), 1);
  }

  void decimal_bytes(std::string_view bytes) {
    const Int128 value = decimal_value(bytes);
    if (value >= INT64_MIN && value <= INT64_MAX) return number(static_cast<std::int64_t>(value), schema_.scale);
    const std::string digits = int128_digits(value);
    if (!column_.numeric) return text(decimal_text(digits, schema_.scale));
    real(scaled_double(digits, schema_.scale));
  }

  void convert(const Values& values, std::size_t i) {
    switch (values.form) {
      case Values::Form::reals: return real(values.reals[i]);
      case Values::Form::texts:
        if (schema_.kind == ValueKind::decimal) return decimal_bytes(values.text(i));
        return text(values.text(i));
      case Values::Form::integers: {
        const std::int64_t v = values.integers[i];
        switch (schema_.kind) {
          case ValueKind::boolean: return text(v ? "true" : "false");
          case ValueKind::unsigned_integer:
            if (v < 0) return real(static_cast<double>(static_cast<std::uint64_t>(v)));
            return number(v, 0);
          case ValueKind::decimal:
          case ValueKind::time:
          case ValueKind::timestamp: return number(v, schema_.scale);
          default: return number(v, 0);
        }
      }
      case Values::Form::indices: break;
    }
  }

  void count_indices(const std::vector<std::uint32_t>& indices, const Values& dictionary) {
    counts_.assign(dictionary.size(), 0);
    for (const std::uint32_t index : indices) ++counts_[index];
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] == 0) continue;
      if (schema_.kind == ValueKind::decimal) {  // as text: rare, value by value
        for (std::uint64_t k = 0; k < counts_[i]; ++k) decimal_bytes(dictionary.text(i));
      } else {
        texts_.emplace_back(std::string(dictionary.text(i)), counts_[i]);
      }
    }
  }

  void boolean_counts(const std::vector<std::int64_t>& values) {
    const auto trues = static_cast<std::uint64_t>(std::count(values.begin(), values.end(), 1));
    if (values.size() > trues) texts_.emplace_back("false", values.size() - trues);
    if (trues > 0) texts_.emplace_back("true", trues);
  }

  FileColumn& column_;
  const ColumnSchema& schema_;
  const std::string& path_;
  std::mutex& lock_;
  static constexpr int kMaxDecimalScale = 8;
  static constexpr std::size_t kRealsBlock = 4096;  // 64 KiB of converted decimals
  int scale_hint_ = 0;                              // the last decimal scale that held a double exactly
  std::uint64_t missing_ = 0;
  // A page's converted values, on their way into the column: one set per thread, not per
  // column (a page of 100,000 values takes megabytes; fresh memory costs page faults).
  static thread_local std::vector<PlainDecimal> decimals_;
  static thread_local std::vector<double> doubles_;
  static thread_local std::vector<std::pair<std::string, std::uint64_t>> texts_;
  static thread_local std::vector<std::uint64_t> counts_;
  std::string padded_;
};

thread_local std::vector<PlainDecimal> ColumnSink::decimals_;
thread_local std::vector<double> ColumnSink::doubles_;
thread_local std::vector<std::pair<std::string, std::uint64_t>> ColumnSink::texts_;
thread_local std::vector<std::uint64_t> ColumnSink::counts_;

std::size_t schema_index(const std::vector<ColumnSchema>& columns, const std::string& name) {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  return columns.size();
}

// A compared column the reader cannot read (nested, repeated, an unsupported type) is an
// error only now that it is compared: the others can be, with --exclude.
void require_readable(const ColumnSchema& column, const std::string& path) {
  if (!column.unsupported.empty())
    throw_input(path, column.unsupported + "; --exclude it to compare the other columns");
}

}  // namespace

namespace {

// "a.parquet,b.parquet" or "data/part-*.parquet" (quoted, so the shell leaves it): the
// files it names, in order (each pattern's matches sorted), when the text is not itself a
// file and every file it names is Parquet; else nothing.
std::vector<std::string> parquet_file_list(const std::string& text) {
  std::error_code error;
  std::vector<std::string> files;
  if (input::is_s3_url(text)) {
    // Object keys are literal ('?', '[' and ',' included): only ",s3://" (the scheme in any
    // case) starts another entry.
    const auto next_entry = [&](std::size_t from) {
      for (std::size_t comma = text.find(',', from); comma != std::string::npos; comma = text.find(',', comma + 1)) {
        if (has_scheme(std::string_view(text).substr(comma + 1), "s3")) return comma;
      }
      return text.size();
    };
    if (next_entry(0) == text.size()) return {};
    for (std::size_t start = 0, next; start < text.size(); start = next + 1) {
      next = next_entry(start);
      files.push_back(text.substr(start, next - start));
    }
    for (const std::string& file : files) {
      if (!parquet::has_parquet_magic(file)) throw_input(file, "not a Parquet file, in a list of Parquet files");
    }
    return files;
  }
  if (fs::exists(text, error)) return {};
  if (text.find_first_of(",*?[") == std::string::npos) return {};  // one path: the reader says what is wrong
  // A list: each error names the one entry at fault, not the whole list.
  std::size_t start = 0;
  for (std::size_t comma; start <= text.size(); start = comma + 1) {
    comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    if (item.find_first_of("*?[") != std::string::npos) {
      glob_t matches{};
      if (::glob(item.c_str(), 0, nullptr, &matches) == 0) {
        for (std::size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
      }
      const bool none = matches.gl_pathc == 0;
      ::globfree(&matches);
      if (none && item.size() == text.size()) return {};  // one path after all: the reader says what is wrong
      if (none) throw_input(item, "no file matches the pattern, in a list of Parquet files");
    } else if (!item.empty()) {
      if (!input::is_s3_url(item) && !fs::exists(item, error))
        throw_input(item, std::string("cannot open: ") + std::strerror(ENOENT));
      files.push_back(item);
    }
  }
  for (const std::string& file : files) {
    if (fs::is_directory(file, error))
      throw_input(file, "is a directory, in a list of Parquet files (give the folder alone)");
    if (!parquet::has_parquet_magic(file)) throw_input(file, "not a Parquet file, in a list of Parquet files");
  }
  return files;
}

// A folder holding a Parquet file (at any depth): a folder of anything else stays an error
// of the CSV reader ("is a directory, not a file"); one holding no data file at all is
// neither, and says so.
bool holds_parquet(const std::string& folder) {
  std::error_code error;
  bool empty = true;
  for (fs::recursive_directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    if (it->is_directory() && !is_data_file(it->path())) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || !is_data_file(it->path())) continue;
    if (parquet::has_parquet_magic(it->path().string())) return true;
    empty = false;
  }
  if (empty && !error)
    throw_input(folder, "is an empty folder: neither a CSV file nor a Parquet dataset (no .parquet file in it)");
  return false;
}

}  // namespace

bool is_parquet_input(const std::string& path) {
  if (input::is_s3_folder(path)) return true;
  std::error_code error;
  if (fs::is_directory(path, error)) return holds_parquet(path);
  return !parquet_file_list(path).empty() || parquet::has_parquet_magic(path);
}

void open_parquet(LoadedFile& file) {
  auto input = std::make_shared<ParquetInput>();
  std::error_code error;
  if (input::is_s3_folder(file.path)) {
    input->parts = s3_dataset_parts(file.path, input->partition_keys);
  } else if (fs::is_directory(file.path, error)) {
    input->parts = dataset_parts(file.path, input->partition_keys);
  } else if (auto files = parquet_file_list(file.path); !files.empty()) {
    for (std::string& path : files) input->parts.push_back({std::move(path), {}});
  } else {
    input->parts.push_back({file.path, {}});
  }
  const parquet::ParquetFile first(input->parts.front().path);
  input->columns = first.meta().columns;
  file.header.clear();
  for (const ColumnSchema& column : input->columns) file.header.push_back(column.name);
  for (const std::string& key : input->partition_keys) {
    if (schema_index(input->columns, key) != input->columns.size()) {
      throw_input(file.path, "the partition key \"" + key + "\" is also a column of the files");
    }
    file.header.push_back(key);
  }
  for (std::size_t k = 0; k < input->partition_keys.size(); ++k) {
    bool numeric = true;
    for (const ParquetPart& part : input->parts) {
      const std::string& value = part.partition_values[k];
      numeric = numeric && (value == kHiveNull || parse_finite_number(value).has_value());
    }
    input->partition_numeric.push_back(numeric);
  }
  // Each column's kind is its Parquet type's, unless --numeric or --categorical says otherwise.
  file.parquet = input;
}

namespace {

void set_kinds(LoadedFile& file) {
  const ParquetInput& input = *file.parquet;
  for (auto& column : file.columns) {
    if (column->requested != ColumnKind::automatic) continue;
    const std::size_t index = schema_index(input.columns, column->name);
    if (index < input.columns.size()) {
      require_readable(input.columns[index], file.path);
      column->numeric = is_numeric_kind(input.columns[index].kind);
    } else {
      const auto key = std::find(input.partition_keys.begin(), input.partition_keys.end(), column->name);
      column->numeric = input.partition_numeric[static_cast<std::size_t>(key - input.partition_keys.begin())];
    }
  }
}

void read_columns(LoadedFile& file, std::vector<FileColumn*> columns) {
  const ParquetInput& input = *file.parquet;
  std::mutex lock;
  file.rows = 0;
  for (const ParquetPart& part : input.parts) {
    const parquet::ParquetFile parquet_file(part.path);
    const auto& meta = parquet_file.meta();
    // The file's column of each selected one, or a partition key (past the file's columns).
    std::vector<std::size_t> sources;
    for (FileColumn* column : columns) {
      std::size_t index = schema_index(meta.columns, column->name);
      if (index == meta.columns.size()) {
        const auto key = std::find(input.partition_keys.begin(), input.partition_keys.end(), column->name);
        if (key == input.partition_keys.end()) {
          throw_input(part.path, "no column \"" + column->name + "\", which the dataset's first file has");
        }
        index = meta.columns.size() + static_cast<std::size_t>(key - input.partition_keys.begin());
      } else {
        require_readable(meta.columns[index], part.path);
        const std::size_t first = schema_index(input.columns, column->name);
        if (first < input.columns.size() &&
            is_numeric_kind(meta.columns[index].kind) != is_numeric_kind(input.columns[first].kind)) {
          throw_input(part.path, "column \"" + column->name + "\" holds " + kind_name(meta.columns[index].kind) +
                                     ", in the dataset's first file " + kind_name(input.columns[first].kind));
        }
      }
      sources.push_back(index);
    }
    // One sink per column for the whole file: its buffers are reused from page to page.
    const ColumnSchema partition_schema;
    std::vector<std::unique_ptr<ColumnSink>> sinks;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const ColumnSchema& schema = sources[c] < meta.columns.size() ? meta.columns[sources[c]] : partition_schema;
      sinks.push_back(std::make_unique<ColumnSink>(*columns[c], schema, part.path, lock));
    }
    const bool reads_a_column =
        std::any_of(sources.begin(), sources.end(), [&](std::size_t s) { return s < meta.columns.size(); });
    if (!reads_a_column && meta.columns.empty() && meta.num_rows > 0) {
      throw_input(part.path, "the file has rows but no columns");
    }
    const auto readable = std::find_if(meta.columns.begin(), meta.columns.end(),
                                       [](const ColumnSchema& column) { return column.unsupported.empty(); });
    for (std::size_t group = 0; group < meta.row_groups.size(); ++group) {
      const auto rows = static_cast<std::uint64_t>(meta.row_groups[group].num_rows);
      parallel_for_each_index(columns.size(), input.threads, [&](std::size_t c) {
        if (sources[c] < meta.columns.size()) {
          parquet_file.read_column(group, sources[c], [&](const PageValues& page) { sinks[c]->add_page(page); });
        }
      });
      // The row count the footer claims, checked against a column chunk's values before a
      // partition column repeats its value that often.
      if (!reads_a_column && readable != meta.columns.end()) {
        parquet_file.read_column(group, static_cast<std::size_t>(readable - meta.columns.begin()),
                                 [](const PageValues&) {});
      }
      for (std::size_t c = 0; c < columns.size(); ++c) {
        if (sources[c] < meta.columns.size()) continue;
        const std::size_t key = sources[c] - meta.columns.size();
        sinks[c]->add_repeated(part.partition_values[key], input.partition_numeric[key], rows);
      }
      file.rows += rows;
    }
  }
}

}  // namespace

void read_parquet_rows(LoadedFile& file, std::size_t memory_budget_bytes, unsigned threads) {
  file.arena->budget_bytes = memory_budget_bytes;
  file.parquet->threads = threads;
  set_kinds(file);
  std::vector<FileColumn*> columns;
  for (auto& column : file.columns) columns.push_back(column.get());
  read_columns(file, columns);
}

namespace {

// A field of CSV text: quoted when it holds the delimiter, a quote or a line break.
void append_field(std::string_view text, char delimiter, std::string& out) {
  if (text.find_first_of(std::string{delimiter, '"', '\n', '\r'}) == std::string_view::npos) {
    out += text;
    return;
  }
  out += '"';
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// Value i of a page as the text ColumnSink makes of it for a categorical column: the exact
// decimal text of integers, decimals, dates, times and timestamps (in their documented
// units), a double's shortest form, true/false; NaN and infinities are missing (empty).
void append_cell(const ColumnSchema& schema, const Values& values, std::size_t i, char delimiter, std::string& out) {
  switch (values.form) {
    case Values::Form::reals:
      if (std::isfinite(values.reals[i])) out += shortest(values.reals[i]);
      return;
    case Values::Form::texts: {
      if (schema.kind != ValueKind::decimal) return append_field(values.text(i), delimiter, out);
      const Int128 value = decimal_value(values.text(i));
      out += decimal_text(value >= INT64_MIN && value <= INT64_MAX ? std::to_string(static_cast<std::int64_t>(value))
                                                                   : int128_digits(value),
                          schema.scale);
      return;
    }
    case Values::Form::integers: {
      const std::int64_t v = values.integers[i];
      switch (schema.kind) {
        case ValueKind::boolean: out += v ? "true" : "false"; return;
        case ValueKind::unsigned_integer:
          out += v < 0 ? shortest(static_cast<double>(static_cast<std::uint64_t>(v))) : std::to_string(v);
          return;
        case ValueKind::decimal:
        case ValueKind::time:
        case ValueKind::timestamp: out += decimal_text(std::to_string(v), schema.scale); return;
        default: out += std::to_string(v); return;
      }
    }
    case Values::Form::indices: return;
  }
}

// One column's cells of a row group, back to back.
struct ColumnCells {
  std::string text;
  std::vector<std::size_t> ends;
  void clear() {
    text.clear();
    ends.clear();
  }
};

void render_parquet(const ParquetInput& input, const std::vector<std::string>& header, char delimiter,
                    const std::function<bool(std::string_view)>& write) {
  constexpr std::size_t kChunk = 1 << 20;
  std::string out;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (c > 0) out += delimiter;
    append_field(header[c], delimiter, out);
  }
  out += '\n';
  std::vector<ColumnCells> cells(header.size());
  for (const ParquetPart& part : input.parts) {
    const parquet::ParquetFile file(part.path);
    const auto& meta = file.meta();
    std::vector<std::size_t> sources;
    for (const ColumnSchema& column : input.columns) {
      const std::size_t index = schema_index(meta.columns, column.name);
      if (index == meta.columns.size())
        throw_input(part.path, "no column \"" + column.name + "\", which the dataset's first file has");
      sources.push_back(index);
    }
    for (std::size_t group = 0; group < meta.row_groups.size(); ++group) {
      const auto rows = static_cast<std::size_t>(meta.row_groups[group].num_rows);
      for (std::size_t c = 0; c < header.size(); ++c) {
        ColumnCells& column = cells[c];
        column.clear();
        if (c >= sources.size()) {  // a partition key: its value on every row
          const std::string& value = part.partition_values[c - sources.size()];
          for (std::size_t r = 0; r < rows; ++r) {
            if (value != kHiveNull) append_field(value, delimiter, column.text);
            column.ends.push_back(column.text.size());
          }
          continue;
        }
        const ColumnSchema& schema = meta.columns[sources[c]];
        file.read_column(
            group, sources[c],
            [&](const PageValues& page) {
              const Values& values = page.values.form == Values::Form::indices ? *page.dictionary : page.values;
              const std::size_t page_rows = page.values.size() + page.nulls;
              for (std::size_t r = 0, v = 0; r < page_rows; ++r) {
                if (!page.present || (*page.present)[r]) {
                  const std::size_t at = v++;
                  append_cell(schema, values, page.values.form == Values::Form::indices ? page.values.indices[at] : at,
                              delimiter, column.text);
                }
                column.ends.push_back(column.text.size());
              }
            },
            true);
      }
      for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cells.size(); ++c) {
          if (c > 0) out += delimiter;
          const std::size_t begin = r == 0 ? 0 : cells[c].ends[r - 1];
          out.append(cells[c].text, begin, cells[c].ends[r] - begin);
        }
        out += '\n';
        if (out.size() >= kChunk) {
          if (!write(out)) return;
          out.clear();
        }
      }
    }
  }
  write(out);
}

}  // namespace

std::unique_ptr<CsvReader> open_parquet_as_csv(const std::string& path, char delimiter) {
  LoadedFile file;
  file.path = path;
  open_parquet(file);
  std::shared_ptr<const ParquetInput> input = file.parquet;
  // The readers that take rows read every column, so any the reader cannot read is an error.
  for (const ColumnSchema& column : input->columns) {
    if (!column.unsupported.empty()) throw_input(path, column.unsupported);
  }
  auto stream = std::make_unique<input::FedStream>(
      [input, header = file.header, delimiter](const std::function<bool(std::string_view)>& write) {
        render_parquet(*input, header, delimiter, write);
      });
  return std::make_unique<CsvReader>(path, delimiter, std::move(stream));
}

void reread_parquet_as_text(LoadedFile& file, const std::vector<std::size_t>& indices) {
  std::vector<std::unique_ptr<FileColumn>> fresh;
  std::vector<FileColumn*> columns;
  for (std::size_t index : indices) {
    const FileColumn& original = *file.columns[index];
    auto column = std::make_unique<FileColumn>(file.arena.get());
    column->name = original.name;
    column->field = original.field;
    column->requested = ColumnKind::categorical;
    column->numeric = false;
    columns.push_back(column.get());
    fresh.push_back(std::move(column));
  }
  const std::uint64_t rows = file.rows;
  read_columns(file, columns);
  file.rows = rows;
  for (std::size_t i = 0; i < indices.size(); ++i) file.columns[indices[i]] = std::move(fresh[i]);
}

}  // namespace lean
