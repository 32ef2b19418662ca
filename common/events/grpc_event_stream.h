#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <utility>

#include "common/events/event_stream.h"

namespace samepage::events {

// A producer's WatchEvents call, as an EventStream.
template <typename Response>
class GrpcEventStream final : public EventStream<Response> {
 public:
  // `reader` is the call started with `ctx`.
  GrpcEventStream(std::unique_ptr<grpc::ClientContext> ctx,
                  std::unique_ptr<grpc::ClientReader<Response>> reader)
      : ctx_(std::move(ctx)), reader_(std::move(reader)) {}

  // Cancels first: Finish waits for the server to end the call, and a
  // WatchEvents stream does not end by itself.
  ~GrpcEventStream() override {
    ctx_->TryCancel();
    reader_->Finish().IgnoreError();
  }

  bool Read(Response* response) override { return reader_->Read(response); }
  void Cancel() override { ctx_->TryCancel(); }

 private:
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::unique_ptr<grpc::ClientReader<Response>> reader_;
};

}  // namespace samepage::events
