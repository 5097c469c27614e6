#include <catch2/catch.hpp>
#include <string>

#include "bridgebot/bridge/message_builder.h"
#include "bridgebot/core/json.h"
#include "bridgebot/slack/mrkdwn.h"

using namespace bridgebot;
using namespace bridgebot::bridge;

namespace {

PlatformMessage message_with(std::string text, std::string sender_name = "Alice Ng") {
  PlatformMessage m;
  m.id = "msg-1";
  m.sender = {"p-alice", "alice@example.com", std::move(sender_name),
              "https://platform.example/a.png", false};
  m.text = std::move(text);
  m.url = "https://platform.example/m/1";
  m.space_name = "Design floor";
  return m;
}

const std::string kLink = "<https://platform.example/m/1|Open in platform>";

// The text with the trusted link back removed: what is left came from the platform.
std::string without_link(const std::string& text) {
  auto at = text.rfind("\n" + kLink);
  REQUIRE(at != std::string::npos);
  return text.substr(0, at);
}

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Every mrkdwn text of a blocks array, concatenated.
std::string block_texts(const std::string& blocks_json) {
  auto doc = core::parse_json(blocks_json);
  REQUIRE(doc.ok());
  REQUIRE(doc->IsArray());
  std::string out;
  for (const auto& block : doc->GetArray()) {
    if (const auto* text = core::json_object(block, "text"))
      out += core::json_string_or(*text, "text");
    if (const auto* elements = core::json_array(block, "elements")) {
      for (const auto& e : elements->GetArray()) out += core::json_string_or(e, "text");
    }
  }
  return out;
}

}  // namespace

TEST_CASE("relayed text can never ping, mention or forge a link", "[bridge][message]") {
  const char* attacks[] = {
      "<!channel> look", "hi <@U1>",     "see <#C1>",     "ping <!subteam^S1>",
      "<http://evil|x>", "<!here|here>", "a > b & c < d", "&lt;!channel&gt;",
      "<!everyone>",     "<!date^1|x>",
  };
  for (const char* attack : attacks) {
    CAPTURE(attack);
    const SlackMessage fallback = build_fallback_dm(message_with(attack));
    const std::string platform_part = without_link(fallback.text);
    CHECK(platform_part.find('<') == std::string::npos);
    CHECK(platform_part.find('>') == std::string::npos);
    CHECK(block_texts(fallback.blocks_json).find("<!") == std::string::npos);

    // In the linked case the only control sequence is the sender's own mention.
    const SlackMessage linked = build_linked_sender_dm(message_with(attack), "U9", false);
    const std::string body = without_link(linked.text);
    CHECK(body.rfind("<@U9> mentioned you in Design floor:", 0) == 0);
    CHECK(body.find('<', 1) == std::string::npos);
  }
}

TEST_CASE("bare @here, @channel and @everyone are defused, emails are not", "[bridge][message]") {
  const SlackMessage m = build_fallback_dm(message_with("@here @Channel and bob@here.com"));
  CHECK(m.text.find("@" + std::string(slack::kWordJoiner) + "here") != std::string::npos);
  CHECK(m.text.find("@" + std::string(slack::kWordJoiner) + "Channel") != std::string::npos);
  CHECK(m.text.find("bob@here.com") != std::string::npos);
}

TEST_CASE("the fallback names the sender in escaped plain text, guests marked",
          "[bridge][message]") {
  PlatformMessage m = message_with("hello", "Alice <b> & <@U1>");
  CHECK(build_fallback_dm(m).text.rfind(
            "Alice &lt;b&gt; &amp; &lt;@U1&gt; mentioned you in Design floor:\nhello", 0) == 0);
  m.sender.external = true;
  m.sender.name = "Alice Ng";
  CHECK(build_fallback_dm(m).text.rfind("Alice Ng (guest) mentioned you in Design floor:", 0) == 0);
  m.sender.name = "";
  CHECK(build_fallback_dm(m).text.rfind("Someone (guest) mentioned you", 0) == 0);
}

TEST_CASE("the linked sender's name and avatar show only when allowed", "[bridge][message]") {
  const PlatformMessage m = message_with("hi");
  const SlackMessage shown = build_linked_sender_dm(m, "U1", true);
  CHECK(shown.username == "Alice Ng");
  CHECK(shown.icon_url == "https://platform.example/a.png");
  CHECK(shown.text == "<@U1> mentioned you in Design floor:\nhi\n" + kLink);

  const SlackMessage hidden = build_linked_sender_dm(m, "U1", false);
  CHECK(hidden.username.empty());
  CHECK(hidden.icon_url.empty());
}

TEST_CASE("the sender's copy and the connected post", "[bridge][message]") {
  const PlatformMessage m = message_with("hi <@U1>");
  CHECK(build_sender_copy(m, "U2").text ==
        "you \u2192 <@U2> in Design floor:\nhi &lt;@U1&gt;\n" + kLink);
  // Posted as the sender: no header, since the message is from them.
  CHECK(build_connected_sender_post(m).text == "hi &lt;@U1&gt;\n" + kLink);
}

TEST_CASE("the link back cannot be broken by the url", "[bridge][message]") {
  CHECK(slack_link("https://x.example/a|b>c<d e&f", "Open") ==
        "<https://x.example/a%7Cb%3Ec%3Cd%20e&amp;f|Open>");
  CHECK(slack_link("https://x.example/", "a|<b>") == "<https://x.example/|a|&lt;b&gt;>");
  CHECK(slack_link("javascript:alert(1)", "Open").empty());
  CHECK(slack_link("", "Open").empty());

  PlatformMessage m = message_with("hi");
  m.url = "ftp://nope";
  const SlackMessage no_link = build_fallback_dm(m);
  CHECK(no_link.text.find('<') == std::string::npos);
  CHECK(block_texts(no_link.blocks_json).find("Open in platform") == std::string::npos);
}

TEST_CASE("long text is cut with an ellipsis and the link is kept", "[bridge][message]") {
  const SlackMessage m = build_fallback_dm(message_with(std::string(10'000, '&')));
  CHECK(code_points(m.text) <= kMaxTextChars);
  CHECK(m.text.size() > 3'000);
  const std::string body = without_link(m.text);
  CHECK(body.substr(body.size() - slack::kEllipsis.size()) == slack::kEllipsis);
  // Never half an entity before the ellipsis.
  CHECK(body.substr(body.size() - slack::kEllipsis.size() - 5, 5) == "&amp;");

  auto doc = core::parse_json(m.blocks_json);
  REQUIRE(doc.ok());
  const std::string section = (*doc)[0]["text"]["text"].GetString();
  CHECK(code_points(section) <= kMaxSectionChars);
  CHECK(block_texts(m.blocks_json).find(kLink) != std::string::npos);
}

TEST_CASE("notifications show title, severity, fields and link", "[bridge][message]") {
  PlatformNotification n;
  n.title = "Ticket #42 <created>";
  n.text = "Printer on fire <!channel>";
  n.severity = "critical";
  n.url = "https://helpdesk.example/t/42";
  for (int i = 0; i < 12; ++i)
    n.fields.push_back({"F" + std::to_string(i), "<@U" + std::to_string(i) + ">"});

  const SlackMessage m = build_notification(n);
  CHECK(m.text.rfind(":rotating_light: *Critical* *Ticket #42 &lt;created&gt;*\n", 0) == 0);
  CHECK(m.text.find("<!channel>") == std::string::npos);
  CHECK(m.text.find("<https://helpdesk.example/t/42|Open in platform>") != std::string::npos);

  auto doc = core::parse_json(m.blocks_json);
  REQUIRE(doc.ok());
  const auto& blocks = doc->GetArray();
  REQUIRE(blocks.Size() == 4);
  CHECK(std::string(blocks[0]["type"].GetString()) == "header");
  // plain_text renders literally: no escaping, or the user would see "&lt;".
  CHECK(std::string(blocks[0]["text"]["text"].GetString()) == "Ticket #42 <created>");
  CHECK(std::string(blocks[1]["text"]["text"].GetString()) ==
        ":rotating_light: *Critical*\nPrinter on fire &lt;!channel&gt;");
  const auto& fields = blocks[2]["fields"];
  CHECK(fields.Size() == kMaxFields);
  CHECK(std::string(fields[0]["text"].GetString()) == "*F0*\n&lt;@U0&gt;");
  CHECK(std::string(blocks[3]["type"].GetString()) == "context");

  n.severity = "";
  n.fields.clear();
  n.title.clear();
  CHECK(build_notification(n).text.rfind(":information_source: *Info*\n", 0) == 0);
}

TEST_CASE("the home tab says whether the user is linked", "[bridge][message]") {
  for (bool linked : {false, true}) {
    auto doc = core::parse_json(build_home_view({linked, false}));
    REQUIRE(doc.ok());
    CHECK(std::string((*doc)["type"].GetString()) == "home");
    CHECK((*doc)["blocks"].Size() <= 100);
    const std::string text = (*doc)["blocks"][1]["text"]["text"].GetString();
    CHECK((text.find("not linked") != std::string::npos) == !linked);
  }
}

TEST_CASE("a long link never breaks the message: every block stays within Slack's limits",
          "[bridge][message]") {
  // '&' escapes to "&amp;": a 2,000-character url (the contract allows 2,048) becomes a link of
  // over 4,000 or 10,000 characters.
  for (std::size_t ampersands : {std::size_t{800}, std::size_t{2000}}) {
    PlatformMessage message = message_with(std::string(5'000, 'x'));
    message.url = "https://platform.example/?" + std::string(ampersands, '&');
    INFO("link: " << slack_link(message.url, "Open in platform").size() << " characters");
    REQUIRE(slack_link(message.url, "Open in platform").size() > 4'000);
    PlatformNotification notification;
    notification.id = "n-1";
    notification.title = "Long";
    notification.text = std::string(5'000, 'y');
    notification.url = message.url;
    for (const SlackMessage& m :
         {build_fallback_dm(message), build_connected_sender_post(message),
          build_sender_copy(message, "U0002"), build_notification(notification)}) {
      CHECK(code_points(m.text) <= kMaxTextChars);
      auto doc = core::parse_json(m.blocks_json);
      REQUIRE(doc.ok());
      for (const auto& block : doc->GetArray()) {
        if (const auto* text = core::json_object(block, "text")) {
          CHECK(code_points(core::json_string_or(*text, "text")) <= kMaxSectionChars);
        }
        if (const auto* elements = core::json_array(block, "elements")) {
          for (const auto& e : elements->GetArray()) {
            CHECK(code_points(core::json_string_or(e, "text")) <= kMaxContextChars);
          }
        }
      }
      // The text itself still arrives, cut with an ellipsis.
      const bool text_kept =
          m.text.find("xxxx") != std::string::npos || m.text.find("yyyy") != std::string::npos;
      CHECK(text_kept);
    }
  }
}

TEST_CASE("a link that fits a context element is kept, with the text cut around it",
          "[bridge][message]") {
  PlatformMessage message = message_with(std::string(5'000, 'x'));
  message.url = "https://platform.example/?" + std::string(2'900 - 60, 'q');
  const std::string link = slack_link(message.url, "Open in platform");
  REQUIRE(link.size() <= kMaxContextChars);
  const SlackMessage m = build_fallback_dm(message);
  CHECK(code_points(m.text) <= kMaxTextChars);
  CHECK(m.text.substr(m.text.size() - link.size()) == link);
  CHECK(block_texts(m.blocks_json).find(link) != std::string::npos);
}
