#include "core/printable.hpp"
#include "evaluate/predictions.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <span>
#include <unordered_map>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/suggest.hpp"
#include "crypto/sha256.hpp"
#include "csv/cells.hpp"
#include "csv/reader.hpp"
#include "drift/columns.hpp"
#include "input/s3_input.hpp"

namespace lean {
namespace {

// The slice of the rows whose slice cell is missing.
constexpr std::string_view kMissingSlice = "(missing)";
// More distinct numeric labels than this cannot be classes: the column is a regression target.
constexpr std::size_t kMaxClasses = 1000;
// How far a row of class probabilities may sum from 1 before it is an error rather than rounding.
constexpr double kProbabilitySumTolerance = 1e-6;

std::optional<double> parse_number_cell(std::string_view cell) {
  if (auto decimal = parse_short_decimal_padded(cell)) return decimal->value();  // CsvReader pads its fields
  return parse_finite_number(cell);
}

// Appends a short decimal cell's value ("0.8125", the common score); false for any other
// cell. Flattened: inside read_predictions, whose size exhausts GCC's inlining budget, the
// parse and the push_back each stayed a call per row.
[[gnu::flatten]] bool push_short_decimal(std::vector<double>& column, std::string_view cell) {
  const auto decimal = parse_short_decimal_padded(cell);  // CsvReader pads its fields
  if (!decimal) return false;
  column.push_back(decimal->value());
  return true;
}

// Whether a label map sends every index to itself (the labels first seen in sorted order, as
// "0" before "1" usually are): then the rows need no pass to map them.
bool is_identity(const std::vector<std::uint32_t>& map) {
  for (std::size_t i = 0; i < map.size(); ++i) {
    if (map[i] != i) return false;
  }
  return true;
}

// is_missing_cell, without its call for the one-character cells of 0/1 labels (none is missing).
bool has_no_value(std::string_view cell) { return cell.size() != 1 && is_missing_cell(cell); }

// At most the rows a plain file of this size can hold (a row has a label and a delimiter or
// line end per field), to reserve the per-row columns once: growing them by doubling copied
// each and faulted in twice their final memory. Reserved pages that are never written take
// no memory. 0 when the size is unknown (an s3:// object); gzip and Parquet hold more rows
// than this, and their columns grow from here.
std::size_t row_capacity_hint(const std::string& path, std::size_t width) {
  std::error_code error;
  const std::uintmax_t bytes = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<std::size_t>(bytes / (width + 1));
}

bool is_boolean_text(const std::string& text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "true" || lower == "false";
}

// The name of the boolean `text` in any case ("true", "TRUE", "True"): "True" or "False", as
// Python spells a bool (pandas' column, sklearn's classification_report keys), whatever the file.
std::string boolean_name(const std::string& text) {
  return std::tolower(static_cast<unsigned char>(text[0])) == 't' ? "True" : "False";
}

// Distinct label texts in the order first seen, with their numeric values.
struct LabelDictionary {
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};
  static std::array<std::uint32_t, 256> filled_with_none() {
    std::array<std::uint32_t, 256> out;
    out.fill(kNone);
    return out;
  }
  std::unordered_map<std::string, std::uint32_t> index;
  std::vector<std::string> texts;
  std::vector<std::optional<double>> numbers;
  std::vector<std::uint64_t> first_lines;
  std::array<std::uint32_t, 256> by_byte = filled_with_none();  // one-character labels ("0", "1"): a table look-up
  std::uint32_t add(std::string_view cell, std::uint64_t line) {
    if (cell.size() == 1) {
      std::uint32_t& known = by_byte[static_cast<unsigned char>(cell[0])];
      if (known == kNone) known = add_text(cell, line);
      return known;
    }
    return add_text(cell, line);
  }
  std::uint32_t add_text(std::string_view cell, std::uint64_t line) {
    // A few classes are the common case: compare with each, no hashing or allocation.
    if (texts.size() <= 8) {
      for (std::size_t i = 0; i < texts.size(); ++i) {
        if (texts[i] == cell) return static_cast<std::uint32_t>(i);
      }
    }
    auto [it, inserted] = index.try_emplace(std::string(cell), static_cast<std::uint32_t>(texts.size()));
    if (inserted) {
      texts.emplace_back(cell);
      numbers.push_back(parse_finite_number(cell));
      first_lines.push_back(line);
    }
    return it->second;
  }
  std::vector<double> values_of(const std::vector<std::uint32_t>& raw) const {  // NaN for text
    std::vector<double> out;
    out.reserve(raw.size());
    for (std::uint32_t id : raw) out.push_back(numbers[id] ? *numbers[id] : std::nan(""));
    return out;
  }
  bool all_numeric() const {
    return std::all_of(numbers.begin(), numbers.end(), [](const auto& n) { return n.has_value(); });
  }
};

// `word` with letters left out of `candidate` ("y_scr" of "y_score"), same first letter.
bool abbreviates(const std::string& word, const std::string& candidate) {
  if (word.empty() || candidate.empty() || word.front() != candidate.front()) return false;
  std::size_t next = 0;
  for (char c : candidate) {
    if (next < word.size() && c == word[next]) ++next;
  }
  return next == word.size();
}

bool same_ignoring_case(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string column_suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  // The case first: "ID" is two edits from "id", more than a short name's one.
  const auto same_letters = std::find_if(candidates.begin(), candidates.end(), [&](const std::string& candidate) {
    return same_ignoring_case(word, candidate);
  });
  auto guess =
      same_letters != candidates.end() ? std::optional<std::string>(*same_letters) : closest_match(word, candidates);
  if (!guess) {  // short names allow one edit only: an abbreviated column name is a likely typo too
    const auto it = std::find_if(candidates.begin(), candidates.end(),
                                 [&](const std::string& candidate) { return abbreviates(word, candidate); });
    if (it != candidates.end()) guess = *it;
  }
  return lean::did_you_mean(guess);
}

std::optional<std::size_t> find_column(const std::vector<std::string>& header, const std::string& name) {
  auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) return std::nullopt;
  return static_cast<std::size_t>(it - header.begin());
}

std::size_t require_column(const std::vector<std::string>& header, const std::string& name, const std::string& path) {
  if (auto index = find_column(header, name)) return *index;
  throw_input(path, "no column " + quote_printable(name) + column_suggestion(name, header));
}

constexpr std::size_t kNoField = ~std::size_t{0};

// The labels, each quoted: a list of bare texts hides a label's spaces or commas ("a", " a").
std::string quoted_labels(const std::vector<std::string>& labels) {
  std::vector<std::string> quoted;
  for (const auto& label : labels) quoted.push_back(quote_truncated(label));
  return join_limited(quoted, 10);
}

// Labels and slice values are keys of the metrics JSON, whose strings are UTF-8: one that is
// not could not be written, nor told apart from another (as ml-drift refuses such values).
[[noreturn]] void refuse_non_utf8(const std::string& where, const std::string& what, std::string_view text) {
  throw_input(where, what + ": " + quote_truncated(text) +
                         " is not UTF-8, which a metrics file cannot hold as a label or slice name");
}

void refuse_non_utf8_labels(const std::string& path, const std::string& column, const LabelDictionary& labels) {
  for (std::size_t i = 0; i < labels.texts.size(); ++i) {
    if (!is_utf8(labels.texts[i]))
      refuse_non_utf8(path + ":" + std::to_string(labels.first_lines[i]), "column " + quote_printable(column),
                      labels.texts[i]);
  }
}

// Where a predictions file holds what.
struct FileLayout {
  std::vector<std::string> header;
  std::size_t label = 0;
  std::optional<std::size_t> prediction, score;
  std::vector<std::pair<std::string, std::size_t>> probabilities;  // by the label text after the prefix
  std::size_t weight = kNoField, slice = kNoField, id = kNoField;
};

// Opens a predictions file and finds its columns; a missing one is an input error.
std::unique_ptr<CsvReader> open_predictions(const std::string& path, const PredictionColumns& columns,
                                            FileLayout& layout) {
  std::vector<std::string>& header = layout.header;
  const char delimiter = default_delimiter(path);
  auto reader = open_csv(path, delimiter, header);
  // One field holding a tab, ';' or '|': a file of another delimiter, whose did-you-mean would
  // suggest the whole header line (a predictions file has at least two columns).
  for (const char other : {'\t', ';', '|'}) {
    if (header.size() == 1 && other != delimiter && header[0].find(other) != std::string::npos) {
      throw_input(path, std::string("the header is one column but holds '") +
                            (other == '\t' ? "\\t" : std::string(1, other)) +
                            "': predictions files are comma-separated, tab-separated when named .tsv or .tab");
    }
  }
  layout.label = require_column(header, columns.label, path);
  layout.prediction = find_column(header, columns.prediction);
  layout.score = find_column(header, columns.score);
  // A column named on the command line must exist: a typo is not "derive it from the scores".
  if (columns.prediction_named && !layout.prediction) require_column(header, columns.prediction, path);
  if (columns.score_named && !layout.score) require_column(header, columns.score, path);
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i].size() > columns.score_prefix.size() && header[i].rfind(columns.score_prefix, 0) == 0) {
      layout.probabilities.emplace_back(header[i].substr(columns.score_prefix.size()), i);
    }
  }
  if (columns.prefix_named && layout.probabilities.empty()) {
    throw_input(path, "no column starts with " + quote_printable(columns.score_prefix) + " (--score-prefix)");
  }
  if (!columns.weight.empty()) layout.weight = require_column(header, columns.weight, path);
  if (!columns.slice.empty()) {
    layout.slice = require_column(header, columns.slice, path);
    if (!is_utf8(columns.slice)) refuse_non_utf8(path + ":1", "the --slice-by column's name", columns.slice);
  }
  if (!columns.id.empty()) layout.id = require_column(header, columns.id, path);
  if (!layout.prediction && !layout.score && layout.probabilities.empty()) {
    throw_input(path, "no column " + quote_printable(columns.prediction) + " and no scores (" +
                          quote_printable(columns.score) + " or \"" + columns.score_prefix +
                          "<label>\") to derive predictions from" + column_suggestion(columns.prediction, header));
  }
  return reader;
}

// A tallied read (read_tallied) gives up beyond this many predicted-label texts.
constexpr std::size_t kTallyPredictedTexts = 16;

// The rows of a tallied read, by the texts of their cells: label texts by their dictionary
// numbers, scores by their numbers (ScoreNumbers).
struct RawTally {
  // Per score number: its log-loss and Brier terms as the row-by-row loop computes them, for
  // a negative [0] and a positive [1] row, and its rows by true-label text. Visited in row
  // order at random: together, in one or two cache lines.
  struct Terms {
    double log_loss[2] = {0, 0};
    double brier[2] = {0, 0};
    std::uint64_t rows[2] = {0, 0};
  };
  std::vector<Terms> terms;
  std::vector<double> values;                                       // per score number
  std::array<std::uint64_t, 2 * kTallyPredictedTexts> confusion{};  // rows by [predicted text][true text]
  // The sums of the rows' terms in row order, for either label text being the positive one
  // (the label set is known at the end only): [1]: the second text seen, [0]: the first.
  long double log_loss[2] = {0, 0}, brier[2] = {0, 0};
  std::uint64_t first_non_probability_line = 0;  // 0: every score lies in [0, 1]
};

// What the rows of a predictions file come to before the label set is known.
struct RawRows {
  LabelDictionary truth_labels, predicted_labels;
  std::vector<std::uint32_t> truth_raw, predicted_raw;
  std::vector<double> truth_numbers, predicted_numbers;
  bool truth_interning = true;  // false once the labels are a regression target
  bool predicted_interning = true;
  std::vector<double> raw_scores, raw_probabilities;
  std::optional<RawTally> tally;  // a tallied read: no per-row columns
};

// Bit i set when block[i] is the delimiter, a line feed, a carriage return or a quote: where a
// tallied read stops in a row. Reads 64 bytes.
std::uint64_t stop_bits(const char* block, char delimiter) {
  std::uint64_t bits = 0;
#if defined(__SSE2__)
  const __m128i delimiters = _mm_set1_epi8(delimiter), line_feeds = _mm_set1_epi8('\n'), returns = _mm_set1_epi8('\r'),
                quotes = _mm_set1_epi8('"');
  for (int i = 0; i < 64; i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + i));
    const __m128i hits =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, delimiters), _mm_cmpeq_epi8(bytes, line_feeds)),
                     _mm_or_si128(_mm_cmpeq_epi8(bytes, returns), _mm_cmpeq_epi8(bytes, quotes)));
    bits |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(hits))} << i;
  }
#else
  for (int i = 0; i < 64; ++i) {
    const char c = block[i];
    if (c == delimiter || c == '\n' || c == '\r' || c == '"') bits |= std::uint64_t{1} << i;
  }
#endif
  return bits;
}

// The distinct scores of a tallied read, numbered as first seen. Scores of up to four
// decimals ("0.3529") are numbered through a table indexed by their value in ten-thousandths,
// without hashing: its entries for [0, 1] take 40 KiB, most of them in the L1 cache. Other
// scores by their value's bits, by open addressing. A value may take two numbers ("0.5" and
// "0.500000"): finish_tally merges them.
class ScoreNumbers {
 public:
  static constexpr std::size_t kMaxNumbers = std::size_t{1} << 16;
  static constexpr std::uint32_t kNotANumber = ~std::uint32_t{0}, kTooMany = kNotANumber - 1;

  // The number of the score in `cell` (followed by CsvReader's padding), numbering it and
  // calling added(value) when it is new; kNotANumber, or kTooMany past kMaxNumbers.
  template <class Added>
  std::uint32_t number(std::string_view cell, Added&& added) {
    // "0." and one to four digits, the common score, seen before: its ten-thousandths read
    // from the text's word, without parsing it.
    if (cell.size() - 3 <= 3) {
      std::uint64_t word;
      std::memcpy(&word, cell.data(), sizeof word);
      if ((word & 0xFFFF) == ('0' | '.' << 8)) {
        const auto keep = static_cast<std::uint32_t>((std::uint64_t{1} << (8 * (cell.size() - 2))) - 1);
        const std::uint32_t digits =
            ((static_cast<std::uint32_t>(word >> 16) & keep) | (0x30303030u & ~keep)) - 0x30303030u;
        if ((((digits + 0x76767676u) | digits) & 0x80808080u) == 0) {  // every byte a digit
          const std::uint32_t pairs = digits * 10 + (digits >> 8);     // bytes 0 and 2: the first and last pair
          if (const std::uint32_t entry = table_[(pairs & 0xFF) * 100 + ((pairs >> 16) & 0xFF)]; entry != 0) {
            return entry - 1;
          }
        }
      }
    }
    const std::optional<PlainDecimal> decimal = parse_short_decimal_padded(cell);
    if (decimal && !decimal->negative && decimal->decimals <= kTableDecimals) {
      static constexpr std::uint64_t kToTable[] = {10000, 1000, 100, 10, 1};
      if (const std::uint64_t at = decimal->mantissa * kToTable[decimal->decimals]; at < table_.size()) {
        std::uint32_t& entry = table_[at];
        if (entry == 0) {
          if (count_ == kMaxNumbers) return kTooMany;
          entry = static_cast<std::uint32_t>(++count_);
          added(decimal->value());
        }
        return entry - 1;
      }
    }
    const std::optional<double> value = decimal ? std::optional<double>(decimal->value()) : parse_finite_number(cell);
    if (!value) return kNotANumber;
    const auto bits = std::bit_cast<std::uint64_t>(*value);
    std::size_t slot = slot_of(bits);
    for (; slots_[slot] != 0; slot = (slot + 1) & (slots_.size() - 1)) {
      const auto& [known, number] = hashed_[slots_[slot] - 1];
      if (known == bits) return number;
    }
    if (count_ == kMaxNumbers) return kTooMany;
    hashed_.emplace_back(bits, static_cast<std::uint32_t>(count_++));
    slots_[slot] = static_cast<std::uint32_t>(hashed_.size());
    if (2 * hashed_.size() > slots_.size()) grow();
    added(*value);
    return hashed_.back().second;
  }

 private:
  static constexpr int kTableDecimals = 4;
  std::size_t slot_of(std::uint64_t bits) const {
    return static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  void grow() {
    slots_.assign(2 * slots_.size(), 0);
    --shift_;
    for (std::size_t i = 0; i < hashed_.size(); ++i) {
      std::size_t slot = slot_of(hashed_[i].first);
      while (slots_[slot] != 0) slot = (slot + 1) & (slots_.size() - 1);
      slots_[slot] = static_cast<std::uint32_t>(i + 1);
    }
  }

  std::vector<std::uint32_t> table_ = std::vector<std::uint32_t>(std::size_t{1} << 16, 0);  // a number + 1; 0: none
  std::vector<std::uint32_t> slots_ = std::vector<std::uint32_t>(1024, 0);  // an index of hashed_ + 1; 0: free
  int shift_ = 64 - 10;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> hashed_;  // a score's bits, its number
  std::size_t count_ = 0;
};

// Adds rows to a tally, one code a row: its score's number << 5 | predicted text << 1 | true
// text. A loop of its own, not inlined, so that the long double sums stay in x87 registers
// (in a loop that calls anything GCC keeps them in memory).
[[gnu::noinline]] void tally_rows(std::span<const std::uint32_t> codes, RawTally& tally) {
  long double log_loss_first = tally.log_loss[0], log_loss_second = tally.log_loss[1];
  long double brier_first = tally.brier[0], brier_second = tally.brier[1];
  RawTally::Terms* const terms = tally.terms.data();
  std::uint64_t* const confusion = tally.confusion.data();
  for (const std::uint32_t code : codes) {
    const std::uint32_t truth = code & 1;  // a row is positive where its text is the positive one
    RawTally::Terms& of_score = terms[code >> 5];
    ++confusion[code & 31];
    ++of_score.rows[truth];
    log_loss_second += of_score.log_loss[truth];
    log_loss_first += of_score.log_loss[truth ^ 1];
    brier_second += of_score.brier[truth];
    brier_first += of_score.brier[truth ^ 1];
  }
  tally.log_loss[0] = log_loss_first;
  tally.log_loss[1] = log_loss_second;
  tally.brier[0] = brier_first;
  tally.brier[1] = brier_second;
}

// The tally of a tallied read by label indices and distinct scores, as table.tally; false when
// its two true-label texts are one class ("1" and "1.0"), which neither sum describes.
bool finish_tally(PredictionTable& table, const RawTally& raw, const std::vector<std::uint32_t>& truth_map,
                  const std::vector<std::uint32_t>& predicted_map, double decision_threshold) {
  const auto positive_text = [&](std::size_t text) { return truth_map[text] == table.positive; };
  if (truth_map.size() == 2 && positive_text(0) == positive_text(1)) return false;
  const std::size_t sums = positive_text(0) ? 0 : 1;
  BinaryTally out;
  out.log_loss = raw.log_loss[sums];
  out.brier = raw.brier[sums];
  std::unordered_map<std::uint64_t, std::size_t> distinct;  // a score's bits -> its index in out.scores
  for (std::size_t number = 0; number < raw.values.size(); ++number) {
    const double value = raw.values[number] == 0 ? 0.0 : raw.values[number];
    const auto [at, added] = distinct.try_emplace(std::bit_cast<std::uint64_t>(value), out.scores.size());
    if (added) {
      out.scores.push_back(value);
      out.rows.push_back({0, 0});
    }
    // Predictions derived from the scores, as read_predictions derives them row by row.
    const std::uint32_t derived = raw.values[number] >= decision_threshold ? table.positive : 1 - table.positive;
    for (std::size_t text = 0; text < truth_map.size(); ++text) {
      const std::uint64_t rows = raw.terms[number].rows[text];
      out.rows[at->second][positive_text(text) ? 1 : 0] += rows;
      if (predicted_map.empty()) out.confusion[truth_map[text] * 2 + derived] += rows;
    }
  }
  for (std::size_t predicted = 0; predicted < predicted_map.size(); ++predicted) {
    for (std::size_t text = 0; text < truth_map.size(); ++text) {
      out.confusion[truth_map[text] * 2 + predicted_map[predicted]] += raw.confusion[predicted * 2 + text];
    }
  }
  table.tally = std::move(out);
  return true;
}

// A label as the fingerprint frames it: its line feeds and backslashes escaped, then a line
// feed, so no two label sequences give the same bytes.
std::string framed_label(std::string_view label) {
  std::string out;
  for (char c : label) {
    if (c == '\\' || c == '\n') out += '\\';
    out += c == '\n' ? 'n' : c;
  }
  return out + '\n';
}

// The test set's fingerprint (label_sha256), independent of how a label is spelled: each
// row's label as reported ("1" for "1.0", "True" or "False" for a boolean), or its regression target in
// the shortest form that reads back (format_number), framed. A file that spells them so hashes
// as its label cells with a line feed each. Hashed in blocks: one EVP call per row would dominate.
std::string label_fingerprint(const PredictionTable& table) {
  Sha256 hash;
  std::string block;
  const auto add = [&](std::string_view bytes) {
    block.append(bytes);
    if (block.size() >= (1u << 16)) {
      hash.update(block);
      block.clear();
    }
  };
  if (table.classification()) {
    std::vector<std::string> framed;
    for (const auto& label : table.labels) framed.push_back(framed_label(label));
    for (const std::uint32_t label : table.truth) add(framed[label]);
  } else {
    for (const double value : table.true_values) {
      char text[64];  // format_number's text, without a string per row
      char* end = value == 0 ? std::copy_n("0", 1, text) : std::to_chars(text, text + sizeof text - 1, value).ptr;
      *end++ = '\n';
      add({text, static_cast<std::size_t>(end - text)});
    }
  }
  hash.update(block);
  return hash.finish_hex();
}

// An option the file's task or columns leave without effect would be silently ignored.
void refuse_options_that_do_not_apply(const std::string& path, Task task, const FileLayout& layout,
                                      const PredictionColumns& columns) {
  const std::string is = task == Task::regression ? "is a regression" : "is multiclass";
  if (columns.pos_label && task != Task::binary)
    throw_usage("--pos-label applies to binary labels; '" + path + "' " + is);
  if (columns.threshold_named && task != Task::binary)
    throw_usage("--decision-threshold applies to binary scores; '" + path + "' " + is);
  if (columns.threshold_named && layout.prediction) {
    throw_usage("--decision-threshold derives predictions from the scores, but '" + path +
                "' has the prediction column " + quote_truncated(columns.prediction));
  }
}

// The table from its rows: the task, the label set, the positive label, the scores and the
// predictions. False when tallied rows do not describe a binary table the tally can hold (a
// regression; two label texts of one class): then the caller reads the rows.
bool finish_table(PredictionTable& table, RawRows& rows, const FileLayout& layout, const PredictionColumns& columns) {
  const std::string& path = table.path;
  LabelDictionary &truth_labels = rows.truth_labels, &predicted_labels = rows.predicted_labels;
  std::vector<std::uint32_t>&truth_raw = rows.truth_raw, &predicted_raw = rows.predicted_raw;
  std::vector<double>&truth_numbers = rows.truth_numbers, &predicted_numbers = rows.predicted_numbers;
  const bool truth_interning = rows.truth_interning, predicted_interning = rows.predicted_interning;
  const std::vector<double>& raw_probabilities = rows.raw_probabilities;
  std::optional<RawTally>& tally = rows.tally;
  const auto& prediction_field = layout.prediction;
  const auto& score_field = layout.score;
  const auto& proba_fields = layout.probabilities;
  const bool numeric_labels = truth_interning ? truth_labels.all_numeric() : true;
  // The label set: y_true's labels and those the probability columns name, merged by value
  // when every label is a number ("1" and "1.0" are one class, as pandas reads them), and
  // booleans likewise in any case ("true", "True", "TRUE" are the class "True").
  const bool by_value = numeric_labels && std::all_of(proba_fields.begin(), proba_fields.end(), [](const auto& p) {
                          return parse_finite_number(p.first).has_value();
                        });
  const bool by_boolean =
      !by_value && std::all_of(truth_labels.texts.begin(), truth_labels.texts.end(), is_boolean_text) &&
      std::all_of(proba_fields.begin(), proba_fields.end(), [](const auto& p) { return is_boolean_text(p.first); });
  auto canonical = [&](const std::string& text) {
    if (by_value) return format_number(*parse_finite_number(text));
    return by_boolean && is_boolean_text(text) ? boolean_name(text) : text;
  };
  auto distinct_count = [&](auto begin, auto end, auto text_of) {
    std::vector<std::string> distinct;
    for (auto it = begin; it != end; ++it) distinct.push_back(canonical(text_of(*it)));
    std::sort(distinct.begin(), distinct.end());
    return static_cast<std::size_t>(std::unique(distinct.begin(), distinct.end()) - distinct.begin());
  };
  // The task.
  Task task = columns.task;
  if (task == Task::automatic) {
    if (!truth_interning) {
      task = Task::regression;
    } else if (numeric_labels) {
      std::vector<double> distinct;
      bool integers = true;
      for (const auto& n : truth_labels.numbers) {
        distinct.push_back(*n);
        integers = integers && std::floor(*n) == *n;
      }
      std::sort(distinct.begin(), distinct.end());
      distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
      task = (!integers || distinct.size() > 20) ? Task::regression
             : distinct.size() > 2               ? Task::multiclass
                                                 : Task::binary;
    } else {
      const std::size_t labels = distinct_count(truth_labels.texts.begin(), truth_labels.texts.end(),
                                                [](const std::string& text) { return text; });
      task = labels > 2 ? Task::multiclass : Task::binary;
    }
    if (task != Task::regression &&
        distinct_count(proba_fields.begin(), proba_fields.end(), [](const auto& p) { return p.first; }) > 2)
      task = Task::multiclass;
  }
  table.task = task;
  refuse_options_that_do_not_apply(path, task, layout, columns);
  if (tally && task != Task::binary) return false;

  if (task == Task::regression) {
    if (!prediction_field)
      throw_input(path, "no column " + quote_printable(columns.prediction) + ": a regression needs predictions");
    if (truth_interning) truth_numbers = truth_labels.values_of(truth_raw);
    if (predicted_interning) predicted_numbers = predicted_labels.values_of(predicted_raw);
    for (std::size_t row = 0; row < table.rows; ++row) {
      if (std::isnan(truth_numbers[row])) {
        throw_input(path + ":" + std::to_string(table.lines[row]),
                    "column " + quote_printable(columns.label) + " is not a finite number (a regression target)");
      }
      if (std::isnan(predicted_numbers[row])) {
        throw_input(
            path + ":" + std::to_string(table.lines[row]),
            "column " + quote_printable(columns.prediction) + " is not a finite number (a regression prediction)");
      }
    }
    table.true_values = std::move(truth_numbers);
    table.predicted_values = std::move(predicted_numbers);
    table.label_sha256 = label_fingerprint(table);
    return true;
  }
  if (!truth_interning)
    throw_input(path, "column " + quote_printable(columns.label) + " holds more than 1000 distinct labels");
  refuse_non_utf8_labels(path, columns.label, truth_labels);
  if (prediction_field && predicted_interning) refuse_non_utf8_labels(path, columns.prediction, predicted_labels);
  for (const auto& [name, field] : proba_fields) {
    if (!is_utf8(name)) refuse_non_utf8(path + ":1", "a column name", name);
  }

  // The label set (canonical above).
  std::vector<std::string> names;
  for (const auto& text : truth_labels.texts) names.push_back(canonical(text));
  for (const auto& [name, field] : proba_fields) names.push_back(canonical(name));
  if (task == Task::binary && names.size() >= 1) {
    // One class observed: its partner in {0, 1} or {false, true} completes the pair.
    std::vector<std::string> distinct = names;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    if (distinct.size() == 1) {
      if (by_value && (distinct[0] == "0" || distinct[0] == "1")) names.push_back(distinct[0] == "0" ? "1" : "0");
      if (by_boolean) names.push_back(distinct[0] == "True" ? "False" : "True");
    }
  }
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return by_value ? *parse_finite_number(a) < *parse_finite_number(b) : a < b;
  });
  names.erase(std::unique(names.begin(), names.end()), names.end());
  table.labels = names;
  auto label_index = [&](const std::string& text) -> std::optional<std::uint32_t> {
    if (by_value && !parse_finite_number(text)) return std::nullopt;
    auto it = std::find(names.begin(), names.end(), canonical(text));
    if (it == names.end()) return std::nullopt;
    return static_cast<std::uint32_t>(it - names.begin());
  };
  if (task == Task::binary && names.size() > 2) {
    throw_usage("--task binary, but '" + path + "' has " + std::to_string(names.size()) + " labels");
  }
  std::vector<std::uint32_t> truth_map;
  for (const auto& text : truth_labels.texts) truth_map.push_back(*label_index(text));
  // Mapped in place: a second vector of a row each would double the peak memory.
  if (!is_identity(truth_map)) {
    for (std::uint32_t& raw : truth_raw) raw = truth_map[raw];
  }
  table.truth = std::move(truth_raw);
  if (tally) {
    // The tallied read hashed each cell and a line feed: the fingerprint when every label is
    // written as reported and needs no escape; else the rows are read (and hashed) again.
    for (const auto& text : truth_labels.texts) {
      if (framed_label(canonical(text)) != text + "\n") return false;
    }
  } else {
    table.label_sha256 = label_fingerprint(table);
  }

  // The positive label.
  if (task == Task::binary) {
    if (names.size() < 2)
      throw_input(path,
                  "column " + quote_printable(columns.label) + " holds one label only: " + quote_truncated(names[0]));
    if (columns.pos_label) {
      auto index = label_index(*columns.pos_label);
      if (!index) {
        throw_usage("--pos-label " + quote_truncated(*columns.pos_label) + " is not a label of '" + path + "' (" +
                    quote_truncated(names[0]) + ", " + quote_truncated(names[1]) + ")");
      }
      table.positive = *index;
    } else if (by_value && ((names[0] == "0" && names[1] == "1") || (names[0] == "-1" && names[1] == "1"))) {
      table.positive = 1;
    } else if (is_boolean_text(names[0]) && is_boolean_text(names[1]) && names[0] != names[1]) {
      table.positive = std::tolower(static_cast<unsigned char>(names[0][0])) == 't' ? 0 : 1;
    } else {
      throw_usage("the labels of '" + path + "' are " + quote_truncated(names[0]) + " and " +
                  quote_truncated(names[1]) + ": give --pos-label to say which is positive");
    }
  }

  // Scores: binary takes y_score, or the positive class's probability column.
  const std::size_t k = names.size();
  if (!proba_fields.empty()) {
    std::vector<std::size_t> column_of_label(k, proba_fields.size());
    for (std::size_t j = 0; j < proba_fields.size(); ++j) column_of_label[*label_index(proba_fields[j].first)] = j;
    for (std::size_t label = 0; label < k; ++label) {
      // Binary needs the positive class's column only, and none beside y_score.
      const bool needed = task == Task::multiclass || (!score_field && label == table.positive);
      if (column_of_label[label] == proba_fields.size() && needed) {
        // The line where y_true first holds the label (none for a binary label only implied).
        std::string where = path;
        for (std::size_t text = 0; text < truth_labels.texts.size(); ++text) {
          if (canonical(truth_labels.texts[text]) == names[label]) {
            where += ":" + std::to_string(truth_labels.first_lines[text]);
            break;
          }
        }
        throw_input(where, "no column " + quote_printable(columns.score_prefix + names[label]) + " for the label " +
                               quote_truncated(names[label]));
      }
    }
    if (task == Task::multiclass) {
      table.probabilities.resize(table.rows * k);
      const std::size_t width_p = proba_fields.size();
      for (std::size_t row = 0; row < table.rows; ++row) {
        for (std::size_t label = 0; label < k; ++label) {
          table.probabilities[row * k + label] = raw_probabilities[row * width_p + column_of_label[label]];
        }
      }
    } else if (!score_field) {
      const std::size_t width_p = proba_fields.size(), column = column_of_label[table.positive];
      table.scores.resize(table.rows);
      for (std::size_t row = 0; row < table.rows; ++row) table.scores[row] = raw_probabilities[row * width_p + column];
    }
  }
  if (task == Task::binary && score_field) table.scores = std::move(rows.raw_scores);
  if (task == Task::multiclass && score_field && proba_fields.empty()) {
    // Said where a score metric is asked for: a third label late in the file changes the task.
    std::vector<std::string> seen;
    for (std::size_t text = 0; text < truth_labels.texts.size() && seen.size() < 3; ++text) {
      const std::string label = canonical(truth_labels.texts[text]);
      if (std::find(seen.begin(), seen.end(), label) != seen.end()) continue;
      seen.push_back(label);
      if (seen.size() == 3) {
        table.scores_unread = "column " + quote_printable(columns.score) + " is a binary score, but the label " +
                              quote_truncated(label) + " makes " + std::to_string(k) +
                              " labels; multiclass scores are " + quote_printable(columns.score_prefix + "<label>") +
                              " columns";
        table.scores_unread_line = truth_labels.first_lines[text];
      }
    }
  }
  if (tally && tally->first_non_probability_line != 0) {
    table.scores_are_probabilities = false;
    table.first_non_probability_line = tally->first_non_probability_line;
  }
  for (std::size_t row = 0; row < table.scores.size(); ++row) {
    if (table.scores[row] < 0 || table.scores[row] > 1) {
      table.scores_are_probabilities = false;
      table.first_non_probability_line = table.lines[row];
      break;
    }
  }

  // Predictions: the column, else derived from the scores.
  if (!prediction_field && !tally) table.predicted.resize(table.rows);
  std::vector<std::uint32_t> predicted_map;
  if (prediction_field) {
    for (std::size_t i = 0; i < predicted_labels.texts.size(); ++i) {
      auto index = label_index(predicted_labels.texts[i]);
      if (!index) {
        throw_input(path + ":" + std::to_string(predicted_labels.first_lines[i]),
                    "column " + quote_printable(columns.prediction) + ": " +
                        quote_truncated(predicted_labels.texts[i]) + " is not one of the labels (" +
                        quoted_labels(names) + ")");
      }
      predicted_map.push_back(*index);
    }
    if (!predicted_interning)
      throw_input(path, "column " + quote_printable(columns.prediction) + " holds more than 1000 distinct labels");
    if (!is_identity(predicted_map)) {
      for (std::uint32_t& raw : predicted_raw) raw = predicted_map[raw];
    }
    table.predicted = std::move(predicted_raw);
  } else if (tally) {
    // Derived from the scores below.
  } else if (task == Task::binary) {
    if (table.scores.empty())
      throw_input(path, "no column " + quote_printable(columns.prediction) + " and no " +
                            quote_printable(columns.score) + " to derive it from");
    for (std::size_t row = 0; row < table.rows; ++row) {
      table.predicted[row] = table.scores[row] >= columns.decision_threshold ? table.positive : 1 - table.positive;
    }
  } else {
    if (table.probabilities.empty()) {
      throw_input(path, "no column " + quote_printable(columns.prediction) + " and no \"" + columns.score_prefix +
                            "<label>\" columns to derive it from");
    }
    for (std::size_t row = 0; row < table.rows; ++row) {
      const double* p = &table.probabilities[row * k];
      table.predicted[row] = static_cast<std::uint32_t>(std::max_element(p, p + k) - p);  // ties: the first label
    }
  }
  return !tally || finish_tally(table, *tally, truth_map, predicted_map, columns.decision_threshold);
}

// The rows of a tallied read (read_tallied), from the blocks of lines CsvReader::next_lines
// gives: one loop over the bytes, what is rare out of it.
class TallyReader {
 public:
  TallyReader(const FileLayout& layout, char delimiter, std::uint64_t first_line, RawRows& rows)
      : delimiter_(delimiter),
        width_(layout.header.size()),
        roles_(width_, Role::other),
        line_(first_line),
        rows_(rows),
        tally_(rows.tally.emplace()) {
    roles_[layout.label] = Role::label;
    if (layout.prediction) roles_[*layout.prediction] = Role::prediction;
    roles_[*layout.score] = Role::score;
  }

  // Tallies the rows of `lines`; false at anything a tallied read does not take.
  [[gnu::noinline]] bool read(std::string_view lines);
  // After the last block: the rows read, and the label column's SHA-256.
  std::size_t finish(std::string& label_sha256) {
    tally_rows({codes_.data(), code_count_}, tally_);
    code_count_ = 0;
    label_hash_.update(hashed_.data(), hashed_size_);
    label_sha256 = label_hash_.finish_hex();
    return row_count_;
  }

 private:
  enum class Role : unsigned char { other, label, prediction, score };
  static constexpr std::size_t kLongestLabel = 256;  // copied to the hashed block; longer ones hashed in place
  static constexpr std::size_t kHashBlock = std::size_t{1} << 16;
  static constexpr std::size_t kCodeBlock = 4096;  // rows between two tally_rows calls: the codes stay in the L1 cache

  // A label text not seen before: its number, kNone when it is missing.
  [[gnu::noinline]] std::uint32_t add_label(LabelDictionary& labels, std::string_view cell) const {
    return has_no_value(cell) ? LabelDictionary::kNone : labels.add(cell, line_);
  }
  [[gnu::noinline]] void hash_long_label(std::string_view cell) {
    label_hash_.update(hashed_.data(), hashed_size_);
    label_hash_.update(cell);
    hashed_size_ = 0;
  }
  [[gnu::noinline]] void add_score(double value) {
    tally_.values.push_back(value);
    const std::array<double, 2> log_loss = binary_log_loss_terms(value);
    const double miss = 0 - value, hit = 1 - value;
    tally_.terms.push_back({{log_loss[0], log_loss[1]}, {miss * miss, hit * hit}, {0, 0}});
    if ((value < 0 || value > 1) && tally_.first_non_probability_line == 0) tally_.first_non_probability_line = line_;
  }

  const char delimiter_;
  const std::size_t width_;
  std::vector<Role> roles_;
  std::uint64_t line_;  // of the row being read
  RawRows& rows_;
  RawTally& tally_;
  ScoreNumbers scores_;
  Sha256 label_hash_;
  std::vector<char> hashed_ = std::vector<char>(kHashBlock + kLongestLabel + 1);
  std::size_t hashed_size_ = 0;
  std::vector<std::uint32_t> codes_ = std::vector<std::uint32_t>(kCodeBlock);
  std::size_t code_count_ = 0;
  std::size_t row_count_ = 0;
};

bool TallyReader::read(std::string_view lines) {
  const char* const text = lines.data();
  const std::size_t size = lines.size();
  const char delimiter = delimiter_;
  const Role* const roles = roles_.data();
  // The stops in order: each 64-byte block's bits computed once, taken lowest first. The
  // last byte is a line feed (or the padding's), so the blocks never run past the padding.
  std::size_t block = 0;
  std::uint64_t bits = stop_bits(text, delimiter);
  const auto next_stop = [&]() __attribute__((always_inline)) {
    while (bits == 0) {
      block += 64;
      bits = stop_bits(text + block, delimiter);
    }
    const std::size_t at = block + static_cast<std::size_t>(std::countr_zero(bits));
    bits &= bits - 1;
    return at;
  };
  const auto score_added = [this](double value) { add_score(value); };
  for (std::size_t start = 0; start < size; ++line_) {
    std::uint32_t truth = 0, predicted = 0, score = 0;
    for (std::size_t field = 0;; ++field) {
      const std::size_t stop = next_stop();
      const std::string_view cell(text + start, stop - start);
      const char c = text[stop];
      if (field == 0 && stop == start && (c == '\n' || (c == '\r' && text[stop + 1] == '\n'))) {
        start = stop + 1;  // a blank line
        if (c == '\r') {
          next_stop();
          ++start;
        }
        break;
      }
      switch (roles[field]) {
        case Role::other: break;
        case Role::label:
          truth = cell.size() == 1 ? rows_.truth_labels.by_byte[static_cast<unsigned char>(cell[0])]
                                   : LabelDictionary::kNone;
          if (truth == LabelDictionary::kNone) truth = add_label(rows_.truth_labels, cell);
          if (truth > 1) return false;  // missing, or a third label: not binary
          if (cell.size() == 1) {
            hashed_[hashed_size_++] = cell[0];
          } else if (cell.size() < kLongestLabel) {
            std::memcpy(hashed_.data() + hashed_size_, cell.data(), cell.size());
            hashed_size_ += cell.size();
          } else {
            hash_long_label(cell);
          }
          hashed_[hashed_size_++] = '\n';
          if (hashed_size_ >= kHashBlock) {
            label_hash_.update(hashed_.data(), hashed_size_);
            hashed_size_ = 0;
          }
          break;
        case Role::prediction:
          predicted = cell.size() == 1 ? rows_.predicted_labels.by_byte[static_cast<unsigned char>(cell[0])]
                                       : LabelDictionary::kNone;
          if (predicted == LabelDictionary::kNone) predicted = add_label(rows_.predicted_labels, cell);
          if (predicted >= kTallyPredictedTexts) return false;  // missing, or many texts
          break;
        case Role::score:
          score = scores_.number(cell, score_added);
          // Not a number: read_predictions says so; too many: the rows are sorted instead.
          if (score == ScoreNumbers::kNotANumber || score == ScoreNumbers::kTooMany) return false;
          break;
      }
      start = stop + 1;
      if (c == delimiter) {
        if (field + 1 == width_) return false;  // more fields than the header's
        continue;
      }
      if (c == '\r' && text[stop + 1] == '\n') {
        next_stop();
        ++start;
      } else if (c != '\n') {
        return false;  // a quote, or a line ending in a lone carriage return
      }
      if (field + 1 != width_) return false;
      codes_[code_count_++] = score << 5 | predicted << 1 | truth;
      ++row_count_;
      if (code_count_ == kCodeBlock) {
        tally_rows(codes_, tally_);
        code_count_ = 0;
      }
      break;
    }
  }
  return true;
}

// An unweighted binary file with scores, its rows tallied as they are read instead of kept a
// column each; nullopt for any other file, and as soon as a row holds anything out of the
// ordinary (a quote, a missing value, a third label text, a row read_predictions would
// refuse, too many distinct scores): the caller then reads the rows, and says what
// read_predictions says.
std::optional<PredictionTable> read_tallied(const std::string& path, const PredictionColumns& columns) {
  // A bucket is read once: giving up on it would download it twice.
  if (std::endian::native != std::endian::little || input::is_s3_url(path)) return std::nullopt;
  if (columns.task != Task::automatic && columns.task != Task::binary) return std::nullopt;
  if (!columns.weight.empty() || !columns.slice.empty() || !columns.id.empty()) return std::nullopt;
  FileLayout layout;
  auto reader = open_predictions(path, columns, layout);
  if (!layout.score || !layout.probabilities.empty() || layout.score == layout.label ||
      layout.prediction == layout.label || layout.prediction == layout.score) {
    return std::nullopt;
  }
  PredictionTable table;
  table.path = path;
  RawRows rows;
  TallyReader tally(layout, default_delimiter(path), reader->next_line(), rows);
  try {
    for (;;) {
      const std::optional<std::string_view> lines = reader->next_lines();
      if (!lines) return std::nullopt;
      if (lines->empty()) break;
      if (!tally.read(*lines)) return std::nullopt;
    }
  } catch (const Error&) {  // a read error: read_predictions says it
    return std::nullopt;
  }
  table.rows = tally.finish(table.label_sha256);
  if (table.rows == 0) throw_input(path, "no rows: the file holds a header only");
  if (!finish_table(table, rows, layout, columns)) return std::nullopt;
  return table;
}

}  // namespace

const char* task_name(Task task) {
  switch (task) {
    case Task::automatic: return "auto";
    case Task::binary: return "binary";
    case Task::multiclass: return "multiclass";
    case Task::regression: return "regression";
  }
  return "auto";
}

PredictionTable PredictionTable::subset(const std::vector<std::size_t>& keep) const {
  PredictionTable out;
  out.path = path;
  out.task = task;
  out.rows = keep.size();
  out.labels = labels;
  out.positive = positive;
  out.scores_are_probabilities = scores_are_probabilities;
  out.scores_unread = scores_unread;
  out.scores_unread_line = scores_unread_line;
  out.first_non_probability_line = first_non_probability_line;
  out.label_sha256 = label_sha256;
  auto pick = [&](const auto& from, auto& to) {
    if (from.empty()) return;
    to.reserve(keep.size());
    for (std::size_t row : keep) to.push_back(from[row]);
  };
  pick(truth, out.truth);
  pick(predicted, out.predicted);
  pick(true_values, out.true_values);
  pick(predicted_values, out.predicted_values);
  pick(scores, out.scores);
  pick(weights, out.weights);
  pick(slice_values, out.slice_values);
  pick(ids, out.ids);
  for (std::size_t row : keep) out.lines.push_back(lines[row]);
  if (!probabilities.empty()) {
    const std::size_t k = labels.size();
    out.probabilities.reserve(keep.size() * k);
    for (std::size_t row : keep) {
      out.probabilities.insert(out.probabilities.end(), probabilities.begin() + row * k,
                               probabilities.begin() + (row + 1) * k);
    }
  }
  return out;
}

PredictionTable read_predictions(const std::string& path, const PredictionColumns& columns) {
  FileLayout layout;
  auto reader = open_predictions(path, columns, layout);
  const std::vector<std::string>& header = layout.header;
  const std::size_t label_field = layout.label;
  const std::optional<std::size_t>&prediction_field = layout.prediction, &score_field = layout.score;
  const auto& proba_fields = layout.probabilities;
  const std::size_t weight_field = layout.weight, slice_field = layout.slice, id_field = layout.id;
  PredictionTable table;
  table.path = path;
  RawRows rows;
  LabelDictionary &truth_labels = rows.truth_labels, &predicted_labels = rows.predicted_labels;
  std::vector<std::uint32_t>&truth_raw = rows.truth_raw, &predicted_raw = rows.predicted_raw;
  std::vector<double>&truth_numbers = rows.truth_numbers, &predicted_numbers = rows.predicted_numbers;
  bool &truth_interning = rows.truth_interning, &predicted_interning = rows.predicted_interning;
  truth_interning = columns.task != Task::regression;
  std::vector<double>&raw_scores = rows.raw_scores, &raw_probabilities = rows.raw_probabilities;
  const std::size_t width = header.size();
  if (const std::size_t capacity = row_capacity_hint(path, width); capacity > 0) {
    if (truth_interning) truth_raw.reserve(capacity);
    else truth_numbers.reserve(capacity);
    if (prediction_field) predicted_raw.reserve(capacity);
    if (score_field) raw_scores.reserve(capacity);
  }
  auto where = [&] { return path + ":" + std::to_string(reader->line()); };
  std::uint64_t first_missing_slice = 0, first_spelled_missing = 0;  // lines of a missing slice cell, of "(missing)"
  auto number_in = [&](const std::string& name, std::string_view cell) {
    auto value = parse_number_cell(cell);
    // A score, probability or weight is needed on every row: a blank cell or a missing
    // spelling (spaces around it too, as around a number) says so.
    const std::size_t first = cell.find_first_not_of(" \t");
    const std::string_view inner = first == std::string_view::npos
                                       ? std::string_view{}
                                       : cell.substr(first, cell.find_last_not_of(" \t") + 1 - first);
    if (!value && is_missing_cell(inner))
      throw_input(where(), "column " + quote_printable(name) + ": a missing value (" + quote_truncated(cell) +
                               "); every row needs a number here");
    if (!value)
      throw_input(where(),
                  "column " + quote_printable(name) + ": " + quote_truncated(cell) + " is not a finite number");
    return *value;
  };
  for (std::span<const std::string_view> fields; !(fields = reader->next()).empty();) {
    if (fields.size() != width) {
      throw_input(where(), "row has " + std::to_string(fields.size()) + (fields.size() == 1 ? " field" : " fields") +
                               ", the header has " + std::to_string(width));
    }
    const std::string_view label = fields[label_field];
    if (has_no_value(label)) throw_input(where(), "column " + quote_printable(columns.label) + " has no value");
    table.lines.push_back(reader->line());
    // Labels are kept as indices into a dictionary of their texts while they may be classes
    // (4 bytes a row), as numbers once they are a regression target.
    if (truth_interning) {
      truth_raw.push_back(truth_labels.add(label, reader->line()));
      if (columns.task == Task::automatic && truth_labels.texts.size() > kMaxClasses && truth_labels.all_numeric()) {
        truth_interning = false;
        truth_numbers = truth_labels.values_of(truth_raw);
        truth_raw = {};
      }
    } else {
      const auto truth_number = parse_number_cell(label);
      if (!truth_number) {
        throw_input(where(), "column " + quote_printable(columns.label) + ": " + quote_truncated(label) +
                                 " is not a finite number (a regression target)");
      }
      truth_numbers.push_back(*truth_number);
    }
    if (prediction_field) {
      const std::string_view cell = fields[*prediction_field];
      if (has_no_value(cell)) throw_input(where(), "column " + quote_printable(columns.prediction) + " has no value");
      if (predicted_interning) {
        predicted_raw.push_back(predicted_labels.add(cell, reader->line()));
        if (predicted_labels.texts.size() > kMaxClasses) {  // a regression: the texts are not needed
          predicted_interning = false;
          predicted_numbers = predicted_labels.values_of(predicted_raw);
          predicted_raw = {};
        }
      } else {
        const auto number = parse_number_cell(cell);
        predicted_numbers.push_back(number ? *number : std::nan(""));
      }
    }
    if (score_field && !push_short_decimal(raw_scores, fields[*score_field])) {
      raw_scores.push_back(number_in(columns.score, fields[*score_field]));
    }
    if (!proba_fields.empty()) {
      double sum = 0;
      for (const auto& [name, field] : proba_fields) {
        const double p = number_in(header[field], fields[field]);
        if (p < 0 || p > 1) {
          throw_input(where(), "column " + quote_printable(header[field]) + ": " + format_number(p) +
                                   " is not a probability (outside [0, 1])");
        }
        sum += p;
        raw_probabilities.push_back(p);
      }
      // One column is a binary file's proba_<positive> (its score), not a row of every class's.
      if (proba_fields.size() > 1 && std::fabs(sum - 1) > kProbabilitySumTolerance) {
        throw_input(where(), "the class probabilities sum to " + format_number(sum) +
                                 ", not 1 within 1e-6 (rows are renormalised only within that tolerance)");
      }
    }
    if (weight_field != kNoField) {
      const double w = number_in(columns.weight, fields[weight_field]);
      if (w < 0)
        throw_input(where(),
                    "column " + quote_printable(columns.weight) + ": the weight " + format_number(w) + " is negative");
      table.weights.push_back(w);
    }
    if (slice_field != kNoField) {
      const std::string_view cell = fields[slice_field];
      const bool missing = is_missing_cell(cell);
      if (!missing && !is_utf8(cell)) refuse_non_utf8(where(), "column " + quote_printable(columns.slice), cell);
      std::uint64_t& first = missing ? first_missing_slice : first_spelled_missing;
      if (first == 0 && (missing || cell == kMissingSlice)) first = reader->line();
      table.slice_values.emplace_back(missing ? kMissingSlice : cell);
    }
    if (id_field != kNoField) {
      // A row without an id pairs with nothing: never dropped, never matched to another blank.
      const std::string_view id = fields[id_field];
      if (has_no_value(id)) throw_input(where(), "column " + quote_printable(columns.id) + " has no value");
      table.ids.emplace_back(id);
    }
    ++table.rows;
  }
  if (table.rows == 0) throw_input(path, "no rows: the file holds a header only");
  if (first_missing_slice != 0 && first_spelled_missing != 0) {
    throw_input(path + ":" + std::to_string(first_spelled_missing),
                "column " + quote_printable(columns.slice) + ": the value \"" + std::string(kMissingSlice) +
                    "\" is also the name of the slice of missing cells (line " + std::to_string(first_missing_slice) +
                    "); rename it, they would be one slice");
  }

  finish_table(table, rows, layout, columns);
  return table;
}

PredictionTable read_predictions_for_metrics(const std::string& path, const PredictionColumns& columns) {
  if (std::optional<PredictionTable> tallied = read_tallied(path, columns)) return std::move(*tallied);
  return read_predictions(path, columns);
}

std::array<double, 2> binary_log_loss_terms(double score) {
  const double clipped = std::clamp(score, kLogLossEpsilon, 1 - kLogLossEpsilon);
  const double sum = (1 - clipped) + clipped;
  return {-std::log((1 - clipped) / sum), -std::log(clipped / sum)};
}

}  // namespace lean
