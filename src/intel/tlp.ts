/**
 * @module Traffic Light Protocol: parsing the spellings sources use (`TLP:WHITE`, `White`,
 * `tlp:amber+strict`, STIX marking-definition ids of TLP 1.0 and 2.0, MISP tags) and ordering.
 */
import type { Tlp } from './model.js';
import { TLP_LEVELS } from './model.js';

/** STIX 2.1 TLP 1.0 marking definitions (part of the STIX 2.1 specification, section 7.2.1.4). */
export const STIX_TLP1_MARKINGS: Readonly<Record<string, Tlp>> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'clear',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
};

/** STIX 2.1 TLP 2.0 marking definitions (OASIS TLP 2.0 extension). */
export const STIX_TLP2_MARKINGS: Readonly<Record<string, Tlp>> = {
  'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487': 'clear',
  'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb': 'green',
  'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421': 'amber',
  'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003': 'amber+strict',
  'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1': 'red',
};

/** The STIX extension-definition id of the TLP 2.0 marking extension. */
export const TLP2_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

/** Marking id exhunt writes for each level (TLP 2.0 definitions). */
export function tlpMarkingId(tlp: Tlp): string {
  for (const [id, level] of Object.entries(STIX_TLP2_MARKINGS)) if (level === tlp) return id;
  throw new Error(`no marking for ${tlp}`);
}

/**
 * Parses a TLP spelling: `TLP:AMBER+STRICT`, `amber`, `White`, `tlp:clear`, `TLP: GREEN`, or a
 * known STIX marking id. Returns null for anything else.
 */
export function parseTlp(text: string | null | undefined): Tlp | null {
  if (!text) return null;
  const known = STIX_TLP2_MARKINGS[text] ?? STIX_TLP1_MARKINGS[text];
  if (known) return known;
  const s = text.trim().toLowerCase().replace(/^tlp\s*[:_-]?\s*/, '').replace(/"/g, '').replace(/\s+/g, '');
  switch (s) {
    case 'white':
    case 'clear':
      return 'clear';
    case 'green':
      return 'green';
    case 'amber':
      return 'amber';
    case 'amber+strict':
    case 'amber-strict':
    case 'amberstrict':
      return 'amber+strict';
    case 'red':
      return 'red';
    default:
      return null;
  }
}

/** Rank of a level, clear = 0 ... red = 4. */
export function tlpRank(t: Tlp): number {
  return TLP_LEVELS.indexOf(t);
}

/** The more restrictive of two levels (null = unknown loses to any known level). */
export function stricterTlp(a: Tlp | null, b: Tlp | null): Tlp | null {
  if (a === null) return b;
  if (b === null) return a;
  return tlpRank(a) >= tlpRank(b) ? a : b;
}

/** The less restrictive of two known levels. */
export function looserTlp(a: Tlp | null, b: Tlp | null): Tlp | null {
  if (a === null) return b;
  if (b === null) return a;
  return tlpRank(a) <= tlpRank(b) ? a : b;
}

/** `TLP:AMBER+STRICT` spelling for display. */
export function tlpLabel(t: Tlp | null): string {
  return t === null ? 'TLP:unknown' : `TLP:${t.toUpperCase()}`;
}
