#include "report/outputs.hpp"

#include <cstdlib>

#include "test_util.hpp"

using namespace lean;

namespace {
Outcome sample_outcome() {
  Outcome o;
  o.status = ExitStatus::gate_failed;
  o.fields["checks"] = nlohmann::ordered_json::array();
  o.fields["passed"] = 1;
  o.checks = {{"accuracy >= 0.85", true, "accuracy is 0.9"}, {"f1 >= 0.8", false, "f1 is 0.7, required >= 0.8"}};
  o.headline = "1 of 2 checks failed";
  o.markdown_body = "| table |\n";
  return o;
}
}  // namespace

TEST_CASE("the report envelope comes first, in a fixed order") {
  const std::string json = render_report_json("ml-validate", sample_outcome());
  auto parsed = nlohmann::ordered_json::parse(json);
  std::vector<std::string> keys;
  for (const auto& [key, value] : parsed.items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"tool", "tool_version", "status", "exit_code", "checks", "passed"});
  CHECK(parsed["status"] == "fail");
  CHECK(parsed["exit_code"] == 1);
  CHECK(json == render_report_json("ml-validate", sample_outcome()));  // deterministic
}

TEST_CASE("an error report carries the error line") {
  Outcome o;
  o.status = ExitStatus::input_data;
  o.error = "'m.json': is empty, expected a JSON object";
  auto parsed = nlohmann::json::parse(render_report_json("ml-validate", o));
  CHECK(parsed["status"] == "error");
  CHECK(parsed["exit_code"] == 3);
  CHECK(parsed["error"] == o.error);
}

TEST_CASE("markdown has the status headline and the body") {
  CHECK(render_markdown("ml-validate", sample_outcome()) ==
        "### ❌ ml-validate: fail — 1 of 2 checks failed\n\n| table |\n");
}

TEST_CASE("JUnit: one testcase per check, failures as <failure>, escaped") {
  Outcome o = sample_outcome();
  o.checks.push_back({"a < 1 & \"b\"", false, "bad <value>"});
  const std::string xml = render_junit("ml-validate", o);
  CHECK(xml.find("<testsuite name=\"ml-validate\" tests=\"3\" failures=\"2\" errors=\"0\">") != std::string::npos);
  CHECK(xml.find("<testcase classname=\"ml-validate\" name=\"accuracy &gt;= 0.85\"/>") != std::string::npos);
  CHECK(xml.find("<failure message=\"f1 is 0.7, required &gt;= 0.8\">") != std::string::npos);
  CHECK(xml.find("name=\"a &lt; 1 &amp; &quot;b&quot;\"") != std::string::npos);
  CHECK(xml.find("bad &lt;value&gt;") != std::string::npos);
}

TEST_CASE("JUnit: a skipped check is a <skipped/> testcase with its reason") {
  Outcome o;
  o.checks.push_back({"auc > 0.9", true, "auc is missing (allowed by --allow-missing)", true});
  const std::string xml = render_junit("ml-validate", o);
  CHECK(xml.find("tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\"") != std::string::npos);
  CHECK(xml.find("<testcase classname=\"ml-validate\" name=\"auc &gt; 0.9\">\n"
                 "      <skipped message=\"auc is missing (allowed by --allow-missing)\"/>\n    </testcase>") !=
        std::string::npos);
}

TEST_CASE("GitHub annotations: the line about more failures names the report only when there is one") {
  Outcome many;
  for (int i = 0; i < 12; ++i) many.checks.push_back({"c" + std::to_string(i), false, "m"});
  CHECK(render_github_annotations("ml-validate", many, false)
            .find("2 more failed checks are not annotated (GitHub shows 10 per step; --report FILE keeps all)\n") !=
        std::string::npos);
}

TEST_CASE("JUnit: an error is an <error> testcase") {
  Outcome o;
  o.status = ExitStatus::usage;
  o.error = "unknown option '--x'";
  const std::string xml = render_junit("ml-compare", o);
  CHECK(xml.find("errors=\"1\"") != std::string::npos);
  CHECK(xml.find("<error message=\"unknown option &apos;--x&apos;\">") != std::string::npos);
}

TEST_CASE("XML and HTML show control and bidi characters as the printable escapes") {
  CHECK(escape_xml(std::string("a\x01"
                               "b\tc")) == "a\\x01b\\tc");
  CHECK(escape_xml("x\x1b[2K\xe2\x80\xae<b>&\"'") == "x\\e[2K\\u202e&lt;b&gt;&amp;&quot;&apos;");
}

TEST_CASE("XML shows the noncharacters U+FFFE and U+FFFF, which XML 1.0 cannot hold, as escapes") {
  CHECK(escape_xml("x\xef\xbf\xbfy w\xef\xbf\xbe") == "x\\uffffy w\\ufffe");
  CHECK(escape_xml("a&\xef\xbf\xbe") == "a&amp;\\ufffe");  // through safe_line too
  CHECK(escape_xml("\xef\xbf\xbd \xef\xbf\xbc \xef\xbf") ==
        "\xef\xbf\xbd \xef\xbf\xbc \\xef\\xbf");  // U+FFFD, U+FFFC stay
}

TEST_CASE("markdown headline and error are markdown text") {
  Outcome o = sample_outcome();
  o.headline = "a|b <script> [x](javascript:1)";
  o.error = "- `x`";
  const std::string md = render_markdown("ml-validate", o);
  CHECK(md.find(" — a|b \\<script\\> \\[x\\](javascript:1)\n") != std::string::npos);
  CHECK(md.find("> \\- \\`x\\`\n") != std::string::npos);
}

TEST_CASE("dotenv keys are prefixed by the tool and values stay on one line") {
  Outcome o = sample_outcome();
  o.dotenv = {{"FAILED", "1"}, {"NOTE", "two\nlines"}};
  OutputOptions options;
  options.report = "out/report.json";
  CHECK(render_dotenv("ml-validate", o, options) ==
        "ML_VALIDATE_STATUS=fail\nML_VALIDATE_EXIT_CODE=1\nML_VALIDATE_REPORT=out/report.json\n"
        "ML_VALIDATE_FAILED=1\nML_VALIDATE_NOTE=two\\nlines\n");
}

TEST_CASE("GitHub annotations: escaped, one per failed check, at most ten") {
  CHECK(escape_github_data("50% a\r\nb") == "50%25 a%0D%0Ab");
  CHECK(escape_github_property("a: b, c") == "a%3A b%2C c");
  CHECK(render_github_annotations("ml-validate", sample_outcome()) ==
        "::error title=ml-validate%3A f1 >= 0.8::f1 is 0.7, required >= 0.8\n");
  Outcome many;
  for (int i = 0; i < 12; ++i) many.checks.push_back({"c" + std::to_string(i), false, "m"});
  const std::string text = render_github_annotations("ml-validate", many);
  std::size_t count = 0;
  for (std::size_t at = text.find("::error"); at != std::string::npos; at = text.find("::error", at + 1)) ++count;
  CHECK(count == 10);
  CHECK(text.find("2 more failed checks are in the report\n") != std::string::npos);
}

TEST_CASE("inside GitHub Actions the summary and outputs are appended") {
  test::TempDir dir;
  const std::string summary = dir.write("summary.md", "earlier step\n");
  const std::string output = dir.write("output", "");
  ::setenv("GITHUB_ACTIONS", "true", 1);
  ::setenv("GITHUB_STEP_SUMMARY", summary.c_str(), 1);
  ::setenv("GITHUB_OUTPUT", output.c_str(), 1);
  OutputOptions options;
  options.report = dir.file("r.json");
  emit_outputs("ml-validate", sample_outcome(), options);
  CHECK(test::read_all(summary).rfind("earlier step\n### ❌ ml-validate: fail", 0) == 0);
  CHECK(test::read_all(output) == "status=fail\nexit-code=1\nreport=" + options.report + "\n");

  options.no_ci = true;
  emit_outputs("ml-validate", sample_outcome(), options);
  CHECK(test::read_all(output) == "status=fail\nexit-code=1\nreport=" + options.report + "\n");
  ::unsetenv("GITHUB_ACTIONS");
  ::unsetenv("GITHUB_STEP_SUMMARY");
  ::unsetenv("GITHUB_OUTPUT");
}
