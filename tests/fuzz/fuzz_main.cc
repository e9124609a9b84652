// The plain-executable driver of every fuzz harness (tests/fuzz/*_fuzz.cc): built with the normal
// compiler and no libFuzzer, it runs LLVMFuzzerTestOneInput once on every file named on the
// command line or found (recursively) in a directory named there, the harness's committed seed
// corpus tests/fuzz/corpus/<harness>/. ctest runs it, so `make test` replays every corpus,
// including the inputs that once crashed a harness (regression seeds).
//
// A harness reports a finding by aborting (its own checks, or a sanitizer in the libFuzzer
// build), which fails the test. Exit 2 if no input was found at all: an empty or missing corpus
// must not pass silently.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    if (std::filesystem::is_directory(arg)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(arg)) {
        if (e.is_regular_file()) inputs.push_back(e.path());
      }
    } else {
      inputs.push_back(arg);
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "no inputs: pass corpus directories or files\n");
    return 2;
  }
  for (const auto& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      return 2;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A copy in its own allocation, so that ASan (when enabled) sees reads past the end.
    std::vector<uint8_t> copy(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(copy.data(), copy.size());
  }
  std::printf("%zu inputs replayed\n", inputs.size());
  return 0;
}
