#include "html_page.h"

namespace bridgebot::api {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

net::HttpResponse html_page(int status, std::string_view title, std::string_view text) {
  net::HttpResponse response;
  response.status = status;
  response.headers.set("Content-Type", "text/html; charset=utf-8");
  response.headers.set("Cache-Control", "no-store");
  response.headers.set("Referrer-Policy", "no-referrer");
  response.body = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" +
                  html_escape(title) + " - bridgebot</title></head><body><h1>" +
                  html_escape(title) + "</h1><p>" + html_escape(text) + "</p></body></html>\n";
  return response;
}

}  // namespace bridgebot::api
