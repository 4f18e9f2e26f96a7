/**
 * @module Whether to use colour: only on a terminal, never with --no-color or NO_COLOR set
 * (https://no-color.org), forced with FORCE_COLOR.
 */
export function useColor(flag: boolean | undefined, stream: { isTTY?: boolean }): boolean {
  if (flag === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}
