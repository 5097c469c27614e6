#include "admin_pages.h"

#include "html_page.h"

namespace bridgebot::api {
namespace {

constexpr const char* kStyle =
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;"
    "line-height:1.4}header{display:flex;justify-content:space-between;align-items:center}"
    "article{border:1px solid #bbb;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dd{margin:0}"
    ".notice{background:#e6f4ea;padding:.5rem}.error{background:#fce8e6;padding:.5rem}"
    ".actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}form{margin:.3rem 0}"
    "label{display:block;margin-top:.5rem}a:focus,button:focus,input:focus,select:focus{"
    "outline:3px solid #1a73e8}.ok{color:#137333}.bad{color:#a50e0e}";

std::string h(std::string_view text) {
  return html_escape(text);
}

std::string document(std::string_view title, const std::string& body) {
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width,initial-scale=1\"><title>" +
         h(title) + " - bridgebot admin</title><style>" + kStyle + "</style></head><body>" + body +
         "</body></html>\n";
}

std::string csrf_field(const std::string& token) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + h(token) + "\">";
}

// A form with one button that POSTs to `action` (Test Connection, Re-generate, sign out).
std::string button_form(const std::string& action, const std::string& csrf,
                        const std::string& label) {
  return "<form method=\"post\" action=\"" + h(action) + "\">" + csrf_field(csrf) +
         "<button type=\"submit\">" + h(label) + "</button></form>";
}

std::string error_box(const PageError& error) {
  std::string out = "<div class=\"error\" role=\"alert\"><p>" + h(error.message);
  if (!error.field.empty()) out += " (field: " + h(error.field) + ")";
  out += "</p>";
  if (!error.action.empty()) out += "<p>Next step: " + h(error.action) + "</p>";
  return out + "</div>";
}

std::string header(const std::string& csrf) {
  return "<header><h1>Slack integrations</h1>" + button_form("/admin/logout", csrf, "Sign out") +
         "</header>";
}

std::string team_path(const store::Installation& inst, std::string_view action) {
  return "/admin/installations/" + net::url_encode(inst.team_id) + "/" + std::string(action);
}

std::string test_result(const bridge::ConnectionReport& r) {
  std::string out = "<div class=\"test-result\" role=\"status\">";
  if (r.ok) {
    out += "<p class=\"ok\">Test Connection: the connection works (workspace " + h(r.domain) +
           ", bot user " + h(r.bot_user_id) + (r.socket_mode.empty() ? "" : ", Socket Mode ") +
           h(r.socket_mode) + ").</p>";
  } else {
    out += "<p class=\"bad\">Test Connection failed: " + h(r.error) + ": " + h(r.message) +
           "</p><p>Next step: " + h(r.action) + "</p>";
    for (const auto& d : r.failing_destinations) {
      out += "<p>" + h(d.destination) + " (" + h(d.reason) + "): " + h(d.action) + "</p>";
    }
  }
  return out + "</div>";
}

std::string card(const InstallationCard& c, const std::string& csrf) {
  const auto& inst = c.installation;
  std::string out = "<article id=\"team-" + h(inst.team_id) + "\" aria-labelledby=\"title-" +
                    h(inst.team_id) + "\"><h3 id=\"title-" + h(inst.team_id) + "\">" +
                    h(inst.team_name.empty() ? inst.domain : inst.team_name) + "</h3><dl>";
  auto row = [&out](std::string_view name, const std::string& value) {
    out += "<dt>" + h(name) + "</dt><dd>" + h(value) + "</dd>";
  };
  row("Workspace", inst.domain + ".slack.com (" + inst.team_id + ")");
  out += "<dt>Status</dt><dd class=\"status " + std::string(c.health.ok() ? "ok" : "bad") + "\">" +
         h(c.health.summary) + "</dd>";
  row("Socket Mode", c.socket_mode.empty() ? "unknown" : c.socket_mode);
  row("Linked users", std::to_string(c.usage.links) + " (" +
                          std::to_string(c.usage.connected_users) + " connected)");
  row("Queued items", std::to_string(c.usage.queued_items));
  row("Default notification channel",
      !inst.notification_channel.empty()
          ? inst.notification_channel
          : (inst.incoming_webhook ? "the webhook to " + inst.incoming_webhook->channel : "none"));
  row("Sender identity", inst.sender_identity ? "shown (name and avatar)" : "not shown");
  out += "</dl>";
  if (!c.health.problems.empty()) {
    out += "<ul class=\"problems\">";
    for (const auto& p : c.health.problems) {
      out += "<li><strong>" + h(p.what) + ".</strong> Next step: " + h(p.action) + "</li>";
    }
    out += "</ul>";
  }
  if (c.test) out += test_result(*c.test);
  if (c.error) out += error_box(*c.error);
  out += "<div class=\"actions\">" + button_form(team_path(inst, "test"), csrf, "Test Connection") +
         button_form(team_path(inst, "rotate"), csrf, "Re-generate token") + "<a href=\"" +
         h(team_path(inst, "edit")) + "\">Edit</a><a href=\"" + h(team_path(inst, "disconnect")) +
         "\">Disconnect</a></div></article>";
  return out;
}

std::string install_section(const ConsoleView& v) {
  std::string out = "<section aria-labelledby=\"add\"><h2 id=\"add\">Add a workspace</h2>";
  if (v.oauth_enabled) {
    out += "<p><a href=\"/slack/install\">Add to Slack</a> (Slack asks which workspace)</p>";
  }
  out += "<form method=\"post\" action=\"/admin/installations\">" + csrf_field(v.csrf_token) +
         "<label for=\"bot_token\">Bot token (xoxb-…, from OAuth &amp; Permissions)</label>"
         "<input id=\"bot_token\" name=\"bot_token\" type=\"password\" autocomplete=\"off\" "
         "required><label for=\"workspace_domain\">Workspace domain (acme, acme.slack.com or its "
         "URL)</label><input id=\"workspace_domain\" name=\"workspace_domain\" required value=\"" +
         h(v.install_domain) + "\"><p><button type=\"submit\">Connect</button></p></form>";
  if (v.install_error) out += error_box(*v.install_error);
  return out + "</section>";
}

std::string lookup_result(const bridge::RecipientCheck& r) {
  std::string out = "<div class=\"lookup-result\" role=\"status\"><dl>";
  out += "<dt>Email</dt><dd>" + h(r.email) + "</dd>";
  out += "<dt>In Slack</dt><dd>" +
         (r.slack_user ? h(r.slack_user->display_name) + " (" + h(r.slack_user->slack_user_id) + ")"
                       : std::string("no")) +
         "</dd>";
  out += "<dt>Linked</dt><dd>" +
         (r.link ? "yes, platform user " + h(r.link->platform_user_id) : std::string("no")) +
         "</dd>";
  out += "<dt>Connected</dt><dd>" +
         std::string(r.connected() ? "yes (their messages post as them)" : "no") + "</dd>";
  out += "</dl>";
  if (r.can_receive) {
    out += "<p class=\"ok\">Can receive DMs from the bridge.</p>";
  } else {
    out +=
        "<p class=\"bad\">Cannot receive DMs (" + h(r.reason_code) + "): " + h(r.reason) + "</p>";
  }
  return out + "</div>";
}

std::string lookup_section(const ConsoleView& v) {
  std::string out =
      "<section aria-labelledby=\"lookup\"><h2 id=\"lookup\">Find a person</h2>"
      "<form method=\"get\" action=\"/admin/users\"><label for=\"team\">Workspace</label>"
      "<select id=\"team\" name=\"team\">";
  for (const auto& c : v.cards) {
    const auto& inst = c.installation;
    out += "<option value=\"" + h(inst.team_id) + "\"" +
           (inst.team_id == v.lookup_team ? " selected" : "") + ">" + h(inst.domain) + "</option>";
  }
  out +=
      "</select><label for=\"email\">Email</label><input id=\"email\" name=\"email\" "
      "type=\"email\" required value=\"" +
      h(v.lookup_email) + "\"><p><button type=\"submit\">Look up</button></p></form>";
  if (v.lookup) out += lookup_result(*v.lookup);
  if (v.lookup_error) out += error_box(*v.lookup_error);
  return out + "</section>";
}

}  // namespace

net::HttpResponse console_response(int status, std::string body) {
  net::HttpResponse response;
  response.status = status;
  response.headers.set("Content-Type", "text/html; charset=utf-8");
  response.headers.set("Cache-Control", "no-store");
  response.headers.set("Referrer-Policy", "no-referrer");
  response.headers.set("X-Frame-Options", "DENY");
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                       "frame-ancestors 'none'; base-uri 'none'");
  response.body = std::move(body);
  return response;
}

std::string login_page(const std::string& message, bool is_error) {
  std::string body = "<main><h1>Sign in</h1>";
  if (!message.empty()) {
    body += is_error ? "<p class=\"error\" role=\"alert\">" + h(message) + "</p>"
                     : "<p class=\"notice\" role=\"status\">" + h(message) + "</p>";
  }
  body +=
      "<form method=\"post\" action=\"/admin/login\"><label for=\"token\">Admin token "
      "(platform.admin_token)</label><input id=\"token\" name=\"token\" type=\"password\" "
      "autocomplete=\"current-password\" required autofocus><p><button type=\"submit\">Sign "
      "in</button></p></form></main>";
  return document("Sign in", body);
}

std::string console_page(const ConsoleView& v) {
  std::string body = header(v.csrf_token) + "<main>";
  if (!v.notice.empty()) body += "<p class=\"notice\" role=\"status\">" + h(v.notice) + "</p>";
  body += "<section aria-labelledby=\"installs\"><h2 id=\"installs\">Installations</h2>";
  if (v.cards.empty()) body += "<p>No workspace is connected yet.</p>";
  for (const auto& c : v.cards) body += card(c, v.csrf_token);
  body += "</section>" + install_section(v);
  if (!v.cards.empty()) body += lookup_section(v);
  return document("Slack integrations", body + "</main>");
}

std::string edit_page(const std::string& csrf, const store::Installation& inst,
                      const std::optional<PageError>& error) {
  std::string body =
      header(csrf) + "<main><h2>Edit " + h(inst.domain) + " (" + h(inst.team_id) + ")</h2>";
  if (error) body += error_box(*error);
  body += "<form method=\"post\" action=\"" + h(team_path(inst, "edit")) + "\">" +
          csrf_field(csrf) +
          "<label for=\"workspace_domain\">Workspace domain</label><input id=\"workspace_domain\" "
          "name=\"workspace_domain\" required value=\"" +
          h(inst.domain) +
          "\"><label for=\"notification_channel\">Default notification channel (a channel id "
          "such as C0123456; empty: the webhook picked at install)</label><input "
          "id=\"notification_channel\" name=\"notification_channel\" value=\"" +
          h(inst.notification_channel) +
          "\"><label for=\"sender_identity\">Sender identity on DMs from linked senders</label>"
          "<select id=\"sender_identity\" name=\"sender_identity\"><option value=\"on\"" +
          (inst.sender_identity ? " selected" : "") +
          ">Show the sender's name and avatar</option><option value=\"off\"" +
          (inst.sender_identity ? "" : " selected") +
          ">Post as the bot</option></select><p><button type=\"submit\">Save</button> <a "
          "href=\"/admin\">Cancel</a></p></form></main>";
  return document("Edit " + inst.domain, body);
}

std::string disconnect_page(const std::string& csrf, const store::Installation& inst,
                            const store::TeamUsage& usage) {
  std::string body =
      header(csrf) + "<main><h2>Disconnect " + h(inst.domain) + " (" + h(inst.team_id) +
      ")?</h2><p>This revokes the bot token and the " + std::to_string(usage.connected_users) +
      " personal Connect token(s) at Slack, and deletes here: " + std::to_string(usage.links) +
      " account link(s), the directory of Slack users, " + std::to_string(usage.queued_items) +
      " queued message(s) and notification(s), which will not be delivered, and the notification "
      "threads. Messages for this workspace are refused until it is connected again.</p>"
      "<form method=\"post\" action=\"" +
      h(team_path(inst, "disconnect")) + "\">" + csrf_field(csrf) +
      "<p><button type=\"submit\">Disconnect " + h(inst.domain) +
      "</button> <a href=\"/admin\">Cancel</a></p></form></main>";
  return document("Disconnect " + inst.domain, body);
}

std::string forbidden_page() {
  return document("Refused",
                  "<main><h1>Refused</h1><p class=\"error\" role=\"alert\">This form did not come "
                  "from this console (its CSRF token is missing or out of date), so nothing was "
                  "changed. <a href=\"/admin\">Reload the console</a> and try again.</p></main>");
}

std::string failure_page(const PageError& error) {
  return document("Something went wrong",
                  "<main><h1>Something went wrong</h1>" + error_box(error) +
                      "<p><a href=\"/admin\">Back to the console</a></p></main>");
}

}  // namespace bridgebot::api
