#include <catch2/catch.hpp>

#include "bridgebot/api/request_parsing.h"

using namespace bridgebot;

namespace {

// The contract's example message.
const char* kExample = R"({
  "id": "msg-8812", "team_id": "T0001",
  "sender": {"id": "p-alice", "email": "alice@example.com", "name": "Alice Ng",
             "avatar_url": "https://platform.example/a.png", "external": false},
  "mentions": [{"type": "user", "id": "p-bob", "email": "bob@example.com", "name": "Bob"}],
  "text": "@Bob can you look at the release notes?",
  "url": "https://platform.example/spaces/42/messages/8812",
  "space": {"id": "42", "name": "Design floor"},
  "sent_at": "2026-11-21T10:00:00Z", "unknown_field": [1, 2, 3]
})";

std::string field_of(const Result<bridge::PlatformMessage>& r) {
  REQUIRE_FALSE(r.ok());
  return r.error().code + " " + r.error().field;
}

}  // namespace

TEST_CASE("the contract's example message parses completely", "[api][parsing]") {
  auto m = api::parse_message(kExample);
  REQUIRE(m.ok());
  CHECK(m->id == "msg-8812");
  CHECK(m->team_id == "T0001");
  CHECK(m->sender.name == "Alice Ng");
  CHECK_FALSE(m->sender.external);
  REQUIRE(m->mentions.size() == 1);
  CHECK(m->mentions[0].type == bridge::MentionType::user);
  CHECK(m->mentions[0].email == "bob@example.com");
  CHECK(m->space_name == "Design floor");
  CHECK(m->url == "https://platform.example/spaces/42/messages/8812");
}

TEST_CASE("message problems name the JSON path at fault", "[api][parsing]") {
  CHECK(api::parse_message("{not json").error().code == "invalid_json");
  CHECK(api::parse_message("[1]").error().code == "invalid_json");
  CHECK(field_of(api::parse_message(R"({"sender":{"id":"a"},"text":"x"})")) == "invalid_field id");
  CHECK(field_of(api::parse_message(R"({"id":7,"sender":{"id":"a"},"text":"x"})")) ==
        "invalid_field id");
  CHECK(field_of(api::parse_message(R"({"id":")" + std::string(129, 'x') +
                                    R"(","sender":{"id":"a"},"text":"x"})")) == "invalid_field id");
  CHECK(field_of(api::parse_message(R"({"id":"m","text":"x"})")) == "invalid_field sender");
  CHECK(field_of(
            api::parse_message(R"({"id":"m","sender":{"id":"a","external":"no"},"text":"x"})")) ==
        "invalid_field sender.external");
  CHECK(
      field_of(api::parse_message(
          R"({"id":"m","sender":{"id":"a"},"text":"x","mentions":[{"type":"user","id":"b"},{"type":"robot"}]})")) ==
      "invalid_field mentions[1].type");
  CHECK(field_of(api::parse_message(
            R"({"id":"m","sender":{"id":"a"},"text":"x","mentions":[{"type":"user"}]})")) ==
        "invalid_field mentions[0].id");
  CHECK(field_of(api::parse_message(R"({"id":"m","sender":{"id":"a"}})")) == "invalid_field text");
  CHECK(field_of(api::parse_message(
            R"J({"id":"m","sender":{"id":"a"},"text":"x","url":"javascript:alert(1)"})J")) ==
        "invalid_field url");
}

TEST_CASE("notifications parse with defaults and validated fields", "[api][parsing]") {
  auto n = api::parse_notification(R"({"id":"evt-77","route":"helpdesk","title":"Ticket #42",
    "fields":[{"title":"Priority","value":"Urgent"}],"thread_key":"ticket-42"})");
  REQUIRE(n.ok());
  CHECK(n->severity == "info");
  CHECK(n->fields.size() == 1);
  CHECK(n->thread_key == "ticket-42");

  auto bad_severity =
      api::parse_notification(R"({"id":"e","route":"r","title":"t","severity":"fatal"})");
  CHECK(bad_severity.error().field == "severity");
  auto no_words = api::parse_notification(R"({"id":"e","route":"r"})");
  CHECK(no_words.error().field == "title");
  auto no_route = api::parse_notification(R"({"id":"e","title":"t"})");
  CHECK(no_route.error().field == "route");
  std::string many = R"({"id":"e","route":"r","title":"t","fields":[)";
  for (int i = 0; i < 11; ++i) many += std::string(i ? "," : "") + R"({"title":"a","value":"b"})";
  CHECK(api::parse_notification(many + "]}").error().field == "fields");
}

TEST_CASE("link requests need an email", "[api][parsing]") {
  auto ok = api::parse_link_request(R"({"email":" Bob@Example.com ","team_id":"T0001"})");
  REQUIRE(ok.ok());
  CHECK(ok->team_id == "T0001");
  CHECK(api::parse_link_request(R"({"team_id":"T0001"})").error().field == "email");
  CHECK(api::parse_link_request(R"({"email":"bob"})").error().field == "email");
}

TEST_CASE("NUL in a string field is refused naming the field", "[api][parsing]") {
  const std::string sender = R"("sender":{"id":"p-alice"},"mentions":[],"text":"hi")";
  CHECK(field_of(api::parse_message(R"({"id":"a\u0000x",)" + sender + "}")) == "invalid_field id");
  CHECK(
      field_of(api::parse_message(
          R"({"id":"m","sender":{"id":"p-alice","email":"a\u0000@x"},"mentions":[],"text":"hi"})")) ==
      "invalid_field sender.email");
  CHECK(
      field_of(api::parse_message(
          R"({"id":"m","sender":{"id":"p"},"mentions":[{"type":"user","name":"B\u0000b","id":"p-bob"}],"text":"hi"})")) ==
      "invalid_field mentions[0].name");
  CHECK(field_of(api::parse_message(R"({"id":"m",)" + sender.substr(0, sender.size() - 11) +
                                    R"("text":"h\u0000i"})")) == "invalid_field text");
  auto notification = api::parse_notification(R"({"id":"n","route":"r\u0000","title":"t"})");
  REQUIRE_FALSE(notification.ok());
  CHECK(notification.error().field == "route");
  auto link = api::parse_link_request(R"({"email":"bob@example.com\u0000"})");
  REQUIRE_FALSE(link.ok());
  CHECK(link.error().field == "email");
}

TEST_CASE("a \\u escape that unescapes to no character is refused naming the field",
          "[api][parsing]") {
  // A lone surrogate: RapidJSON unescapes it to bytes that are not UTF-8. Other escapes in the
  // same body (\u00e9 is a character) are fine.
  auto lone = api::parse_message(
      R"({"id":"m","sender":{"id":"p","name":"Ren\u00e9e"},"mentions":[{"type":"user","id":"p-bob"}],)"
      R"("text":"hi \udc00 there"})");
  CHECK(field_of(lone) == "invalid_field text");
  CHECK(lone.error().message.find("UTF-8") != std::string::npos);
  auto nested = api::parse_notification(
      R"({"id":"n","route":"r","title":"t","fields":[{"title":"a\udc00b","value":"v"}]})");
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.error().field == "fields[0].title");
  auto named = api::parse_message(
      R"({"id":"m","sender":{"id":"p","name":"Ren\u00e9e"},"mentions":[{"type":"user","id":"p-bob"}],)"
      R"("text":"caf\u00e9 \ud83d\ude00"})");
  REQUIRE(named.ok());
  CHECK(named->sender.name ==
        "Ren\xc3\xa9"
        "e");
  CHECK(named->text == "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST_CASE("invalid UTF-8 and deep nesting are invalid_json", "[api][parsing]") {
  const std::string bad_utf8 = "{\"id\":\"m\xff\",\"sender\":{\"id\":\"p\"},\"text\":\"hi\"}";
  auto m = api::parse_message(bad_utf8);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().code == "invalid_json");
  auto deep = api::parse_message(std::string(200'000, '['));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().code == "invalid_json");
}
