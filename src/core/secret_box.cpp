#include "bridgebot/core/secret_box.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "bridgebot/core/crypto.h"

namespace bridgebot::core {
namespace {

constexpr char kVersion = '\x01';
constexpr std::size_t kKeyIdBytes = 4;

std::string key_id_of(std::string_view key) {
  return sha256(key).substr(0, kKeyIdBytes);
}

}  // namespace

SecretBox::SecretBox(std::string current, std::vector<std::string> previous)
    : current_{key_id_of(current), std::move(current)} {
  for (auto& key : previous) previous_.push_back({key_id_of(key), std::move(key)});
}

Result<std::string> SecretBox::seal(std::string_view plaintext, std::string_view context) const {
  auto sealed = aes256gcm_encrypt(current_.bytes, plaintext, context);
  if (!sealed.ok()) return sealed.error();
  return std::string(1, kVersion) + current_.id + *sealed;
}

Result<std::string> SecretBox::open(std::string_view sealed, std::string_view context) const {
  if (sealed.size() < 1 + kKeyIdBytes || sealed[0] != kVersion) {
    return make_error("decrypt_failed", "a stored secret is not in a format this version reads");
  }
  std::string_view id = sealed.substr(1, kKeyIdBytes);
  std::string_view body = sealed.substr(1 + kKeyIdBytes);
  if (id == current_.id) return aes256gcm_decrypt(current_.bytes, body, context);
  for (const auto& key : previous_) {
    if (id == key.id) return aes256gcm_decrypt(key.bytes, body, context);
  }
  return make_error("decrypt_failed",
                    "a stored secret was encrypted with key " + hex_encode(id) +
                        ", which is not configured (restore security.encryption_key or the key "
                        "file it came from)");
}

bool SecretBox::needs_reseal(std::string_view sealed) const {
  return sealed.size() >= 1 + kKeyIdBytes && sealed.substr(1, kKeyIdBytes) != current_.id;
}

std::string SecretBox::current_key_id() const {
  return hex_encode(current_.id);
}

Result<std::string> read_key_file(const std::string& key_path) {
  struct stat st {};
  if (::stat(key_path.c_str(), &st) != 0) {
    if (errno == ENOENT) return make_error("key_file_missing", "no key file " + key_path);
    return make_error("key_file_error", "cannot read the key file " + key_path);
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    return make_error("key_file_exposed",
                      "the key file " + key_path + " has mode " + mode +
                          ": other users may read it. Check who could have, then run chmod 600 " +
                          key_path + " and start again");
  }
  std::ifstream in(key_path);
  if (!in) return make_error("key_file_error", "cannot read the key file " + key_path);
  std::stringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  auto key = decode_key(value);
  if (!key.ok()) {
    return make_error("invalid_key",
                      "the key file " + key_path + " does not hold a 32-byte base64 key");
  }
  return key;
}

Result<std::string> create_key_file(const std::string& key_path) {
  std::string key = random_bytes(32);
  int fd = ::open(key_path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return make_error("key_file_error", "cannot create the key file " + key_path +
                                            " (set security.encryption_key instead)");
  }
  std::string text = base64_encode(key) + "\n";
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                 ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return make_error("key_file_error", "cannot write the key file " + key_path);
  return key;
}

Result<std::string> load_or_create_key(const std::string& configured, const std::string& key_path,
                                       bool& created) {
  created = false;
  if (!configured.empty()) return decode_key(configured);
  auto existing = read_key_file(key_path);
  if (existing.ok() || existing.error().code != "key_file_missing") return existing;
  auto fresh = create_key_file(key_path);
  created = fresh.ok();
  return fresh;
}

}  // namespace bridgebot::core
