#include "common/observe/metrics_server.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace samepage::observe {

MetricsServer::MetricsServer() : http_(std::make_unique<httplib::Server>()) {}

MetricsServer::~MetricsServer() {
  http_->stop();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, std::function<std::string()> render) {
  size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics_listen: \"", address, "\" is not host:port"));
  }
  absl::string_view host = absl::string_view(address).substr(0, colon);
  absl::ConsumePrefix(&host, "[");
  absl::ConsumeSuffix(&host, "]");

  auto server = std::unique_ptr<MetricsServer>(new MetricsServer());
  // A scrape every few seconds needs no more than a couple of threads.
  server->http_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  server->http_->Get("/metrics", [render](const httplib::Request&, httplib::Response& res) {
    res.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  std::string host_name(host);
  int bound = port == 0 ? server->http_->bind_to_any_port(host_name)
                        : (server->http_->bind_to_port(host_name, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat("--metrics_listen: cannot listen on ", address,
                                               " (in use, or not an address)"));
  }
  server->port_ = bound;
  httplib::Server* http = server->http_.get();
  server->thread_ = std::thread([http] { http->listen_after_bind(); });
  return server;
}

}  // namespace samepage::observe
