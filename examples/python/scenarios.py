#!/usr/bin/env python3
"""SamePage from Python: the who-is-who and Part 2 consent scenarios.

Uses only client code generated from SamePage's proto/ (protoc with
grpc_python_plugin; see run.sh) and Debian's python3-grpcio/python3-protobuf.

  scenarios.py --server HOST:PORT --token-command "samepage --data_dir DIR dev-token"

Every call carries `authorization: Bearer <token>`; here the tokens come from
the development-mode CLI (`--token-command` gets `--as SUBJECT` or `--admin`
appended). Against a production server they come from your identity provider.
"""

import argparse
import datetime
import shlex
import subprocess
import sys
import uuid

import grpc
from google.protobuf import timestamp_pb2

from samepage.directory.v1 import directory_service_pb2 as dir_svc
from samepage.directory.v1 import directory_service_pb2_grpc as dir_grpc
from samepage.directory.v1 import resources_pb2 as dir_res
from samepage.registry.v1 import registry_service_pb2 as reg_svc
from samepage.registry.v1 import registry_service_pb2_grpc as reg_grpc
from samepage.registry.v1 import resources_pb2 as reg_res
from samepage.sharing.v1 import sharing_service_pb2 as sh_svc
from samepage.sharing.v1 import sharing_service_pb2_grpc as sh_grpc
from samepage.sharing.v1 import resources_pb2 as sh_res

CASE = "cases/rivera"
BEA = "cases/rivera/subjects/bea"


class Client:
    """Stubs for the three services, and tokens per subject."""

    def __init__(self, server, token_command):
        channel = grpc.insecure_channel(server)
        self.directory = dir_grpc.DirectoryStub(channel)
        self.registry = reg_grpc.CaseRegistryStub(channel)
        self.sharing = sh_grpc.SharingStub(channel)
        self._token_command = shlex.split(token_command)
        self._tokens = {}

    def token(self, subject):
        """A bearer token for `subject` ("admin" or "people/ID")."""
        if subject not in self._tokens:
            extra = ["--admin"] if subject == "admin" else ["--as", subject]
            self._tokens[subject] = subprocess.run(
                self._token_command + extra, check=True, capture_output=True, text=True
            ).stdout.strip()
        return self._tokens[subject]

    def metadata(self, subject):
        # A request id of our own makes the call easy to find in the servers' logs.
        return (
            ("authorization", "Bearer " + self.token(subject)),
            ("x-request-id", "py-" + uuid.uuid4().hex[:16]),
        )

    def call(self, method, request, subject="admin"):
        return method(request, metadata=self.metadata(subject), timeout=10)


def timestamp(delta):
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + delta)
    return ts


def expect(condition, what):
    if not condition:
        raise AssertionError(what)
    print("  ok:", what)


def set_up_case(c):
    """Organisations, people, the Rivera case and its team (as an administrator)."""
    orgs = [
        ("sunrise", "Sunrise Family Services", dir_res.Organization.KIND_CHILD_WELFARE_AGENCY),
        ("harbor", "Harbor Behavioral Health", dir_res.Organization.KIND_BEHAVIORAL_HEALTH_PROVIDER),
        ("recovery", "New Leaf Recovery", dir_res.Organization.KIND_SUBSTANCE_USE_TREATMENT_PROVIDER),
    ]
    for org_id, name, kind in orgs:
        c.call(c.directory.CreateOrganization, dir_svc.CreateOrganizationRequest(
            organization_id=org_id,
            organization=dir_res.Organization(display_name=name, kind=kind)))
    people = [
        ("sam", "Sam Lee", "sunrise", "case-supervisor", ""),
        ("dana", "Dana Cruz", "sunrise", "dependency-case-manager", "sam"),
        ("theo", "Theo Park", "harbor", "therapist", ""),
        ("ursula", "Ursula Grant", "recovery", "substance-use-treatment-provider", ""),
    ]
    for person_id, name, org, role, supervisor in people:
        person = dir_res.Person(
            display_name=name, organization="organizations/" + org, roles=["roles/" + role],
            supervisor="people/" + supervisor if supervisor else "",
            contact_points=[dir_res.ContactPoint(
                channel=dir_res.ContactPoint.CHANNEL_EMAIL, value=person_id + "@example.org",
                preferred=True, visibility=dir_res.ContactPoint.VISIBILITY_EVERYONE)])
        c.call(c.directory.CreatePerson,
               dir_svc.CreatePersonRequest(person_id=person_id, person=person))
    c.call(c.directory.CreatePerson, dir_svc.CreatePersonRequest(
        person_id="bea", person=dir_res.Person(display_name="Bea Rivera",
                                               kind=dir_res.Person.KIND_CAREGIVER)))

    case = reg_res.Case(
        case_number="2026-0042", lead_agency="organizations/sunrise",
        display_name="Rivera family", program="foster-care",
        subjects=[
            reg_res.CaseSubject(subject_id="leo", kind=reg_res.CaseSubject.KIND_CHILD,
                                display_name="Leo Rivera",
                                custody=reg_res.CaseSubject.CUSTODY_AGENCY,
                                custodian="organizations/sunrise"),
            reg_res.CaseSubject(subject_id="bea", kind=reg_res.CaseSubject.KIND_CAREGIVER,
                                display_name="Bea Rivera", person="people/bea",
                                relationships=[reg_res.SubjectRelationship(
                                    child="leo",
                                    type=reg_res.SubjectRelationship.TYPE_BIOLOGICAL_PARENT)]),
        ])
    case.subjects[0].birth_date.year, case.subjects[0].birth_date.month = 2017, 4
    case.subjects[0].birth_date.day = 9
    c.call(c.registry.CreateCase, reg_svc.CreateCaseRequest(case_id="rivera", case=case))
    team = [("dependency-case-manager", "people/dana", ""),
            ("case-supervisor", "people/sam", ""),
            ("therapist", "people/theo", ""),
            ("substance-use-treatment-provider", "people/ursula", ""),
            ("biological-parent", "", BEA)]
    for role, person, subject in team:
        c.call(c.registry.CreateAssignment, reg_svc.CreateAssignmentRequest(
            parent=CASE,
            assignment=reg_res.Assignment(case_role=role, person=person, subject=subject)))


def who_is_who(c):
    print("who is who, as the new therapist:")
    roster = c.call(c.directory.WhoIsWho, dir_svc.WhoIsWhoRequest(case=CASE), "people/theo")
    by_role = {m.case_role: m for m in roster.members}
    expect(roster.case == CASE, "the roster is the Rivera case's")
    dcm = by_role.get("dependency-case-manager")
    expect(dcm is not None and dcm.person == "people/dana", "Dana is the case manager")
    expect(dcm.organization_display_name == "Sunrise Family Services", "from Sunrise")
    expect(any(p.value == "dana@example.org" for p in dcm.contact_points),
           "with her email address")
    expect(by_role["therapist"].person == "people/theo", "Theo sees himself as the therapist")
    expect("biological-parent" in by_role, "Bea is on the case as the parent")

    # Someone not on the case is told PERMISSION_DENIED, whether or not it exists.
    try:
        c.call(c.directory.WhoIsWho, dir_svc.WhoIsWhoRequest(case="cases/elsewhere"),
               "people/theo")
        expect(False, "a case Theo is not on is refused")
    except grpc.RpcError as e:
        expect(e.code() == grpc.StatusCode.PERMISSION_DENIED,
               "a case Theo is not on is refused: PERMISSION_DENIED")


def part2_consent(c):
    print("Part 2 consent:")
    elements = sh_res.Part2Elements(
        patient_name="Bea Rivera",
        disclosing_parties="New Leaf Recovery",
        information_description="Attendance and treatment progress",
        recipient_names="The dependency case manager of the Rivera case",
        purpose_description="Case planning and court reports",
        right_to_revoke_statement="I may revoke this consent in writing at any time",
        expiration_description="180 days from signing",
        conditioning_statement="Treatment is not conditioned on signing",
        redisclosure_statement="Information may be redisclosed as the notice allows")
    consent = sh_res.ConsentDirective(
        case=CASE, subject=BEA,
        consenter=sh_res.Consenter(authority=sh_res.Consenter.AUTHORITY_SELF, subject=BEA,
                                   display_name="Bea Rivera"),
        disclosers=[sh_res.Party(person="people/ursula")],
        recipients=[sh_res.Party(case_role="dependency-case-manager")],
        categories=["substance-use-part2"],
        purposes=[sh_res.PURPOSE_CASE_PLANNING, sh_res.PURPOSE_COURT_PROCEEDINGS],
        expire_time=timestamp(datetime.timedelta(days=180)),
        signed_form=sh_res.SignedForm(signer_name="Bea Rivera",
                                      sign_time=timestamp(datetime.timedelta(hours=-1)),
                                      reference="doc-123"),
        right_to_revoke_acknowledged=True)

    incomplete = sh_res.ConsentDirective()
    incomplete.CopyFrom(consent)
    incomplete.part2_elements.CopyFrom(elements)
    incomplete.part2_elements.right_to_revoke_statement = ""
    try:
        c.call(c.sharing.CreateConsent, sh_svc.CreateConsentRequest(consent=incomplete),
               "people/dana")
        expect(False, "an incomplete Part 2 consent is refused")
    except grpc.RpcError as e:
        expect(e.code() == grpc.StatusCode.INVALID_ARGUMENT
               and "right_to_revoke_statement" in e.details(),
               "an incomplete Part 2 consent is refused, naming the missing element")

    consent.part2_elements.CopyFrom(elements)
    created = c.call(c.sharing.CreateConsent, sh_svc.CreateConsentRequest(consent=consent),
                     "people/dana")
    expect(created.state == sh_res.ConsentDirective.STATE_ACTIVE, "the complete one is active")

    check = sh_svc.CheckAccessRequest(requester="people/dana", case=CASE, subject=BEA,
                                      category="substance-use-part2",
                                      purpose=sh_res.PURPOSE_CASE_PLANNING, explain=True)
    permit = c.call(c.sharing.CheckAccess, check, "people/dana")
    expect(permit.decision == sh_svc.CheckAccessResponse.DECISION_PERMIT,
           "the case manager is permitted")
    expect(permit.basis_resource == created.name, "on the basis of the consent")
    expect(any(o.type == sh_res.Obligation.TYPE_REDISCLOSURE_NOTICE and "42 CFR part 2" in o.text
               for o in permit.obligations), "with the redisclosure notice")

    revoked = c.call(c.sharing.RevokeConsent, sh_svc.RevokeConsentRequest(
        name=created.name, revoked_by="Bea Rivera", reason="changed her mind"), "people/bea")
    expect(revoked.state == sh_res.ConsentDirective.STATE_REVOKED, "Bea revokes it")

    deny = c.call(c.sharing.CheckAccess, check, "people/dana")
    expect(deny.decision == sh_svc.CheckAccessResponse.DECISION_DENY,
           "the next check is denied")
    expect("revoked" in deny.explanation, "and says it was revoked")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="host:port of samepaged")
    parser.add_argument("--token-command", required=True,
                        help="prints a bearer token; gets --as SUBJECT or --admin appended")
    args = parser.parse_args()
    c = Client(args.server, args.token_command)
    set_up_case(c)
    who_is_who(c)
    part2_consent(c)
    print("python scenarios: ok")


if __name__ == "__main__":
    try:
        main()
    except grpc.RpcError as e:
        print(f"python scenarios: {e.code().name}: {e.details()}", file=sys.stderr)
        sys.exit(1)
