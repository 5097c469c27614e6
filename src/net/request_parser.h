// Private to src/net: the server's request parser. Beast's basic_parser reads and checks the text
// (header and body limits, chunked bodies, keep-alive and upgrade tokens); the request line, the
// fields and the body land straight in the HttpRequest the handler gets. Beast's own
// request_parser stored each field in a basic_fields (an allocation per field) that was then
// copied field by field into the HttpRequest.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <string>

#include "bridgebot/net/http.h"

namespace bridgebot::net::detail {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  using string_view = boost::beast::string_view;
  using error_code = boost::system::error_code;

  RequestParser() { request_.headers.reserve(8); }

  // The request read so far (whole once is_done()); move it out once.
  HttpRequest& request() { return request_; }
  unsigned version() const { return version_; }

 private:
  static std::string text(string_view view) { return std::string(view.data(), view.size()); }

  void on_request_impl(boost::beast::http::verb, string_view method, string_view target,
                       int version, error_code&) override {
    request_.method.assign(method.data(), method.size());
    request_.target.assign(target.data(), target.size());
    version_ = static_cast<unsigned>(version);
  }
  void on_response_impl(int, string_view, int, error_code&) override {}  // a request parser
  void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                     error_code&) override {
    request_.headers.add(text(name), text(value));
  }
  void on_header_impl(error_code&) override {}
  // The length is within the body limit here: basic_parser refuses a larger one first.
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code&) override {
    if (content_length) request_.body.reserve(static_cast<std::size_t>(*content_length));
  }
  std::size_t on_body_impl(string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  HttpRequest request_;
  unsigned version_ = 11;
};

}  // namespace bridgebot::net::detail
