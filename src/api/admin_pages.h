// The HTML of the admin console's pages, rendered from plain view structs. Every text that comes
// from outside (names, domains, messages, form values) goes through html_escape. Internal to
// src/api.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bridgebot/bridge/connection_test.h"
#include "bridgebot/bridge/installation_health.h"
#include "bridgebot/bridge/recipient_check.h"
#include "bridgebot/net/http.h"
#include "bridgebot/store/types.h"

namespace bridgebot::api {

// An error shown on a page: the message, the field at fault and the next step.
struct PageError {
  std::string message;
  std::string field;
  std::string action;
};

struct InstallationCard {
  store::Installation installation;
  store::TeamUsage usage;
  std::string socket_mode;
  bridge::InstallationHealth health;
  std::optional<bridge::ConnectionReport> test;  // Test Connection's result, shown in place
  std::optional<PageError> error;                // a failed action on this installation
};

struct ConsoleView {
  std::string csrf_token;
  std::string notice;  // the outcome of the last action ("The token has been refreshed")
  std::vector<InstallationCard> cards;
  bool oauth_enabled = false;
  // The manual install form: the domain typed, and the error of the last attempt.
  std::string install_domain;
  std::optional<PageError> install_error;
  // The user lookup: what was asked, and its answer or error.
  std::string lookup_team;
  std::string lookup_email;
  std::optional<bridge::RecipientCheck> lookup;
  std::optional<PageError> lookup_error;
};

// Every console response: HTML, never cached, no referrer, no framing, no script.
net::HttpResponse console_response(int status, std::string body);

std::string login_page(const std::string& message, bool is_error);
std::string console_page(const ConsoleView& view);
std::string edit_page(const std::string& csrf_token, const store::Installation& installation,
                      const std::optional<PageError>& error);
std::string disconnect_page(const std::string& csrf_token, const store::Installation& installation,
                            const store::TeamUsage& usage);
std::string forbidden_page();
// A page that only reports `error` (the store or Slack failed while a page was being built).
std::string failure_page(const PageError& error);

}  // namespace bridgebot::api
