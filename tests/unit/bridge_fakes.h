// Test doubles for the bridge layer: a scripted SlackApi that records every call, an in-memory
// InstallationDirectory, and a fixture wiring them to a REAL SQLite store in a temp directory.
// All fakes are thread-safe, so they also serve tests that run the dispatcher's worker threads.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "bridgebot/bridge/directory.h"
#include "bridgebot/bridge/dispatcher.h"
#include "bridgebot/bridge/installations.h"
#include "bridgebot/bridge/outbox_payloads.h"
#include "bridgebot/bridge/routes.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/core/executor.h"
#include "bridgebot/slack/errors.h"
#include "bridgebot/slack/slack_api.h"
#include "bridgebot/store/sqlite_store.h"
#include "support/store_seed.h"
#include "support/temp_dir.h"

namespace bridge_test {

using namespace bridgebot;

// Slack's own error mapping, so the fakes fail exactly as the real client does.
inline Error slack_error(const std::string& method, const std::string& code, int http_status = 200,
                         std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
  return slack::map_api_failure({method, http_status, code, "", "", retry_after});
}

inline slack::SlackUser human(std::string id, std::string email, std::string name = "Someone") {
  slack::SlackUser user;
  user.id = std::move(id);
  user.email = std::move(email);
  user.real_name = std::move(name);
  return user;
}

class FakeSlackApi final : public slack::SlackApi {
 public:
  struct Post {
    slack::TeamToken auth;
    slack::PostMessageRequest request;
  };
  struct Webhook {
    std::string url;
    std::string body;
  };
  struct View {
    std::string user_id;
    std::string view_json;
  };

  // ---- script ----
  void add_user(const slack::SlackUser& user) {
    std::lock_guard lock(mutex_);
    users_by_email_[user.email] = user;
  }
  // users.list answers these pages in turn; page i hands out cursor "c<i+1>" unless it is last.
  void set_user_pages(std::vector<std::vector<slack::SlackUser>> pages) {
    std::lock_guard lock(mutex_);
    user_pages_ = std::move(pages);
  }
  // The next chat.postMessage calls fail with these errors, one each, in order.
  void fail_next_posts(std::vector<Error> errors) {
    std::lock_guard lock(mutex_);
    for (auto& e : errors) post_failures_.push_back(std::move(e));
  }
  void fail_next_webhooks(std::vector<Error> errors) {
    std::lock_guard lock(mutex_);
    for (auto& e : errors) webhook_failures_.push_back(std::move(e));
  }
  // The next users.lookupByEmail calls fail with these errors, one each, in order.
  void fail_next_lookups(std::vector<Error> errors) {
    std::lock_guard lock(mutex_);
    for (auto& e : errors) lookup_failures_.push_back(std::move(e));
  }
  // Every call made with this token answers this error (e.g. token_expired).
  void fail_token(const std::string& token, const std::string& code) {
    std::lock_guard lock(mutex_);
    token_failures_[token] = code;
  }

  // Runs at the start of every chat.postMessage, outside the fake's lock (e.g. to hold a worker
  // in the middle of its Slack call). Set it before the dispatcher starts.
  std::function<void()> before_post;

  // chat.postMessage to these channels waits an hour without holding a thread (an executor
  // timer), as a call paced by the rate limiter does; cut short (the dispatcher stops) it fails
  // unsent with "cancelled". Set it before the dispatcher starts.
  std::set<std::string> paced_channels;
  // The same for users.lookupByEmail of these emails (the awaited lookup only).
  std::set<std::string> paced_emails;

  // ---- what happened ----
  std::vector<Post> posts() const {
    std::lock_guard lock(mutex_);
    return posts_;
  }
  std::vector<Webhook> webhooks() const {
    std::lock_guard lock(mutex_);
    return webhooks_;
  }
  std::vector<View> views() const {
    std::lock_guard lock(mutex_);
    return views_;
  }
  std::vector<std::string> opened_dms() const {
    std::lock_guard lock(mutex_);
    return opened_;
  }
  int lookup_calls() const {
    std::lock_guard lock(mutex_);
    return lookup_calls_;
  }
  int list_calls() const {
    std::lock_guard lock(mutex_);
    return list_calls_;
  }

  // ---- SlackApi ----
  // What auth.test answers (manual installs); an error until a test sets it.
  Result<slack::AuthTestResult> auth_result = make_error("not_scripted");
  Result<slack::AuthTestResult> auth_test(const slack::TeamToken&) override {
    std::lock_guard lock(mutex_);
    return auth_result;
  }
  Status auth_revoke(const slack::TeamToken&) override { return make_error("not_scripted"); }
  Result<slack::SlackUser> users_lookup_by_email(const slack::TeamToken& auth,
                                                 std::string_view email) override {
    std::lock_guard lock(mutex_);
    ++lookup_calls_;
    if (auto dead = token_failure(auth, "users.lookupByEmail")) return *dead;
    if (!lookup_failures_.empty()) {
      Error e = lookup_failures_.front();
      lookup_failures_.pop_front();
      return e;
    }
    auto it = users_by_email_.find(std::string(email));
    if (it == users_by_email_.end()) return slack_error("users.lookupByEmail", "users_not_found");
    return it->second;
  }
  core::Task<Result<slack::SlackUser>> users_lookup_by_email_async(slack::TeamToken auth,
                                                                   std::string email) override {
    if (paced_emails.count(email) > 0) {
      const bool elapsed = co_await core::sleep_for(std::chrono::hours(1));
      if (!elapsed) co_return make_error("cancelled", "a paced lookup cut short", true);
    }
    co_return users_lookup_by_email(auth, email);
  }
  Result<slack::SlackUser> users_info(const slack::TeamToken&, std::string_view) override {
    return make_error("not_scripted");
  }
  Result<slack::UsersPage> users_list(const slack::TeamToken& auth, std::string_view cursor,
                                      int) override {
    std::lock_guard lock(mutex_);
    ++list_calls_;
    if (auto dead = token_failure(auth, "users.list")) return *dead;
    const std::size_t index = cursor.empty() ? 0 : std::stoul(std::string(cursor.substr(1)));
    slack::UsersPage page;
    if (index < user_pages_.size()) page.members = user_pages_[index];
    if (index + 1 < user_pages_.size()) page.next_cursor = "c" + std::to_string(index + 1);
    return page;
  }
  Result<slack::PostedMessage> chat_post_message(
      const slack::TeamToken& auth, const slack::PostMessageRequest& message) override {
    if (before_post) before_post();
    std::lock_guard lock(mutex_);
    if (auto dead = token_failure(auth, "chat.postMessage")) return *dead;
    if (!post_failures_.empty()) {
      Error e = post_failures_.front();
      post_failures_.pop_front();
      return e;
    }
    posts_.push_back({auth, message});
    // A user id as channel lands in a DM: Slack answers with the conversation id.
    std::string channel = message.channel;
    if (!channel.empty() && channel[0] == 'U') channel = "D" + channel.substr(1);
    return slack::PostedMessage{channel, "1700000000." + std::to_string(100000 + posts_.size())};
  }
  core::Task<Result<slack::PostedMessage>> chat_post_message_async(
      slack::TeamToken auth, slack::PostMessageRequest message) override {
    if (paced_channels.count(message.channel) > 0) {
      const bool elapsed = co_await core::sleep_for(std::chrono::hours(1));
      if (!elapsed) co_return make_error("cancelled", "a paced call cut short", true);
    }
    co_return chat_post_message(auth, message);
  }
  Result<slack::PostedMessage> chat_update(const slack::TeamToken&,
                                           const slack::UpdateMessageRequest&) override {
    return make_error("not_scripted");
  }
  Result<std::string> conversations_open(const slack::TeamToken& auth,
                                         std::string_view user_ids) override {
    std::lock_guard lock(mutex_);
    if (auto dead = token_failure(auth, "conversations.open")) return *dead;
    opened_.emplace_back(user_ids);
    return "D" + std::string(user_ids.substr(1));
  }
  Status views_publish(const slack::TeamToken& auth, std::string_view user_id,
                       std::string_view view_json) override {
    std::lock_guard lock(mutex_);
    if (auto dead = token_failure(auth, "views.publish")) return *dead;
    views_.push_back({std::string(user_id), std::string(view_json)});
    return Status::success();
  }
  Result<slack::OAuthAccess> oauth_v2_access(const slack::OAuthClient&,
                                             const slack::OAuthGrant&) override {
    return make_error("not_scripted");
  }
  Result<std::string> apps_connections_open(std::string_view) override {
    return make_error("not_scripted");
  }
  Status post_incoming_webhook(std::string_view, std::string_view url,
                               std::string_view json_body) override {
    std::lock_guard lock(mutex_);
    if (!webhook_failures_.empty()) {
      Error e = webhook_failures_.front();
      webhook_failures_.pop_front();
      return e;
    }
    webhooks_.push_back({std::string(url), std::string(json_body)});
    return Status::success();
  }

 private:
  std::optional<Error> token_failure(const slack::TeamToken& auth, const std::string& method) {
    auto it = token_failures_.find(auth.token);
    if (it == token_failures_.end()) return std::nullopt;
    return slack_error(method, it->second);
  }

  mutable std::mutex mutex_;
  std::map<std::string, slack::SlackUser> users_by_email_;
  std::vector<std::vector<slack::SlackUser>> user_pages_;
  std::deque<Error> post_failures_;
  std::deque<Error> lookup_failures_;
  std::deque<Error> webhook_failures_;
  std::map<std::string, std::string> token_failures_;
  std::vector<Post> posts_;
  std::vector<Webhook> webhooks_;
  std::vector<View> views_;
  std::vector<std::string> opened_;
  int lookup_calls_ = 0;
  int list_calls_ = 0;
};

class FakeInstallations final : public bridge::InstallationDirectory {
 public:
  void install(bridge::ActiveInstallation installation) {
    std::lock_guard lock(mutex_);
    teams_[installation.team_id] = std::move(installation);
  }
  void uninstall(const std::string& team_id) {
    std::lock_guard lock(mutex_);
    teams_.erase(team_id);
  }
  void connect_user(const std::string& team_id, const std::string& platform_user_id,
                    std::string token) {
    std::lock_guard lock(mutex_);
    user_tokens_[team_id + "/" + platform_user_id] = std::move(token);
  }
  // refresh_expired hands out this token from now on.
  void set_refreshed_token(std::string token) {
    std::lock_guard lock(mutex_);
    refreshed_token_ = std::move(token);
  }
  int refresh_calls() const {
    std::lock_guard lock(mutex_);
    return refresh_calls_;
  }

  Result<bridge::ActiveInstallation> active(std::string_view team_id) override {
    std::lock_guard lock(mutex_);
    auto it = teams_.find(std::string(team_id));
    if (it == teams_.end()) return make_error("unknown_team", "not installed");
    return it->second;
  }
  Result<bridge::ActiveInstallation> refresh_expired(std::string_view team_id,
                                                     std::string_view) override {
    std::lock_guard lock(mutex_);
    ++refresh_calls_;
    auto it = teams_.find(std::string(team_id));
    if (it == teams_.end()) return make_error("unknown_team", "not installed");
    it->second.bot_token = refreshed_token_;
    return it->second;
  }
  std::vector<std::string> active_team_ids() override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> ids;
    for (const auto& [id, _] : teams_) ids.push_back(id);
    return ids;
  }
  Result<std::optional<std::string>> connected_user_token(
      std::string_view team_id, std::string_view platform_user_id) override {
    std::lock_guard lock(mutex_);
    auto it = user_tokens_.find(std::string(team_id) + "/" + std::string(platform_user_id));
    if (it == user_tokens_.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, bridge::ActiveInstallation> teams_;
  std::map<std::string, std::string> user_tokens_;
  std::string refreshed_token_ = "xoxb-refreshed";
  int refresh_calls_ = 0;
};

inline constexpr const char* kTeam = "T1";
inline constexpr const char* kBotToken = "xoxb-bot";

// The whole delivery path on a fresh SQLite file: accept items as the lead's accept path does
// (outbox_payloads.h), run the dispatcher on the calling thread, read back what Slack saw.
struct BridgeFixture {
  test::TempDir dir{"bridge"};
  std::unique_ptr<store::Store> store = open_store();
  FakeSlackApi slack;
  FakeInstallations installations;
  core::FakeClock clock;
  bridge::Directory directory{*store, slack, installations, clock};
  bridge::DispatcherOptions options = default_options();
  std::unique_ptr<bridge::Dispatcher> dispatcher;

  BridgeFixture() {
    installations.install(installation());
    REQUIRE(test::record_installed(*store, kTeam));
  }

  std::unique_ptr<store::Store> open_store() {
    auto opened = store::open_sqlite_store((dir.path / "bridge.db").string());
    REQUIRE(opened.ok());
    return std::move(*opened);
  }

  static bridge::DispatcherOptions default_options() {
    bridge::DispatcherOptions o;
    o.lease_owner = "test";
    o.jitter = [] { return 0.0; };
    o.poll_interval = std::chrono::milliseconds(20);
    return o;
  }

  static bridge::ActiveInstallation installation() {
    bridge::ActiveInstallation i;
    i.team_id = kTeam;
    i.bot_user_id = "UBOT";
    i.bot_token = kBotToken;
    i.scopes = {"users:read", "users:read.email", "chat:write"};
    return i;
  }

  bridge::Dispatcher& dispatch() {
    if (!dispatcher) {
      dispatcher = std::make_unique<bridge::Dispatcher>(*store, slack, installations, directory,
                                                        clock, options);
    }
    return *dispatcher;
  }

  // Runs claim/deliver passes until nothing is due now.
  void drain() {
    for (int i = 0; i < 100 && dispatch().run_once() > 0; ++i) {
    }
  }

  // A Slack user who exists and has linked their platform account.
  void link(const std::string& platform_id, const std::string& slack_id, const std::string& email) {
    slack.add_user(human(slack_id, email));
    store::Link l;
    l.team_id = kTeam;
    l.platform_user_id = platform_id;
    l.slack_user_id = slack_id;
    l.email = email;
    l.linked_at = clock.unix_seconds();
    REQUIRE(store->put_link(l).ok());
  }

  static bridge::PlatformMessage message(std::string id = "msg-1") {
    bridge::PlatformMessage m;
    m.id = std::move(id);
    m.team_id = kTeam;
    m.sender = {"p-alice", "alice@example.com", "Alice Ng", "https://platform.example/a.png",
                false};
    m.mentions = {{bridge::MentionType::user, "p-bob", "bob@example.com", "Bob"}};
    m.text = "@Bob can you look at the release notes?";
    m.url = "https://platform.example/spaces/42/messages/8812";
    m.space_id = "42";
    m.space_name = "Design floor";
    return m;
  }

  // What the accept path writes for a relayed message (see outbox_payloads.h).
  void accept(const bridge::PlatformMessage& m, bool copy_to_sender = true) {
    bridge::MessagePayload payload{m, m.mentions.at(0)};
    const std::string json = bridge::encode_message_payload(payload);
    const std::string ordering = std::string(kTeam) + ":" + payload.recipient.id;
    store::AcceptRequest request;
    request.kind = store::SourceKind::message;
    request.source_id = m.id;
    request.team_id = kTeam;
    request.now = clock.unix_seconds();
    request.items.push_back(
        {bridge::kRoleRecipient, payload.recipient.id, json, ordering, request.now});
    if (copy_to_sender) {
      request.items.push_back({bridge::kRoleSenderCopy, m.sender.id, json, ordering, request.now});
    }
    REQUIRE(store->accept(request).ok());
  }

  void accept(const bridge::PlatformNotification& n,
              const std::vector<std::string>& destination_keys) {
    const std::string json = bridge::encode_notification_payload(n);
    store::AcceptRequest request;
    request.kind = store::SourceKind::notification;
    request.source_id = n.id;
    request.team_id = kTeam;
    request.now = clock.unix_seconds();
    for (const auto& key : destination_keys) {
      const std::string ordering =
          std::string(kTeam) + ":" + key + ":" + (n.thread_key.empty() ? n.id : n.thread_key);
      request.items.push_back({bridge::kRoleDestination, key, json, ordering, request.now});
    }
    REQUIRE(store->accept(request).ok());
  }

  store::SourceStatus status(const std::string& id,
                             store::SourceKind kind = store::SourceKind::message) {
    auto s = store->source_status(kind, id);
    REQUIRE(s.ok());
    REQUIRE(s->has_value());
    return **s;
  }
};

}  // namespace bridge_test
