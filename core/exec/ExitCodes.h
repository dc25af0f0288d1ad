// How a run ends, as twinforge-run's exit status: one table shared by twinforge-run, the
// launchers and the GUI (documented in --help and docs/cli.md).
#pragma once

namespace tf {

enum ExitCode : int {
  kOk = 0,
  kRunFailed = 1,        // a step failed
  kUsage = 2,            // bad command line: unknown option, unknown step or run id
  kInvalidPipeline = 3,  // the pipeline file cannot be read or does not validate
  kDataError = 4,        // `info`: a file TwinForge cannot read
  kCancelled = 130,      // interrupted (Ctrl-C, SIGTERM, GUI cancel)
};

// One line for people: "a step failed", "the pipeline is not valid", ...
inline const char* exitCodeMeaning(int code) {
  switch (code) {
    case kOk: return "success";
    case kRunFailed: return "a step failed";
    case kUsage: return "bad command line";
    case kInvalidPipeline: return "the pipeline is not valid";
    case kDataError: return "a data file cannot be read";
    case kCancelled: return "cancelled";
  }
  return "failed";
}

}  // namespace tf
