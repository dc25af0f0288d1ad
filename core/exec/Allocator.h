// glibc's allocator, tuned for training loops. Convolutions allocate and free buffers of tens
// of MB every step; by default glibc serves them with mmap/munmap (its threshold adapts, so
// whether it does depends on the history) and trims the heap top, and every step then pays
// page faults in the kernel. Measured here on the 3D CNN benchmark with 2 ranks: 800 samples/s
// with glibc's defaults, 4 200 with a fixed mmap threshold of 32 MB and a 512 MB trim threshold.
#pragma once

namespace tf {

// Applies the settings above unless the user set MALLOC_MMAP_THRESHOLD_ or
// MALLOC_TRIM_THRESHOLD_ in the environment (theirs win). Returns true if it changed them.
bool tuneAllocatorForTraining();

}  // namespace tf
