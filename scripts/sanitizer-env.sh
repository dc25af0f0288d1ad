# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: how the sanitizer runtimes report.
# Every report is fatal (a test that goes on after undefined behaviour proves nothing).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# allocator_may_return_null: an impossible allocation fails as it would in the product (HDF5
# checks for NULL; operator new throws) instead of being reported.
export ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=1:abort_on_error=1:halt_on_error=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# The GUI suites, two relaxations, both for libraries the workbench loads but does not own:
# - strict_string_checks=0: libxkbcommon-x11 strndup()s key names from xcb replies that are
#   not NUL-terminated; strndup may do that, the strict check wrongly calls it an overflow.
# - detect_leaks=0: Mesa's software GL driver and libdbus keep allocations until exit, and the
#   driver is unloaded before LeakSanitizer looks, so its frames cannot even be named to be
#   suppressed. Leaks of our own code are caught by the unit and cli suites, which run the
#   same code without a display.
export ASAN_OPTIONS_GUI="${ASAN_OPTIONS/strict_string_checks=1/strict_string_checks=0}:detect_leaks=0"
# UndefinedBehaviorSanitizer needs no suppressions.
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$here/sanitizer/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
