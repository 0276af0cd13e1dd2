/** Collects a streamed body into one buffer, allocated up front when the size is known. */

/** First allocation when the size is unknown (an object written by another tool, a missing Content-Length). */
const MIN_CAPACITY = 64 * 1024;

/**
 * Copies each chunk into a single buffer as it arrives, so a document of tens of MB is held once. Collecting the
 * chunks and joining them at the end (what the SDK's `transformToByteArray` does) holds it twice at the peak.
 */
export class ByteSink {
  #buffer: Buffer;
  #length = 0;

  /** `expectedBytes`: the size the body will have, when known; a wrong guess costs a copy, never wrong bytes. */
  constructor(expectedBytes: number | undefined) {
    const size =
      expectedBytes !== undefined && Number.isSafeInteger(expectedBytes) && expectedBytes > 0 ? expectedBytes : 0;
    // allocUnsafeSlow: never a slice of Node's shared pool, so the result owns exactly its memory.
    this.#buffer = Buffer.allocUnsafeSlow(size);
  }

  push(chunk: Uint8Array): void {
    const needed = this.#length + chunk.byteLength;
    if (needed > this.#buffer.length) {
      // The size was unknown or wrong: grow geometrically, so the copies stay linear in the body's size.
      const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.#buffer.length * 2, MIN_CAPACITY));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length = needed;
  }

  /** The bytes received (a view, no copy). */
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}
