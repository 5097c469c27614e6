// The per-connection state machine as a table: every state answers every input.
#include "bridgebot/slack/socket_mode_link_state.h"

#include <catch2/catch.hpp>

using namespace bridgebot::slack;
using S = LinkState;
using I = LinkInput;
using A = LinkAction;

TEST_CASE("every state has a defined answer to every input", "[socket_mode][state]") {
  struct Row {
    S state;
    I input;
    S next;
    A action;
  };
  const Row rows[] = {
      // connecting
      {S::connecting, I::hello, S::open, A::mark_open},
      {S::connecting, I::disconnect_warning, S::draining, A::connect_successor},
      {S::connecting, I::disconnect_refresh_requested, S::draining, A::connect_successor},
      {S::connecting, I::disconnect_link_disabled, S::closed, A::stop_link_disabled},
      {S::connecting, I::disconnect_too_many_websockets, S::closed, A::close_and_back_off},
      {S::connecting, I::disconnect_other, S::draining, A::connect_successor},
      {S::connecting, I::envelope, S::connecting, A::ack_and_dispatch},
      {S::connecting, I::unknown_frame, S::connecting, A::none},
      {S::connecting, I::socket_closed, S::closed, A::reconnect_with_backoff},
      // open
      {S::open, I::hello, S::open, A::none},
      {S::open, I::disconnect_warning, S::draining, A::connect_successor},
      {S::open, I::disconnect_refresh_requested, S::draining, A::connect_successor},
      {S::open, I::disconnect_link_disabled, S::closed, A::stop_link_disabled},
      {S::open, I::disconnect_too_many_websockets, S::closed, A::close_and_back_off},
      {S::open, I::disconnect_other, S::draining, A::connect_successor},
      {S::open, I::envelope, S::open, A::ack_and_dispatch},
      {S::open, I::unknown_frame, S::open, A::none},
      {S::open, I::socket_closed, S::closed, A::reconnect_with_backoff},
      // draining
      {S::draining, I::hello, S::draining, A::none},
      {S::draining, I::disconnect_warning, S::draining, A::none},
      {S::draining, I::disconnect_refresh_requested, S::draining, A::none},
      {S::draining, I::disconnect_link_disabled, S::closed, A::stop_link_disabled},
      {S::draining, I::disconnect_too_many_websockets, S::closed, A::close_and_back_off},
      {S::draining, I::disconnect_other, S::draining, A::none},
      {S::draining, I::envelope, S::draining, A::ack_and_dispatch},
      {S::draining, I::unknown_frame, S::draining, A::none},
      {S::draining, I::socket_closed, S::closed, A::forget},
  };
  for (const auto& row : rows) {
    INFO(to_string(row.state) << " x input " << static_cast<int>(row.input));
    auto transition = next_link_state(row.state, row.input);
    CHECK(to_string(transition.next) == to_string(row.next));
    CHECK(to_string(transition.action) == to_string(row.action));
  }
}

TEST_CASE("a closed link ignores everything", "[socket_mode][state]") {
  for (int input = 0; input <= static_cast<int>(I::socket_closed); ++input) {
    auto transition = next_link_state(S::closed, static_cast<I>(input));
    CHECK(transition.next == S::closed);
    CHECK(transition.action == A::none);
  }
}

TEST_CASE("frames map to state machine inputs", "[socket_mode][state]") {
  CHECK(link_input_for(parse_socket_mode_frame(R"({"type":"hello"})")) == I::hello);
  CHECK(link_input_for(parse_socket_mode_frame(R"({"type":"disconnect","reason":"warning"})")) ==
        I::disconnect_warning);
  CHECK(link_input_for(
            parse_socket_mode_frame(R"({"type":"disconnect","reason":"refresh_requested"})")) ==
        I::disconnect_refresh_requested);
  CHECK(link_input_for(parse_socket_mode_frame(
            R"({"type":"disconnect","reason":"link_disabled"})")) == I::disconnect_link_disabled);
  CHECK(link_input_for(
            parse_socket_mode_frame(R"({"type":"disconnect","reason":"too_many_websockets"})")) ==
        I::disconnect_too_many_websockets);
  CHECK(link_input_for(parse_socket_mode_frame(R"({"type":"disconnect"})")) == I::disconnect_other);
  CHECK(link_input_for(parse_socket_mode_frame(R"({"envelope_id":"e","type":"x"})")) ==
        I::envelope);
  CHECK(link_input_for(parse_socket_mode_frame("")) == I::unknown_frame);
}
