// Private to core: typed reads from a YAML tree that collect every problem instead of stopping
// at the first one. Scalars have ${NAME} references expanded before they are converted.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "bridgebot/core/config.h"

namespace bridgebot::core {

enum class Required { no, yes };
enum class Shown { quoted, never };

class ConfigReader {
 public:
  explicit ConfigReader(const EnvLookup& env) : env_(env) {}

  void problem(std::string path, std::string message);
  const std::vector<ConfigProblem>& problems() const { return problems_; }

  // Reports keys of `node` not in `allowed`, suggesting the closest allowed key.
  void check_keys(const YAML::Node& node, const std::string& path,
                  const std::vector<std::string>& allowed);
  // True when `node` is a mapping; reports a problem when it is something else (or absent and
  // required).
  bool is_map(const YAML::Node& node, const std::string& path, Required required = Required::no);

  void read_string(const YAML::Node& node, const std::string& path, std::string& out,
                   Required required = Required::no);
  void read_bool(const YAML::Node& node, const std::string& path, bool& out);
  void read_int(const YAML::Node& node, const std::string& path, int min, int max, int& out);
  void read_string_list(const YAML::Node& node, const std::string& path,
                        std::vector<std::string>& out);
  // Accepts one string or a list of strings.
  void read_string_or_list(const YAML::Node& node, const std::string& path,
                           std::vector<std::string>& out);
  // `shown`: whether a problem may quote the URL. A webhook URL is a credential, and these
  // problems are printed before log redaction is set up.
  void check_url(const std::string& path, const std::string& url, bool allow_plaintext,
                 Shown shown = Shown::quoted);

 private:
  // The expanded scalar text, or nullopt (with a problem recorded) when `node` is not a scalar.
  std::optional<std::string> scalar(const YAML::Node& node, const std::string& path);

  const EnvLookup& env_;
  std::vector<ConfigProblem> problems_;
};

bool looks_like_channel_id(const std::string& text);
// scheme://host[:port] with scheme http or https, nothing after: what platform.return_to_origins
// lists.
bool looks_like_origin(const std::string& text);
bool valid_encryption_key(const std::string& text);

}  // namespace bridgebot::core
