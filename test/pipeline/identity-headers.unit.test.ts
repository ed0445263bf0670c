/**
 * Identity headers as the upstream reads them: every value is safe to put in a header
 * line, and the lists (X-Auth-Groups, X-Auth-Scopes) decode back to exactly what the
 * token said by splitting on "," and decodeURIComponent on each part.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANONYMOUS, type Identity } from '../../src/auth/types.js';
import {
  compileIdentityHeaders,
  encodeListElement,
  sanitizeHeaderValue,
  standardIdentityHeaders,
} from '../../src/pipeline/identity-headers.js';

function identity(overrides: Partial<Identity>): Identity {
  return {
    subject: 'alice',
    method: 'jwt',
    provider: 'idp',
    credentialId: '',
    groups: new Set<string>(),
    scopes: new Set<string>(),
    restrictedToScopes: true,
    ...overrides,
  };
}

/** What an upstream does with a list header. */
function decodeList(header: string): string[] {
  return header.split(',').map((part) => decodeURIComponent(part));
}

/** Every byte a header value may carry (RFC 9110 field-vchar, SP; no HTAB needed) and no "%"-ambiguity. */
const HEADER_SAFE = /^[\x20-\x7e]*$/;

describe('encodeListElement round-trips through split(",") + decodeURIComponent', () => {
  // prettier-ignore
  const lists: [string, string[], string][] = [
    ['plain names pass unchanged', ['users', 'ops'], 'users,ops'],
    ['a comma inside an element', ['users,admins', 'ops'], 'users%2Cadmins,ops'],
    ['a space', ['team a'], 'team%20a'],
    ['a percent sign', ['100%', '%41'], '100%25,%2541'],
    ['non-ASCII', ['équipe', '团队'], '%C3%A9quipe,%E5%9B%A2%E9%98%9F'],
    ['control characters', ['a\r\nX-Evil: 1', 'b\u0000'], 'a%0D%0AX-Evil:%201,b%00'],
    ['an emoji (surrogate pair)', ['😀'], '%F0%9F%98%80'],
    ['printable ASCII punctuation stays', ['a:b/c;d=e+f*'], 'a:b/c;d=e+f*'],
    ['an empty element', ['', 'x'], ',x'],
  ];
  for (const [name, list, header] of lists) {
    it(name, () => {
      const encoded = list.map(encodeListElement).join(',');
      assert.equal(encoded, header);
      assert.match(encoded, HEADER_SAFE);
      assert.deepEqual(decodeList(encoded), list);
    });
  }

  it('a lone surrogate becomes U+FFFD instead of throwing', () => {
    const encoded = encodeListElement('a\uD800b');
    assert.equal(encoded, 'a%EF%BF%BDb');
    assert.equal(decodeURIComponent(encoded), 'a\uFFFDb');
  });
});

describe('sanitizeHeaderValue (single values: subject, key id, string claims)', () => {
  // prettier-ignore
  const values: [string, string, string][] = [
    ['plain ASCII unchanged, spaces and commas kept', 'user 1, admin', 'user 1, admin'],
    ['CR LF become a space (no header injection)', 'alice\r\nX-Auth-Groups: admins', 'alice X-Auth-Groups: admins'],
    ['NUL and DEL become spaces', 'a\u0000b\u007fc', 'a b c'],
    ['surrounding control characters are trimmed', '\r\nalice\n', 'alice'],
    ['"%" is encoded so the value is unambiguous', '50%off', '50%25off'],
    ['non-ASCII is percent-encoded UTF-8', 'José', 'Jos%C3%A9'],
    ['a tab is percent-encoded', 'a\tb', 'a%09b'],
    ['surrounding spaces are trimmed', ' alice ', 'alice'],
    ['every printable ASCII but "%" unchanged', '!"#$&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~', '!"#$&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~'],
    ['DEL at the end is dropped', 'bob\u007f', 'bob'],
    ['empty stays empty', '', ''],
  ];
  for (const [name, input, output] of values) {
    it(name, () => {
      const value = sanitizeHeaderValue(input);
      assert.equal(value, output);
      assert.doesNotMatch(value, /[\r\n\0]/);
    });
  }

  it('decodes back to the subject when nothing had to be dropped', () => {
    for (const subject of ['José', '50%off', 'a:b@c', '团队/x'])
      assert.equal(decodeURIComponent(sanitizeHeaderValue(subject)), subject);
  });
});

describe('standardIdentityHeaders', () => {
  // prettier-ignore
  const cases: [string, Identity, string[]][] = [
    ['anonymous: the method only', ANONYMOUS, ['x-auth-method', 'public']],
    ['empty groups and scopes: no list headers', identity({}), ['x-auth-method', 'jwt', 'x-auth-subject', 'alice']],
    ['groups and scopes encoded, in order',
      identity({ groups: new Set(['a,b', 'ops']), scopes: new Set(['read', 'orders:*']) }),
      ['x-auth-method', 'jwt', 'x-auth-subject', 'alice', 'x-auth-groups', 'a%2Cb,ops', 'x-auth-scopes', 'read,orders:*']],
    ['API key: key id too', identity({ method: 'apiKeys', subject: 'apikey:k1', credentialId: 'k1' }),
      ['x-auth-method', 'apiKeys', 'x-auth-subject', 'apikey:k1', 'x-auth-key-id', 'k1']],
    ['a JWT id is not a key id', identity({ credentialId: 'jti-1' }), ['x-auth-method', 'jwt', 'x-auth-subject', 'alice']],
    ['subject sanitised', identity({ subject: 'é\r\nx' }), ['x-auth-method', 'jwt', 'x-auth-subject', '%C3%A9 x']],
  ];
  for (const [name, who, headers] of cases)
    it(name, () => assert.deepEqual(standardIdentityHeaders(who), headers));
});

describe('compileIdentityHeaders (claim headers)', () => {
  const plan = compileIdentityHeaders({ 'X-User-Email': 'email', 'X-Roles': 'roles', 'X-Org': 'org' });
  const render = (claims: Record<string, unknown>): string[] => plan.build(identity({ claims })).slice(4); // after method and subject

  // prettier-ignore
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['a string claim', { email: 'a@b.example' }, ['x-user-email', 'a@b.example']],
    ['an array claim is a list', { roles: ['x,y', 'z'] }, ['x-roles', 'x%2Cy,z']],
    ['numbers and booleans as text', { email: 7, roles: true }, ['x-user-email', '7', 'x-roles', 'true']],
    ['an object as JSON, sanitised', { org: { id: 'é' } }, ['x-org', '{"id":"%C3%A9"}']],
    ['absent, null and empty claims: no header', { email: null, roles: [], org: '' }, []],
  ];
  for (const [name, claims, headers] of cases) it(name, () => assert.deepEqual(render(claims), headers));

  it('lists the standard names and the configured ones, lower-cased', () => {
    assert.ok(plan.names.has('x-user-email') && plan.names.has('x-auth-subject'));
    assert.equal(plan.names.size, 8);
  });

  it('renders afresh on every call (the gate remembers admissions, not the plan)', () => {
    const who = identity({ claims: { email: 'a@b' } });
    assert.notEqual(plan.build(who), plan.build(who));
    assert.deepEqual(plan.build(who), plan.build(who));
  });
});
