#include "server/grpc_peers.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "server/peer_answers.h"

namespace samepage::server {
namespace {

namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;
namespace dir = ::samepage::directory::v1;
using namespace peer_answers;  // NOLINT: the answers and peer names of this file

// One unary call of `method` on a new stub of `channel`.
template <typename Service, typename Request, typename Response>
absl::StatusOr<Response> Call(const std::shared_ptr<grpc::Channel>& channel,
                              grpc::Status (Service::Stub::*method)(grpc::ClientContext*,
                                                                    const Request&, Response*),
                              grpc::ClientContext* ctx, const Request& req) {
  auto stub = Service::NewStub(channel);
  Response resp;
  RETURN_IF_ERROR(FromGrpcStatus(((*stub).*method)(ctx, req, &resp)));
  return resp;
}

}  // namespace

absl::StatusOr<std::unique_ptr<grpc::ClientContext>> GrpcPeers::As(const identity::Caller* caller) {
  if (caller != nullptr) return rpc::PeerContext(*caller);
  if (tokens_ == nullptr) {
    return absl::UnavailableError(
        "this server has no service token to call its peers with (--service_token_file)");
  }
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  return rpc::PeerContext(token);
}

absl::StatusOr<reg::CheckCaseAccessResponse> GrpcPeers::CaseAccess(const std::string& case_name,
                                                                   const std::string& person) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(auto ctx, As(nullptr));
  reg::CheckCaseAccessRequest req;
  req.set_case_(case_name);
  req.set_person(person);
  return AsService(
      kRegistry,
      Call<reg::CaseRegistry>(channel, &reg::CaseRegistry::Stub::CheckCaseAccess, ctx.get(), req));
}

absl::StatusOr<reg::Case> GrpcPeers::GetCase(const std::string& case_name) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(auto ctx, As(nullptr));
  reg::GetCaseRequest req;
  req.set_name(case_name);
  return AsService(kRegistry, Call<reg::CaseRegistry>(channel, &reg::CaseRegistry::Stub::GetCase,
                                                      ctx.get(), req));
}

absl::StatusOr<std::vector<reg::Assignment>> GrpcPeers::AssignmentsAs(
    const identity::Caller* caller, const std::string& case_name, reg::Assignment::State state) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("registry"));
  return AllAssignments(
      case_name, state,
      [&](const reg::ListAssignmentsRequest& req) -> absl::StatusOr<reg::ListAssignmentsResponse> {
        ASSIGN_OR_RETURN(auto ctx, As(caller));
        return Call<reg::CaseRegistry>(channel, &reg::CaseRegistry::Stub::ListAssignments,
                                       ctx.get(), req);
      });
}

absl::StatusOr<std::vector<reg::Assignment>> GrpcPeers::CurrentAssignments(
    const std::string& case_name) {
  return AsService(kRegistry, AssignmentsAs(nullptr, case_name, reg::Assignment::STATE_CURRENT));
}

absl::StatusOr<std::vector<reg::Assignment>> GrpcPeers::Assignments(const std::string& case_name,
                                                                    reg::Assignment::State state) {
  return AsService(kRegistry, AssignmentsAs(nullptr, case_name, state));
}

absl::StatusOr<reg::CaseRole> GrpcPeers::GetCaseRole(const std::string& role_id) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(auto ctx, As(nullptr));
  reg::GetCaseRoleRequest req;
  req.set_name(absl::StrCat("caseRoles/", role_id));
  return AsService(kRegistry, Call<reg::CaseRegistry>(
                                  channel, &reg::CaseRegistry::Stub::GetCaseRole, ctx.get(), req));
}

absl::StatusOr<dir::Person> GrpcPeers::GetPerson(const std::string& name) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("directory"));
  ASSIGN_OR_RETURN(auto ctx, As(nullptr));
  dir::GetPersonRequest req;
  req.set_name(name);
  return AsService(kDirectory,
                   Call<dir::Directory>(channel, &dir::Directory::Stub::GetPerson, ctx.get(), req));
}

absl::StatusOr<sh::Category> GrpcPeers::GetCategory(const std::string& category_id) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("sharing"));
  ASSIGN_OR_RETURN(auto ctx, As(nullptr));
  sh::GetCategoryRequest req;
  req.set_name(absl::StrCat("categories/", category_id));
  return AsService(kSharing,
                   Call<sh::Sharing>(channel, &sh::Sharing::Stub::GetCategory, ctx.get(), req));
}

absl::StatusOr<sh::BatchCheckAccessResponse> GrpcPeers::BatchCheckAccess(
    sh::BatchCheckAccessRequest checks) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("sharing"));
  ASSIGN_OR_RETURN(auto ctx, As(nullptr));
  ASSIGN_OR_RETURN(
      sh::BatchCheckAccessResponse resp,
      AsService(kSharing, Call<sh::Sharing>(channel, &sh::Sharing::Stub::BatchCheckAccess,
                                            ctx.get(), checks)));
  if (resp.responses_size() != checks.requests_size()) {
    return absl::UnavailableError(absl::StrCat(kSharing, ": answered ", resp.responses_size(),
                                               " of ", checks.requests_size(), " access checks"));
  }
  return resp;
}

absl::StatusOr<sh::CheckAccessResponse> GrpcPeers::CheckAccess(sh::CheckAccessRequest req) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("sharing"));
  ASSIGN_OR_RETURN(auto ctx, As(nullptr));
  req.set_record(false);
  return AsService(kSharing,
                   Call<sh::Sharing>(channel, &sh::Sharing::Stub::CheckAccess, ctx.get(), req));
}

absl::StatusOr<bool> GrpcPeers::DirectiveInForce(const std::string& name) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("sharing"));
  ASSIGN_OR_RETURN(auto ctx, As(nullptr));
  if (absl::StartsWith(name, "courtOrders/")) {
    sh::GetCourtOrderRequest req;
    req.set_name(name);
    ASSIGN_OR_RETURN(
        sh::CourtOrder order,
        AsService(kSharing,
                  Call<sh::Sharing>(channel, &sh::Sharing::Stub::GetCourtOrder, ctx.get(), req)));
    return order.state() == sh::CourtOrder::STATE_ACTIVE ||
           order.state() == sh::CourtOrder::STATE_PENDING;
  }
  sh::GetConsentRequest req;
  req.set_name(name);
  ASSIGN_OR_RETURN(sh::ConsentDirective consent,
                   AsService(kSharing, Call<sh::Sharing>(channel, &sh::Sharing::Stub::GetConsent,
                                                         ctx.get(), req)));
  return consent.state() == sh::ConsentDirective::STATE_ACTIVE ||
         consent.state() == sh::ConsentDirective::STATE_PENDING;
}

absl::StatusOr<sh::InformationRequest> GrpcPeers::GetInformationRequest(
    const identity::Caller& caller, const std::string& name) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("sharing"));
  sh::GetInformationRequestRequest req;
  req.set_name(name);
  return ForCaller(kSharing, Call<sh::Sharing>(channel, &sh::Sharing::Stub::GetInformationRequest,
                                               rpc::PeerContext(caller).get(), req));
}

absl::StatusOr<sh::InformationRequest> GrpcPeers::FulfillInformationRequest(
    const identity::Caller& caller, const std::string& name, const std::string& resource) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("sharing"));
  sh::FulfillInformationRequestRequest req;
  req.set_name(name);
  req.mutable_fulfillment()->set_resource(resource);
  return ForCaller(kSharing,
                   Call<sh::Sharing>(channel, &sh::Sharing::Stub::FulfillInformationRequest,
                                     rpc::PeerContext(caller).get(), req));
}

absl::StatusOr<dir::Person> GrpcPeers::GetPerson(const identity::Caller& caller,
                                                 const std::string& name) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("directory"));
  dir::GetPersonRequest req;
  req.set_name(name);
  return FromDirectory(Call<dir::Directory>(channel, &dir::Directory::Stub::GetPerson,
                                            rpc::PeerContext(caller).get(), req));
}

absl::StatusOr<dir::Organization> GrpcPeers::GetOrganization(const identity::Caller& caller,
                                                             const std::string& name) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("directory"));
  dir::GetOrganizationRequest req;
  req.set_name(name);
  return FromDirectory(Call<dir::Directory>(channel, &dir::Directory::Stub::GetOrganization,
                                            rpc::PeerContext(caller).get(), req));
}

absl::StatusOr<reg::Case> GrpcPeers::GetCase(const identity::Caller& caller,
                                             const std::string& case_name) {
  ASSIGN_OR_RETURN(auto channel, channels_->Channel("registry"));
  reg::GetCaseRequest req;
  req.set_name(case_name);
  return Call<reg::CaseRegistry>(channel, &reg::CaseRegistry::Stub::GetCase,
                                 rpc::PeerContext(caller).get(), req);
}

absl::StatusOr<std::vector<reg::Assignment>> GrpcPeers::ListAssignments(
    const identity::Caller& caller, const std::string& case_name) {
  return AssignmentsAs(&caller, case_name, reg::Assignment::STATE_UNSPECIFIED);
}

}  // namespace samepage::server
