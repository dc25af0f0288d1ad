// A shared library that is not a TwinForge plugin: it has no entry point.
// A fixture, not a test: tests/core/test_registry.cpp (badPluginsAreReportedNotFatal)
// asserts that loading it fails with "no 'twinforge_register_plugin' entry point".
extern "C" int some_other_function() { return 42; }
