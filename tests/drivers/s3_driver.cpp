// A thin command line over lean::Storage on S3, for the integration tests and the benchmark:
// each command is one Storage call, its result printed as JSON on stdout, errors as
// "s3-driver: error: ..." with the tool exit codes.

#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "storage/s3_storage.hpp"

namespace po = boost::program_options;
using nlohmann::json;

int main(int argc, char** argv) {
  try {
    lean::S3Options options;
    std::uint64_t threshold_mib = 0, part_mib = 0;
    long connect_ms = 0, backoff_ms = 0;
    int attempts = 0;
    std::string conditional;
    po::options_description described("s3-driver");
    described.add_options()("endpoint-url", po::value(&options.endpoint_url))("region", po::value(&options.region))(
        "multipart-threshold-mib", po::value(&threshold_mib))("part-size-mib", po::value(&part_mib))(
        "concurrency", po::value(&options.concurrency))("connect-timeout-ms", po::value(&connect_ms))(
        "backoff-ms", po::value(&backoff_ms))("max-attempts", po::value(&attempts))(
        "conditional-writes", po::value(&conditional))("no-progress", po::bool_switch())(
        "if-absent", po::bool_switch())("if-match", po::value<std::string>())("args",
                                                                              po::value<std::vector<std::string>>());
    po::positional_options_description positional;
    positional.add("args", -1);
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(described).positional(positional).run(), vm);
    po::notify(vm);
    if (threshold_mib) options.multipart_threshold = threshold_mib << 20;
    if (part_mib) options.part_size = part_mib << 20;
    if (connect_ms) options.http.connect_timeout = std::chrono::milliseconds(connect_ms);
    if (backoff_ms) {
      options.http.backoff_base = std::chrono::milliseconds(backoff_ms);
      options.http.backoff_max = std::chrono::milliseconds(backoff_ms * 8);
    }
    if (attempts) options.http.max_attempts = attempts;
    if (vm["no-progress"].as<bool>()) options.progress = false;
    if (conditional == "enforced") options.conditional_writes = lean::S3Options::ConditionalWrites::enforced;
    if (conditional == "unsupported") options.conditional_writes = lean::S3Options::ConditionalWrites::unsupported;

    auto args = vm.count("args") ? vm["args"].as<std::vector<std::string>>() : std::vector<std::string>{};
    if (args.size() < 2) lean::throw_usage("usage: s3-driver [options] COMMAND s3://BUCKET/PREFIX [ARGS...]");
    const std::string& command = args[0];
    auto arg = [&](std::size_t i) -> const std::string& {
      if (args.size() <= i) lean::throw_usage("'" + command + "' needs more arguments");
      return args[i];
    };
    auto storage = lean::open_s3_storage(args[1], options);
    json out;
    auto digest_json = [](const lean::FileDigest& d) { return json{{"size", d.size}, {"sha256", d.sha256}}; };
    if (command == "upload") {
      out = digest_json(storage->upload_file(arg(2), arg(3)));
    } else if (command == "download") {
      out = digest_json(storage->download_file(arg(2), arg(3)));
    } else if (command == "get") {
      auto object = storage->get(arg(2));
      out = object ? json{{"body", object->body}, {"etag", object->etag}} : json{{"absent", true}};
    } else if (command == "put") {
      lean::WriteCondition condition;
      if (vm["if-absent"].as<bool>()) condition = lean::WriteCondition::absent();
      if (vm.count("if-match")) condition = lean::WriteCondition::match(vm["if-match"].as<std::string>());
      out = {{"written", storage->put(arg(2), arg(3), condition)}};
    } else if (command == "list") {
      out = storage->list(args.size() > 2 ? args[2] : "");
    } else if (command == "remove") {
      storage->remove(arg(2));
      out = {{"removed", arg(2)}};
    } else if (command == "conditional") {
      out = {{"atomic", storage->atomic_conditional_writes()}};
    } else if (command == "describe") {
      out = {{"url", storage->describe()}};
    } else {
      lean::throw_usage("unknown command '" + command + "'");
    }
    std::cout << out.dump() << "\n";
    return 0;
  } catch (const lean::Error& e) {
    std::cerr << "s3-driver: error: " << e.describe() << "\n";
    return lean::to_int(e.status());
  } catch (const std::exception& e) {
    std::cerr << "s3-driver: error: " << e.what() << "\n";
    return 2;
  }
}
