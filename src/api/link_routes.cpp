#include "bridgebot/api/link_routes.h"

#include "bridgebot/api/request_parsing.h"
#include "bridgebot/bridge/relay_rules.h"
#include "bridgebot/core/json.h"

namespace bridgebot::api {
namespace {

std::string link_json(const store::Link& link) {
  return "{\"linked\":true,\"slack_user_id\":" + core::json_quote(link.slack_user_id) +
         ",\"team_id\":" + core::json_quote(link.team_id) +
         ",\"email\":" + core::json_quote(link.email) +
         ",\"connected\":" + (link.user_token ? "true" : "false") + "}";
}

net::HttpResponse failure(const Error& e) {
  return error_response(http_status_for(e), e);
}

}  // namespace

void add_link_routes(PlatformApi& api, LinkRouteDeps deps) {
  auto shared = std::make_shared<LinkRouteDeps>(std::move(deps));
  const std::string path = "/v1/users/{user_id}/link";

  api.router().add(
      "PUT", path,
      api.signed_route([&api, shared](const net::HttpRequest& request, const PathParams& params,
                                      net::Responder respond) {
        auto body = parse_link_request(request.body);
        if (!body.ok()) {
          respond(error_response(400, body.error()));
          return;
        }
        api.on_worker(std::move(respond), [shared, user = params.at("user_id"),
                                           body = std::move(*body)] {
          auto team = shared->acceptor.resolve_team(body.team_id);
          if (!team.ok()) return failure(team.error());
          const std::string email = bridge::normalize_email(body.email);
          auto found = shared->directory.find_by_email(*team, email);
          if (!found.ok()) return failure(found.error());
          if (!found->has_value()) {
            return error_response(404, "slack_user_not_found",
                                  "no active Slack user in " + *team + " has the email " + email);
          }
          store::Link link;
          link.team_id = *team;
          link.platform_user_id = user;
          link.slack_user_id = (*found)->slack_user_id;
          link.email = email;
          link.linked_at = shared->clock.unix_seconds();
          // Re-linking the same Slack account keeps a personal Connect token.
          auto existing = shared->store.get_link(*team, user);
          if (existing.ok() && existing->has_value() &&
              (*existing)->slack_user_id == link.slack_user_id) {
            link.user_token = (*existing)->user_token;
          }
          if (auto put = shared->store.put_link(link); !put.ok()) return failure(put.error());
          return json_response(200, link_json(link));
        });
      }));

  api.router().add(
      "GET", path,
      api.signed_route([&api, shared](const net::HttpRequest& request, const PathParams& params,
                                      net::Responder respond) {
        api.on_worker(std::move(respond), [shared, user = params.at("user_id"),
                                           team_id = request.query_param("team_id")] {
          auto team = shared->acceptor.resolve_team(team_id);
          if (!team.ok()) return failure(team.error());
          auto link = shared->store.get_link(*team, user);
          if (!link.ok()) return failure(link.error());
          if (!link->has_value()) {
            return error_response(404, "not_linked", user + " is not linked in " + *team);
          }
          return json_response(200, link_json(**link));
        });
      }));

  api.router().add(
      "DELETE", path,
      api.signed_route([&api, shared](const net::HttpRequest& request, const PathParams& params,
                                      net::Responder respond) {
        api.on_worker(std::move(respond), [shared, user = params.at("user_id"),
                                           team_id = request.query_param("team_id")] {
          auto team = shared->acceptor.resolve_team(team_id);
          if (!team.ok()) return failure(team.error());
          if (shared->revoke_user_token) shared->revoke_user_token(*team, user);
          auto deleted = shared->store.delete_link(*team, user);
          if (!deleted.ok()) return failure(deleted.error());
          if (!*deleted)
            return error_response(404, "not_linked", user + " is not linked in " + *team);
          net::HttpResponse response;
          response.status = 204;
          return response;
        });
      }));
}

}  // namespace bridgebot::api
