#include "core/memory.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <new>

namespace lean {
namespace {

std::size_t round_up(std::size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

}  // namespace

void* allocate_large(std::size_t bytes) {
  if (bytes < kHugePage) return ::operator new(bytes);
  // Map a huge page more than needed, then unmap the unaligned ends.
  const std::size_t size = round_up(bytes);
  void* mapped = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(mapped);
  const std::uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) ::munmap(mapped, aligned - start);
  if (const std::uintptr_t end = start + size + kHugePage; end > aligned + size) {
    ::munmap(reinterpret_cast<void*>(aligned + size), end - aligned - size);
  }
#ifdef MADV_HUGEPAGE
  ::madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);  // advice: failing is harmless
#endif
  return reinterpret_cast<void*>(aligned);
}

void free_large(void* data, std::size_t bytes) {
  if (bytes < kHugePage) return ::operator delete(data);
  ::munmap(data, round_up(bytes));
}

BumpArena::~BumpArena() {
  for (const Block& block : blocks_) free_large(block.data, block.size);
}

void* BumpArena::allocate(std::size_t bytes) {
  bytes = (bytes + 7) / 8 * 8;
  if (blocks_.empty() || used_ + bytes > blocks_.back().size) {
    const std::size_t size = std::max(kBlock, round_up(bytes));
    blocks_.reserve(blocks_.size() + 1);  // so push_back cannot throw and leak the block
    blocks_.push_back({static_cast<std::byte*>(allocate_large(size)), size});
    used_ = 0;
  }
  void* out = blocks_.back().data + used_;
  used_ += bytes;
  return out;
}

}  // namespace lean
