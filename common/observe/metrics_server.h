#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace samepage::observe {

// Serves GET /metrics (Prometheus text format) over plain HTTP on its own
// small thread pool. It has no authentication: listen on an address only the
// monitoring system reaches.
class MetricsServer {
 public:
  // `address` is host:port (port 0: any free port, see port()); `render`
  // builds the page on each scrape, concurrently with the services.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                              std::function<std::string()> render);
  ~MetricsServer();

  int port() const { return port_; }

 private:
  MetricsServer();
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace samepage::observe
