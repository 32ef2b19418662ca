#pragma once

#include "common/rpc/unary.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "services/directory/directory.h"
#include "services/directory/roster.h"

namespace samepage::directory {

// The gRPC face of the directory: decode, authenticate, call, encode.
class DirectoryService final : public v1::Directory::CallbackService {
 public:
  DirectoryService(Directory* directory, Roster* roster, const rpc::Authenticator* authenticator,
                   rpc::AuditSink* audit = nullptr, bool reads_where_they_arrive = false)
      : directory_(directory),
        roster_(roster),
        auth_(authenticator),
        audit_(audit),
        threads_(rpc::kMaxHandlerThreads, reads_where_they_arrive) {}

  grpc::ServerUnaryReactor* CreateOrganization(grpc::CallbackServerContext* ctx,
                                               const v1::CreateOrganizationRequest* req,
                                               v1::Organization* resp) override;
  grpc::ServerUnaryReactor* GetOrganization(grpc::CallbackServerContext* ctx,
                                            const v1::GetOrganizationRequest* req,
                                            v1::Organization* resp) override;
  grpc::ServerUnaryReactor* ListOrganizations(grpc::CallbackServerContext* ctx,
                                              const v1::ListOrganizationsRequest* req,
                                              v1::ListOrganizationsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateOrganization(grpc::CallbackServerContext* ctx,
                                               const v1::UpdateOrganizationRequest* req,
                                               v1::Organization* resp) override;
  grpc::ServerUnaryReactor* CreateRole(grpc::CallbackServerContext* ctx,
                                       const v1::CreateRoleRequest* req, v1::Role* resp) override;
  grpc::ServerUnaryReactor* ListRoles(grpc::CallbackServerContext* ctx,
                                      const v1::ListRolesRequest* req,
                                      v1::ListRolesResponse* resp) override;
  grpc::ServerUnaryReactor* CreatePerson(grpc::CallbackServerContext* ctx,
                                         const v1::CreatePersonRequest* req,
                                         v1::Person* resp) override;
  grpc::ServerUnaryReactor* GetPerson(grpc::CallbackServerContext* ctx,
                                      const v1::GetPersonRequest* req, v1::Person* resp) override;
  grpc::ServerUnaryReactor* ListPeople(grpc::CallbackServerContext* ctx,
                                       const v1::ListPeopleRequest* req,
                                       v1::ListPeopleResponse* resp) override;
  grpc::ServerUnaryReactor* UpdatePerson(grpc::CallbackServerContext* ctx,
                                         const v1::UpdatePersonRequest* req,
                                         v1::Person* resp) override;
  grpc::ServerUnaryReactor* SearchPeople(grpc::CallbackServerContext* ctx,
                                         const v1::SearchPeopleRequest* req,
                                         v1::SearchPeopleResponse* resp) override;
  grpc::ServerUnaryReactor* RecordDeparture(grpc::CallbackServerContext* ctx,
                                            const v1::RecordDepartureRequest* req,
                                            v1::Person* resp) override;
  grpc::ServerUnaryReactor* WhoIsWho(grpc::CallbackServerContext* ctx,
                                     const v1::WhoIsWhoRequest* req,
                                     v1::WhoIsWhoResponse* resp) override;
  grpc::ServerWriteReactor<v1::WatchEventsResponse>* WatchEvents(
      grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) override;

 private:
  Directory* directory_;
  Roster* roster_;
  const rpc::Authenticator* auth_;
  // Where every call is put on record; null: nowhere (tests of the logic).
  rpc::AuditSink* audit_;
  rpc::HandlerThreads threads_;
};

}  // namespace samepage::directory
