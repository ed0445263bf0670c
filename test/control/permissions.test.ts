import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  authorize,
  describeRequirement,
  effectiveInfrastructurePrivileges,
  effectiveServicePrivileges,
  globalPrivileges,
  globalPrivilegesFromGroups,
  OPERATIONS,
  PERMISSION_TABLE,
  type AccessFacts,
  type GlobalPrivilege,
  type GrantMap,
  type InfrastructureFacts,
  type InfrastructurePrivilege,
  type Operation,
  type PermissionRule,
  type Principal,
  type ServiceFacts,
  type ServicePrivilege,
} from '../../src/control/permissions.js';

// ---------------------------------------------------------------------------------------
// The oracle: PRODUCT.md section 1 (and the decisions recorded in the module's table) spelled
// out as predicates over booleans, independently of the module's table and implication maps.
// ---------------------------------------------------------------------------------------

interface Held {
  caller: 'admin-key' | 'user' | 'anonymous';
  admin: boolean;
  createService: boolean;
  owner: boolean;
  sRead: boolean;
  sWrite: boolean;
  sDeploy: boolean;
  sAdmin: boolean;
  iView: boolean;
  iDeploy: boolean;
  iAdmin: boolean;
}
type Predicate = (h: Held) => boolean;

const isUser: Predicate = (h) => h.caller === 'user';
const signedIn: Predicate = (h) => h.caller !== 'anonymous';
const globalAdmin: Predicate = (h) => h.caller === 'admin-key' || (isUser(h) && h.admin);
const mayCreateService: Predicate = (h) => globalAdmin(h) || (isUser(h) && h.createService);
// "the creator becomes owner (full access)"; admin = settings, permissions, delete.
const serviceAdmin: Predicate = (h) => globalAdmin(h) || (isUser(h) && (h.owner || h.sAdmin));
const serviceWrite: Predicate = (h) => serviceAdmin(h) || (isUser(h) && h.sWrite);
const serviceDeploy: Predicate = (h) => serviceAdmin(h) || (isUser(h) && h.sDeploy);
const serviceRead: Predicate = (h) => serviceAdmin(h) || (isUser(h) && (h.sRead || h.sWrite || h.sDeploy));
const infraAdmin: Predicate = (h) => globalAdmin(h) || (isUser(h) && h.iAdmin);
const infraDeploy: Predicate = (h) => infraAdmin(h) || (isUser(h) && h.iDeploy);
const infraView: Predicate = (h) => infraAdmin(h) || (isUser(h) && (h.iView || h.iDeploy));
const seeDeployment: Predicate = (h) => serviceRead(h) && infraView(h);
const deployOnBoth: Predicate = (h) => serviceDeploy(h) && infraDeploy(h);

const ORACLE: Record<string, Predicate> = {
  'infrastructure.create': globalAdmin,
  'infrastructure.list': signedIn,
  'infrastructure.read': infraView,
  'infrastructure.update': infraAdmin,
  'infrastructure.delete': globalAdmin,
  'infrastructure.permissions.read': infraAdmin,
  'infrastructure.permissions.update': infraAdmin,
  'service.create': mayCreateService,
  'service.list': signedIn,
  'service.read': serviceRead,
  'service.update': serviceAdmin,
  'service.delete': serviceAdmin,
  'service.permissions.read': serviceAdmin,
  'service.permissions.update': serviceAdmin,
  'version.list': serviceRead,
  'version.read': serviceRead,
  'version.create': serviceWrite,
  'version.update': serviceWrite,
  'version.delete': serviceWrite,
  'service.apiKey.list': serviceRead,
  'service.apiKey.create': serviceAdmin,
  'service.apiKey.revoke': serviceAdmin,
  'deployment.list': signedIn,
  'deployment.read': seeDeployment,
  'deployment.create': deployOnBoth,
  'deployment.update': deployOnBoth,
  'deployment.enable': deployOnBoth,
  'deployment.disable': deployOnBoth,
  'deployment.delete': deployOnBoth,
  'deployment.apiKey.list': seeDeployment,
  'deployment.apiKey.create': deployOnBoth,
  'deployment.apiKey.revoke': deployOnBoth,
  'group.list': globalAdmin,
  'group.read': globalAdmin,
  'group.create': globalAdmin,
  'group.update': globalAdmin,
  'group.delete': globalAdmin,
  'group.members.update': globalAdmin,
  'user.list': globalAdmin,
  'user.read': globalAdmin,
  'user.create': globalAdmin,
  'user.update': globalAdmin,
  'user.delete': globalAdmin,
  'user.tokens.list': globalAdmin,
  'user.tokens.revoke': globalAdmin,
  'settings.read': globalAdmin,
  'settings.update': globalAdmin,
  'audit.read': globalAdmin,
  'me.read': signedIn,
  'me.update': isUser,
  'me.tokens.list': isUser,
  'me.tokens.create': isUser,
  'me.tokens.revoke': isUser,
  'me.refreshTokens.list': isUser,
  'me.refreshTokens.revoke': isUser,
};

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

const NOBODY: Held = {
  caller: 'user',
  admin: false,
  createService: false,
  owner: false,
  sRead: false,
  sWrite: false,
  sDeploy: false,
  sAdmin: false,
  iView: false,
  iDeploy: false,
  iAdmin: false,
};

/** Global grants of every group; `outsiders` holds everything and the matrix user is never in it. */
const GLOBAL_GRANTS: GrantMap<GlobalPrivilege> = {
  admins: ['admin'],
  creators: ['createService'],
  outsiders: ['admin', 'createService'],
};
const ALL_SERVICE: ServicePrivilege[] = ['read', 'write', 'deploy', 'admin'];
const ALL_INFRA: InfrastructurePrivilege[] = ['view', 'deploy', 'admin'];

function subsets<T>(items: readonly T[]): T[][] {
  return Array.from({ length: 2 ** items.length }, (_, mask) => items.filter((_, bit) => (mask >> bit) & 1));
}

interface Case {
  label: string;
  held: Held;
  principal: Principal;
  facts: Required<AccessFacts>;
}

/**
 * Every caller of the matrix: 3 global levels × 16 service subsets × owner or not × 8
 * infrastructure subsets × 2 ways of spreading the grants over the user's groups.
 */
function matrixCases(): Case[] {
  const cases: Case[] = [];
  for (const global of ['none', 'createService', 'admin'] as const) {
    for (const sPrivs of subsets(ALL_SERVICE)) {
      for (const owner of [false, true]) {
        for (const iPrivs of subsets(ALL_INFRA)) {
          for (const spread of [false, true]) {
            const groups = ['everyone'];
            if (global === 'admin') groups.push('admins');
            if (global === 'createService') groups.push('creators');
            const sGrants: Record<string, ServicePrivilege[]> = { outsiders: [...ALL_SERVICE] };
            const iGrants: Record<string, InfrastructurePrivilege[]> = { outsiders: [...ALL_INFRA] };
            if (spread) {
              // One group per privilege, every one of them the user's.
              for (const p of sPrivs) {
                sGrants[`svc-${p}`] = [p];
                groups.push(`svc-${p}`);
              }
              for (const p of iPrivs) {
                iGrants[`infra-${p}`] = [p];
                groups.push(`infra-${p}`);
              }
            } else {
              groups.push('team');
              sGrants['team'] = sPrivs;
              iGrants['team'] = iPrivs;
            }
            const held: Held = {
              ...NOBODY,
              admin: global === 'admin',
              createService: global === 'createService',
              owner,
              sRead: sPrivs.includes('read'),
              sWrite: sPrivs.includes('write'),
              sDeploy: sPrivs.includes('deploy'),
              sAdmin: sPrivs.includes('admin'),
              iView: iPrivs.includes('view'),
              iDeploy: iPrivs.includes('deploy'),
              iAdmin: iPrivs.includes('admin'),
            };
            cases.push({
              label: `global=${global} service=[${sPrivs.join(',')}]${owner ? '+owner' : ''} infra=[${iPrivs.join(',')}]${spread ? ' (spread)' : ''}`,
              held,
              principal: {
                kind: 'user',
                userId: 'u-1',
                groups,
                globalPrivileges: globalPrivilegesFromGroups(groups, GLOBAL_GRANTS),
              },
              facts: {
                service: { id: 'svc-1', ownerId: owner ? 'u-1' : 'u-someone-else', grants: sGrants },
                infrastructure: { id: 'infra-1', grants: iGrants },
              },
            });
          }
        }
      }
    }
  }
  return cases;
}

const CASES = matrixCases();
const MATRIX_SIZE = OPERATIONS.length * CASES.length;
const fmt = (n: number) => n.toLocaleString('en-US');

const check = (principal: Principal, op: Operation, facts: AccessFacts) => authorize(principal, op, facts);

const ADMIN_KEY: Principal = { kind: 'admin-key', keyId: 'k-1' };
const ANONYMOUS: Principal = { kind: 'anonymous' };
const FULL_FACTS: Required<AccessFacts> = {
  service: { id: 'svc-1', grants: { outsiders: ALL_SERVICE } },
  infrastructure: { id: 'infra-1', grants: { outsiders: ALL_INFRA } },
};

function user(groups: string[], globals: GlobalPrivilege[] = [], userId = 'u-1'): Principal {
  return { kind: 'user', userId, groups, globalPrivileges: globals };
}
function svc(grants: GrantMap<ServicePrivilege>, ownerId?: string, id = 'credit-scoring'): ServiceFacts {
  return ownerId === undefined ? { id, grants } : { id, ownerId, grants };
}
function infra(grants: GrantMap<InfrastructurePrivilege>, id = 'prod'): InfrastructureFacts {
  return { id, grants };
}

// ---------------------------------------------------------------------------------------

describe('permission oracle', () => {
  it('covers exactly the operations of the module', () => {
    assert.deepEqual(Object.keys(ORACLE).sort(), [...OPERATIONS].sort());
  });
});

describe(`permission matrix: ${fmt(MATRIX_SIZE)} cases (${OPERATIONS.length} operations × ${fmt(CASES.length)} user callers)`, () => {
  for (const op of OPERATIONS) {
    it(`${op}: agrees with the oracle for all ${fmt(CASES.length)} callers`, () => {
      const expected = ORACLE[op];
      assert.ok(expected, `no oracle for ${op}`);
      const wrong: string[] = [];
      for (const c of CASES) {
        const decision = check(c.principal, op, c.facts);
        if (decision.allowed !== expected(c.held)) {
          wrong.push(`${c.label}: module says ${decision.allowed ? 'allow' : 'deny'}`);
        } else if (!decision.allowed && !/^needs \S/.test(decision.missing)) {
          wrong.push(`${c.label}: bad reason ${JSON.stringify(decision.missing)}`);
        }
      }
      assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} disagreements`);
    });
  }
});

describe('admin API keys and anonymous callers', () => {
  it(`an admin API key may do every operation except the ${OPERATIONS.filter((op) => op.startsWith('me.') && op !== 'me.read').length} self-service ones on a user's own account`, () => {
    for (const op of OPERATIONS) {
      const decision = check(ADMIN_KEY, op, FULL_FACTS);
      const expected = ORACLE[op]?.({ ...NOBODY, caller: 'admin-key' });
      assert.equal(decision.allowed, expected, op);
      if (op.startsWith('me.') && op !== 'me.read') {
        assert.deepEqual(decision, {
          allowed: false,
          missing: 'needs a user identity (an admin API key has no account of its own)',
        });
      } else {
        assert.equal(decision.allowed, true, op);
      }
    }
  });

  it('an anonymous caller may do nothing', () => {
    for (const op of OPERATIONS) {
      assert.deepEqual(check(ANONYMOUS, op, FULL_FACTS), {
        allowed: false,
        missing: 'needs an authenticated caller',
      });
      assert.equal(ORACLE[op]?.({ ...NOBODY, caller: 'anonymous' }), false);
    }
  });
});

describe('groups', () => {
  it('grants to a group the user is not in count for nothing', () => {
    const outsider = user(['staff']);
    const facts = {
      service: svc({ sre: ALL_SERVICE, admins: ALL_SERVICE }),
      infrastructure: infra({ sre: ALL_INFRA }),
    };
    for (const op of OPERATIONS) {
      const decision = check(outsider, op, facts);
      assert.equal(decision.allowed, ORACLE[op]?.(NOBODY), op);
    }
    assert.deepEqual([...effectiveServicePrivileges(outsider, facts.service)], []);
    assert.deepEqual([...effectiveInfrastructurePrivileges(outsider, facts.infrastructure)], []);
  });

  it('combines grants spread over several of the user’s groups', () => {
    const service = svc({ devs: ['deploy'] });
    const prod = infra({ ops: ['deploy'] });
    assert.deepEqual(
      authorize(user(['devs', 'ops']), 'deployment.create', { service, infrastructure: prod }),
      {
        allowed: true,
      },
    );
    assert.deepEqual(authorize(user(['devs']), 'deployment.create', { service, infrastructure: prod }), {
      allowed: false,
      missing: 'needs deploy on infrastructure prod',
    });
    assert.deepEqual(authorize(user(['ops']), 'deployment.create', { service, infrastructure: prod }), {
      allowed: false,
      missing: 'needs deploy on service credit-scoring',
    });
    const split = svc({ readers: ['read'], writers: ['write'], deployers: ['deploy'] });
    assert.deepEqual(
      [...effectiveServicePrivileges(user(['readers', 'writers', 'deployers']), split)].sort(),
      ['deploy', 'read', 'write'],
    );
    assert.deepEqual(globalPrivilegesFromGroups(['creators', 'staff'], GLOBAL_GRANTS), ['createService']);
    assert.deepEqual(globalPrivilegesFromGroups(['admins'], GLOBAL_GRANTS).sort(), [
      'admin',
      'createService',
    ]);
    assert.deepEqual(globalPrivilegesFromGroups(['staff'], GLOBAL_GRANTS), []);
  });

  it('ignores inherited object properties as group names, but honours an explicit own grant', () => {
    const sneaky = user(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']);
    const service = svc({});
    assert.deepEqual([...effectiveServicePrivileges(sneaky, service)], []);
    assert.deepEqual([...effectiveInfrastructurePrivileges(sneaky, infra({}))], []);
    assert.deepEqual(globalPrivilegesFromGroups(sneaky.kind === 'user' ? sneaky.groups : [], {}), []);
    // A grant map built on a prototype: only its own entries count.
    const inherited = Object.create({ devs: ['admin'] }) as GrantMap<ServicePrivilege>;
    assert.deepEqual([...effectiveServicePrivileges(user(['devs']), svc(inherited))], []);
    const explicit = JSON.parse('{"__proto__": ["read"]}') as GrantMap<ServicePrivilege>;
    assert.deepEqual([...effectiveServicePrivileges(user(['__proto__']), svc(explicit))], ['read']);
  });

  it('ignores privilege strings it does not know and grant values that are not lists', () => {
    const corrupt = {
      devs: ['superuser', 'ADMIN', 'owner', 42, 'read'],
      ops: 'admin',
      qa: null,
    } as unknown as GrantMap<ServicePrivilege>;
    assert.deepEqual([...effectiveServicePrivileges(user(['devs', 'ops', 'qa']), svc(corrupt))], ['read']);
    const p: Principal = {
      kind: 'user',
      userId: 'u',
      groups: [],
      globalPrivileges: ['root' as GlobalPrivilege],
    };
    assert.deepEqual([...globalPrivileges(p)], []);
  });
});

describe('owners', () => {
  it('the owner has full access to the service, and only the owner', () => {
    const service = svc({}, 'alice');
    assert.deepEqual([...effectiveServicePrivileges(user([], [], 'alice'), service)].sort(), [
      'admin',
      'deploy',
      'read',
      'write',
    ]);
    assert.deepEqual([...effectiveServicePrivileges(user([], [], 'bob'), service)], []);
    assert.equal(authorize(user([], [], 'alice'), 'service.delete', { service }).allowed, true);
    // An empty owner id (a service created by an admin key and stored badly) owns nothing.
    assert.deepEqual([...effectiveServicePrivileges(user([], [], ''), svc({}, ''))], []);
  });

  it('ownership of the service does not reach the infrastructure', () => {
    const decision = authorize(user([], [], 'alice'), 'deployment.create', {
      service: svc({}, 'alice'),
      infrastructure: infra({}),
    });
    assert.deepEqual(decision, { allowed: false, missing: 'needs deploy on infrastructure prod' });
  });
});

describe('reasons', () => {
  it('names every missing privilege and the objects it is missing on', () => {
    const facts = { service: svc({ devs: ['read'] }), infrastructure: infra({ devs: ['view'] }) };
    assert.deepEqual(authorize(user(['devs']), 'deployment.enable', facts), {
      allowed: false,
      missing: 'needs deploy on service credit-scoring and deploy on infrastructure prod',
    });
    assert.deepEqual(authorize(user(['devs']), 'deployment.read', facts), { allowed: true });
    assert.deepEqual(authorize(user(['devs']), 'service.update', facts), {
      allowed: false,
      missing: 'needs admin on service credit-scoring',
    });
    assert.deepEqual(authorize(user(['devs']), 'infrastructure.create'), {
      allowed: false,
      missing: 'needs the global privilege admin',
    });
    assert.deepEqual(authorize(user(['devs']), 'service.create'), {
      allowed: false,
      missing: 'needs the global privilege createService',
    });
  });
});

describe('the table', () => {
  it('is frozen, row by row', () => {
    assert.ok(Object.isFrozen(PERMISSION_TABLE));
    assert.ok(Object.isFrozen(OPERATIONS));
    for (const op of OPERATIONS) {
      assert.ok(Object.isFrozen(PERMISSION_TABLE[op]), op);
      assert.ok(Object.isFrozen(PERMISSION_TABLE[op].requires), op);
    }
    assert.throws(() => {
      (PERMISSION_TABLE as unknown as Record<string, unknown>)['group.list'] = {
        requires: { kind: 'authenticated' },
      };
    }, TypeError);
    assert.throws(() => {
      (PERMISSION_TABLE['group.list'].requires as { privilege: string }).privilege = 'createService';
    }, TypeError);
  });

  it('list operations are filtered by an operation of the table', () => {
    const lists = OPERATIONS.filter((op) => 'filteredBy' in PERMISSION_TABLE[op]);
    assert.deepEqual(lists, ['infrastructure.list', 'service.list', 'deployment.list']);
    for (const op of lists) {
      const rule: PermissionRule = PERMISSION_TABLE[op];
      assert.ok(rule.filteredBy !== undefined && (OPERATIONS as readonly string[]).includes(rule.filteredBy));
    }
  });

  it('describes every requirement in words', () => {
    assert.equal(
      describeRequirement(PERMISSION_TABLE['deployment.create'].requires),
      'deploy on the service and deploy on the infrastructure',
    );
    assert.equal(describeRequirement(PERMISSION_TABLE['service.create'].requires), 'global createService');
    assert.equal(
      describeRequirement(PERMISSION_TABLE['me.tokens.create'].requires),
      'a user (not an admin API key)',
    );
    for (const op of OPERATIONS) assert.match(describeRequirement(PERMISSION_TABLE[op].requires), /\S/);
  });
});

describe('caller mistakes', () => {
  it('rejects unknown operations at the type level and at run time', () => {
    // @ts-expect-error: not an operation
    assert.throws(() => authorize(ADMIN_KEY, 'service.frobnicate', FULL_FACTS), TypeError);
    // @ts-expect-error: an inherited property is not an operation either
    assert.throws(() => authorize(ADMIN_KEY, 'constructor'), TypeError);
  });

  it('requires the facts an operation needs at the type level, and throws without them', () => {
    const dev = user(['devs']);
    // @ts-expect-error: service.update needs the service
    assert.throws(() => authorize(dev, 'service.update'), /service facts are required/);
    // @ts-expect-error: a deployment needs its infrastructure too
    assert.throws(() => authorize(dev, 'deployment.create', { service: svc({}) }), /infrastructure facts/);
    // Even for an admin key: a router that forgot to load the object has a bug.
    // @ts-expect-error: infrastructure.read needs the infrastructure
    assert.throws(() => authorize(ADMIN_KEY, 'infrastructure.read', {}), TypeError);
    // Operations on no particular object need no facts.
    assert.deepEqual(authorize(ADMIN_KEY, 'audit.read'), { allowed: true });
  });
});

describe('list filtering helpers', () => {
  it('filter a list down to what the caller may read', () => {
    const services = [
      svc({ devs: ['read'] }, undefined, 'a'),
      svc({ ops: ['deploy'] }, undefined, 'b'),
      svc({}, 'u-1', 'c'),
      svc({ others: ['admin'] }, undefined, 'd'),
    ];
    const dev = user(['devs', 'ops']);
    const visible = services.filter((s) => effectiveServicePrivileges(dev, s).has('read')).map((s) => s.id);
    assert.deepEqual(visible, ['a', 'b', 'c']);
    const viaAuthorize = services.filter((s) => authorize(dev, 'service.read', { service: s }).allowed);
    assert.deepEqual(
      viaAuthorize.map((s) => s.id),
      visible,
    );
    assert.deepEqual([...globalPrivileges(ADMIN_KEY)].sort(), ['admin', 'createService']);
    assert.deepEqual([...globalPrivileges(user([], ['admin']))].sort(), ['admin', 'createService']);
    assert.deepEqual([...globalPrivileges(ANONYMOUS)], []);
  });

  it('hand out fresh sets', () => {
    const a = globalPrivileges(ADMIN_KEY) as Set<GlobalPrivilege>;
    a.clear();
    assert.equal(globalPrivileges(ADMIN_KEY).size, 2);
  });
});
