/**
 * @module Tree paths (`/`-separated, relative to the input root): the one sort order every input
 * tree uses, so that a folder and a zip of the same folder yield their entries in the same order.
 */

/**
 * Compares two tree paths segment by segment, each segment by UTF-16 code units (never by
 * locale, so the order is the same on every machine). Segment-wise order is what a depth-first
 * walk with sorted folder listings produces: `a/x` sorts before `a-b` because the segment `a`
 * is a prefix of `a-b`, although `/` sorts after `-` as a character.
 */
export function compareTreePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // A separator ends a segment, so it ranks below every other character.
    if (ca === 0x2f) return -1;
    if (cb === 0x2f) return 1;
    return ca - cb;
  }
  return a.length - b.length;
}

/** Last segment of a tree path. */
export function treeBaseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}
