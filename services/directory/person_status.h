#pragma once

#include "common/identity/person_status.h"
#include "common/rpc/peers.h"
#include "services/directory/directory.h"

namespace samepage::directory {

// Departures as the directory hosted in this process records them. The
// directory checks its own callers this way, so the check never calls back
// into itself.
class LocalPersonStatus final : public identity::PersonStatusSource {
 public:
  explicit LocalPersonStatus(const Directory* directory) : directory_(directory) {}
  absl::StatusOr<std::optional<absl::Time>> DepartureTime(const std::string& person) override;

 private:
  const Directory* directory_;
};

// Departures as a directory hosted elsewhere reports them, asked with this
// server's service token (which is itself exempt from the check, so the
// directory does not ask anyone in turn).
class GrpcPersonStatus final : public identity::PersonStatusSource {
 public:
  GrpcPersonStatus(rpc::PeerChannels* peers, rpc::TokenSource* tokens)
      : peers_(peers), tokens_(tokens) {}
  absl::StatusOr<std::optional<absl::Time>> DepartureTime(const std::string& person) override;

 private:
  rpc::PeerChannels* peers_;
  rpc::TokenSource* tokens_;
};

}  // namespace samepage::directory
