#pragma once

#include <string>

#include "report/outcome.hpp"

namespace lean {

// Where a run's results go besides stdout; every tool takes the same flags.
struct OutputOptions {
  std::string report;    // --report: JSON
  std::string markdown;  // --markdown: GitHub-flavoured summary
  std::string junit;     // --junit: JUnit XML
  std::string dotenv;    // --dotenv: GitLab dotenv report
  bool no_ci = false;    // --no-ci: no GitHub Actions outputs even inside Actions
  bool quiet = false;    // --quiet: nothing on stdout but annotations
};

std::string render_report_json(const std::string& tool, const Outcome& outcome);
std::string render_markdown(const std::string& tool, const Outcome& outcome);
std::string render_junit(const std::string& tool, const Outcome& outcome);
std::string render_dotenv(const std::string& tool, const Outcome& outcome, const OutputOptions& options);

// GitHub Actions workflow-command annotations, one per failed check (at most 10); the line
// about the rest points to the report only when one is written.
std::string render_github_annotations(const std::string& tool, const Outcome& outcome, bool report_written = true);

// Escaping of workflow-command data and properties, per GitHub's runner.
std::string escape_github_data(const std::string& text);
std::string escape_github_property(const std::string& text);
// Text as XML or HTML character data or an attribute value, the one rule of the JUnit file
// and ml-drift's HTML: redacted, made printable (core/printable.hpp: line breaks, ESC and
// bidi controls as \n, \e, \u202e) and "&<>\"'" as entities.
std::string escape_xml(const std::string& text);

// Writes every requested file and, inside GitHub Actions, the step summary and outputs.
void emit_outputs(const std::string& tool, const Outcome& outcome, const OutputOptions& options);
// The two halves of emit_outputs: a tool writes its files before it prints a verdict, so an
// unwritable --report fails the run before stdout says "pass".
void write_output_files(const std::string& tool, const Outcome& outcome, const OutputOptions& options);
void emit_ci_outputs(const std::string& tool, const Outcome& outcome, const OutputOptions& options);

}  // namespace lean
