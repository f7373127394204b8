#pragma once

#include <cstddef>
#include <vector>

namespace lean {

// Large working arrays on transparent huge pages.
//
// Fresh memory costs a page fault per 4 KiB page when first written, and on virtual
// machines a fault costs microseconds: for the hundred megabytes a drift check sorts that
// was a fifth of its time. Blocks of at least kHugePage bytes are therefore mapped aligned
// to 2 MiB and advised as huge pages (MADV_HUGEPAGE; honoured when transparent huge pages
// are in "madvise" or "always" mode): one fault per 2 MiB. Smaller blocks use operator new.
inline constexpr std::size_t kHugePage = std::size_t{2} << 20;
void* allocate_large(std::size_t bytes);  // throws std::bad_alloc
void free_large(void* data, std::size_t bytes);

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(std::size_t count) { return static_cast<T*>(allocate_large(count * sizeof(T))); }
  void deallocate(T* data, std::size_t count) { free_large(data, count * sizeof(T)); }
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

template <class T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

// Bytes handed out in order from blocks of huge pages and freed all together: for many
// allocations that live as long as each other.
class BumpArena {
 public:
  BumpArena() = default;
  ~BumpArena();
  BumpArena(const BumpArena&) = delete;
  BumpArena& operator=(const BumpArena&) = delete;
  void* allocate(std::size_t bytes);  // aligned to 8 bytes

 private:
  static constexpr std::size_t kBlock = 2 * kHugePage;
  struct Block {
    std::byte* data;
    std::size_t size;
  };
  std::vector<Block> blocks_;
  std::size_t used_ = 0;  // of the last block
};

}  // namespace lean
