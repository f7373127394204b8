#include "core/printable.hpp"
#include "evaluate/predictions.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <unordered_map>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/suggest.hpp"
#include "crypto/sha256.hpp"
#include "csv/cells.hpp"
#include "csv/reader.hpp"
#include "drift/columns.hpp"

namespace lean {
namespace {

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
  throw_input(path, "no column \"" + name + "\"" + column_suggestion(name, header));
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
  std::vector<std::string> header;
  auto reader = open_csv(path, default_delimiter(path), header);
  const std::size_t label_field = require_column(header, columns.label, path);
  const std::optional<std::size_t> prediction_field = find_column(header, columns.prediction);
  std::optional<std::size_t> score_field = find_column(header, columns.score);
  // A column named on the command line must exist: a typo is not "derive it from the scores".
  if (columns.prediction_named && !prediction_field) require_column(header, columns.prediction, path);
  if (columns.score_named && !score_field) require_column(header, columns.score, path);
  // The class-probability columns, by the label text after the prefix.
  std::vector<std::pair<std::string, std::size_t>> proba_fields;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i].size() > columns.score_prefix.size() && header[i].rfind(columns.score_prefix, 0) == 0) {
      proba_fields.emplace_back(header[i].substr(columns.score_prefix.size()), i);
    }
  }
  if (columns.prefix_named && proba_fields.empty()) {
    throw_input(path, "no column starts with \"" + columns.score_prefix + "\" (--score-prefix)");
  }
  constexpr std::size_t kNoField = ~std::size_t{0};
  const std::size_t weight_field = columns.weight.empty() ? kNoField : require_column(header, columns.weight, path);
  const std::size_t slice_field = columns.slice.empty() ? kNoField : require_column(header, columns.slice, path);
  const std::size_t id_field = columns.id.empty() ? kNoField : require_column(header, columns.id, path);
  if (!prediction_field && !score_field && proba_fields.empty()) {
    throw_input(path, "no column \"" + columns.prediction + "\" and no scores (\"" + columns.score + "\" or \"" +
                          columns.score_prefix + "<label>\") to derive predictions from" +
                          column_suggestion(columns.prediction, header));
  }

  PredictionTable table;
  table.path = path;
  LabelDictionary truth_labels, predicted_labels;
  std::vector<std::uint32_t> truth_raw, predicted_raw;
  std::vector<double> truth_numbers, predicted_numbers;
  bool truth_interning = columns.task != Task::regression;  // false once the labels are a regression target
  bool predicted_interning = true;
  Sha256 label_hash;
  std::string hash_buffer;
  std::vector<double> raw_scores, raw_probabilities;
  const std::size_t width = header.size();
  if (const std::size_t capacity = row_capacity_hint(path, width); capacity > 0) {
    if (truth_interning) truth_raw.reserve(capacity);
    else truth_numbers.reserve(capacity);
    if (prediction_field) predicted_raw.reserve(capacity);
    if (score_field) raw_scores.reserve(capacity);
  }
  auto where = [&] { return path + ":" + std::to_string(reader->line()); };
  auto number_in = [&](const std::string& name, std::string_view cell) {
    auto value = parse_number_cell(cell);
    if (!value) throw_input(where(), "column \"" + name + "\": " + quote_truncated(cell) + " is not a finite number");
    return *value;
  };
  for (std::span<const std::string_view> fields; !(fields = reader->next()).empty();) {
    if (fields.size() != width) {
      throw_input(where(), "row has " + std::to_string(fields.size()) + (fields.size() == 1 ? " field" : " fields") +
                               ", the header has " + std::to_string(width));
    }
    const std::string_view label = fields[label_field];
    if (has_no_value(label)) throw_input(where(), "column \"" + columns.label + "\" has no value");
    // Hashed in blocks: one EVP call per row would dominate. A 0/1 label without the call of append.
    if (label.size() == 1) hash_buffer += label[0];
    else hash_buffer.append(label);
    hash_buffer += '\n';
    if (hash_buffer.size() >= (1u << 16)) {
      label_hash.update(hash_buffer);
      hash_buffer.clear();
    }
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
        throw_input(where(), "column \"" + columns.label + "\": " + quote_truncated(label) +
                                 " is not a finite number (a regression target)");
      }
      truth_numbers.push_back(*truth_number);
    }
    if (prediction_field) {
      const std::string_view cell = fields[*prediction_field];
      if (has_no_value(cell)) throw_input(where(), "column \"" + columns.prediction + "\" has no value");
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
          throw_input(where(), "column \"" + header[field] + "\": " + format_number(p) +
                                   " is not a probability (outside [0, 1])");
        }
        sum += p;
        raw_probabilities.push_back(p);
      }
      if (std::fabs(sum - 1) > kProbabilitySumTolerance) {
        throw_input(where(), "the class probabilities sum to " + format_number(sum) +
                                 ", not 1 within 1e-6 (rows are renormalised only within that tolerance)");
      }
    }
    if (weight_field != kNoField) {
      const double w = number_in(columns.weight, fields[weight_field]);
      if (w < 0)
        throw_input(where(), "column \"" + columns.weight + "\": the weight " + format_number(w) + " is negative");
      table.weights.push_back(w);
    }
    if (slice_field != kNoField) {
      const std::string_view cell = fields[slice_field];
      table.slice_values.emplace_back(is_missing_cell(cell) ? std::string_view("(missing)") : cell);
    }
    if (id_field != kNoField) table.ids.emplace_back(fields[id_field]);
    ++table.rows;
  }
  if (table.rows == 0) throw_input(path, "no rows: the file holds a header only");
  label_hash.update(hash_buffer);
  table.label_sha256 = label_hash.finish_hex();

  // The task.
  Task task = columns.task;
  const bool numeric_labels = truth_interning ? truth_labels.all_numeric() : true;
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
      task = truth_labels.texts.size() > 2 ? Task::multiclass : Task::binary;
    }
    if (task != Task::regression && !proba_fields.empty() && proba_fields.size() > 2) task = Task::multiclass;
  }
  table.task = task;

  if (task == Task::regression) {
    if (!prediction_field)
      throw_input(path, "no column \"" + columns.prediction + "\": a regression needs predictions");
    if (truth_interning) truth_numbers = truth_labels.values_of(truth_raw);
    if (predicted_interning) predicted_numbers = predicted_labels.values_of(predicted_raw);
    for (std::size_t row = 0; row < table.rows; ++row) {
      if (std::isnan(truth_numbers[row])) {
        throw_input(path + ":" + std::to_string(table.lines[row]),
                    "column \"" + columns.label + "\" is not a finite number (a regression target)");
      }
      if (std::isnan(predicted_numbers[row])) {
        throw_input(path + ":" + std::to_string(table.lines[row]),
                    "column \"" + columns.prediction + "\" is not a finite number (a regression prediction)");
      }
    }
    table.true_values = std::move(truth_numbers);
    table.predicted_values = std::move(predicted_numbers);
    return table;
  }
  if (!truth_interning) throw_input(path, "column \"" + columns.label + "\" holds more than 1000 distinct labels");

  // The label set: y_true's labels and those the probability columns name, merged by value
  // when every label is a number ("1" and "1.0" are one class, as pandas reads them).
  const bool by_value = numeric_labels && std::all_of(proba_fields.begin(), proba_fields.end(), [](const auto& p) {
                          return parse_finite_number(p.first).has_value();
                        });
  auto canonical = [&](const std::string& text) { return by_value ? format_number(*parse_finite_number(text)) : text; };
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
      if (is_boolean_text(distinct[0])) {
        const bool upper = std::isupper(static_cast<unsigned char>(distinct[0][0]));
        const bool is_true = std::tolower(static_cast<unsigned char>(distinct[0][0])) == 't';
        names.push_back(is_true ? (upper ? "False" : "false") : (upper ? "True" : "true"));
      }
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

  // The positive label.
  if (task == Task::binary) {
    if (names.size() < 2)
      throw_input(path, "column \"" + columns.label + "\" holds one label only: " + quote_truncated(names[0]));
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
      if (column_of_label[label] == proba_fields.size() && (task == Task::multiclass || !score_field)) {
        throw_input(path, "no column \"" + columns.score_prefix + names[label] + "\" for the label " +
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
  if (task == Task::binary && score_field) table.scores = std::move(raw_scores);
  for (std::size_t row = 0; row < table.scores.size(); ++row) {
    if (table.scores[row] < 0 || table.scores[row] > 1) {
      table.scores_are_probabilities = false;
      table.first_non_probability_line = table.lines[row];
      break;
    }
  }

  // Predictions: the column, else derived from the scores.
  if (!prediction_field) table.predicted.resize(table.rows);
  if (prediction_field) {
    std::vector<std::uint32_t> predicted_map;
    for (std::size_t i = 0; i < predicted_labels.texts.size(); ++i) {
      auto index = label_index(predicted_labels.texts[i]);
      if (!index) {
        throw_input(path + ":" + std::to_string(predicted_labels.first_lines[i]),
                    "column \"" + columns.prediction + "\": " + quote_truncated(predicted_labels.texts[i]) +
                        " is not one of the labels (" + join_limited(names, 10) + ")");
      }
      predicted_map.push_back(*index);
    }
    if (!predicted_interning)
      throw_input(path, "column \"" + columns.prediction + "\" holds more than 1000 distinct labels");
    if (!is_identity(predicted_map)) {
      for (std::uint32_t& raw : predicted_raw) raw = predicted_map[raw];
    }
    table.predicted = std::move(predicted_raw);
  } else if (task == Task::binary) {
    if (table.scores.empty())
      throw_input(path, "no column \"" + columns.prediction + "\" and no \"" + columns.score + "\" to derive it from");
    for (std::size_t row = 0; row < table.rows; ++row) {
      table.predicted[row] = table.scores[row] >= columns.decision_threshold ? table.positive : 1 - table.positive;
    }
  } else {
    if (table.probabilities.empty()) {
      throw_input(path, "no column \"" + columns.prediction + "\" and no \"" + columns.score_prefix +
                            "<label>\" columns to derive it from");
    }
    for (std::size_t row = 0; row < table.rows; ++row) {
      const double* p = &table.probabilities[row * k];
      table.predicted[row] = static_cast<std::uint32_t>(std::max_element(p, p + k) - p);  // ties: the first label
    }
  }
  return table;
}

}  // namespace lean
