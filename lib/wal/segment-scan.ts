// Splits one segment's bytes into intact records and failures, and classifies each failure:
// a torn tail (the last segment ends in a partial or unverifiable record with nothing valid
// after it: a crash mid-write) or corruption (anything else). Pure: works on a byte array.
import {
  bodyIntact,
  decodeFrameHeader,
  frameHeaderBytes,
  frameMagicBytes,
  isSegmentHeader,
  segmentHeaderBytes,
} from './codec.js';
import type { FrameHeader } from './codec.js';

/** One item found in a segment, in file order. */
export type ScanItem =
  | {
      readonly type: 'record';
      readonly offset: number;
      readonly header: FrameHeader;
      readonly body: Uint8Array;
    }
  | {
      readonly type: 'corrupt';
      readonly offset: number;
      /** The frame header when it is intact (so the group is known), else undefined. */
      readonly header: FrameHeader | undefined;
      readonly reason: string;
    }
  | { readonly type: 'torn'; readonly offset: number };

/** Whether the frame at `offset` is fully intact. */
function intactAt(bytes: Uint8Array, offset: number): boolean {
  const header = decodeFrameHeader(bytes, offset);
  return header !== undefined && bodyIntact(bytes, offset, header);
}

/**
 * The offset of the next intact frame after a failure at `offset`, or undefined. Tries the
 * position the (intact) header points to first, then every later occurrence of the magic.
 */
function findNextFrame(
  bytes: Uint8Array,
  offset: number,
  header: FrameHeader | undefined,
): number | undefined {
  if (header !== undefined) {
    const next = offset + frameHeaderBytes + header.bodyBytes;
    if (next < bytes.length && intactAt(bytes, next)) return next;
  }
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let candidate = haystack.indexOf(frameMagicBytes, offset + 1);
  while (candidate !== -1) {
    if (intactAt(bytes, candidate)) return candidate;
    candidate = haystack.indexOf(frameMagicBytes, candidate + 1);
  }
  return undefined;
}

function describeFailure(
  bytes: Uint8Array,
  offset: number,
  header: FrameHeader | undefined,
): string {
  if (header === undefined) {
    return offset + frameHeaderBytes > bytes.length
      ? 'truncated frame header'
      : 'frame header checksum mismatch';
  }
  if (offset + frameHeaderBytes + header.bodyBytes > bytes.length)
    return 'record body runs past the end of the file';
  return 'record body checksum mismatch';
}

/** Scans a whole segment. `last` says whether it is the newest segment (the only one that may be torn). */
export function scanSegment(bytes: Uint8Array, last: boolean): ScanItem[] {
  const items: ScanItem[] = [];
  let offset = segmentHeaderBytes;
  if (!isSegmentHeader(bytes)) {
    const next = findNextFrame(bytes, -1, undefined);
    if (next === undefined && last) return [{ type: 'torn', offset: 0 }];
    items.push({ type: 'corrupt', offset: 0, header: undefined, reason: 'bad segment header' });
    if (next === undefined) return items;
    offset = next;
  }
  while (offset < bytes.length) {
    const header = decodeFrameHeader(bytes, offset);
    if (header !== undefined && bodyIntact(bytes, offset, header)) {
      const start = offset + frameHeaderBytes;
      items.push({
        type: 'record',
        offset,
        header,
        body: bytes.subarray(start, start + header.bodyBytes),
      });
      offset = start + header.bodyBytes;
      continue;
    }
    const next = findNextFrame(bytes, offset, header);
    if (next === undefined && last) {
      items.push({ type: 'torn', offset });
      break;
    }
    items.push({ type: 'corrupt', offset, header, reason: describeFailure(bytes, offset, header) });
    if (next === undefined) break;
    offset = next;
  }
  return items;
}
