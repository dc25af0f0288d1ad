// Running risky reading in a child process first. HDF5 1.10 (Debian's) dereferences NULL on
// some damaged files (fuzz_h5_info found a 9.5 KB one that ends `twinforge-run info` with
// SIGSEGV); no error check of ours can stop a crash inside the library. The workbench and
// `info` therefore try what they will do with a file in a forked child first: if the child
// dies, the file is refused with a message, and the program (and unsaved work) lives on.
#pragma once

#include <functional>
#include <string>

namespace tf::io {

// Runs `work` in a forked child and waits up to `timeoutMs`. Returns "" when the child
// returned or threw (the caller then does the work itself, meeting any error cleanly), else
// what happened: "crashed with signal 11 (Segmentation fault)" or "did not finish in 20 s".
// The child must not touch the GUI; it only reads.
std::string runIsolated(const std::function<void()>& work, int timeoutMs = 20000);

}  // namespace tf::io
