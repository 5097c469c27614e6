// main() of a fuzz target built without libFuzzer (the GCC presets, and so ctest and CI): replays
// every file of the corpus folders given, then deterministic mutations of them (bit flips, byte
// inserts and deletes, truncations, splices of two seeds), so that each parser meets inputs
// nobody wrote by hand under ASan/UBSan. A crash or a broken invariant aborts the run.
//
// Usage: fuzz_<target> [--mutations N] FOLDER|FILE...
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), {}};
}

std::string mutate(const std::vector<std::string>& seeds, std::mt19937_64& random) {
  std::string out = seeds[random() % seeds.size()];
  const int edits = 1 + static_cast<int>(random() % 8);
  for (int i = 0; i < edits; ++i) {
    const std::size_t at = out.empty() ? 0 : random() % out.size();
    switch (random() % 6) {
      case 0:  // flip a bit
        if (!out.empty()) out[at] = static_cast<char>(out[at] ^ (1 << (random() % 8)));
        break;
      case 1:  // insert a byte, often one that means something to a parser
        out.insert(at, 1, "{}[]\":,\\<>@&!|\n\0\xff"[random() % 17]);
        break;
      case 2:  // delete a run
        if (!out.empty()) out.erase(at, 1 + random() % 16);
        break;
      case 3:  // truncate
        out.resize(at);
        break;
      case 4: {  // splice in a piece of another seed
        const std::string& other = seeds[random() % seeds.size()];
        if (!other.empty()) {
          const std::size_t from = random() % other.size();
          out.insert(at, other, from, 1 + random() % 64);
        }
        break;
      }
      default:  // repeat a run (deep nesting, long strings)
        if (!out.empty()) out.insert(at, out.substr(at, 1 + random() % 32));
        break;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 20'000;
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--mutations" && i + 1 < argc) {
      mutations = std::atol(argv[++i]);
      continue;
    }
    const std::filesystem::path path(arg);
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) seeds.push_back(read_all(entry.path()));
      }
    } else if (std::filesystem::exists(path)) {
      seeds.push_back(read_all(path));
    } else {
      std::fprintf(stderr, "%s: no such file or folder\n", arg.c_str());
      return 2;
    }
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "usage: %s [--mutations N] FOLDER|FILE...\n", argv[0]);
    return 2;
  }
  for (const auto& seed : seeds) run(seed);
  std::mt19937_64 random(20261123);  // fixed: a failure replays the same way
  for (long i = 0; i < mutations; ++i) run(mutate(seeds, random));
  std::printf("%zu seeds and %ld mutations passed\n", seeds.size(), mutations);
  return 0;
}
