#pragma once

#include "common/rpc/unary.h"
#include "samepage/updates/v1/updates_service.grpc.pb.h"
#include "services/updates/feed.h"

namespace samepage::updates {

// The gRPC face of the updates service: decode, authenticate, call, encode.
class UpdatesService final : public v1::Updates::CallbackService {
 public:
  // Every ListUpdates call is put on record in `audit`, when given.
  UpdatesService(Feed* feed, const rpc::Authenticator* authenticator,
                 rpc::AuditSink* audit = nullptr)
      : feed_(feed), auth_(authenticator), audit_(audit) {}

  grpc::ServerUnaryReactor* ListUpdates(grpc::CallbackServerContext* ctx,
                                        const v1::ListUpdatesRequest* req,
                                        v1::ListUpdatesResponse* resp) override;
  grpc::ServerWriteReactor<v1::StreamUpdatesResponse>* StreamUpdates(
      grpc::CallbackServerContext* ctx, const v1::StreamUpdatesRequest* req) override;

 private:
  Feed* feed_;
  const rpc::Authenticator* auth_;
  rpc::AuditSink* audit_;
  // Handlers and stream reads run here, off gRPC's callback threads (see
  // rpc::WorkerPool).
  rpc::WorkerPool workers_{rpc::kMaxHandlerThreads};
};

}  // namespace samepage::updates
