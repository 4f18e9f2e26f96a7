/**
 * Test helpers: a throw-away certificate authority and a server certificate for 127.0.0.1 and
 * localhost, made with the openssl command (EC P-256, valid two days).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './tools.js';

export interface TestPki {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** A client certificate signed by the same CA (for mutual TLS). */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

function issue(dir: string, name: string, cn: string, ext: string): void {
  run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  writeFileSync(join(dir, `${name}.ext`), ext);
  run('openssl', ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
}

export function makePki(dir: string): TestPki {
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=exhunt test CA'], dir);
  issue(dir, 'server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  issue(dir, 'client', 'exhunt-client', 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  return {
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server-key.pem'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client-key.pem'),
  };
}
