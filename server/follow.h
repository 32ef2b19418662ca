#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/events/event_consumer.h"
#include "common/events/grpc_event_stream.h"
#include "common/events/store_event_stream.h"
#include "common/rpc/peers.h"
#include "common/status/status_macros.h"
#include "common/storage/store.h"

namespace samepage::server {

// The `peer` service's WatchEvents stream (`Service` is its generated gRPC
// service, `Request` its WatchEventsRequest), reached through `peers` with
// the service token.
template <typename Service, typename Request, typename Response>
events::OpenEventStream<Response> PeerEvents(std::string peer, rpc::PeerChannels* peers,
                                             rpc::TokenSource* tokens) {
  return [peers, tokens, peer = std::move(peer)](
             int64_t after) -> absl::StatusOr<std::unique_ptr<events::EventStream<Response>>> {
    ASSIGN_OR_RETURN(std::string token, tokens->Token());
    ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, peers->Channel(peer));
    std::unique_ptr<grpc::ClientContext> ctx = rpc::PeerContext(token, absl::InfiniteDuration());
    Request req;
    req.set_after_revision(after);
    std::unique_ptr<grpc::ClientReader<Response>> reader =
        Service::NewStub(channel)->WatchEvents(ctx.get(), req);
    return std::make_unique<events::GrpcEventStream<Response>>(std::move(ctx), std::move(reader));
  };
}

// The event log of a service hosted in this process, read from its store
// (which outlives the consumers) and decoded as its WatchEvents would.
template <typename Response>
events::OpenEventStream<Response> HostedEvents(storage::Store* store,
                                               events::EventDecoder<Response> decode) {
  return [store, decode = std::move(decode)](
             int64_t after) -> absl::StatusOr<std::unique_ptr<events::EventStream<Response>>> {
    return std::make_unique<events::StoreEventStream<Response>>(store, after, decode);
  };
}

// A consumer of `events`, its cursor kept in `store`. `Handler` is the
// consumer's Handle (with `cursor`) or HandleBatch.
template <typename Response, typename Handler, typename... Cursor>
std::unique_ptr<events::EventConsumer<Response>> Follow(std::string name, storage::Store* store,
                                                        events::OpenEventStream<Response> events,
                                                        Handler handle, Cursor... cursor) {
  return std::make_unique<events::EventConsumer<Response>>(std::move(name), store,
                                                           std::move(events), std::move(handle),
                                                           absl::Milliseconds(200), cursor...);
}

}  // namespace samepage::server
