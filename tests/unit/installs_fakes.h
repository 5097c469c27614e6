// Test doubles for the installs tests: a SlackApi that answers auth.test, auth.revoke,
// users.info and oauth.v2.access (refresh grants rotate a numbered token pair, like Slack), and a
// temporary SQLite store with a SecretBox.
#pragma once

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "bridgebot/bridge/installation_service.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/store/sqlite_store.h"

namespace bridgebot::test {

class FakeSlack final : public slack::SlackApi {
 public:
  // auth.test answers this for any token in `live_tokens` (invalid_auth otherwise).
  std::string url = "https://acme.slack.com/";
  std::vector<std::string> scopes{"users:read", "users:read.email", "chat:write"};
  std::string user_email = "alice@example.com";  // users.info
  std::string fail_revoke;                       // auth.revoke's error code, "" = ok
  std::string fail_refresh;                      // oauth.v2.access's error code, "" = ok
  std::chrono::milliseconds refresh_delay{0};    // how long a refresh takes
  std::atomic<int> refreshes{0};
  std::atomic<int> revokes{0};

  void add_live(const std::string& token) {
    std::lock_guard lock(mutex_);
    live_.push_back(token);
  }

  Result<slack::AuthTestResult> auth_test(const slack::TeamToken& auth) override {
    std::lock_guard lock(mutex_);
    if (std::find(live_.begin(), live_.end(), auth.token) == live_.end()) {
      return make_error("invalid_auth", "invalid_auth");
    }
    slack::AuthTestResult r;
    r.url = url;
    r.team = "Acme";
    r.team_id = "T0001";
    r.user = "bridgebot";
    r.user_id = "U0BOT";
    r.bot_id = "B0001";
    r.scopes = scopes;
    return r;
  }
  Status auth_revoke(const slack::TeamToken& auth) override {
    ++revokes;
    if (!fail_revoke.empty()) return make_error(fail_revoke, "revoke failed", true);
    std::lock_guard lock(mutex_);
    revoked_.push_back(auth.token);
    return Status::success();
  }
  // Tokens auth.revoke succeeded for, in call order.
  std::vector<std::string> revoked() {
    std::lock_guard lock(mutex_);
    return revoked_;
  }
  Result<slack::SlackUser> users_lookup_by_email(const slack::TeamToken&,
                                                 std::string_view) override {
    return make_error("users_not_found");
  }
  Result<slack::SlackUser> users_info(const slack::TeamToken&, std::string_view id) override {
    slack::SlackUser u;
    u.id = std::string(id);
    u.email = user_email;
    return u;
  }
  Result<slack::UsersPage> users_list(const slack::TeamToken&, std::string_view, int) override {
    return slack::UsersPage{};
  }
  Result<slack::PostedMessage> chat_post_message(const slack::TeamToken&,
                                                 const slack::PostMessageRequest&) override {
    return make_error("not_used");
  }
  Result<slack::PostedMessage> chat_update(const slack::TeamToken&,
                                           const slack::UpdateMessageRequest&) override {
    return make_error("not_used");
  }
  Result<std::string> conversations_open(const slack::TeamToken&, std::string_view) override {
    return make_error("not_used");
  }
  Status views_publish(const slack::TeamToken&, std::string_view, std::string_view) override {
    return make_error("not_used");
  }
  Result<slack::OAuthAccess> oauth_v2_access(const slack::OAuthClient&,
                                             const slack::OAuthGrant& grant) override {
    std::this_thread::sleep_for(refresh_delay);
    std::lock_guard lock(mutex_);
    if (!fail_refresh.empty()) return make_error(fail_refresh, "refused");
    // Like Slack: a refresh token works once.
    if (std::find(spent_.begin(), spent_.end(), grant.refresh_token) != spent_.end()) {
      return make_error("invalid_refresh_token", "spent");
    }
    spent_.push_back(grant.refresh_token);
    const int n = ++refreshes;
    slack::OAuthAccess a;
    a.access_token = "xoxe.xoxb-1-rotated-" + std::to_string(n);
    a.refresh_token = "xoxe-1-refresh-" + std::to_string(n);
    a.token_type = "bot";
    a.expires_in = 43200;
    a.team = {"T0001", "Acme"};
    live_.push_back(a.access_token);
    return a;
  }
  Result<std::string> apps_connections_open(std::string_view) override {
    return make_error("not_used");
  }
  Status post_incoming_webhook(std::string_view, std::string_view, std::string_view) override {
    return make_error("not_used");
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> live_;
  std::vector<std::string> spent_;
  std::vector<std::string> revoked_;
};

// A SQLite store in a fresh temporary directory, removed with the object.
struct TempStore {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("bb-installs-" + core::random_token(6));
  std::unique_ptr<store::Store> db;
  core::SecretBox box{core::random_bytes(32)};

  TempStore() {
    std::filesystem::create_directories(dir);
    db = store::open_sqlite_store((dir / "installs.db").string()).value();
  }
  ~TempStore() {
    db.reset();
    std::filesystem::remove_all(dir);
  }
};

// Service options for tests: OAuth configured, waits without sleeping long.
inline bridge::InstallationServiceOptions test_options() {
  bridge::InstallationServiceOptions o;
  o.oauth = slack::OAuthClient{"1111.2222", "secret"};
  o.lease_wait = std::chrono::milliseconds(5000);
  return o;
}

// Stores a rotating installation of T0001 whose token expires at `expires_at`.
inline void install_rotating(bridge::InstallationService& service, store::Store& db,
                             FakeSlack& slack, std::int64_t expires_at) {
  slack.add_live("xoxe.xoxb-1-original");
  store::Installation inst;
  inst.team_id = "T0001";
  inst.domain = "acme";
  inst.bot_user_id = "U0BOT";
  inst.scopes = slack.scopes;
  inst.bot_token =
      service.seal("xoxe.xoxb-1-original", bridge::InstallationService::bot_token_context("T0001"));
  inst.refresh_token =
      service.seal("xoxe-1-refresh-0", bridge::InstallationService::refresh_token_context("T0001"));
  inst.token_expires_at = expires_at;
  REQUIRE(db.put_installation(inst).ok());
}

// Links `platform_user_id` to Slack user `slack_user_id` through personal Connect with user
// token `user_token` (users.info answers the platform email).
inline void connect(bridge::InstallationService& service, FakeSlack& slack,
                    const std::string& platform_user_id, const std::string& slack_user_id,
                    const std::string& user_token) {
  slack::OAuthAccess access;
  access.team = {"T0001", "Acme"};
  access.authed_user.id = slack_user_id;
  access.authed_user.access_token = user_token;
  slack.user_email = platform_user_id + "@example.com";
  REQUIRE(service.connect_user("T0001", platform_user_id, slack.user_email, access).ok());
}

}  // namespace bridgebot::test
