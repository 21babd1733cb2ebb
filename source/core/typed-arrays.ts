/** Growing the typed arrays that keep per-item numbers without an object per item (slots, hits, visitors). */

type NumberArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

/** `to`, a bigger array of the same kind, with `from`'s numbers at its start. */
export function grown<T extends NumberArray>(from: T, to: T): T {
	to.set(from);
	return to;
}
