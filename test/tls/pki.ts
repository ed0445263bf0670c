/**
 * Key material for the TLS tests, made with the openssl CLI in a temporary folder:
 * a root CA and an intermediate, a server certificate for 127.0.0.1/localhost signed by
 * the intermediate (served with its chain), client certificates signed by the root with
 * `openssl ca` (so one can be revoked in a CRL and one can be expired), a SPIFFE
 * certificate (URI SAN), clients whose CN or OU has surrounding whitespace, and a client
 * of another CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pki {
  readonly dir: string;
  /** Path of a file in the PKI folder. */
  path(name: string): string;
  read(name: string): string;
  /** A fresh server certificate (same CA chain), to swap in: returns the chain and key file names. */
  issueServer(name: string, cn: string): { chain: string; key: string };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

const CA_CONFIG = `[ ca ]
default_ca = root
[ root ]
dir = .
database = index.txt
new_certs_dir = issued
serial = serial
crlnumber = crlnumber
certificate = ca.crt
private_key = ca.key
default_md = sha256
default_days = 2
default_crl_days = 2
policy = any
unique_subject = no
[ any ]
commonName = optional
organizationalUnitName = optional
organizationName = optional
[ client ]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
[ spiffe ]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
subjectAltName = URI:spiffe://cluster.local/ns/payments/sa/checkout
`;

export function makePki(dir: string): Pki {
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const write = (name: string, text: string): void => writeFileSync(join(dir, name), text);
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  mkdirSync(join(dir, 'issued'), { recursive: true });
  write('ca.cnf', CA_CONFIG);
  write('index.txt', '');
  write('serial', '1000\n');
  write('crlnumber', '1000\n');
  write('v3ca.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  write('server.ext', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  const selfSigned = (name: string, cn: string): void =>
    openssl(
      'req',
      '-x509',
      ...EC,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  const signed = (name: string, subject: string, ca: string, ext: string): void => {
    openssl('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      ext,
    );
  };
  const client = (name: string, subject: string, extensions: string, dates: string[] = []): void => {
    openssl('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl(
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.crt`,
      '-extensions',
      extensions,
      '-notext',
      ...dates,
    );
  };
  selfSigned('ca', 'test-root');
  signed('intermediate', '/CN=test-intermediate', 'ca', 'v3ca.ext');
  const issueServer = (name: string, cn: string): { chain: string; key: string } => {
    signed(name, `/CN=${cn}`, 'intermediate', 'server.ext');
    write(`${name}-chain.crt`, read(`${name}.crt`) + read('intermediate.crt'));
    return { chain: `${name}-chain.crt`, key: `${name}.key` };
  };
  issueServer('server', 'localhost');
  client('alice', '/O=Example/OU=team-a/CN=alice', 'client');
  client('bob', '/CN=bob', 'client');
  client('spiffe', '/CN=checkout', 'spiffe');
  client('nocn', '/O=Example', 'client');
  // Names an upstream could read otherwise: a trailing space in the CN, a leading one in an OU.
  client('padded-cn', '/CN=alice ', 'client');
  client('padded-ou', '/OU= team-a/CN=carol', 'client');
  client('expired', '/CN=expired', 'client', [
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
  ]);
  client('revoked', '/CN=revoked', 'client');
  openssl('ca', '-config', 'ca.cnf', '-revoke', 'revoked.crt');
  openssl('ca', '-config', 'ca.cnf', '-gencrl', '-out', 'crl.pem');
  selfSigned('other-ca', 'other-root');
  signed('mallory', '/CN=alice', 'other-ca', 'server.ext');
  return { dir, path: (name) => join(dir, name), read, issueServer };
}
