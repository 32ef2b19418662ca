#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/events/event_consumer.h"
#include "common/rpc/peers.h"
#include "common/status/status_macros.h"
#include "common/storage/store.h"

namespace samepage::server {

// A consumer of the `peer` service's WatchEvents stream (`Service` is its
// generated gRPC service, `Request`/`Response` its WatchEvents messages),
// reached through `peers` with the service token, its cursor kept in `store`.
// `Handler` is the consumer's Handle (with `cursor`) or HandleBatch.
template <typename Service, typename Request, typename Response, typename Handler,
          typename... Cursor>
std::unique_ptr<events::EventConsumer<Response>> Follow(std::string name, std::string peer,
                                                        storage::Store* store,
                                                        rpc::PeerChannels* peers,
                                                        rpc::TokenSource* tokens, Handler handle,
                                                        Cursor... cursor) {
  return std::make_unique<events::EventConsumer<Response>>(
      std::move(name), store,
      [tokens]() -> absl::StatusOr<std::unique_ptr<grpc::ClientContext>> {
        ASSIGN_OR_RETURN(std::string token, tokens->Token());
        return rpc::PeerContext(token, absl::InfiniteDuration());
      },
      [peers, peer = std::move(peer)](
          grpc::ClientContext* ctx, int64_t after) -> std::unique_ptr<grpc::ClientReader<Response>> {
        absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = peers->Channel(peer);
        if (!channel.ok()) return nullptr;
        Request req;
        req.set_after_revision(after);
        return Service::NewStub(*channel)->WatchEvents(ctx, req);
      },
      std::move(handle), absl::Milliseconds(200), cursor...);
}

}  // namespace samepage::server
