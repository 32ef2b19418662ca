#pragma once

#include "common/rpc/unary.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "services/registry/registry.h"

namespace samepage::registry {

// The gRPC face of the registry: decode, authenticate, call, encode.
class RegistryService final : public v1::CaseRegistry::CallbackService {
 public:
  RegistryService(Registry* registry, const rpc::Authenticator* authenticator,
                  rpc::AuditSink* audit = nullptr, bool reads_where_they_arrive = false)
      : registry_(registry),
        auth_(authenticator),
        audit_(audit),
        threads_(rpc::kMaxHandlerThreads, reads_where_they_arrive) {}

#define SAMEPAGE_DECLARE_UNARY(Method, Request, Response)                                \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx, const Request* req, \
                                   Response* resp) override;
  SAMEPAGE_DECLARE_UNARY(CreateCase, v1::CreateCaseRequest, v1::Case)
  SAMEPAGE_DECLARE_UNARY(GetCase, v1::GetCaseRequest, v1::Case)
  SAMEPAGE_DECLARE_UNARY(ListCases, v1::ListCasesRequest, v1::ListCasesResponse)
  SAMEPAGE_DECLARE_UNARY(UpdateCase, v1::UpdateCaseRequest, v1::Case)
  SAMEPAGE_DECLARE_UNARY(CloseCase, v1::CloseCaseRequest, v1::Case)
  SAMEPAGE_DECLARE_UNARY(CreateAssignment, v1::CreateAssignmentRequest, v1::Assignment)
  SAMEPAGE_DECLARE_UNARY(GetAssignment, v1::GetAssignmentRequest, v1::Assignment)
  SAMEPAGE_DECLARE_UNARY(ListAssignments, v1::ListAssignmentsRequest, v1::ListAssignmentsResponse)
  SAMEPAGE_DECLARE_UNARY(UpdateAssignment, v1::UpdateAssignmentRequest, v1::Assignment)
  SAMEPAGE_DECLARE_UNARY(EndAssignment, v1::EndAssignmentRequest, v1::Assignment)
  SAMEPAGE_DECLARE_UNARY(ListCaseload, v1::ListCaseloadRequest, v1::ListCaseloadResponse)
  SAMEPAGE_DECLARE_UNARY(CreateCaseRole, v1::CreateCaseRoleRequest, v1::CaseRole)
  SAMEPAGE_DECLARE_UNARY(GetCaseRole, v1::GetCaseRoleRequest, v1::CaseRole)
  SAMEPAGE_DECLARE_UNARY(ListCaseRoles, v1::ListCaseRolesRequest, v1::ListCaseRolesResponse)
  SAMEPAGE_DECLARE_UNARY(CheckCaseAccess, v1::CheckCaseAccessRequest, v1::CheckCaseAccessResponse)
#undef SAMEPAGE_DECLARE_UNARY

  grpc::ServerWriteReactor<v1::WatchEventsResponse>* WatchEvents(
      grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) override;

 private:
  Registry* registry_;
  const rpc::Authenticator* auth_;
  // Where every call is put on record; null: nowhere (tests of the logic).
  rpc::AuditSink* audit_;
  rpc::HandlerThreads threads_;
};

}  // namespace samepage::registry
