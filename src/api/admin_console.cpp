#include "bridgebot/api/admin_console.h"

#include <map>
#include <memory>

#include "admin_pages.h"
#include "bridgebot/api/admin_sessions.h"
#include "bridgebot/api/sign_in_throttle.h"
#include "bridgebot/bridge/installation_health.h"
#include "bridgebot/bridge/recipient_check.h"
#include "bridgebot/core/crypto.h"

namespace bridgebot::api {
namespace {

// The seed product's confirmations.
constexpr const char* kCreated = "The Integration has been successfully created";
constexpr const char* kUpdated = "The Integration has been successfully updated";
constexpr const char* kDisconnected = "The Integration has been successfully disconnected";
constexpr const char* kRefreshed = "The token has been refreshed";

using Form = std::map<std::string, std::string>;

// application/x-www-form-urlencoded, as browsers send forms.
Form parse_form(std::string_view body) {
  Form form;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    const auto eq = pair.find('=');
    if (!pair.empty()) {
      form[net::url_decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? std::string() : net::url_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return form;
}

std::string field(const Form& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

net::HttpResponse redirect(const std::string& location) {
  net::HttpResponse response = console_response(303, {});
  response.headers.set("Location", location);
  return response;
}

PageError page_error(const Error& error) {
  return {error.message.empty() ? error.code : error.code + ": " + error.message, error.field,
          bridge::admin_action_for(error.code)};
}

// One console request after the session checks passed.
struct Visit {
  const net::HttpRequest& request;
  const PathParams& params;
  AdminSession session;
  Form form;
};

class AdminConsole : public std::enable_shared_from_this<AdminConsole> {
 public:
  AdminConsole(PlatformApi& api, AdminConsoleDeps deps)
      : api_(api), deps_(std::move(deps)), sessions_(deps_.clock), throttle_(deps_.clock) {}

  void add() {
    Router& router = api_.router();
    router.add("GET", "/admin/login", worker([this](const net::HttpRequest& r, const PathParams&) {
                 return login_form(r);
               }));
    router.add("POST", "/admin/login",
               worker([this](const net::HttpRequest& r, const PathParams&) { return sign_in(r); }));
    router.add("POST", "/admin/logout", page(true, [this](Visit& v) { return sign_out(v); }));
    router.add("GET", "/admin", page(false, [this](Visit& v) { return home(v); }));
    router.add("GET", "/admin/users", page(false, [this](Visit& v) { return lookup(v); }));
    router.add("POST", "/admin/installations", page(true, [this](Visit& v) { return install(v); }));
    router.add("POST", "/admin/installations/{team}/test",
               page(true, [this](Visit& v) { return test(v); }));
    router.add("POST", "/admin/installations/{team}/rotate",
               page(true, [this](Visit& v) { return rotate(v); }));
    router.add("GET", "/admin/installations/{team}/edit",
               page(false, [this](Visit& v) { return edit_form(v); }));
    router.add("POST", "/admin/installations/{team}/edit",
               page(true, [this](Visit& v) { return edit(v); }));
    router.add("GET", "/admin/installations/{team}/disconnect",
               page(false, [this](Visit& v) { return confirm_disconnect(v); }));
    router.add("POST", "/admin/installations/{team}/disconnect",
               page(true, [this](Visit& v) { return disconnect(v); }));
  }

 private:
  using Work = std::function<net::HttpResponse(const net::HttpRequest&, const PathParams&)>;
  using PageWork = std::function<net::HttpResponse(Visit&)>;

  // Runs on the API's worker pool: pages block on the store and on Slack.
  RouteHandler worker(Work work) {
    return [self = shared_from_this(), work = std::move(work)](
               const net::HttpRequest& request, const PathParams& params, net::Responder respond) {
      self->api_.on_worker(std::move(respond),
                           [self, work, request, params] { return work(request, params); });
    };
  }

  // A page behind the sign-in: without a session the sign-in form, with an expired one the
  // sign-in form saying so, a state-changing request without the session's CSRF token a 403.
  RouteHandler page(bool state_changing, PageWork work) {
    return worker([this, state_changing, work = std::move(work)](const net::HttpRequest& request,
                                                                 const PathParams& params) {
      const std::string cookie = cookie_value(request.headers.get("Cookie"), kAdminSessionCookie);
      auto session = cookie.empty() ? std::nullopt : sessions_.find(cookie);
      Form form = state_changing ? parse_form(request.body) : Form{};
      switch (admin_access(cookie, session, state_changing, field(form, "csrf"))) {
        case AdminAccess::sign_in:
          return redirect("/admin/login");
        case AdminAccess::session_expired: {
          auto response = redirect("/admin/login?expired=1");
          response.headers.set("Set-Cookie", cleared_session_cookie(secure(request)));
          return response;
        }
        case AdminAccess::csrf_rejected:
          return console_response(403, forbidden_page());
        case AdminAccess::allowed:
          break;
      }
      Visit visit{request, params, *session, std::move(form)};
      return work(visit);
    });
  }

  bool secure(const net::HttpRequest& request) const {
    return deps_.tls || request.headers.get("X-Forwarded-Proto") == "https";
  }

  std::string socket_mode(std::string_view team_id) const {
    return deps_.socket_mode_state ? deps_.socket_mode_state(team_id) : std::string();
  }

  // ---- sign-in ----

  net::HttpResponse login_form(const net::HttpRequest& request) {
    const std::string cookie = cookie_value(request.headers.get("Cookie"), kAdminSessionCookie);
    if (!cookie.empty() && sessions_.find(cookie)) return redirect("/admin");
    const bool expired = request.query_param("expired") == "1";
    return console_response(
        200, login_page(expired ? "Your session has ended (sessions last 12 hours and end when "
                                  "bridgebot restarts): sign in again."
                                : "",
                        false));
  }

  net::HttpResponse sign_in(const net::HttpRequest& request) {
    const std::string client = client_host(request.remote_address);
    if (const std::int64_t wait = throttle_.retry_after(client); wait > 0) {
      auto refused = console_response(
          429, login_page("Too many wrong admin tokens from your address: sign-in is closed to it "
                          "for " +
                              bridge::duration_text(wait) + ".",
                          true));
      refused.headers.set("Retry-After", std::to_string(wait));
      return refused;
    }
    const std::string token = field(parse_form(request.body), "token");
    const std::string& expected = deps_.config.platform.admin_token;
    if (expected.empty() || token.empty() || !core::constant_time_equal(token, expected)) {
      throttle_.failed(client);
      return console_response(
          401, login_page("That is not the admin token (platform.admin_token in bridgebot's "
                          "configuration).",
                          true));
    }
    throttle_.succeeded(client);
    const AdminSession session = sessions_.create();
    auto response = redirect("/admin");
    response.headers.set("Set-Cookie", session_cookie(session.id, secure(request)));
    return response;
  }

  net::HttpResponse sign_out(Visit& v) {
    sessions_.end(v.session.id);
    auto response = redirect("/admin/login");
    response.headers.set("Set-Cookie", cleared_session_cookie(secure(v.request)));
    return response;
  }

  // ---- the installations page ----

  // The page with every active installation; `adjust` adds what the current action shows.
  net::HttpResponse render(Visit& v, int status,
                           const std::function<void(ConsoleView&)>& adjust = {}) {
    ConsoleView view;
    view.csrf_token = v.session.csrf_token;
    view.notice = sessions_.take_notice(v.session.id);
    view.oauth_enabled = deps_.config.slack.oauth.has_value();
    auto all = deps_.store.list_installations();
    if (!all.ok()) return error_page(all.error());
    for (const auto& inst : *all) {
      if (inst.state != store::InstallationState::active) continue;
      auto usage = deps_.store.team_usage(inst.team_id);
      if (!usage.ok()) return error_page(usage.error());
      auto failing = deps_.store.failing_destinations(inst.team_id);
      if (!failing.ok()) return error_page(failing.error());
      const std::string state = socket_mode(inst.team_id);
      view.cards.push_back(
          {inst, *usage, state,
           bridge::installation_health(inst, deps_.installations.missing_scopes(inst.scopes), state,
                                       *failing, deps_.clock.unix_seconds()),
           std::nullopt, std::nullopt});
    }
    if (adjust) adjust(view);
    return console_response(status, console_page(view));
  }

  static InstallationCard* card_of(ConsoleView& view, const std::string& team_id) {
    for (auto& c : view.cards) {
      if (c.installation.team_id == team_id) return &c;
    }
    return nullptr;
  }

  net::HttpResponse error_page(const Error& error) {
    return console_response(http_status_for(error), failure_page(page_error(error)));
  }

  // After a successful action: back to the list, which shows `notice` once.
  net::HttpResponse done(Visit& v, std::string notice, const std::string& anchor = {}) {
    sessions_.set_notice(v.session.id, std::move(notice));
    return redirect("/admin" + (anchor.empty() ? "" : "#team-" + anchor));
  }

  // The list again, with `error` at the installation the action was for.
  net::HttpResponse failed_at(Visit& v, const std::string& team_id, const Error& error) {
    return render(v, http_status_for(error), [&](ConsoleView& view) {
      if (auto* c = card_of(view, team_id)) {
        c->error = page_error(error);
      } else {
        view.install_error = page_error(error);
      }
    });
  }

  net::HttpResponse home(Visit& v) { return render(v, 200); }

  net::HttpResponse install(Visit& v) {
    const std::string token = field(v.form, "bot_token");
    const std::string domain = field(v.form, "workspace_domain");
    bool created = false;
    auto inst = deps_.installations.install_bot_token(token, domain, &created);
    if (!inst.ok()) {
      return render(v, http_status_for(inst.error()), [&](ConsoleView& view) {
        view.install_domain = domain;
        view.install_error = page_error(inst.error());
      });
    }
    return done(v, created ? kCreated : kUpdated, inst->team_id);
  }

  net::HttpResponse test(Visit& v) {
    const std::string& team = v.params.at("team");
    auto report = deps_.installations.test_connection(team, socket_mode(team));
    if (!report.ok()) return failed_at(v, team, report.error());
    return render(v, 200, [&](ConsoleView& view) {
      if (auto* c = card_of(view, team)) c->test = *report;
    });
  }

  net::HttpResponse rotate(Visit& v) {
    const std::string& team = v.params.at("team");
    auto inst = deps_.installations.rotate(team);
    if (!inst.ok()) return failed_at(v, team, inst.error());
    return done(v, kRefreshed, team);
  }

  Result<store::Installation> installed(const std::string& team_id) {
    auto inst = deps_.store.get_installation(team_id);
    if (!inst.ok()) return inst.error();
    if (!inst->has_value() || (*inst)->state != store::InstallationState::active) {
      return make_error("unknown_team", "workspace " + team_id + " is not installed");
    }
    return **inst;
  }

  net::HttpResponse edit_form(Visit& v) {
    auto inst = installed(v.params.at("team"));
    if (!inst.ok()) return failed_at(v, v.params.at("team"), inst.error());
    return console_response(200, edit_page(v.session.csrf_token, *inst, std::nullopt));
  }

  net::HttpResponse edit(Visit& v) {
    auto inst = installed(v.params.at("team"));
    if (!inst.ok()) return failed_at(v, v.params.at("team"), inst.error());
    // Only what the admin changed: an unchanged domain costs no auth.test.
    bridge::InstallationEdit changes;
    if (const auto domain = field(v.form, "workspace_domain"); domain != inst->domain) {
      changes.workspace_domain = domain;
    }
    if (const auto channel = field(v.form, "notification_channel");
        channel != inst->notification_channel) {
      changes.notification_channel = channel;
    }
    if (const bool identity = field(v.form, "sender_identity") != "off";
        identity != inst->sender_identity) {
      changes.sender_identity = identity;
    }
    auto edited = deps_.installations.edit(inst->team_id, changes);
    if (!edited.ok()) {
      return console_response(http_status_for(edited.error()),
                              edit_page(v.session.csrf_token, *inst, page_error(edited.error())));
    }
    return done(v, kUpdated, inst->team_id);
  }

  net::HttpResponse confirm_disconnect(Visit& v) {
    auto inst = installed(v.params.at("team"));
    if (!inst.ok()) return failed_at(v, v.params.at("team"), inst.error());
    auto usage = deps_.store.team_usage(inst->team_id);
    if (!usage.ok()) return error_page(usage.error());
    return console_response(200, disconnect_page(v.session.csrf_token, *inst, *usage));
  }

  net::HttpResponse disconnect(Visit& v) {
    const std::string& team = v.params.at("team");
    auto outcome = deps_.installations.disconnect(team);
    if (!outcome.ok()) return failed_at(v, team, outcome.error());
    std::string notice = kDisconnected;
    if (!outcome->token_revoked) {
      notice += ". Slack could not revoke the bot token (" + outcome->revoke_error +
                "): revoke it in the app's settings";
    } else if (outcome->user_tokens_revoked < outcome->user_tokens) {
      notice += ". Slack did not revoke " +
                std::to_string(outcome->user_tokens - outcome->user_tokens_revoked) +
                " personal Connect token(s); they were deleted here";
    }
    return done(v, notice);
  }

  net::HttpResponse lookup(Visit& v) {
    const std::string team = v.request.query_param("team");
    const std::string email = v.request.query_param("email");
    auto check =
        bridge::check_recipient(deps_.store, deps_.directory, deps_.config.relay, team, email);
    return render(v, check.ok() ? 200 : http_status_for(check.error()), [&](ConsoleView& view) {
      view.lookup_team = team;
      view.lookup_email = email;
      if (check.ok()) {
        view.lookup = *check;
      } else {
        view.lookup_error = page_error(check.error());
      }
    });
  }

  PlatformApi& api_;
  AdminConsoleDeps deps_;
  AdminSessions sessions_;
  SignInThrottle throttle_;
};

}  // namespace

void add_admin_console(PlatformApi& api, AdminConsoleDeps deps) {
  std::make_shared<AdminConsole>(api, std::move(deps))->add();
}

}  // namespace bridgebot::api
