// A check inside a fuzz harness: on failure, print what broke and abort, so libFuzzer saves the
// input as a crash and the corpus replay (fuzz_main.cc) fails its ctest test. Unlike assert it
// holds in release builds.
#ifndef VIGIL_TESTS_FUZZ_FUZZ_CHECK_H_
#define VIGIL_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

#endif  // VIGIL_TESTS_FUZZ_FUZZ_CHECK_H_
