#include "report/outputs.hpp"

#include <cstdlib>
#include <iostream>
#include <random>

#include "core/files.hpp"
#include "core/printable.hpp"
#include "core/redact.hpp"
#include "core/version.hpp"
#include "report/markdown.hpp"

namespace lean {
namespace {

constexpr std::size_t kMaxAnnotations = 10;  // GitHub shows at most 10 error annotations per step

std::string upper_snake(const std::string& tool) {
  std::string out;
  for (char c : tool) out += (c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// One line of text from anywhere, controls shown as escapes (core/printable.hpp).
std::string one_line(const std::string& text) { return printable(text); }

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// A GITHUB_OUTPUT entry; the heredoc form keeps a value with a newline from injecting keys.
std::string github_output_line(const std::string& key, const std::string& value) {
  if (value.find_first_of("\r\n") == std::string::npos) return key + "=" + value + "\n";
  std::random_device random;
  std::string delimiter = "ghadelimiter_" + std::to_string(random()) + std::to_string(random());
  return key + "<<" + delimiter + "\n" + value + "\n" + delimiter + "\n";
}

const char* status_icon(ExitStatus status) {
  switch (status) {
    case ExitStatus::pass: return "✅";
    case ExitStatus::gate_failed: return "❌";
    default: return "⚠️";
  }
}

}  // namespace

const char* status_word(ExitStatus status) {
  switch (status) {
    case ExitStatus::pass: return "pass";
    case ExitStatus::gate_failed: return "fail";
    default: return "error";
  }
}

std::string render_report_json(const std::string& tool, const Outcome& outcome) {
  nlohmann::ordered_json report;
  report["tool"] = tool;
  report["tool_version"] = kVersion;  // not "version": ml-release's reports name a model's version
  report["status"] = status_word(outcome.status);
  report["exit_code"] = to_int(outcome.status);
  if (!outcome.error.empty()) report["error"] = outcome.error;
  for (const auto& [key, value] : outcome.fields.items()) report[key] = value;
  // A name from outside that is not UTF-8 (a file name) shows as U+FFFD, never an exception.
  return report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render_markdown(const std::string& tool, const Outcome& outcome) {
  std::string out = "### " + std::string(status_icon(outcome.status)) + " " + tool + ": " + status_word(outcome.status);
  // The headline and the error may quote outside text (names, a server's answer).
  if (!outcome.headline.empty()) out += " — " + markdown_text(outcome.headline);
  out += "\n\n";
  if (!outcome.error.empty()) out += "> " + markdown_text(outcome.error) + "\n\n";
  out += outcome.markdown_body;
  return out;
}

std::string escape_xml(const std::string& text) {
  // Redacted before the entities when it has a character they replace (they would split a
  // credential holding "&"; the whole file is redacted again when written); made printable
  // (controls and bidi characters as \e, \u202e: XML 1.0 cannot hold most controls).
  const bool has_entities = text.find_first_of("&<>\"'") != std::string::npos;
  const std::string shown = has_entities ? safe_line(text) : printable(text);
  // printable() leaves one kind of character XML 1.0 cannot hold: the noncharacters U+FFFE and
  // U+FFFF (valid UTF-8, EF BF BE/BF), written as escapes in printable()'s style. Every other
  // character outside XML's Char (C0 controls but tab, line feed and return; surrogates, which
  // are not UTF-8) printable() has already escaped.
  std::string out;
  out.reserve(shown.size());
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const char c = shown[i];
    if (c == '\xEF' && i + 2 < shown.size() && shown[i + 1] == '\xBF' &&
        (shown[i + 2] == '\xBE' || shown[i + 2] == '\xBF')) {
      out += shown[i + 2] == '\xBE' ? "\\ufffe" : "\\uffff";
      i += 2;
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_junit(const std::string& tool, const Outcome& outcome) {
  std::size_t failures = 0, skipped = 0;
  for (const auto& check : outcome.checks) {
    failures += check.passed ? 0 : 1;
    skipped += check.skipped ? 1 : 0;
  }
  const bool errored = outcome.status >= ExitStatus::usage;
  const std::size_t tests = outcome.checks.size() + (errored ? 1 : 0);
  const std::string counts = " tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) +
                             "\" errors=\"" + std::to_string(errored ? 1 : 0) + "\"" +
                             (skipped ? " skipped=\"" + std::to_string(skipped) + "\"" : std::string());
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"" + escape_xml(tool) + "\"" + counts + ">\n";
  out += "  <testsuite name=\"" + escape_xml(tool) + "\"" + counts + ">\n";
  for (const auto& check : outcome.checks) {
    out += "    <testcase classname=\"" + escape_xml(tool) + "\" name=\"" + escape_xml(printable(check.name)) + "\"";
    if (check.skipped) {
      out += ">\n      <skipped message=\"" + escape_xml(one_line(check.message)) + "\"/>\n    </testcase>\n";
    } else if (check.passed && check.message_when_passed && !check.message.empty()) {
      out += ">\n      <system-out>" + escape_xml(printable(check.message)) + "</system-out>\n    </testcase>\n";
    } else if (check.passed) {
      out += "/>\n";
    } else {
      out += ">\n      <failure message=\"" + escape_xml(one_line(check.message)) + "\">" +
             escape_xml(printable(check.message)) + "</failure>\n    </testcase>\n";
    }
  }
  if (errored) {
    out += "    <testcase classname=\"" + escape_xml(tool) + "\" name=\"" + escape_xml(tool) + "\">\n";
    out += "      <error message=\"" + escape_xml(one_line(outcome.error)) + "\">" +
           escape_xml(printable(outcome.error)) + "</error>\n    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string render_dotenv(const std::string& tool, const Outcome& outcome, const OutputOptions& options) {
  const std::string prefix = upper_snake(tool) + "_";
  std::string out = prefix + "STATUS=" + status_word(outcome.status) + "\n";
  out += prefix + "EXIT_CODE=" + std::to_string(to_int(outcome.status)) + "\n";
  if (!options.report.empty()) out += prefix + "REPORT=" + one_line(options.report) + "\n";
  for (const auto& [key, value] : outcome.dotenv) out += prefix + key + "=" + one_line(value) + "\n";
  return out;
}

std::string escape_github_data(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_github_property(const std::string& text) {
  std::string out;
  for (char c : escape_github_data(text)) {
    switch (c) {
      case ':': out += "%3A"; break;
      case ',': out += "%2C"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_github_annotations(const std::string& tool, const Outcome& outcome, bool report_written) {
  std::string out;
  std::size_t shown = 0, failed = 0;
  for (const auto& check : outcome.checks) {
    if (check.passed) continue;
    ++failed;
    if (shown == kMaxAnnotations) continue;
    ++shown;
    out += "::error title=" + escape_github_property(tool + ": " + printable(check.name)) +
           "::" + escape_github_data(printable(check.message)) + "\n";
  }
  if (failed > shown) {
    out += std::to_string(failed - shown) +
           (report_written
                ? " more failed checks are in the report\n"
                : " more failed checks are not annotated (GitHub shows 10 per step; --report FILE keeps all)\n");
  }
  if (!outcome.error.empty()) {
    out += "::error title=" + escape_github_property(tool) + "::" + escape_github_data(printable(outcome.error)) + "\n";
  }
  return out;
}

void write_output_files(const std::string& tool, const Outcome& outcome, const OutputOptions& options) {
  // Every byte written passes redact(): a check message or error may quote a server's answer.
  if (!options.report.empty()) write_file_atomically(options.report, redact(render_report_json(tool, outcome)));
  if (!options.markdown.empty()) write_file_atomically(options.markdown, redact(render_markdown(tool, outcome)));
  if (!options.junit.empty()) write_file_atomically(options.junit, redact(render_junit(tool, outcome)));
  if (!options.dotenv.empty()) write_file_atomically(options.dotenv, redact(render_dotenv(tool, outcome, options)));
}

void emit_outputs(const std::string& tool, const Outcome& outcome, const OutputOptions& options) {
  write_output_files(tool, outcome, options);
  emit_ci_outputs(tool, outcome, options);
}

void emit_ci_outputs(const std::string& tool, const Outcome& outcome, const OutputOptions& options) {
  if (options.no_ci || env_or_empty("GITHUB_ACTIONS") != "true") return;
  std::cout << redact(render_github_annotations(tool, outcome, !options.report.empty())) << std::flush;
  if (auto summary = env_or_empty("GITHUB_STEP_SUMMARY"); !summary.empty()) {
    append_to_file(summary, redact(render_markdown(tool, outcome) + "\n"));
  }
  if (auto output = env_or_empty("GITHUB_OUTPUT"); !output.empty()) {
    append_to_file(output, redact(github_output_line("status", status_word(outcome.status)) +
                                  github_output_line("exit-code", std::to_string(to_int(outcome.status))) +
                                  github_output_line("report", options.report)));
  }
}

}  // namespace lean
