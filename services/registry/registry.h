#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/identity/caller.h"
#include "common/storage/store.h"
#include "samepage/directory/v1/directory_service.pb.h"
#include "samepage/registry/v1/registry_service.pb.h"
#include "services/registry/access.h"
#include "services/registry/registry_store.h"

namespace samepage::registry {

// What the registry needs to know from the directory at call time: that a
// person or organisation named in a request exists. Implemented over gRPC by
// the server (the registry never reads the directory's database).
class DirectoryLookup {
 public:
  virtual ~DirectoryLookup() = default;
  virtual absl::StatusOr<directory::v1::Person> GetPerson(const identity::Caller& caller,
                                                          const std::string& name) = 0;
  virtual absl::StatusOr<directory::v1::Organization> GetOrganization(
      const identity::Caller& caller, const std::string& name) = 0;
};

// The registry's domain logic: validation, authorisation and the
// read-check-write of every method. Knows nothing of gRPC.
class Registry {
 public:
  Registry(storage::Store* store, const Clock* clock, DirectoryLookup* directory);

  // Seeds the built-in case-role catalog on first start.
  absl::Status Init();

  absl::StatusOr<v1::Case> CreateCase(const identity::Caller& caller,
                                      const v1::CreateCaseRequest& req);
  absl::StatusOr<v1::Case> GetCase(const identity::Caller& caller, const v1::GetCaseRequest& req);
  absl::StatusOr<v1::ListCasesResponse> ListCases(const identity::Caller& caller,
                                                  const v1::ListCasesRequest& req);
  absl::StatusOr<v1::Case> UpdateCase(const identity::Caller& caller,
                                      const v1::UpdateCaseRequest& req);
  absl::StatusOr<v1::Case> CloseCase(const identity::Caller& caller,
                                     const v1::CloseCaseRequest& req);

  absl::StatusOr<v1::Assignment> CreateAssignment(const identity::Caller& caller,
                                                  const v1::CreateAssignmentRequest& req);
  absl::StatusOr<v1::Assignment> GetAssignment(const identity::Caller& caller,
                                               const v1::GetAssignmentRequest& req);
  absl::StatusOr<v1::ListAssignmentsResponse> ListAssignments(
      const identity::Caller& caller, const v1::ListAssignmentsRequest& req);
  absl::StatusOr<v1::Assignment> UpdateAssignment(const identity::Caller& caller,
                                                  const v1::UpdateAssignmentRequest& req);
  absl::StatusOr<v1::Assignment> EndAssignment(const identity::Caller& caller,
                                               const v1::EndAssignmentRequest& req);
  absl::StatusOr<v1::ListCaseloadResponse> ListCaseload(const identity::Caller& caller,
                                                        const v1::ListCaseloadRequest& req);

  absl::StatusOr<v1::CaseRole> CreateCaseRole(const identity::Caller& caller,
                                              const v1::CreateCaseRoleRequest& req);
  absl::StatusOr<v1::CaseRole> GetCaseRole(const identity::Caller& caller,
                                           const v1::GetCaseRoleRequest& req);
  absl::StatusOr<v1::ListCaseRolesResponse> ListCaseRoles(const identity::Caller& caller,
                                                          const v1::ListCaseRolesRequest& req);
  absl::StatusOr<v1::CheckCaseAccessResponse> CheckCaseAccess(
      const identity::Caller& caller, const v1::CheckCaseAccessRequest& req);

  // Reactions to the directory's events (see handoff.cc): keeps the
  // registry's projection of people, and hands over the open cases of a
  // person who departed. Idempotent: applying an event twice changes
  // nothing the second time.
  absl::Status ApplyDirectoryEvent(const directory::v1::Event& event);

  storage::Store& store() const { return data_.store(); }

 private:
  // The case and the caller's access to it; PERMISSION_DENIED (whether or
  // not it exists) when the caller may not see it.
  struct CaseView {
    v1::Case c;
    std::vector<v1::Assignment> assignments;
    CaseAccess access;
  };
  // The same without copies: the records as the cache holds them (reads).
  struct SharedCaseView {
    std::shared_ptr<const v1::Case> c;
    std::shared_ptr<const std::vector<v1::Assignment>> assignments;
    CaseAccess access;
  };
  absl::StatusOr<SharedCaseView> ShareVisibleCase(const storage::ReadView& view,
                                                  const identity::Caller& caller,
                                                  absl::string_view case_name,
                                                  absl::string_view field) const;
  absl::StatusOr<CaseView> LoadVisibleCase(const storage::ReadView& view,
                                           const identity::Caller& caller,
                                           absl::string_view case_name,
                                           absl::string_view field) const;
  absl::StatusOr<CaseView> LoadManageableCase(const storage::ReadView& view,
                                              const identity::Caller& caller,
                                              absl::string_view case_name,
                                              absl::string_view field) const;
  // The directory record of a person: the projection, else the directory;
  // null when neither knows them.
  absl::StatusOr<std::shared_ptr<const directory::v1::Person>> PersonFacts(
      const storage::ReadView& view, const identity::Caller& caller, absl::string_view name) const;

  absl::Status ValidateCase(const v1::Case& c, absl::string_view field) const;
  // Gives names to new subjects and resolves relationship references.
  absl::Status NameSubjects(v1::Case& c, const v1::Case* previous) const;

  // Writes a new assignment and the case's vacancy bookkeeping; shared by
  // CreateAssignment and the departure handoff.
  absl::StatusOr<v1::Assignment> AddAssignment(storage::Batch& batch, v1::Case& c,
                                               const std::vector<v1::Assignment>& current,
                                               v1::Assignment a, const std::string& actor,
                                               const std::string& cause);
  void EndOne(storage::Batch& batch, v1::Assignment& a, v1::Assignment::EndReason reason,
              const std::string& details, absl::Time end, const std::string& actor,
              const std::string& cause);
  void WriteCaseChange(storage::Batch& batch, v1::Case& c, const v1::Case* previous,
                       v1::Event::Type type, const std::string& actor, const std::string& cause);
  // Shows the state an assignment has now (planned, current, ended).
  v1::Assignment Present(v1::Assignment a) const;

  absl::Status HandOver(const directory::v1::Person& departed, const std::string& actor,
                        const std::string& cause);

  v1::Event NewEvent(const std::string& actor, v1::Event::Type type, absl::string_view resource,
                     const std::string& cause) const;
  const storage::ReadView& reader() const { return data_.store().reader(); }

  RegistryStore data_;
  const Clock* clock_;
  DirectoryLookup* directory_;
};

}  // namespace samepage::registry
