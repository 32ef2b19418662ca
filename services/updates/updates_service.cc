#include "services/updates/updates_service.h"

#include "common/status/grpc_status.h"
#include "services/updates/feed_stream.h"

namespace samepage::updates {

grpc::ServerUnaryReactor* UpdatesService::ListUpdates(grpc::CallbackServerContext* ctx,
                                                      const v1::ListUpdatesRequest* req,
                                                      v1::ListUpdatesResponse* resp) {
  Feed* feed = feed_;
  return rpc::RunUnary(
      ctx, *auth_, &workers_, req, resp,
      [feed](const identity::Caller& caller, const v1::ListUpdatesRequest& r) {
        return feed->ListUpdates(caller, r);
      },
      rpc::AuditPoint{audit_, "/samepage.updates.v1.Updates/ListUpdates"});
}

grpc::ServerWriteReactor<v1::StreamUpdatesResponse>* UpdatesService::StreamUpdates(
    grpc::CallbackServerContext* ctx, const v1::StreamUpdatesRequest* req) {
  absl::StatusOr<identity::Caller> caller = auth_->Authenticate(*ctx);
  absl::StatusOr<std::string> person =
      caller.ok() ? feed_->CheckStream(*caller, *req) : caller.status();
  if (!person.ok()) {
    class Refusal final : public grpc::ServerWriteReactor<v1::StreamUpdatesResponse> {
     public:
      explicit Refusal(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
      void OnDone() override { delete this; }
    };
    return new Refusal(person.status());
  }
  return new FeedStream(feed_, &workers_, *std::move(person), req->after_sequence());
}

}  // namespace samepage::updates
