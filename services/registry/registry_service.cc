#include "services/registry/registry_service.h"

#include "common/rpc/watch.h"

namespace samepage::registry {

using identity::Caller;

#define SAMEPAGE_UNARY(Method, Request, Response)                                         \
  grpc::ServerUnaryReactor* RegistryService::Method(grpc::CallbackServerContext* ctx,     \
                                                    const Request* req, Response* resp) { \
    Registry* registry = registry_;                                                       \
    return rpc::RunUnary(ctx, *auth_, workers_, req, resp,                                \
                         [registry](const Caller& caller, const Request& r) {             \
                           return registry->Method(caller, r);                            \
                         },                                                               \
                         rpc::AuditPoint{audit_, "/samepage.registry.v1.CaseRegistry/" #Method}); \
  }

SAMEPAGE_UNARY(CreateCase, v1::CreateCaseRequest, v1::Case)
SAMEPAGE_UNARY(GetCase, v1::GetCaseRequest, v1::Case)
SAMEPAGE_UNARY(ListCases, v1::ListCasesRequest, v1::ListCasesResponse)
SAMEPAGE_UNARY(UpdateCase, v1::UpdateCaseRequest, v1::Case)
SAMEPAGE_UNARY(CloseCase, v1::CloseCaseRequest, v1::Case)
SAMEPAGE_UNARY(CreateAssignment, v1::CreateAssignmentRequest, v1::Assignment)
SAMEPAGE_UNARY(GetAssignment, v1::GetAssignmentRequest, v1::Assignment)
SAMEPAGE_UNARY(ListAssignments, v1::ListAssignmentsRequest, v1::ListAssignmentsResponse)
SAMEPAGE_UNARY(UpdateAssignment, v1::UpdateAssignmentRequest, v1::Assignment)
SAMEPAGE_UNARY(EndAssignment, v1::EndAssignmentRequest, v1::Assignment)
SAMEPAGE_UNARY(ListCaseload, v1::ListCaseloadRequest, v1::ListCaseloadResponse)
SAMEPAGE_UNARY(CreateCaseRole, v1::CreateCaseRoleRequest, v1::CaseRole)
SAMEPAGE_UNARY(GetCaseRole, v1::GetCaseRoleRequest, v1::CaseRole)
SAMEPAGE_UNARY(ListCaseRoles, v1::ListCaseRolesRequest, v1::ListCaseRolesResponse)
SAMEPAGE_UNARY(CheckCaseAccess, v1::CheckCaseAccessRequest, v1::CheckCaseAccessResponse)

#undef SAMEPAGE_UNARY

grpc::ServerWriteReactor<v1::WatchEventsResponse>* RegistryService::WatchEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) {
  // Case events describe whole teams across cases: SamePage services and
  // platform administrators only.
  return rpc::StartWatch<v1::WatchEventsResponse>(
      *auth_, ctx, req->after_revision(), &registry_->store(), &RegistryStore::DecodeEvent,
      [](const Caller& caller) { return caller.service || caller.platform_admin; });
}

}  // namespace samepage::registry
