// chat.postMessage and chat.update.
#include <algorithm>

#include "web_api.h"

namespace bridgebot::emulator {
namespace {

constexpr std::size_t kMaxPostTextChars = 40'000;
constexpr std::size_t kMaxUpdateTextChars = 4'000;  // chat.update refuses what posting truncates
constexpr rapidjson::SizeType kMaxBlocks = 50;

// Slack counts characters, not bytes.
std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// The conversation id a message for `channel` lands in, or the Slack error. A user id resolves
// to a DM: with a user token, between the token's user and that user; with a bot token, the
// user's DM with the bot (or with Slackbot, per Behaviour).
Result<std::string> resolve_post_target(MethodCall& call, const std::string& channel) {
  const std::string& team = call.workspace.id;
  if (channel.empty()) return make_error("channel_not_found");
  if (channel[0] == 'U' || channel[0] == 'W') {
    if (channel != kSlackbotId) {  // Slackbot is in every workspace and never deleted
      const User* user = call.state.find_member(team, channel);
      if (!user || user->deleted) return make_error("channel_not_found");
    }
    std::string sender = call.token.user_id;
    if (call.token.kind == TokenKind::bot && !call.options.behaviour.user_id_posts_to_bot_dm) {
      sender = std::string(kSlackbotId);
    }
    return call.state.open_dm(team, sender, channel).id;
  }
  if (channel[0] == 'D') {
    const DirectMessage* dm = call.state.find_dm(team, channel);
    if (!dm || !dm->has_member(call.token.user_id)) return make_error("channel_not_found");
    return dm->id;
  }
  const Channel* found = call.state.find_channel(team, channel);
  if (!found) return make_error("channel_not_found");
  if (found->is_archived) return make_error("is_archived");
  if (call.token.kind == TokenKind::bot && !found->bot_is_member) {
    return make_error("not_in_channel");
  }
  return found->id;
}

// The conversation chat.update may edit in: a conversation id only, never a user id.
Status check_update_target(MethodCall& call, const std::string& channel) {
  const std::string& team = call.workspace.id;
  if (const DirectMessage* dm = call.state.find_dm(team, channel)) {
    return dm->has_member(call.token.user_id) ? Status::success()
                                              : slack_error("channel_not_found");
  }
  const Channel* found = call.state.find_channel(team, channel);
  if (!found) return slack_error("channel_not_found");
  if (found->is_archived) return slack_error("is_archived");
  return Status::success();
}

// The blocks given, parsed with the reply's allocator (null when none, or an empty array), or
// invalid_blocks. The message keeps them as normalised JSON text; the reply takes this value as
// it is rather than parsing that text again.
Result<rapidjson::Value> read_blocks(MethodCall& call) {
  std::string text = call.params.get("blocks");
  if (text.empty()) return rapidjson::Value{};
  auto blocks = parse_json(text, call.allocator());
  if (!blocks || !blocks->IsArray() || blocks->Size() > kMaxBlocks) {
    return make_error("invalid_blocks");
  }
  if (blocks->Size() == 0) return rapidjson::Value{};
  return std::move(*blocks);
}

std::string blocks_text(const rapidjson::Value& blocks) {
  return blocks.IsNull() ? std::string{} : to_json(blocks);
}

// `blocks`: the message's blocks as read_blocks() gave them.
rapidjson::Value message_json(const Message& message, rapidjson::Value blocks, const State& state,
                              JsonAllocator& alloc) {
  rapidjson::Value json(rapidjson::kObjectType);
  add_string(json, "type", "message", alloc);
  add_string(json, "text", message.text, alloc);
  add_string(json, "user", message.author_user_id, alloc);
  // Slackbot (implicit, never stored) has no bot_id.
  const User* author = message.author_user_id == kSlackbotId
                           ? nullptr
                           : state.find_member(message.team_id, message.author_user_id);
  if (author && !author->bot_id.empty()) add_string(json, "bot_id", author->bot_id, alloc);
  add_string(json, "ts", message.ts, alloc);
  if (!message.thread_ts.empty()) add_string(json, "thread_ts", message.thread_ts, alloc);
  if (!blocks.IsNull()) add_member(json, "blocks", std::move(blocks), alloc);
  return json;
}

}  // namespace

Status chat_post_message(MethodCall& call) {
  auto target = resolve_post_target(call, call.params.get("channel"));
  if (!target) return target.error();
  auto blocks = read_blocks(call);
  if (!blocks) return blocks.error();
  std::string text = call.params.get("text");
  if (text.empty() && blocks->IsNull()) return slack_error("no_text");
  if (utf8_length(text) > kMaxPostTextChars) return slack_error("msg_too_long");

  Message message;
  message.team_id = call.workspace.id;
  message.channel = *target;
  message.ts = call.state.next_ts(call.clock.unix_seconds());
  message.text = std::move(text);
  message.blocks_json = blocks_text(*blocks);
  message.thread_ts = call.params.get("thread_ts");
  if (call.token.has_scope("chat:write.customize")) {
    message.username = call.params.get("username");
    message.icon_url = call.params.get("icon_url");
  }
  message.token = call.token.value;
  message.author_user_id = call.token.user_id;
  const Message& stored = call.state.messages.emplace_back(std::move(message));

  auto& alloc = call.allocator();
  add_string(call.reply, "channel", stored.channel, alloc);
  add_string(call.reply, "ts", stored.ts, alloc);
  add_member(call.reply, "message", message_json(stored, std::move(*blocks), call.state, alloc),
             alloc);
  return Status::success();
}

Status chat_update(MethodCall& call) {
  std::string channel = call.params.get("channel");
  if (auto target = check_update_target(call, channel); !target) return target;
  Message* message = call.state.find_message(channel, call.params.get("ts"));
  if (!message) return slack_error("message_not_found");
  if (message->author_user_id != call.token.user_id) return slack_error("cant_update_message");
  auto blocks = read_blocks(call);
  if (!blocks) return blocks.error();
  std::string text = call.params.get("text");
  if (text.empty() && blocks->IsNull()) return slack_error("no_text");
  if (utf8_length(text) > kMaxUpdateTextChars) return slack_error("msg_too_long");

  message->text = std::move(text);
  message->blocks_json = blocks_text(*blocks);
  ++message->edit_count;

  auto& alloc = call.allocator();
  add_string(call.reply, "channel", message->channel, alloc);
  add_string(call.reply, "ts", message->ts, alloc);
  add_string(call.reply, "text", message->text, alloc);
  add_member(call.reply, "message", message_json(*message, std::move(*blocks), call.state, alloc),
             alloc);
  return Status::success();
}

}  // namespace bridgebot::emulator
