#include "drift/spill_file.hpp"

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"

using namespace lean;

TEST_CASE("spill file: each write returns its offset and reads back, from several threads at once") {
  SpillFile spill;
  const std::string first = "first block", second(100000, 'x');
  const std::uint64_t at_first = spill.write(first.data(), first.size());
  const std::uint64_t at_second = spill.write(second.data(), second.size());
  CHECK(at_first == 0);
  CHECK(at_second == first.size());
  std::vector<std::string> read(4);
  std::vector<std::thread> readers;
  for (std::size_t i = 0; i < read.size(); ++i) {
    readers.emplace_back([&, i] {
      const std::string& expected = i % 2 == 0 ? first : second;
      read[i].resize(expected.size());
      spill.read(i % 2 == 0 ? at_first : at_second, read[i].data(), read[i].size());
    });
  }
  for (auto& reader : readers) reader.join();
  CHECK(read[0] == first);
  CHECK(read[1] == second);
  CHECK(read[2] == first);
  CHECK(read[3] == second);
}
