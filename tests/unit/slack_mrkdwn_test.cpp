// User text must never ping a group, mention someone, reference a channel or forge a link.
#include <catch2/catch.hpp>

#include "bridgebot/slack/mrkdwn.h"

using bridgebot::slack::escape_mrkdwn;
using bridgebot::slack::truncate_text;

namespace {
const std::string WJ(bridgebot::slack::kWordJoiner);
}

TEST_CASE("escape_mrkdwn defuses every injection attempt", "[slack][mrkdwn]") {
  struct Row {
    std::string input;
    std::string expected;
  };
  const Row rows[] = {
      {"<!channel>", "&lt;!channel&gt;"},
      {"<!here|here>", "&lt;!here|here&gt;"},
      {"<!everyone>", "&lt;!everyone&gt;"},
      {"<@U123>", "&lt;@U123&gt;"},
      {"<#C1|x>", "&lt;#C1|x&gt;"},
      {"<!subteam^S1>", "&lt;!subteam^S1&gt;"},
      {"<!date^1392734382^{date}|x>", "&lt;!date^1392734382^{date}|x&gt;"},
      {"<http://evil|click>", "&lt;http://evil|click&gt;"},
      {"&lt;!channel&gt;", "&amp;lt;!channel&amp;gt;"},  // already escaped stays literal
      {"a & b", "a &amp; b"},
      {"@channel", "@" + WJ + "channel"},
      {"hi @here!", "hi @" + WJ + "here!"},
      {"@everyone", "@" + WJ + "everyone"},
      {"@Here and @CHANNEL", "@" + WJ + "Here and @" + WJ + "CHANNEL"},
      {"(@here)", "(@" + WJ + "here)"},
      {"bob@here.com", "bob@here.com"},  // an email address pings nobody
      {"@ada", "@ada"},
      {"<@U1> says @here & <b>", "&lt;@U1&gt; says @" + WJ + "here &amp; &lt;b&gt;"},
      {"*bold* _it_ ~s~ `code`", "*bold* _it_ ~s~ `code`"},
      {"", ""},
      {"héllo 👋", "héllo 👋"},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    CHECK(escape_mrkdwn(row.input) == row.expected);
  }
}

TEST_CASE("escaped text contains no Slack control sequence at all", "[slack][mrkdwn]") {
  const std::string hostile = "<<!channel>><@U1|x><!here>>&<";
  auto out = escape_mrkdwn(hostile);
  CHECK(out.find('<') == std::string::npos);
  CHECK(out.find('>') == std::string::npos);
}

TEST_CASE("truncate_text keeps short text and cuts long text with an ellipsis", "[slack][mrkdwn]") {
  CHECK(truncate_text("hello", 5) == "hello");
  CHECK(truncate_text("hello", 10) == "hello");
  CHECK(truncate_text("hello world", 5) == "hell…");
  CHECK(truncate_text("hello", 1) == "…");
  CHECK(truncate_text("hello", 0).empty());
  CHECK(truncate_text("", 3).empty());
}

TEST_CASE("truncate_text never splits a UTF-8 code point", "[slack][mrkdwn]") {
  // é (2 bytes), € (3 bytes), 😀 (4 bytes)
  CHECK(truncate_text("éé€€😀😀", 6) == "éé€€😀😀");
  CHECK(truncate_text("éé€€😀😀", 5) == "éé€€…");
  CHECK(truncate_text("😀😀😀", 2) == "😀…");
  CHECK(truncate_text("a😀", 2) == "a😀");
}
