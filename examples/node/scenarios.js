#!/usr/bin/env node
// SamePage from Node.js: the who-is-who and Part 2 consent scenarios.
//
// Loads SamePage's proto/ at run time with @grpc/proto-loader and calls it
// with @grpc/grpc-js (install both with `npm ci --prefix examples/node`):
//
//   node scenarios.js --server HOST:PORT --protos REPO/proto \
//       --token-command "samepage --data_dir DIR dev-token"
//
// Every call carries `authorization: Bearer <token>`; here the tokens come
// from the development-mode CLI (`--token-command` gets `--as SUBJECT` or
// `--admin` appended). Against a production server they come from your
// identity provider.
'use strict';

const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const CASE = 'cases/rivera';
const BEA = 'cases/rivera/subjects/bea';

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error(`usage: scenarios.js --server HOST:PORT --protos DIR --token-command CMD`);
    }
    args[argv[i].slice(2)] = argv[i + 1];
  }
  for (const required of ['server', 'protos', 'token-command']) {
    if (!args[required]) throw new Error(`--${required} is required`);
  }
  return args;
}

class Client {
  constructor(server, protos, tokenCommand) {
    const files = ['directory', 'registry', 'sharing'].map((s) =>
      path.join('samepage', s, 'v1', `${s}_service.proto`));
    const definition = protoLoader.loadSync(files, {
      includeDirs: [protos],
      keepCase: true,  // field names exactly as in the .proto files
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const samepage = grpc.loadPackageDefinition(definition).samepage;
    const credentials = grpc.credentials.createInsecure();
    this.directory = new samepage.directory.v1.Directory(server, credentials);
    this.registry = new samepage.registry.v1.CaseRegistry(server, credentials);
    this.sharing = new samepage.sharing.v1.Sharing(server, credentials);
    [this.tokenProgram, ...this.tokenArgs] = tokenCommand.split(' ').filter((w) => w !== '');
    this.tokens = new Map();
  }

  // A bearer token for `subject` ("admin" or "people/ID").
  token(subject) {
    if (!this.tokens.has(subject)) {
      const extra = subject === 'admin' ? ['--admin'] : ['--as', subject];
      const out = execFileSync(this.tokenProgram, [...this.tokenArgs, ...extra], {
        encoding: 'utf8',
      });
      this.tokens.set(subject, out.trim());
    }
    return this.tokens.get(subject);
  }

  // Calls `stub.method(request)` as `subject`; resolves with the response or
  // rejects with the gRPC error (err.code, err.details).
  call(stub, method, request, subject = 'admin') {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${this.token(subject)}`);
    // A request id of our own makes the call easy to find in the servers' logs.
    metadata.set('x-request-id', `node-${crypto.randomBytes(8).toString('hex')}`);
    const deadline = new Date(Date.now() + 10000);
    return new Promise((resolve, reject) => {
      stub[method](request, metadata, { deadline }, (err, response) =>
        err ? reject(err) : resolve(response));
    });
  }

  close() {
    for (const stub of [this.directory, this.registry, this.sharing]) stub.close();
  }
}

function ok(condition, what) {
  assert.ok(condition, what);
  console.log(`  ok: ${what}`);
}

async function refused(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return null;
}

function timestamp(offsetMs) {
  const ms = Date.now() + offsetMs;
  return { seconds: String(Math.floor(ms / 1000)), nanos: 0 };
}

async function setUpCase(c) {
  const orgs = [
    ['sunrise', 'Sunrise Family Services', 'KIND_CHILD_WELFARE_AGENCY'],
    ['harbor', 'Harbor Behavioral Health', 'KIND_BEHAVIORAL_HEALTH_PROVIDER'],
    ['recovery', 'New Leaf Recovery', 'KIND_SUBSTANCE_USE_TREATMENT_PROVIDER'],
  ];
  for (const [id, name, kind] of orgs) {
    await c.call(c.directory, 'CreateOrganization',
      { organization_id: id, organization: { display_name: name, kind } });
  }
  const people = [
    ['sam', 'Sam Lee', 'sunrise', 'case-supervisor', ''],
    ['dana', 'Dana Cruz', 'sunrise', 'dependency-case-manager', 'sam'],
    ['theo', 'Theo Park', 'harbor', 'therapist', ''],
    ['ursula', 'Ursula Grant', 'recovery', 'substance-use-treatment-provider', ''],
  ];
  for (const [id, name, org, role, supervisor] of people) {
    await c.call(c.directory, 'CreatePerson', {
      person_id: id,
      person: {
        display_name: name,
        organization: `organizations/${org}`,
        roles: [`roles/${role}`],
        supervisor: supervisor ? `people/${supervisor}` : '',
        contact_points: [{
          channel: 'CHANNEL_EMAIL', value: `${id}@example.org`, preferred: true,
          visibility: 'VISIBILITY_EVERYONE',
        }],
      },
    });
  }
  await c.call(c.directory, 'CreatePerson',
    { person_id: 'bea', person: { display_name: 'Bea Rivera', kind: 'KIND_CAREGIVER' } });

  await c.call(c.registry, 'CreateCase', {
    case_id: 'rivera',
    case: {
      case_number: '2026-0042',
      lead_agency: 'organizations/sunrise',
      display_name: 'Rivera family',
      program: 'foster-care',
      subjects: [
        {
          subject_id: 'leo', kind: 'KIND_CHILD', display_name: 'Leo Rivera',
          birth_date: { year: 2017, month: 4, day: 9 },
          custody: 'CUSTODY_AGENCY', custodian: 'organizations/sunrise',
        },
        {
          subject_id: 'bea', kind: 'KIND_CAREGIVER', display_name: 'Bea Rivera',
          person: 'people/bea',
          relationships: [{ child: 'leo', type: 'TYPE_BIOLOGICAL_PARENT' }],
        },
      ],
    },
  });
  const team = [
    ['dependency-case-manager', 'people/dana', ''],
    ['case-supervisor', 'people/sam', ''],
    ['therapist', 'people/theo', ''],
    ['substance-use-treatment-provider', 'people/ursula', ''],
    ['biological-parent', '', BEA],
  ];
  for (const [role, person, subject] of team) {
    await c.call(c.registry, 'CreateAssignment',
      { parent: CASE, assignment: { case_role: role, person, subject } });
  }
}

async function whoIsWho(c) {
  console.log('who is who, as the new therapist:');
  const roster = await c.call(c.directory, 'WhoIsWho', { case: CASE }, 'people/theo');
  const byRole = new Map(roster.members.map((m) => [m.case_role, m]));
  ok(roster.case === CASE, "the roster is the Rivera case's");
  const dcm = byRole.get('dependency-case-manager');
  ok(dcm && dcm.person === 'people/dana', 'Dana is the case manager');
  ok(dcm.organization_display_name === 'Sunrise Family Services', 'from Sunrise');
  ok(dcm.contact_points.some((p) => p.value === 'dana@example.org'), 'with her email address');
  ok(byRole.get('therapist').person === 'people/theo', 'Theo sees himself as the therapist');
  ok(byRole.has('biological-parent'), 'Bea is on the case as the parent');

  const err = await refused(
    c.call(c.directory, 'WhoIsWho', { case: 'cases/elsewhere' }, 'people/theo'));
  ok(err && err.code === grpc.status.PERMISSION_DENIED,
    'a case Theo is not on is refused: PERMISSION_DENIED');
}

async function part2Consent(c) {
  console.log('Part 2 consent:');
  const elements = {
    patient_name: 'Bea Rivera',
    disclosing_parties: 'New Leaf Recovery',
    information_description: 'Attendance and treatment progress',
    recipient_names: 'The dependency case manager of the Rivera case',
    purpose_description: 'Case planning and court reports',
    right_to_revoke_statement: 'I may revoke this consent in writing at any time',
    expiration_description: '180 days from signing',
    conditioning_statement: 'Treatment is not conditioned on signing',
    redisclosure_statement: 'Information may be redisclosed as the notice allows',
  };
  const consent = {
    case: CASE,
    subject: BEA,
    consenter: { authority: 'AUTHORITY_SELF', subject: BEA, display_name: 'Bea Rivera' },
    disclosers: [{ person: 'people/ursula' }],
    recipients: [{ case_role: 'dependency-case-manager' }],
    categories: ['substance-use-part2'],
    purposes: ['PURPOSE_CASE_PLANNING', 'PURPOSE_COURT_PROCEEDINGS'],
    expire_time: timestamp(180 * 24 * 3600 * 1000),
    signed_form: { signer_name: 'Bea Rivera', sign_time: timestamp(-3600 * 1000),
      reference: 'doc-123' },
    right_to_revoke_acknowledged: true,
  };

  const incomplete = { ...consent,
    part2_elements: { ...elements, right_to_revoke_statement: '' } };
  const err = await refused(
    c.call(c.sharing, 'CreateConsent', { consent: incomplete }, 'people/dana'));
  ok(err && err.code === grpc.status.INVALID_ARGUMENT &&
     err.details.includes('right_to_revoke_statement'),
  'an incomplete Part 2 consent is refused, naming the missing element');

  const created = await c.call(c.sharing, 'CreateConsent',
    { consent: { ...consent, part2_elements: elements } }, 'people/dana');
  ok(created.state === 'STATE_ACTIVE', 'the complete one is active');

  const check = {
    requester: 'people/dana', case: CASE, subject: BEA, category: 'substance-use-part2',
    purpose: 'PURPOSE_CASE_PLANNING', explain: true,
  };
  const permit = await c.call(c.sharing, 'CheckAccess', check, 'people/dana');
  ok(permit.decision === 'DECISION_PERMIT', 'the case manager is permitted');
  ok(permit.basis_resource === created.name, 'on the basis of the consent');
  ok(permit.obligations.some((o) => o.type === 'TYPE_REDISCLOSURE_NOTICE' &&
     o.text.includes('42 CFR part 2')), 'with the redisclosure notice');

  const revoked = await c.call(c.sharing, 'RevokeConsent',
    { name: created.name, revoked_by: 'Bea Rivera', reason: 'changed her mind' }, 'people/bea');
  ok(revoked.state === 'STATE_REVOKED', 'Bea revokes it');

  const deny = await c.call(c.sharing, 'CheckAccess', check, 'people/dana');
  ok(deny.decision === 'DECISION_DENY', 'the next check is denied');
  ok(deny.explanation.includes('revoked'), 'and says it was revoked');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const c = new Client(args.server, args.protos, args['token-command']);
  try {
    await setUpCase(c);
    await whoIsWho(c);
    await part2Consent(c);
  } finally {
    c.close();
  }
  console.log('node scenarios: ok');
}

main().catch((err) => {
  console.error(`node scenarios: ${err.code !== undefined ? `code ${err.code}: ` : ''}${err.message}`);
  process.exit(1);
});
