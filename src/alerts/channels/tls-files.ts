/**
 * @module TLS settings of a channel (`ca`, `cert`, `key`, `servername`, `insecure`), read once
 * when the channel is built so that a missing file is a configuration error, not a delivery error.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { AlertConfigError, messageOf } from '../errors.js';

export interface TlsFileSpec {
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly servername?: string | undefined;
  readonly insecure?: boolean | undefined;
}

function read(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new AlertConfigError(`cannot read the ${what} file ${path}: ${messageOf(e)}`);
  }
}

/** Options for `tls.connect` / `https.request` to `host`. TLS 1.2 at least. */
export function tlsOptions(spec: TlsFileSpec, host: string): ConnectionOptions {
  if ((spec.cert === undefined) !== (spec.key === undefined)) throw new AlertConfigError('cert and key must be given together');
  const servername = spec.servername ?? (isIP(host) === 0 ? host : undefined);
  return {
    minVersion: 'TLSv1.2',
    ...(spec.ca ? { ca: read('CA', spec.ca) } : {}),
    ...(spec.cert ? { cert: read('certificate', spec.cert) } : {}),
    ...(spec.key ? { key: read('key', spec.key) } : {}),
    ...(servername ? { servername } : {}),
    ...(spec.insecure ? { rejectUnauthorized: false } : {}),
  };
}
