#pragma once

#include "common/rpc/peers.h"
#include "services/registry/registry.h"

namespace samepage::registry {

// DirectoryLookup over gRPC, on behalf of the caller (their token is
// forwarded, so the directory applies its own rules).
class DirectoryClient final : public DirectoryLookup {
 public:
  explicit DirectoryClient(rpc::PeerChannels* peers) : peers_(peers) {}

  absl::StatusOr<directory::v1::Person> GetPerson(const identity::Caller& caller,
                                                  const std::string& name) override;
  absl::StatusOr<directory::v1::Organization> GetOrganization(const identity::Caller& caller,
                                                              const std::string& name) override;

 private:
  rpc::PeerChannels* peers_;
};

}  // namespace samepage::registry
