#pragma once

#include "absl/status/statusor.h"
#include "common/identity/caller.h"
#include "common/rpc/peers.h"
#include "samepage/directory/v1/directory_service.pb.h"
#include "services/directory/directory.h"

namespace samepage::directory {

// Builds "who is who" on a case: the team from the case registry (over gRPC,
// with the caller's own token, so that the registry decides whether the
// caller may see the case), joined with the directory's people, their
// availability now and who covers for them.
class Roster {
 public:
  Roster(Directory* directory, rpc::PeerChannels* peers) : directory_(directory), peers_(peers) {}

  absl::StatusOr<v1::WhoIsWhoResponse> WhoIsWho(const identity::Caller& caller,
                                                const v1::WhoIsWhoRequest& req);

 private:
  Directory* directory_;
  rpc::PeerChannels* peers_;
};

}  // namespace samepage::directory
