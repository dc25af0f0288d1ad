// A shared library that is not a TwinForge plugin: it has no entry point.
extern "C" int some_other_function() { return 42; }
