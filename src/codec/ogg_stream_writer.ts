/**
 * Packs packets of one logical Ogg stream into pages (RFC 3533 §4, §6). The first page
 * gets BOS; a packet that does not fit in a page's 255 lacing values continues on the
 * next page with the continued flag.
 */
import { concat, encodeOggPage, OGG_BOS, OGG_CONTINUED, OGG_EOS, OGG_NO_GRANULE } from "./ogg.ts";

const MAX_SEGMENTS = 255;

/** Buffers packets of one logical stream and emits them as finished pages. */
export class OggStreamWriter {
  readonly serial: number;
  #sequence = 0;
  #packets: { data: Uint8Array; granule: number }[] = [];
  #ended = false;

  constructor(serial: number) {
    this.serial = serial >>> 0;
  }

  /** Number of pages emitted so far. */
  get pageCount(): number {
    return this.#sequence;
  }

  /** Packets queued and not yet on a page. */
  get pendingPackets(): number {
    return this.#packets.length;
  }

  /** True after a page with EOS was produced. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Queue a packet; `granule` is the stream position at the end of this packet. */
  addPacket(data: Uint8Array, granule: number): void {
    if (this.#ended) throw new RangeError("Cannot add an Ogg packet after the EOS page");
    this.#packets.push({ data, granule });
  }

  /**
   * Put every queued packet onto pages and return their bytes (empty when nothing is
   * queued, unless `eos` forces a final page). The last page carries EOS when asked.
   */
  flush(eos = false): Uint8Array[] {
    if (this.#ended) return [];
    const pages: Uint8Array[] = [];
    let lacing: number[] = [];
    let body: Uint8Array[] = [];
    let granule = OGG_NO_GRANULE;
    let continued = false; // the page being built starts inside a packet
    const emit = (last: boolean) => {
      let headerType = this.#sequence === 0 ? OGG_BOS : 0;
      if (continued) headerType |= OGG_CONTINUED;
      if (last && eos) headerType |= OGG_EOS;
      pages.push(encodeOggPage({
        headerType,
        granule,
        serial: this.serial,
        sequence: this.#sequence++,
        segments: Uint8Array.from(lacing),
        body: concat(body),
      }));
      lacing = [];
      body = [];
      granule = OGG_NO_GRANULE;
    };
    for (const { data, granule: g } of this.#packets) {
      let pos = 0;
      for (;;) {
        if (lacing.length === MAX_SEGMENTS) {
          emit(false);
          continued = pos > 0;
        }
        const take = Math.min(255, data.length - pos);
        lacing.push(take);
        body.push(data.subarray(pos, pos + take));
        pos += take;
        if (take < 255) break;
      }
      granule = g;
    }
    this.#packets = [];
    if (lacing.length > 0 || eos) emit(true);
    if (eos) this.#ended = true;
    return pages;
  }
}
