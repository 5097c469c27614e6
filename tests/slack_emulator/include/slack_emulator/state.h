// The emulated Slack's data: workspaces, users, conversations, tokens, and what clients did to
// them (messages, home views, Socket Mode tickets). Plain structs that tests edit directly through
// Emulator::with_state(); not thread-safe on its own (the Emulator's mutex guards it).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bridgebot::emulator {

// Rotating tokens live this long unless a test picks otherwise (Slack: 12 h).
inline constexpr std::int64_t kRotatingTokenLifetime = 43200;

struct Workspace {
  std::string id;  // T…
  std::string name;
  std::string domain;  // acme -> https://acme.slack.com/

  std::string url() const { return "https://" + domain + ".slack.com/"; }
};

// A Slack app. One app may be installed in several workspaces; its app-level token (xapp) serves
// all of them. client_id/client_secret are what OAuth (oauth.v2.access) will check.
struct App {
  std::string id;  // A…
  std::string name;
  std::string client_id;
  std::string client_secret;
  bool home_tab_enabled = true;  // views.publish answers not_enabled when off
  // OAuth installs issue expiring tokens with refresh tokens (Slack's "token rotation").
  bool token_rotation_enabled = false;
  // expires_in of the rotating tokens issued from now on (installs and refreshes), in seconds.
  std::int64_t rotating_token_lifetime = kRotatingTokenLifetime;
};

struct User {
  std::string id;  // U… or W…
  std::string team_id;
  std::string name;
  std::string real_name;
  std::string display_name;
  std::string email;
  std::string image_72;
  bool deleted = false;
  bool is_bot = false;
  bool is_app_user = false;
  std::string bot_id;  // B…, bots only
};

// A public or private channel. DMs are DirectMessage.
struct Channel {
  std::string id;  // C… or G…
  std::string team_id;
  std::string name;
  bool is_archived = false;
  bool bot_is_member = false;  // bot tokens may post only where the bot is a member
};

// An IM between two users, created by conversations.open or by posting to a user id.
struct DirectMessage {
  std::string id;  // D…
  std::string team_id;
  std::string user_a;
  std::string user_b;

  bool has_member(std::string_view user) const { return user == user_a || user == user_b; }
};

enum class TokenKind { bot, user, app };
enum class TokenState { valid, expired, revoked };

struct Token {
  std::string value;
  std::string team_id;
  TokenKind kind = TokenKind::bot;
  std::vector<std::string> scopes;
  std::string user_id;  // bot tokens: the bot user; user tokens: that user; app tokens: empty
  std::string app_id;
  TokenState state = TokenState::valid;
  // Unix seconds after which Slack answers token_expired; rotating tokens only.
  std::optional<std::int64_t> expires_at{};

  bool has_scope(std::string_view scope) const;
  std::string scopes_header() const;  // "a,b,c" as in x-oauth-scopes
};

// A message as the emulator stored it. Posted by chat.postMessage (token set) or an incoming
// webhook (webhook_id set); chat.update rewrites text/blocks and bumps edit_count.
struct Message {
  std::string team_id;
  std::string channel;  // conversation id (C…, G… or D…), never a user id
  std::string ts;
  std::string text;
  std::string blocks_json;     // "" when the message had no blocks
  std::string thread_ts;       // "" for top-level messages
  std::string username;        // honoured only with chat:write.customize
  std::string icon_url;        // honoured only with chat:write.customize
  std::string token;           // the posting token
  std::string author_user_id;  // the bot user for bot tokens, the user for user tokens
  std::string webhook_id;
  int edit_count = 0;
};

struct PublishedView {
  std::string team_id;
  std::string user_id;
  std::string view_id;  // V…
  std::string view_json;
};

enum class WebhookState { active, action_prohibited, removed };

struct IncomingWebhook {
  std::string id;  // the path after /services/, e.g. T0001/B0001/abc
  std::string team_id;
  std::string channel_id;
  WebhookState state = WebhookState::active;
};

// A Socket Mode URL handed out by apps.connections.open. The Socket Mode server accepts each
// ticket once.
struct SocketModeTicket {
  std::string ticket;
  std::string app_id;
  std::string token;
  bool used = false;
};

// OAuth: an authorization code, a refresh token, and who sits at Slack's authorize page.
struct OAuthCode {
  std::string code;
  std::string app_id;
  std::string team_id;
  std::string user_id;  // who approved
  std::string redirect_uri;
  std::string scope;       // bot scopes asked for, comma-separated
  std::string user_scope;  // user scopes asked for, comma-separated
  bool used = false;
};

struct RefreshToken {
  std::string value;
  std::string access_token;  // the token it refreshes; expires when the pair rotates
  bool used = false;         // a refresh token works once
};

// What the person at GET /oauth/v2/authorize does. Tests set it before sending a browser there.
struct OAuthConsent {
  bool approve = true;  // false: redirect back with error=access_denied
  std::string team_id;  // the workspace picked; "" = the request's `team`, else the first one
  std::string user_id;  // who clicks Allow; "" = the first person of that workspace
  std::string webhook_channel_id;  // incoming-webhook channel picked; "" = the first channel
};

// Keyed by string, found by string_view without building a std::string per lookup.
template <typename Value>
using ById = std::map<std::string, Value, std::less<>>;

struct State {
  ById<Workspace> workspaces;             // by id
  ById<App> apps;                         // by id
  ById<User> users;                       // by id (USLACKBOT is implicit in every team)
  ById<Channel> channels;                 // by id
  ById<DirectMessage> direct_messages;    // by id
  ById<Token> tokens;                     // by value
  ById<IncomingWebhook> webhooks;         // by id
  std::vector<Message> messages;          // in posting order
  std::vector<PublishedView> home_views;  // in publishing order
  std::vector<SocketModeTicket> tickets;  // in issuing order
  ById<OAuthCode> oauth_codes;            // by code
  ById<RefreshToken> refresh_tokens;      // by value
  OAuthConsent consent;

  // Convenience for tests and the seed: insert or replace by key.
  void add(Workspace w) { workspaces[w.id] = std::move(w); }
  void add(App a) { apps[a.id] = std::move(a); }
  void add(User u) { users[u.id] = std::move(u); }
  void add(Channel c) { channels[c.id] = std::move(c); }
  void add(Token t) { tokens[t.value] = std::move(t); }
  void add(IncomingWebhook h) { webhooks[h.id] = std::move(h); }

  // Lookups return nullptr when absent. Users and channels are found only within `team_id`.
  const Workspace* find_workspace(std::string_view id) const;
  // USLACKBOT is found in every workspace.
  std::optional<User> find_user(std::string_view team_id, std::string_view id) const;
  // A user of `team_id` as stored in `users`, without a copy (the Web API's hot path). Slackbot is
  // implicit, not stored: find_user() has him.
  const User* find_member(std::string_view team_id, std::string_view id) const;
  // Every user of a team, Slackbot included, ordered by id (the users.list order).
  std::vector<User> users_of_team(std::string_view team_id) const;
  Token* find_token(std::string_view value);
  Channel* find_channel(std::string_view team_id, std::string_view id);
  const DirectMessage* find_dm(std::string_view team_id, std::string_view id) const;
  Message* find_message(std::string_view channel, std::string_view ts);

  // The DM between two users of a team, created on first use with a fresh D… id.
  const DirectMessage& open_dm(const std::string& team_id, const std::string& a,
                               const std::string& b);
  // The latest home view published for a user, if any.
  const PublishedView* latest_home_view(std::string_view user_id) const;
  // Messages of one conversation, oldest first.
  std::vector<Message> messages_in(std::string_view channel) const;

  // Fresh ids and timestamps: unique and increasing across the whole emulator.
  std::string next_id(char prefix);
  // A message ts such as "1732183200.000100": seconds from `unix_seconds`, strictly increasing.
  std::string next_ts(std::int64_t unix_seconds);

 private:
  std::uint64_t id_counter_ = 0;
  std::int64_t last_ts_micros_ = 0;
  // open_dm's index: "team\nuser\nuser" (the two users in sorted order) -> DM id. A scan of
  // direct_messages per chat.postMessage cost the bench's emulator more CPU than the bot it
  // measures once thousands of DMs were open; a hash finds one among thousands in one compare.
  std::unordered_map<std::string, std::string> dm_by_members_;
};

// Slackbot exists in every workspace; users.list and users.info include it as Slack does.
inline constexpr std::string_view kSlackbotId = "USLACKBOT";
User slackbot_user(const std::string& team_id);

}  // namespace bridgebot::emulator
