#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/identity/caller.h"
#include "common/storage/store.h"
#include "samepage/directory/v1/directory_service.pb.h"
#include "services/directory/directory_store.h"

namespace samepage::directory {

// The directory's domain logic: validation, authorisation and the
// read-check-write of every method. Knows nothing of gRPC.
class Directory {
 public:
  // `store` must have been opened with DirectoryStore::ColumnFamilies().
  Directory(storage::Store* store, const Clock* clock);

  // Seeds the built-in role catalog on first start.
  absl::Status Init();

  absl::StatusOr<v1::Organization> CreateOrganization(const identity::Caller& caller,
                                                      const v1::CreateOrganizationRequest& req);
  absl::StatusOr<v1::Organization> GetOrganization(const identity::Caller& caller,
                                                   const v1::GetOrganizationRequest& req);
  absl::StatusOr<v1::ListOrganizationsResponse> ListOrganizations(
      const identity::Caller& caller, const v1::ListOrganizationsRequest& req);
  absl::StatusOr<v1::Organization> UpdateOrganization(const identity::Caller& caller,
                                                      const v1::UpdateOrganizationRequest& req);

  absl::StatusOr<v1::Role> CreateRole(const identity::Caller& caller,
                                      const v1::CreateRoleRequest& req);
  absl::StatusOr<v1::ListRolesResponse> ListRoles(const identity::Caller& caller,
                                                  const v1::ListRolesRequest& req);

  absl::StatusOr<v1::Person> CreatePerson(const identity::Caller& caller,
                                          const v1::CreatePersonRequest& req);
  absl::StatusOr<v1::Person> GetPerson(const identity::Caller& caller,
                                       const v1::GetPersonRequest& req);
  absl::StatusOr<v1::ListPeopleResponse> ListPeople(const identity::Caller& caller,
                                                    const v1::ListPeopleRequest& req);
  absl::StatusOr<v1::Person> UpdatePerson(const identity::Caller& caller,
                                          const v1::UpdatePersonRequest& req);
  absl::StatusOr<v1::SearchPeopleResponse> SearchPeople(const identity::Caller& caller,
                                                        const v1::SearchPeopleRequest& req);
  absl::StatusOr<v1::Person> RecordDeparture(const identity::Caller& caller,
                                             const v1::RecordDepartureRequest& req);

  // Reads one person without a caller check, for other in-process logic
  // (e.g. the roster). NOT_FOUND when missing.
  absl::StatusOr<v1::Person> LookupPerson(absl::string_view name) const;
  absl::StatusOr<v1::Organization> LookupOrganization(absl::string_view name) const;

  storage::Store& store() const { return data_.store(); }
  const Clock& clock() const { return *clock_; }

 private:
  // The caller's own directory record, when the caller is a directory person.
  absl::StatusOr<std::optional<v1::Person>> CallerRecord(const storage::ReadView& view,
                                                         const identity::Caller& caller) const;
  // Platform admin, or an active administrator of `organization`.
  absl::StatusOr<bool> AdministersOrganization(const storage::ReadView& view,
                                               const identity::Caller& caller,
                                               absl::string_view organization) const;

  absl::Status ValidatePerson(const storage::ReadView& view, const v1::Person& person,
                              absl::string_view field) const;
  absl::Status ValidateOrganization(const storage::ReadView& view, const v1::Organization& org,
                                    absl::string_view field) const;
  const storage::ReadView& reader() const { return data_.store().reader(); }
  v1::Event NewEvent(const identity::Caller& caller, v1::Event::Type type,
                     absl::string_view resource) const;

  DirectoryStore data_;
  const Clock* clock_;
};

}  // namespace samepage::directory
