// Catch2 main shared by every test executable: initialises libsodium first.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "keys/encoding.h"

int main(int argc, char* argv[]) {
  vigil::EnsureSodium();
  return Catch::Session().run(argc, argv);
}
