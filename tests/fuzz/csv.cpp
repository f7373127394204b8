// The CSV reader of ml-drift: plain, gzip-compressed and corrupt-gzip input (first byte:
// mode and delimiter), first sniffed for what is not CSV (csv/sniff.hpp), then every record
// read and every cell parsed as a number. A cell that
// is a plain decimal must read back as the same double the general number parser gives.
#include <zlib.h>

#include "core/error.hpp"
#include "csv/cells.hpp"
#include "csv/reader.hpp"
#include "csv/sniff.hpp"
#include "fuzz_util.hpp"

namespace {

std::string gzip(std::string_view bytes) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lean::fuzz::ToolRun run;
  if (size == 0) return 0;
  const int mode = data[0] % 3;  // plain, gzip, bytes after a gzip magic
  const char delimiter = ",\t;|"[(data[0] >> 2) % 4];
  std::string body = lean::fuzz::text(data + 1, size - 1);
  if (mode == 1) body = gzip(body);
  if (mode == 2) body = "\x1f\x8b" + body;
  const std::string path = run.write("data.csv", body);
  if (auto kind = lean::non_csv_kind(path); kind && kind->empty()) lean::fuzz::finding("an unnamed kind of file");
  try {
    lean::CsvReader reader(path, delimiter);
    std::vector<std::string_view> fields;
    std::uint64_t last_line = 0;
    while (reader.next(fields)) {
      if (reader.line() <= last_line) lean::fuzz::finding("record lines do not increase");
      last_line = reader.line();
      for (auto cell : fields) {
        (void)lean::is_missing_cell(cell);
        const auto general = lean::parse_finite_number(cell);
        if (const auto plain = lean::parse_plain_decimal(cell)) {
          if (!general || *general != plain->value()) {
            lean::fuzz::finding("plain decimal \"" + std::string(cell) + "\" reads differently from the number parser");
          }
        }
      }
    }
  } catch (const lean::Error&) {
  }
  return 0;
}
