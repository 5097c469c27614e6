// `--name value` command-line options for the benches, with defaults; unknown names are errors.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <stdexcept>
#include <string>

namespace bench {

class Options {
 public:
  Options(int argc, char** argv) {
    for (int i = 1; i + 1 < argc; i += 2) {
      std::string name = argv[i];
      if (name.rfind("--", 0) != 0) throw std::invalid_argument("expected --name value: " + name);
      values_[name.substr(2)] = argv[i + 1];
    }
  }
  // The option as a number, or `fallback`; marks it as known.
  long long number(const std::string& name, long long fallback) {
    known_[name] = true;
    auto it = values_.find(name);
    return it == values_.end() ? fallback : std::atoll(it->second.c_str());
  }
  // Call after reading every option: a typo must not silently run the default.
  void check() const {
    for (const auto& [name, value] : values_) {
      if (!known_.count(name)) throw std::invalid_argument("unknown option --" + name);
    }
  }

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> known_;
};

// The main() of a bench: runs `run` with the command line's options; an exception (a bad option,
// a bot that does not start) is printed with the bench's name and exits 2.
template <typename Run>
int run_main(int argc, char** argv, const char* bench_name, Run run) {
  try {
    Options options(argc, argv);
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", bench_name, e.what());
    return 2;
  }
}

}  // namespace bench
