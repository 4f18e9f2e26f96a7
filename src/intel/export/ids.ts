/**
 * @module Deterministic STIX/MISP identifiers: the same indicator always gets the same id
 * (UUIDv5 of its type and value in exhunt's namespace), so partners who import an export twice,
 * or a sighting that refers to an exported indicator, meet the same object.
 */
import { createHash, randomUUID } from 'node:crypto';

/** exhunt's UUIDv5 namespace (a fixed random UUID). */
export const EXHUNT_NAMESPACE = '4b9e2a57-3c1d-4f0e-9a6b-7d2c8e5f1a30';

export function uuidv5(name: string, namespace: string = EXHUNT_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function indicatorStixId(type: string, value: string): string {
  return `indicator--${uuidv5(`indicator|${type}|${value}`)}`;
}

export function newId(prefix: string): string {
  return `${prefix}--${randomUUID()}`;
}
