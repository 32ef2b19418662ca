#include "services/directory/directory_service.h"

#include "common/rpc/watch.h"

namespace samepage::directory {

using identity::Caller;

// Each method is one line of wiring; the logic is in Directory and Roster.
//
// Reads of this server's own state, and calls that may wait: writes, and reads
// that record a disclosure (see rpc::HandlerThreads).
#define SAMEPAGE_READ(Method, Request, Response, target)                                      \
  SAMEPAGE_DEFINE_UNARY(DirectoryService, "samepage.directory.v1.Directory", Method, Request, \
                        Response, target, threads_.reads())
#define SAMEPAGE_MAY_WAIT(Method, Request, Response, target)                                  \
  SAMEPAGE_DEFINE_UNARY(DirectoryService, "samepage.directory.v1.Directory", Method, Request, \
                        Response, target, threads_.workers())

SAMEPAGE_MAY_WAIT(CreateOrganization, v1::CreateOrganizationRequest, v1::Organization, directory_)
SAMEPAGE_READ(GetOrganization, v1::GetOrganizationRequest, v1::Organization, directory_)
SAMEPAGE_READ(ListOrganizations, v1::ListOrganizationsRequest, v1::ListOrganizationsResponse,
              directory_)
SAMEPAGE_MAY_WAIT(UpdateOrganization, v1::UpdateOrganizationRequest, v1::Organization, directory_)
SAMEPAGE_MAY_WAIT(CreateRole, v1::CreateRoleRequest, v1::Role, directory_)
SAMEPAGE_READ(ListRoles, v1::ListRolesRequest, v1::ListRolesResponse, directory_)
SAMEPAGE_MAY_WAIT(CreatePerson, v1::CreatePersonRequest, v1::Person, directory_)
SAMEPAGE_READ(GetPerson, v1::GetPersonRequest, v1::Person, directory_)
SAMEPAGE_READ(ListPeople, v1::ListPeopleRequest, v1::ListPeopleResponse, directory_)
SAMEPAGE_MAY_WAIT(UpdatePerson, v1::UpdatePersonRequest, v1::Person, directory_)
SAMEPAGE_READ(SearchPeople, v1::SearchPeopleRequest, v1::SearchPeopleResponse, directory_)
SAMEPAGE_MAY_WAIT(RecordDeparture, v1::RecordDepartureRequest, v1::Person, directory_)
SAMEPAGE_READ(WhoIsWho, v1::WhoIsWhoRequest, v1::WhoIsWhoResponse, roster_)

#undef SAMEPAGE_MAY_WAIT
#undef SAMEPAGE_READ

grpc::ServerWriteReactor<v1::WatchEventsResponse>* DirectoryService::WatchEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) {
  // Event snapshots carry every contact point, restricted ones included:
  // SamePage services and platform administrators only.
  return rpc::StartWatch<v1::WatchEventsResponse>(
      *auth_, ctx, req->after_revision(), &directory_->store(), &DirectoryStore::DecodeEvent,
      [](const Caller& caller) { return caller.service || caller.platform_admin; });
}

}  // namespace samepage::directory
