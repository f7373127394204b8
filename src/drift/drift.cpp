#include "drift/drift.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <map>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/suggest.hpp"
#include "drift/columns.hpp"
#include "drift/html.hpp"
#include "drift/openmetrics.hpp"
#include "drift/pushgateway.hpp"
#include "drift/report.hpp"
#include "drift/trigger.hpp"
#include "profile/profile_drift.hpp"
#include "profile/profile_tool.hpp"

namespace lean {
namespace {

// Encoded numbers each input file keeps in memory before the rest go to a temporary file:
// some 25 million plain decimals at two to three bytes each, or 8 million doubles.
constexpr std::size_t kMemoryBudgetPerFile = std::size_t{64} << 20;
constexpr unsigned kMaxThreads = 256;

std::string get(const po::variables_map& vm, const char* key) {
  return vm.count(key) ? vm[key].as<std::string>() : std::string();
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto guess = closest_match(word, candidates);
  return guess ? "; did you mean \"" + *guess + "\"?" : "";
}

Method method_option(const po::variables_map& vm, const char* option, bool categorical) {
  const std::string text = get(vm, option);
  if (text.empty()) return Method::automatic;
  auto method = parse_method(text);
  if (!method) {
    throw_usage("unknown --" + std::string(option) + " \"" + text + "\"" + did_you_mean(text, method_names()) +
                " (one of " + join_limited(method_names(), 10) + ")");
  }
  if (categorical && (*method == Method::ks || *method == Method::wasserstein)) {
    throw_usage("--categorical-method " + text + " needs numbers; use auto, chi2, jensenshannon, psi or ztest");
  }
  return *method;
}

double positive_number(const std::string& text, const std::string& option) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !std::isfinite(value) || value <= 0) {
    throw_usage(option + " must be a positive number, not \"" + text + "\"");
  }
  return value;
}

// --threshold 0.01 (every method) or --threshold ks=0.01,psi=0.25 (per method).
std::map<Method, double> threshold_option(const std::string& text) {
  std::map<Method, double> thresholds;
  if (text.empty()) return thresholds;
  if (text.find('=') == std::string::npos) {
    const double value = positive_number(text, "--threshold");
    for (const auto& name : method_names()) {
      if (auto method = parse_method(name); method && *method != Method::automatic) thresholds[*method] = value;
    }
    return thresholds;
  }
  for (const auto& item : split_list(text)) {
    const auto equals = item.find('=');
    const std::string name = item.substr(0, equals);
    auto method = parse_method(name);
    if (equals == std::string::npos || !method || *method == Method::automatic) {
      throw_usage("--threshold \"" + item + "\" is not METHOD=NUMBER" + did_you_mean(name, method_names()));
    }
    thresholds[*method] = positive_number(item.substr(equals + 1), "--threshold " + name);
  }
  return thresholds;
}

char delimiter_option(const std::string& text, const std::string& path) {
  if (text.empty()) return default_delimiter(path);
  if (text == "tab" || text == "\\t" || text == "\t") return '\t';
  if (text.size() != 1 || text == "\"" || text == "\n" || text == "\r") {
    throw_usage("--delimiter must be one character (or \"tab\"), not \"" + text + "\"");
  }
  return text[0];
}

unsigned threads_option(const po::variables_map& vm) {
  if (!vm.count("threads")) return std::max(1u, std::thread::hardware_concurrency());
  const int threads = vm["threads"].as<int>();
  if (threads < 1 || threads > static_cast<int>(kMaxThreads)) {
    throw_usage("--threads must be between 1 and " + std::to_string(kMaxThreads));
  }
  return static_cast<unsigned>(threads);
}

std::vector<std::string> list_option(const po::variables_map& vm, const char* option) {
  return split_list(get(vm, option));
}

void require_columns(const std::vector<std::string>& names, const std::vector<std::string>& header,
                     const std::string& path) {
  for (const auto& name : names) {
    if (std::find(header.begin(), header.end(), name) == header.end()) {
      throw_input(path, "no column \"" + name + "\"" + did_you_mean(name, header));
    }
  }
}

// Runs `work(i)` for i in [0, count) on up to `threads` threads; rethrows the first error
// (by index, so the message does not depend on timing).
template <class Work>
void parallel_for(std::size_t count, unsigned threads, Work work) {
  std::vector<std::exception_ptr> errors(count);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < count;) {
      try {
        work(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  const std::size_t extra = std::min<std::size_t>(threads, count) > 0 ? std::min<std::size_t>(threads, count) - 1 : 0;
  for (std::size_t t = 0; t < extra; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

struct Selection {
  std::vector<std::string> names;  // reference order
  std::set<std::string> numeric, categorical;
};

Selection select_columns(const po::variables_map& vm, const std::vector<std::string>& header, const std::string& path) {
  Selection selection;
  const auto only = list_option(vm, "columns"), excluded = list_option(vm, "exclude");
  if (!only.empty() && !excluded.empty()) throw_usage("give --columns or --exclude, not both");
  require_columns(only, header, path);
  require_columns(excluded, header, path);
  for (const auto& name : header) {
    const bool wanted = only.empty() ? std::find(excluded.begin(), excluded.end(), name) == excluded.end()
                                     : std::find(only.begin(), only.end(), name) != only.end();
    if (wanted) selection.names.push_back(name);
  }
  if (selection.names.empty()) throw_usage("no column left to compare after --exclude");
  const auto numeric = list_option(vm, "numeric"), categorical = list_option(vm, "categorical");
  require_columns(numeric, header, path);
  require_columns(categorical, header, path);
  selection.numeric.insert(numeric.begin(), numeric.end());
  selection.categorical.insert(categorical.begin(), categorical.end());
  for (const auto& name : numeric) {
    if (selection.categorical.count(name)) throw_usage("column \"" + name + "\" is in both --numeric and --categorical");
  }
  return selection;
}

void add_columns(LoadedFile& file, const Selection& selection) {
  for (const auto& name : selection.names) {
    auto column = std::make_unique<FileColumn>(file.arena.get());
    column->name = name;
    column->field = static_cast<std::size_t>(std::find(file.header.begin(), file.header.end(), name) - file.header.begin());
    if (selection.numeric.count(name)) column->requested = ColumnKind::numeric;
    if (selection.categorical.count(name)) {
      column->requested = ColumnKind::categorical;
      column->numeric = false;
    }
    file.columns.push_back(std::move(column));
  }
}

// Settles each column's type by the reference and reads again, as text, the columns whose
// type changed after numbers had been kept.
void reconcile_types(LoadedFile& ref, LoadedFile& cur) {
  std::vector<std::size_t> ref_again, cur_again;
  for (std::size_t i = 0; i < ref.columns.size(); ++i) {
    FileColumn& r = *ref.columns[i];
    FileColumn& c = *cur.columns[i];
    if (r.numeric && !c.numeric) {
      throw_input(cur.path + ":" + std::to_string(c.first_text_line),
                  "column \"" + c.name + "\": \"" + c.first_text + "\" is not a number, but the reference column is numeric");
    }
    if (r.numeric) continue;
    if (r.needs_text_pass) ref_again.push_back(i);
    if (c.needs_text_pass || (c.numeric && c.numbers.size() > 0)) cur_again.push_back(i);
    c.numeric = false;
  }
  if (!ref_again.empty()) reread_as_text(ref, ref_again);
  if (!cur_again.empty()) reread_as_text(cur, cur_again);
}

// `data` and `space` keep their memory from column to column: fresh memory costs page faults.
void fill_column_data(ColumnData& data, SortSpace& space, FileColumn& ref, FileColumn& cur) {
  data.name = ref.name;
  data.numeric = ref.numeric;
  data.missing_reference = ref.missing;
  data.missing_current = cur.missing;
  if (data.numeric) {
    ref.numbers.take_sorted(data.reference, space);
    cur.numbers.take_sorted(data.current, space);
    data.sorted = true;
  } else {
    data.reference.clear();
    data.current.clear();
    data.reference_counts.clear();
    data.current_counts.clear();
    for (auto& [text, count] : ref.categories.entries()) data.reference_counts.emplace(std::move(text), count);
    for (auto& [text, count] : cur.categories.entries()) data.current_counts.emplace(std::move(text), count);
    ref.categories = {};
    cur.categories = {};
  }
}

DriftSettings settings_from(const po::variables_map& vm) {
  DriftSettings settings;
  settings.numeric_method = method_option(vm, "numeric-method", false);
  settings.categorical_method = method_option(vm, "categorical-method", true);
  settings.thresholds = threshold_option(get(vm, "threshold"));
  if (vm.count("drift-share")) {
    settings.drift_share = positive_number(get(vm, "drift-share"), "--drift-share");
    if (settings.drift_share > 1) throw_usage("--drift-share must be at most 1, not \"" + get(vm, "drift-share") + "\"");
  }
  if (vm.count("correction")) {
    const std::string text = get(vm, "correction");
    auto correction = parse_correction(text);
    if (!correction) {
      throw_usage("unknown --correction \"" + text + "\"" + did_you_mean(text, {"none", "bonferroni", "fdr"}) +
                  " (one of none, bonferroni, fdr)");
    }
    settings.correction = *correction;
  }
  return settings;
}

Outcome run_drift_check(const po::variables_map& vm) {
  const std::string reference_path = get(vm, "reference"), current_path = get(vm, "current");
  if (reference_path.empty() || current_path.empty()) {
    throw_usage("give --reference REF.csv and --current CUR.csv (or --changed FILE... --state STATE.json)");
  }
  if (vm.count("state")) throw_usage("--state goes with --changed FILE...");
  DriftSettings settings = settings_from(vm);
  const unsigned threads = threads_option(vm);
  const std::string delimiter_text = get(vm, "delimiter");

  LoadedFile ref, cur;
  ref.path = reference_path;
  cur.path = current_path;
  ref.delimiter = delimiter_option(delimiter_text, reference_path);
  cur.delimiter = delimiter_option(delimiter_text, current_path);
  auto ref_reader = open_csv(ref.path, ref.delimiter, ref.header);
  auto cur_reader = open_csv(cur.path, cur.delimiter, cur.header);
  const Selection selection = select_columns(vm, ref.header, ref.path);
  for (const auto& name : selection.names) {
    if (std::find(cur.header.begin(), cur.header.end(), name) == cur.header.end()) {
      throw_input(cur.path + ":" + std::to_string(cur_reader->line()),
                  "no column \"" + name + "\", which the reference has" + did_you_mean(name, cur.header));
    }
  }
  add_columns(ref, selection);
  add_columns(cur, selection);

  // The two files are read at the same time, one thread each.
  parallel_for(2, threads, [&](std::size_t i) {
    if (i == 0) read_rows(*ref_reader, ref, kMemoryBudgetPerFile);
    else read_rows(*cur_reader, cur, kMemoryBudgetPerFile);
  });
  ref_reader.reset();
  cur_reader.reset();
  if (ref.rows == 0) throw_input(ref.path, "no data rows, only a header");
  if (cur.rows == 0) throw_input(cur.path, "no data rows, only a header");
  reconcile_types(ref, cur);

  DriftRun run;
  run.reference_path = ref.path;
  run.current_path = cur.path;
  run.reference_rows = ref.rows;
  run.current_rows = cur.rows;
  run.settings = settings;
  run.columns.resize(selection.names.size());
  parallel_for(selection.names.size(), threads, [&](std::size_t i) {
    thread_local ColumnData data;
    thread_local SortSpace space;
    data.reference.reserve(ref.rows);  // once per thread: no regrowth from column to column
    data.current.reserve(cur.rows);
    space.reserve(std::max(ref.rows, cur.rows));
    fill_column_data(data, space, *ref.columns[i], *cur.columns[i]);
    run.columns[i] = analyze_column(data, run.settings);
  });
  run.dataset = decide_drift(run.columns, run.settings);

  Outcome outcome = drift_outcome(run);
  if (vm.count("html")) write_file_atomically(get(vm, "html"), render_drift_html(run));
  if (vm.count("openmetrics")) write_file_atomically(get(vm, "openmetrics"), render_openmetrics(run));
  if (vm.count("pushgateway")) push_to_gateway(get(vm, "pushgateway"), render_prometheus_text(run), ca_bundle_option(vm));
  return outcome;
}

Outcome run_drift(const po::variables_map& vm) {
  if (vm.count("changed")) {
    if (vm.count("reference") || vm.count("current")) throw_usage("--changed checks files; give it without --reference/--current");
    if (!vm.count("state")) throw_usage("--changed needs --state STATE.json to remember the files' hashes");
    return check_changed_files(vm["changed"].as<std::vector<std::string>>(), get(vm, "state"));
  }
  if (vm.count("reference-profile") || vm.count("current-profile") || vm.count("reference-registry")) {
    return run_profile_drift(vm, settings_from(vm));
  }
  return run_drift_check(vm);
}

}  // namespace

ToolSpec drift_tool() {
  ToolSpec spec;
  spec.name = "ml-drift";
  spec.synopsis =
      "ml-drift --reference REF.csv --current CUR.csv [--columns a,b | --exclude id,ts] [--categorical c,...]\n"
      "                [--numeric c,...] [--numeric-method M] [--categorical-method M] [--threshold X]\n"
      "                [--drift-share S] [--correction none|bonferroni|fdr] [--threads N] [--html FILE]\n"
      "       ml-drift (--reference-profile REF.profile | --reference-registry URL --model M --channel CH)\n"
      "                (--current CUR.csv | --current-profile CUR.profile)\n"
      "                [--on-undecided drift|pass|error] [options as above]\n"
      "       ml-drift profile DATA... --output FILE.profile (see ml-drift profile --help)\n"
      "       ml-drift --changed FILE... --state STATE.json";
  spec.declare_options = [](po::options_description& options, po::positional_options_description&) {
    options.add_options()
        ("reference", po::value<std::string>()->value_name("FILE"), "reference data: CSV, TSV, optionally gzipped")
        ("current", po::value<std::string>()->value_name("FILE"), "current data to compare with the reference")
        ("columns", po::value<std::string>()->value_name("a,b"), "compare only these columns")
        ("exclude", po::value<std::string>()->value_name("a,b"), "compare every column but these")
        ("categorical", po::value<std::string>()->value_name("a,b"), "treat these columns as categories")
        ("numeric", po::value<std::string>()->value_name("a,b"), "treat these columns as numbers")
        ("numeric-method", po::value<std::string>()->value_name("M"),
         "auto (default), ks, wasserstein, psi, jensenshannon, chi2, ztest")
        ("categorical-method", po::value<std::string>()->value_name("M"), "auto (default), chi2, jensenshannon, psi, ztest")
        ("threshold", po::value<std::string>()->value_name("X"),
         "drift threshold for every method, or per method: ks=0.01,psi=0.25 (defaults: p-values 0.05, psi 0.2, "
         "other distances 0.1)")
        ("drift-share", po::value<std::string>()->value_name("S"), "dataset drift when this share of tested columns drift (0.5)")
        ("correction", po::value<std::string>()->value_name("C"), "p-value correction across columns: none, bonferroni, fdr")
        ("threads", po::value<int>()->value_name("N"), "threads to use (default: every core)")
        ("delimiter", po::value<std::string>()->value_name("C"), "field delimiter (default: tab for .tsv, else comma)")
        ("html", po::value<std::string>()->value_name("FILE"), "write a self-contained HTML report to FILE")
        ("openmetrics", po::value<std::string>()->value_name("FILE"), "write the scores as OpenMetrics text to FILE")
        ("pushgateway", po::value<std::string>()->value_name("URL"), "push the scores to a Prometheus Pushgateway")
        ("ca-bundle", po::value<std::string>()->value_name("FILE"),
         "with --pushgateway: PEM file of the CAs to trust for https (certificates are always verified)")
        ("changed", po::value<std::vector<std::string>>()->multitoken()->value_name("FILE..."),
         "exit 1 when any file's SHA-256 differs from the one in --state (and record it)")
        ("state", po::value<std::string>()->value_name("FILE"), "JSON file of recorded hashes for --changed")
        ("reference-profile", po::value<std::string>()->value_name("FILE"), "compare with a profile (ml-drift profile) instead of --reference")
        ("current-profile", po::value<std::string>()->value_name("FILE"), "with --reference-profile: the current data as a profile")
        ("reference-registry", po::value<std::string>()->value_name("URL"),
         "compare with the profile published with the version --channel points to (ml-release publish --profile)")
        ("model", po::value<std::string>()->value_name("NAME"), "with --reference-registry: the model")
        ("channel", po::value<std::string>()->value_name("CH"), "with --reference-registry: the channel, e.g. production")
        ("on-undecided", po::value<std::string>()->value_name("X"),
         "with profiles: the exit when sketch error leaves the verdict open: drift (default, exit 1), pass, error (exit 3)");
  };
  spec.run = run_drift;
  return spec;
}

int drift_main(int argc, const char* const* argv) {
  if (argc > 1 && std::string(argv[1]) == "profile") return profile_main(argc - 1, argv + 1);
  return run_tool(drift_tool(), argc, argv);
}

}  // namespace lean
