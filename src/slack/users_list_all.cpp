#include <set>

#include "bridgebot/slack/slack_api.h"

namespace bridgebot::slack {

Result<std::vector<SlackUser>> users_list_all(SlackApi& api, const TeamToken& auth, int page_size) {
  std::vector<SlackUser> users;
  std::set<std::string> cursors_seen;
  std::string cursor;
  do {
    auto page = api.users_list(auth, cursor, page_size);
    if (!page.ok()) return page.error();
    for (auto& user : page->members) users.push_back(std::move(user));
    // Only an empty next_cursor ends the walk; a short page does not.
    cursor = std::move(page->next_cursor);
    if (!cursor.empty() && !cursors_seen.insert(cursor).second) {
      return make_error("invalid_response", "users.list handed out the same cursor twice");
    }
  } while (!cursor.empty());
  return users;
}

}  // namespace bridgebot::slack
