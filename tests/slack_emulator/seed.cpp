#include "slack_emulator/seed.h"

namespace bridgebot::emulator {
namespace {

User person(std::string id, std::string name, std::string real_name, std::string email) {
  User user;
  user.id = std::move(id);
  user.team_id = "T0001";
  user.display_name = name;
  user.name = std::move(name);
  user.real_name = std::move(real_name);
  user.email = std::move(email);
  user.image_72 = "https://avatars.example.com/" + user.name + "_72.png";
  return user;
}

}  // namespace

DemoWorkspace seed_demo_workspace(Emulator& emulator) {
  DemoWorkspace demo;
  demo.team_id = "T0001";
  demo.app_id = "A0001";
  demo.bot_user_id = "U0BOT";
  demo.bot_token = "xoxb-test-acme-bot";
  demo.app_token = "xapp-test-acme-app";
  demo.user_token = "xoxp-test-acme-alice";
  demo.webhook_id = "T0001/B0WEBHOOK/test-webhook";
  demo.general_channel = "C0001";
  demo.helpdesk_channel = "C0002";
  demo.archived_channel = "C0003";

  emulator.with_state([&](State& state) {
    state.add(Workspace{demo.team_id, "acme", "acme"});
    state.add(App{demo.app_id, "bridgebot", "1111.2222", "test-client-secret", true});

    state.add(person("U0001", "alice", "Alice Archer", "alice@example.com"));
    state.add(person("U0002", "bob", "Bob Baker", "bob@example.com"));
    state.add(person("U0003", "carol", "Carol Carter", "carol@example.com"));
    User gone = person("U0004", "dave", "Dave Departed", "dave@example.com");
    gone.deleted = true;
    state.add(gone);
    User bot = person(demo.bot_user_id, "bridgebot", "bridgebot", "");
    bot.is_bot = true;
    bot.bot_id = "B0001";
    state.add(bot);

    state.add(Channel{demo.general_channel, demo.team_id, "general", false, false});
    state.add(Channel{demo.helpdesk_channel, demo.team_id, "helpdesk", false, true});
    state.add(Channel{demo.archived_channel, demo.team_id, "old-announcements", true, true});

    Token bot_token{
        demo.bot_token,
        demo.team_id,
        TokenKind::bot,
        {"users:read", "users:read.email", "chat:write", "chat:write.customize", "im:write"},
        demo.bot_user_id,
        demo.app_id};
    state.add(bot_token);
    state.add(Token{
        demo.app_token, demo.team_id, TokenKind::app, {"connections:write"}, "", demo.app_id});
    state.add(Token{
        demo.user_token, demo.team_id, TokenKind::user, {"chat:write"}, "U0001", demo.app_id});

    state.add(IncomingWebhook{demo.webhook_id, demo.team_id, demo.general_channel});
  });
  return demo;
}

}  // namespace bridgebot::emulator
