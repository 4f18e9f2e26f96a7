/**
 * @module Longest-prefix structures for IP indicators. Single addresses (the bulk of any feed)
 * live in hash maps; ranges live in a binary trie per address family, walked bit by bit, so a
 * lookup costs at most 32 (IPv4) or 128 (IPv6) steps however many ranges there are.
 */

export class BinaryTrie<T> {
  readonly #bits: number;
  /** Children: left[i], right[i]; 0 = none (node 0 is the root, never a child). */
  #left: Int32Array<ArrayBuffer> = new Int32Array(64);
  #right: Int32Array<ArrayBuffer> = new Int32Array(64);
  readonly #values: (T[] | undefined)[] = [undefined];
  #count = 1;

  constructor(bits: 32 | 128) {
    this.#bits = bits;
  }

  /** Adds a range given as network bytes and a prefix length. */
  insert(bytes: Uint8Array, prefix: number, value: T): void {
    let node = 0;
    for (let i = 0; i < prefix; i++) {
      const bit = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
      const arr = bit ? this.#right : this.#left;
      let child = arr[node]!;
      if (child === 0) {
        child = this.#alloc();
        (bit ? this.#right : this.#left)[node] = child;
      }
      node = child;
    }
    (this.#values[node] ??= []).push(value);
  }

  #alloc(): number {
    if (this.#count >= this.#left.length) {
      const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.#left = grow(this.#left);
      this.#right = grow(this.#right);
    }
    this.#values.push(undefined);
    return this.#count++;
  }

  /** Every range containing the address, least specific first. */
  lookup(bytes: Uint8Array, out: T[] = []): T[] {
    let node = 0;
    const root = this.#values[0];
    if (root) out.push(...root);
    for (let i = 0; i < this.#bits; i++) {
      const bit = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
      node = (bit ? this.#right : this.#left)[node]!;
      if (node === 0) break;
      const v = this.#values[node];
      if (v) out.push(...v);
    }
    return out;
  }

  get nodes(): number {
    return this.#count;
  }
}

/** IPv4 bytes as an unsigned 32-bit number (a cheap hash-map key). */
export function v4Key(b: Uint8Array): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** IPv6 bytes as 32 hex digits (hash-map key). */
export function v6Key(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
