#include "config_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "bridgebot/core/crypto.h"

namespace bridgebot::core {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

}  // namespace

std::string expand_environment(const std::string& text, const EnvLookup& env,
                               std::vector<std::string>& unset_names) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t start = text.find("${", pos);
    std::size_t end = start == std::string::npos ? std::string::npos : text.find('}', start);
    if (start == std::string::npos || end == std::string::npos) {
      out.append(text, pos, std::string::npos);
      break;
    }
    out.append(text, pos, start - pos);
    std::string inner = text.substr(start + 2, end - start - 2);
    std::optional<std::string> fallback;
    if (auto sep = inner.find(":-"); sep != std::string::npos) {
      fallback = inner.substr(sep + 2);
      inner.resize(sep);
    }
    if (auto value = env(inner)) {
      out += *value;
    } else if (fallback) {
      out += *fallback;
    } else {
      unset_names.push_back(inner);
    }
    pos = end + 1;
  }
  return out;
}

void ConfigReader::problem(std::string path, std::string message) {
  problems_.push_back({std::move(path), std::move(message)});
}

void ConfigReader::check_keys(const YAML::Node& node, const std::string& path,
                              const std::vector<std::string>& allowed) {
  if (!node.IsMap()) return;
  for (const auto& item : node) {
    if (!item.first.IsScalar()) {
      problem(path, "a key must be a plain name, not a list or mapping (line " +
                        std::to_string(item.first.Mark().line + 1) + ")");
      continue;
    }
    const std::string key = item.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string message = "unknown key";
    const std::string* closest = nullptr;
    std::size_t best = 3;  // suggest only near misses
    for (const auto& candidate : allowed) {
      std::size_t d = edit_distance(key, candidate);
      if (d < best) {
        best = d;
        closest = &candidate;
      }
    }
    if (closest) message += "; did you mean '" + *closest + "'?";
    problem(join_path(path, key), message);
  }
}

bool ConfigReader::is_map(const YAML::Node& node, const std::string& path, Required required) {
  if (!node || node.IsNull()) {
    if (required == Required::yes) problem(path, "is required");
    return false;
  }
  if (!node.IsMap()) {
    problem(path, "must be a mapping of keys");
    return false;
  }
  return true;
}

std::optional<std::string> ConfigReader::scalar(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) {
    problem(path, "must be a single value, not a list or mapping");
    return std::nullopt;
  }
  std::vector<std::string> unset;
  std::string value = expand_environment(node.Scalar(), env_, unset);
  for (const auto& name : unset) {
    problem(path, "environment variable " + name + " is not set (export it, or write ${" + name +
                      ":-default})");
  }
  if (!unset.empty()) return std::nullopt;
  return value;
}

void ConfigReader::read_string(const YAML::Node& node, const std::string& path, std::string& out,
                               Required required) {
  if (!node || node.IsNull()) {
    if (required == Required::yes) problem(path, "is required");
    return;
  }
  if (auto value = scalar(node, path)) {
    if (value->empty() && required == Required::yes) {
      problem(path, "is required and must not be empty");
      return;
    }
    out = std::move(*value);
  }
}

void ConfigReader::read_bool(const YAML::Node& node, const std::string& path, bool& out) {
  if (!node || node.IsNull()) return;
  auto value = scalar(node, path);
  if (!value) return;
  if (*value == "true" || *value == "yes" || *value == "on") {
    out = true;
  } else if (*value == "false" || *value == "no" || *value == "off") {
    out = false;
  } else {
    problem(path, "must be true or false, not '" + *value + "'");
  }
}

void ConfigReader::read_int(const YAML::Node& node, const std::string& path, int min, int max,
                            int& out) {
  if (!node || node.IsNull()) return;
  auto value = scalar(node, path);
  if (!value) return;
  int parsed = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), parsed);
  if (ec != std::errc{} || end != value->data() + value->size()) {
    problem(path, "must be a whole number, not '" + *value + "'");
  } else if (parsed < min || parsed > max) {
    problem(path, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                      ", not " + *value);
  } else {
    out = parsed;
  }
}

void ConfigReader::read_string_list(const YAML::Node& node, const std::string& path,
                                    std::vector<std::string>& out) {
  if (!node || node.IsNull()) return;
  if (!node.IsSequence()) {
    problem(path, "must be a list");
    return;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    if (auto value = scalar(node[i], path + "[" + std::to_string(i) + "]")) {
      out.push_back(std::move(*value));
    }
  }
}

void ConfigReader::read_string_or_list(const YAML::Node& node, const std::string& path,
                                       std::vector<std::string>& out) {
  if (node && node.IsScalar()) {
    if (auto value = scalar(node, path)) out.push_back(std::move(*value));
    return;
  }
  read_string_list(node, path, out);
}

void ConfigReader::check_url(const std::string& path, const std::string& url, bool allow_plaintext,
                             Shown shown) {
  const std::string quoted = shown == Shown::quoted ? "'" + url + "'" : std::string("the URL");
  const bool https = url.rfind("https://", 0) == 0;
  const bool http = url.rfind("http://", 0) == 0;
  const std::size_t host_start = https ? 8 : 7;
  if (!https && !http) {
    problem(path, quoted + " must be an https:// URL");
  } else if (http && !allow_plaintext) {
    problem(path,
            "http:// is refused: use https://, or set slack.tls.allow_plaintext: true for "
            "a local emulator");
  } else if (url.size() <= host_start || url[host_start] == '/' || url[host_start] == ':') {
    problem(path, quoted + " has no host");
  }
}

bool looks_like_channel_id(const std::string& text) {
  if (text.size() < 2 || (text[0] != 'C' && text[0] != 'G' && text[0] != 'D')) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  });
}

bool looks_like_origin(const std::string& text) {
  std::string_view rest = text;
  if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else {
    return false;
  }
  return !rest.empty() && std::none_of(rest.begin(), rest.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7F ||
           std::string_view("/?#@\\").find(c) != std::string_view::npos;
  });
}

bool valid_encryption_key(const std::string& text) {
  return decode_key(text).ok();
}

}  // namespace bridgebot::core
