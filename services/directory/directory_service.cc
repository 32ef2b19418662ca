#include "services/directory/directory_service.h"

#include "common/rpc/watch.h"

namespace samepage::directory {

using identity::Caller;

// Each method is one line of wiring; the logic is in Directory and Roster.
#define SAMEPAGE_UNARY(Method, Request, Response, target)                                        \
  grpc::ServerUnaryReactor* DirectoryService::Method(grpc::CallbackServerContext* ctx,           \
                                                     const Request* req, Response* resp) {       \
    auto* domain = target;                                                                       \
    return rpc::RunUnary(                                                                        \
        ctx, *auth_, workers_, req, resp,                                                        \
        [domain](const Caller& caller, const Request& r) { return domain->Method(caller, r); },    \
        rpc::AuditPoint{audit_, "/samepage.directory.v1.Directory/" #Method});                     \
  }

SAMEPAGE_UNARY(CreateOrganization, v1::CreateOrganizationRequest, v1::Organization, directory_)
SAMEPAGE_UNARY(GetOrganization, v1::GetOrganizationRequest, v1::Organization, directory_)
SAMEPAGE_UNARY(ListOrganizations, v1::ListOrganizationsRequest, v1::ListOrganizationsResponse,
               directory_)
SAMEPAGE_UNARY(UpdateOrganization, v1::UpdateOrganizationRequest, v1::Organization, directory_)
SAMEPAGE_UNARY(CreateRole, v1::CreateRoleRequest, v1::Role, directory_)
SAMEPAGE_UNARY(ListRoles, v1::ListRolesRequest, v1::ListRolesResponse, directory_)
SAMEPAGE_UNARY(CreatePerson, v1::CreatePersonRequest, v1::Person, directory_)
SAMEPAGE_UNARY(GetPerson, v1::GetPersonRequest, v1::Person, directory_)
SAMEPAGE_UNARY(ListPeople, v1::ListPeopleRequest, v1::ListPeopleResponse, directory_)
SAMEPAGE_UNARY(UpdatePerson, v1::UpdatePersonRequest, v1::Person, directory_)
SAMEPAGE_UNARY(SearchPeople, v1::SearchPeopleRequest, v1::SearchPeopleResponse, directory_)
SAMEPAGE_UNARY(RecordDeparture, v1::RecordDepartureRequest, v1::Person, directory_)
SAMEPAGE_UNARY(WhoIsWho, v1::WhoIsWhoRequest, v1::WhoIsWhoResponse, roster_)

#undef SAMEPAGE_UNARY

grpc::ServerWriteReactor<v1::WatchEventsResponse>* DirectoryService::WatchEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) {
  // Event snapshots carry every contact point, restricted ones included:
  // SamePage services and platform administrators only.
  return rpc::StartWatch<v1::WatchEventsResponse>(
      *auth_, ctx, req->after_revision(), &directory_->store(), &DirectoryStore::DecodeEvent,
      [](const Caller& caller) { return caller.service || caller.platform_admin; });
}

}  // namespace samepage::directory
