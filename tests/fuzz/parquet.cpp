// The Parquet reader (src/parquet/): the bytes as a file, its footer decoded, then every
// page of every column chunk of every row group. A page's values must agree with what the
// reader promises: dictionary indices inside the dictionary, counts within the page's.
#include "core/error.hpp"
#include "fuzz_util.hpp"
#include "parquet/parquet_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lean::fuzz::ToolRun run;
  const std::string path = run.write("data.parquet", lean::fuzz::text(data, size));
  try {
    const lean::parquet::ParquetFile file(path);
    const auto& meta = file.meta();
    for (std::size_t group = 0; group < meta.row_groups.size(); ++group) {
      for (std::size_t column = 0; column < meta.columns.size(); ++column) {
        file.read_column(group, column, [&](const lean::parquet::PageValues& page) {
          if (page.nulls > lean::parquet::kMaxPageValues) lean::fuzz::finding("more nulls than a page may hold");
          if (page.values.form != lean::parquet::Values::Form::indices) return;
          if (!page.dictionary) lean::fuzz::finding("dictionary indices without a dictionary");
          for (const std::uint32_t index : page.values.indices) {
            if (index >= page.dictionary->size()) lean::fuzz::finding("a dictionary index past the dictionary");
          }
        });
      }
    }
  } catch (const lean::Error&) {
  }
  return 0;
}
