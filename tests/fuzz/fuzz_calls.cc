// The case the fuzzers find on the server, built through the public API, and
// the seed requests that read and change it. Written in protobuf text format
// so that a reader sees the requests as a client would send them.

#include <vector>

#include "tests/fuzz/fuzz_world.h"

namespace samepage::fuzz {

const std::vector<Call>& SetupCalls() {
  static const auto* calls = new std::vector<Call>{
      {"directory", "CreateOrganization", As::kAdmin,
       R"pb(organization_id: "sunrise"
            organization { display_name: "Sunrise Family Services" kind: KIND_CHILD_WELFARE_AGENCY })pb"},
      {"directory", "CreateOrganization", As::kAdmin,
       R"pb(organization_id: "harbor"
            organization { display_name: "Harbor Behavioral Health" kind: KIND_BEHAVIORAL_HEALTH_PROVIDER })pb"},
      {"directory", "CreateOrganization", As::kAdmin,
       R"pb(organization_id: "recovery"
            organization { display_name: "New Leaf Recovery" kind: KIND_SUBSTANCE_USE_TREATMENT_PROVIDER })pb"},
      {"directory", "CreateOrganization", As::kAdmin,
       R"pb(organization_id: "court"
            organization { display_name: "County Court" kind: KIND_COURT })pb"},
      {"directory", "CreatePerson", As::kAdmin,
       R"pb(person_id: "alma"
            person {
              display_name: "Alma Ortiz"
              organization: "organizations/sunrise"
              roles: "roles/administrator"
              administrator: true
              contact_points { channel: CHANNEL_EMAIL value: "alma@sunrise.example" }
            })pb"},
      {"directory", "CreatePerson", As::kAdmin,
       R"pb(person_id: "sam"
            person {
              display_name: "Sam Reyes"
              organization: "organizations/sunrise"
              roles: "roles/case-supervisor"
              contact_points { channel: CHANNEL_PHONE value: "+15550100" preferred: true }
            })pb"},
      {"directory", "CreatePerson", As::kAdmin,
       R"pb(person_id: "dana"
            person {
              display_name: "Dana Cruz"
              organization: "organizations/sunrise"
              roles: "roles/dependency-case-manager"
              supervisor: "people/sam"
              contact_points {
                channel: CHANNEL_EMAIL
                value: "dana@sunrise.example"
                visibility: VISIBILITY_EVERYONE
              }
            })pb"},
      {"directory", "CreatePerson", As::kAdmin,
       R"pb(person_id: "sid"
            person {
              display_name: "Sid Park"
              organization: "organizations/sunrise"
              roles: "roles/dependency-case-manager"
              supervisor: "people/sam"
            })pb"},
      {"directory", "CreatePerson", As::kAdmin,
       R"pb(person_id: "theo"
            person {
              display_name: "Theo Brandt"
              organization: "organizations/harbor"
              roles: "roles/therapist"
              contact_points { channel: CHANNEL_EMAIL value: "theo@harbor.example" }
            })pb"},
      {"directory", "CreatePerson", As::kAdmin,
       R"pb(person_id: "ursula"
            person {
              display_name: "Ursula Kim"
              organization: "organizations/recovery"
              roles: "roles/substance-use-treatment-provider"
            })pb"},
      {"directory", "CreatePerson", As::kAdmin,
       R"pb(person_id: "joan"
            person {
              display_name: "Joan Hale"
              organization: "organizations/court"
              roles: "roles/judge"
            })pb"},
      {"directory", "CreatePerson", As::kAdmin,
       R"pb(person_id: "gail"
            person {
              display_name: "Gail Stone"
              organization: "organizations/harbor"
              roles: "roles/therapist"
            })pb"},
      {"directory", "CreatePerson", As::kAdmin,
       R"pb(person_id: "bea" person { display_name: "Bea Rivera" kind: KIND_CAREGIVER })pb"},
      {"registry", "CreateCase", As::kAdmin,
       R"pb(case_id: "rivera"
            case {
              case_number: "2026-0042"
              lead_agency: "organizations/sunrise"
              display_name: "Rivera family"
              program: "foster-care"
              subjects {
                subject_id: "leo"
                kind: KIND_CHILD
                display_name: "Leo Rivera"
                birth_date { year: 2017 month: 4 day: 9 }
                custody: CUSTODY_AGENCY
                custodian: "organizations/sunrise"
              }
              subjects {
                subject_id: "bea"
                kind: KIND_CAREGIVER
                display_name: "Bea Rivera"
                person: "people/bea"
                relationships { child: "leo" type: TYPE_BIOLOGICAL_PARENT }
              }
            })pb"},
      {"registry", "CreateAssignment", As::kAdmin,
       R"pb(parent: "cases/rivera"
            assignment { case_role: "dependency-case-manager" person: "people/dana" primary: true })pb"},
      {"registry", "CreateAssignment", As::kAdmin,
       R"pb(parent: "cases/rivera"
            assignment { case_role: "case-supervisor" person: "people/sam" })pb"},
      {"registry", "CreateAssignment", As::kAdmin,
       R"pb(parent: "cases/rivera"
            assignment { case_role: "therapist" person: "people/theo" })pb"},
      {"registry", "CreateAssignment", As::kAdmin,
       R"pb(parent: "cases/rivera"
            assignment { case_role: "substance-use-treatment-provider" person: "people/ursula" })pb"},
      {"registry", "CreateAssignment", As::kAdmin,
       R"pb(parent: "cases/rivera"
            assignment { case_role: "court" person: "people/joan" })pb"},
      {"registry", "CreateAssignment", As::kAdmin,
       R"pb(parent: "cases/rivera"
            assignment { case_role: "biological-parent" subject: "cases/rivera/subjects/bea" })pb"},
      {"caseplan", "PublishPlanVersion", As::kDana,
       R"pb(parent: "cases/rivera/plan"
            plan_version {
              goals {
                goal_id: "safety"
                title: "Leo is safe at home"
                owner_role: "dependency-case-manager"
                status: STATUS_IN_PROGRESS
                subjects: "cases/rivera/subjects/leo"
              }
              tasks {
                task_id: "therapy"
                title: "Weekly therapy sessions"
                goal_id: "safety"
                owner: "people/theo"
                status: STATUS_NOT_STARTED
                due_time { seconds: 4070908800 }
              }
              required_steps {
                step_id: "screening"
                title: "Substance-use screening"
                sequence: 1
                time_limit { seconds: 172800 }
                owner_role: "dependency-case-manager"
                status: STATUS_PENDING
              }
              family_summary: "We will keep Leo safe at home."
              change_summary: "First plan"
            })pb"},
      {"caseplan", "CreateNote", As::kTheo,
       R"pb(parent: "cases/rivera"
            note_id: "progress"
            note {
              kind: KIND_PROGRESS_NOTE
              category: "mental-health"
              title: "Session 3"
              body: "Leo talked about school."
              subject: "cases/rivera/subjects/leo"
            })pb"},
      {"caseplan", "CreateNote", As::kDana,
       R"pb(parent: "cases/rivera"
            note_id: "visit"
            note { kind: KIND_CONTACT_NOTE category: "general" title: "Home visit" body: "All well." })pb"},
      {"sharing", "CreateConsent", As::kAdmin,
       R"pb(consent_id: "bea-part2"
            consent {
              case: "cases/rivera"
              subject: "cases/rivera/subjects/bea"
              consenter {
                authority: AUTHORITY_SELF
                subject: "cases/rivera/subjects/bea"
                display_name: "Bea Rivera"
              }
              disclosers { person: "people/ursula" }
              recipients { case_role: "dependency-case-manager" }
              categories: "substance-use-part2"
              purposes: PURPOSE_CASE_PLANNING
              purposes: PURPOSE_COURT_PROCEEDINGS
              expire_time { seconds: 4070908800 }
              signed_form {
                signer_name: "Bea Rivera"
                sign_time { seconds: 1700000000 }
                reference: "doc-123"
              }
              right_to_revoke_acknowledged: true
              part2_elements {
                patient_name: "Bea Rivera"
                disclosing_parties: "New Leaf Recovery"
                information_description: "Attendance and treatment progress"
                recipient_names: "The dependency case manager of the Rivera case"
                purpose_description: "Case planning and court reports"
                right_to_revoke_statement: "I may revoke this consent in writing at any time"
                expiration_description: "When the case closes"
                conditioning_statement: "Treatment is not conditioned on signing"
                redisclosure_statement: "Information may be redisclosed as the notice allows"
              }
            })pb"},
      {"sharing", "CreateCourtOrder", As::kAdmin,
       R"pb(court_order_id: "dp-26-117"
            court_order {
              case: "cases/rivera"
              subjects: "cases/rivera/subjects/leo"
              court: "organizations/court"
              docket_number: "DP-26-117"
              order_time { seconds: 1700000000 }
              categories: "court-report"
              recipients { case_role: "court" }
            })pb"},
      {"sharing", "CreateInformationRequest", As::kDana,
       R"pb(information_request_id: "summary"
            information_request {
              case: "cases/rivera"
              subject: "cases/rivera/subjects/leo"
              recipient { person: "people/theo" }
              summary: "Progress summary for court"
              purpose: PURPOSE_COURT_PROCEEDINGS
              categories: "mental-health"
              due_time { seconds: 4070908800 }
            })pb"},
  };
  return *calls;
}

const std::vector<Call>& ProbeCalls() {
  static const auto* calls = new std::vector<Call>{
      {"directory", "GetOrganization", As::kDana, R"pb(name: "organizations/sunrise")pb"},
      {"directory", "ListOrganizations", As::kGail, R"pb(page_size: 2)pb"},
      {"directory", "UpdateOrganization", As::kAlma,
       R"pb(organization { name: "organizations/sunrise" display_name: "Sunrise" }
            update_mask { paths: "display_name" })pb"},
      {"directory", "CreateRole", As::kAdmin,
       R"pb(role_id: "family-partner" role { display_name: "Family partner" })pb"},
      {"directory", "ListRoles", As::kTheo, R"pb(page_size: 3)pb"},
      {"directory", "GetPerson", As::kTheo, R"pb(name: "people/dana")pb"},
      {"directory", "ListPeople", As::kSam,
       R"pb(organization: "organizations/sunrise" page_size: 2)pb"},
      {"directory", "UpdatePerson", As::kDana,
       R"pb(person {
              name: "people/dana"
              out_of_office { start_time { seconds: 1700000000 } end_time { seconds: 4070908800 } }
            }
            update_mask { paths: "out_of_office" })pb"},
      {"directory", "SearchPeople", As::kTheo, R"pb(query: "dana" page_size: 5)pb"},
      {"directory", "RecordDeparture", As::kSam,
       R"pb(name: "people/dana" successor: "people/sid" reason: "moved away")pb"},
      {"directory", "WhoIsWho", As::kTheo, R"pb(case: "cases/rivera")pb"},
      {"directory", "WatchEvents", As::kService, R"pb(after_revision: 3)pb"},
      {"registry", "GetCase", As::kDana, R"pb(name: "cases/rivera")pb"},
      {"registry", "ListCases", As::kAdmin, R"pb(page_size: 2)pb"},
      {"registry", "UpdateCase", As::kDana,
       R"pb(case { name: "cases/rivera" display_name: "Rivera" }
            update_mask { paths: "display_name" })pb"},
      {"registry", "CloseCase", As::kAlma, R"pb(name: "cases/rivera" closing_reason: "reunified" end_assignments: true)pb"},
      {"registry", "GetAssignment", As::kDana, R"pb(name: "cases/rivera/assignments/1")pb"},
      {"registry", "ListAssignments", As::kTheo,
       R"pb(parent: "cases/rivera" page_size: 3)pb"},
      {"registry", "UpdateAssignment", As::kDana,
       R"pb(assignment { name: "cases/rivera/assignments/1" responsibilities: "visits" }
            update_mask { paths: "responsibilities" })pb"},
      {"registry", "EndAssignment", As::kSam,
       R"pb(name: "cases/rivera/assignments/2" end_reason: END_REASON_REASSIGNED)pb"},
      {"registry", "ListCaseload", As::kSam, R"pb(person: "people/dana")pb"},
      {"registry", "CreateCaseRole", As::kAdmin,
       R"pb(case_role_id: "mentor" case_role { display_name: "Family peer mentor" })pb"},
      {"registry", "GetCaseRole", As::kTheo, R"pb(name: "caseRoles/therapist")pb"},
      {"registry", "ListCaseRoles", As::kTheo, R"pb(page_size: 4)pb"},
      {"registry", "CheckCaseAccess", As::kService,
       R"pb(case: "cases/rivera" person: "people/theo")pb"},
      {"registry", "WatchEvents", As::kService, R"pb(after_revision: 1)pb"},
      {"caseplan", "GetPlan", As::kTheo, R"pb(name: "cases/rivera/plan")pb"},
      {"caseplan", "GetPlanVersion", As::kBea, R"pb(name: "cases/rivera/plan/versions/1")pb"},
      {"caseplan", "ListPlanVersions", As::kTheo,
       R"pb(parent: "cases/rivera/plan" page_size: 2)pb"},
      {"caseplan", "DiffPlanVersions", As::kTheo,
       R"pb(plan: "cases/rivera/plan" base_version_number: 1 target_version_number: 1)pb"},
      {"caseplan", "AcknowledgePlanVersion", As::kTheo,
       R"pb(name: "cases/rivera/plan/versions/1")pb"},
      {"caseplan", "ListPlanAcknowledgements", As::kDana,
       R"pb(parent: "cases/rivera/plan" version_number: 1)pb"},
      {"caseplan", "ListOverdueItems", As::kSam, R"pb(case: "cases/rivera")pb"},
      {"caseplan", "GetNote", As::kDana,
       R"pb(name: "cases/rivera/notes/progress" purpose: "case-planning")pb"},
      {"caseplan", "ListNotes", As::kTheo, R"pb(parent: "cases/rivera" page_size: 2)pb"},
      {"caseplan", "AmendNote", As::kTheo,
       R"pb(note { name: "cases/rivera/notes/progress" body: "Leo talked about his friends." }
            update_mask { paths: "body" }
            reason: "typo")pb"},
      {"caseplan", "ListNoteVersions", As::kTheo,
       R"pb(parent: "cases/rivera/notes/progress")pb"},
      {"caseplan", "AcknowledgeNote", As::kSam, R"pb(name: "cases/rivera/notes/visit")pb"},
      {"caseplan", "WatchEvents", As::kService, R"pb(after_revision: 0)pb"},
      {"sharing", "CreateCategory", As::kAdmin,
       R"pb(category_id: "school-records"
            category { display_name: "School records" sensitive: true })pb"},
      {"sharing", "GetCategory", As::kTheo, R"pb(name: "categories/substance-use-part2")pb"},
      {"sharing", "ListCategories", As::kTheo, R"pb(page_size: 3)pb"},
      {"sharing", "GetConsent", As::kUrsula, R"pb(name: "consents/bea-part2")pb"},
      {"sharing", "ListConsents", As::kDana,
       R"pb(subject: "cases/rivera/subjects/bea" page_size: 2)pb"},
      {"sharing", "RevokeConsent", As::kBea,
       R"pb(name: "consents/bea-part2" revoked_by: "Bea Rivera" reason: "changed her mind")pb"},
      {"sharing", "GetCourtOrder", As::kJoan, R"pb(name: "courtOrders/dp-26-117")pb"},
      {"sharing", "ListCourtOrders", As::kJoan, R"pb(case: "cases/rivera")pb"},
      {"sharing", "CheckAccess", As::kService,
       R"pb(requester: "people/dana"
            case: "cases/rivera"
            subject: "cases/rivera/subjects/bea"
            category: "substance-use-part2"
            purpose: PURPOSE_CASE_PLANNING
            author: "people/ursula"
            explain: true
            record: true)pb"},
      {"sharing", "BatchCheckAccess", As::kService,
       R"pb(requests {
              requester: "people/joan"
              case: "cases/rivera"
              subject: "cases/rivera/subjects/leo"
              category: "court-report"
              purpose: PURPOSE_COURT_PROCEEDINGS
            }
            requests {
              requester: "people/gail"
              case: "cases/rivera"
              category: "mental-health"
              purpose: PURPOSE_TREATMENT
            })pb"},
      {"sharing", "RecordDisclosure", As::kUrsula,
       R"pb(disclosure {
              case: "cases/rivera"
              subject: "cases/rivera/subjects/bea"
              category: "substance-use-part2"
              recipient: "organizations/court"
              basis: ACCESS_BASIS_CONSENT_DIRECTIVE
              basis_resource: "consents/bea-part2"
              purpose: PURPOSE_COURT_PROCEEDINGS
              description: "progress letter released on paper"
            })pb"},
      {"sharing", "GetDisclosure", As::kBea, R"pb(name: "disclosures/1")pb"},
      {"sharing", "ListDisclosures", As::kBea,
       R"pb(subject: "cases/rivera/subjects/bea" end_time { seconds: 4070908800 })pb"},
      {"sharing", "GetInformationRequest", As::kTheo,
       R"pb(name: "informationRequests/summary")pb"},
      {"sharing", "ListInformationRequests", As::kTheo, R"pb(page_size: 2)pb"},
      {"sharing", "AcknowledgeInformationRequest", As::kTheo,
       R"pb(name: "informationRequests/summary")pb"},
      {"sharing", "FulfillInformationRequest", As::kTheo,
       R"pb(name: "informationRequests/summary"
            fulfillment { resource: "cases/rivera/notes/progress" comment: "attached" })pb"},
      {"sharing", "DeclineInformationRequest", As::kTheo,
       R"pb(name: "informationRequests/summary" reason: "not mine to give")pb"},
      {"sharing", "WatchEvents", As::kService, R"pb(after_revision: 0)pb"},
  };
  return *calls;
}

}  // namespace samepage::fuzz
