#include "services/registry/registry_service.h"

#include "common/rpc/watch.h"

namespace samepage::registry {

using identity::Caller;

// Reads of this server's own state, and calls that may wait: writes, and reads
// that record a disclosure (see rpc::HandlerThreads).
#define SAMEPAGE_READ(Method, Request, Response)                                               \
  SAMEPAGE_DEFINE_UNARY(RegistryService, "samepage.registry.v1.CaseRegistry", Method, Request, \
                        Response, registry_, threads_.reads())
#define SAMEPAGE_MAY_WAIT(Method, Request, Response)                                           \
  SAMEPAGE_DEFINE_UNARY(RegistryService, "samepage.registry.v1.CaseRegistry", Method, Request, \
                        Response, registry_, threads_.workers())

SAMEPAGE_MAY_WAIT(CreateCase, v1::CreateCaseRequest, v1::Case)
SAMEPAGE_READ(GetCase, v1::GetCaseRequest, v1::Case)
SAMEPAGE_READ(ListCases, v1::ListCasesRequest, v1::ListCasesResponse)
SAMEPAGE_MAY_WAIT(UpdateCase, v1::UpdateCaseRequest, v1::Case)
SAMEPAGE_MAY_WAIT(CloseCase, v1::CloseCaseRequest, v1::Case)
SAMEPAGE_MAY_WAIT(CreateAssignment, v1::CreateAssignmentRequest, v1::Assignment)
SAMEPAGE_READ(GetAssignment, v1::GetAssignmentRequest, v1::Assignment)
SAMEPAGE_READ(ListAssignments, v1::ListAssignmentsRequest, v1::ListAssignmentsResponse)
SAMEPAGE_MAY_WAIT(UpdateAssignment, v1::UpdateAssignmentRequest, v1::Assignment)
SAMEPAGE_MAY_WAIT(EndAssignment, v1::EndAssignmentRequest, v1::Assignment)
SAMEPAGE_READ(ListCaseload, v1::ListCaseloadRequest, v1::ListCaseloadResponse)
SAMEPAGE_MAY_WAIT(CreateCaseRole, v1::CreateCaseRoleRequest, v1::CaseRole)
SAMEPAGE_READ(GetCaseRole, v1::GetCaseRoleRequest, v1::CaseRole)
SAMEPAGE_READ(ListCaseRoles, v1::ListCaseRolesRequest, v1::ListCaseRolesResponse)
SAMEPAGE_READ(CheckCaseAccess, v1::CheckCaseAccessRequest, v1::CheckCaseAccessResponse)

#undef SAMEPAGE_MAY_WAIT
#undef SAMEPAGE_READ

grpc::ServerWriteReactor<v1::WatchEventsResponse>* RegistryService::WatchEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) {
  // Case events describe whole teams across cases: SamePage services and
  // platform administrators only.
  return rpc::StartWatch<v1::WatchEventsResponse>(
      *auth_, ctx, req->after_revision(), &registry_->store(), &RegistryStore::DecodeEvent,
      [](const Caller& caller) { return caller.service || caller.platform_admin; });
}

}  // namespace samepage::registry
