/**
 * @module ECP server log `EventData`: `S:KEY=VALUE` pairs separated by `;`, e.g.
 * `S:TIME=..;S:SID=..;S:CMD=Set-OabVirtualDirectory.ExternalUrl='...';S:URL=/ecp/...;`.
 *
 * Values are not escaped, and the interesting ones (cmdlet parameters such as a malicious
 * `ExternalUrl` holding `<script>...;...</script>`) contain `;` themselves. So pairs are split
 * only where `;` is followed by another `S:` key, and the first occurrence of a key wins: a value
 * that smuggles in `;S:CMD=harmless` cannot replace the real `CMD` written before it. The raw
 * `EventData` column stays available for rules that need the whole text.
 */

const PAIR_START = /;(?=S:[\w.-]+=)/;

/**
 * The pairs of an EventData value, keyed by name without the `S:` prefix. Returns a
 * prototype-free object so that keys such as `__proto__` stay plain data.
 */
export function parseEventData(eventData: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (!eventData.startsWith('S:')) return out;
  // The writer ends every pair with `;`; drop the last one so it does not stick to the value.
  const body = eventData.endsWith(';') ? eventData.slice(0, -1) : eventData;
  for (const piece of body.split(PAIR_START)) {
    const eq = piece.indexOf('=');
    if (!piece.startsWith('S:') || eq < 0) continue;
    const key = piece.slice(2, eq);
    if (key.length > 0 && !Object.hasOwn(out, key)) out[key] = piece.slice(eq + 1);
  }
  return out;
}
