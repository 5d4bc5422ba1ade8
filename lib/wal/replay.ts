// Recovery: replays every segment, oldest first, into per-group logs. A corrupted record stops
// only the group it belongs to (its later records are ignored and the group answers
// `group-corrupted`); every other group recovers. When a corrupted record's own header is
// unreadable its group is unknown; then per-group record sequence numbers (and the checkpoint
// that starts every segment) find the groups that lost records. Pure: works on byte arrays.
import {
  RecordKind,
  segmentHeaderBytes,
  decodeCheckpoint,
  decodeCompact,
  decodeEntries,
  decodeSnapshot,
} from './codec.js';
import type { FrameHeader } from './codec.js';
import { GroupLog } from './group-log.js';
import { scanSegment } from './segment-scan.js';
import type { CorruptionLocation, GroupId, WalError } from './types.js';

/** One segment file, read whole. */
export interface SegmentInput {
  readonly sequence: number;
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** What the deletion rule needs to know about a segment. */
export interface SegmentInfo {
  readonly sequence: number;
  readonly path: string;
  /** Bytes in the file (after any torn-tail truncation). */
  size: number;
  /** The highest entry index each group wrote into this segment. */
  readonly maxEntryIndex: Map<GroupId, number>;
  /**
   * Whether replay may start here once older segments are deleted: its checkpoints are
   * complete (no torn tail cut them short, no unreadable region hid one).
   */
  validStart: boolean;
}

/** The outcome of replaying all segments. */
export interface ReplayResult {
  readonly groups: Map<GroupId, GroupLog>;
  /** Groups stopped by corruption, with the error naming file, offset and group. */
  readonly corrupted: Map<GroupId, WalError>;
  /** Corrupted regions whose group could not be read. */
  readonly unattributed: CorruptionLocation[];
  /**
   * True when the newest segment holds a corrupted region of unknown group: a group this replay
   * never saw may have lost records there, so the host must treat such groups as corrupted.
   */
  readonly unknownGroupsSuspect: boolean;
  /** Groups removed after the newest unreadable region: no longer suspect. */
  readonly clearedGroups: Set<GroupId>;
  /** Where the newest segment must be cut (a torn tail), if anywhere. */
  readonly truncateAt: number | undefined;
  readonly segments: SegmentInfo[];
}

class Replayer {
  readonly groups = new Map<GroupId, GroupLog>();
  readonly corrupted = new Map<GroupId, WalError>();
  readonly unattributed: CorruptionLocation[] = [];
  /** Groups removed since the latest unreadable region. */
  readonly clearedGroups = new Set<GroupId>();
  /** Position (segment ordinal, offset) of each group's latest intact record. */
  private readonly lastSeen = new Map<GroupId, [number, number]>();
  private segmentOrdinal = 0;
  /** Healthy groups known when the current segment began: each must have a checkpoint in it. */
  private knownAtSegmentStart = new Set<GroupId>();
  private readonly checkpointed = new Set<GroupId>();
  private checkpointsVerified = true;

  corrupt(groupId: GroupId, location: CorruptionLocation, reason: string): void {
    if (this.corrupted.has(groupId)) return;
    this.groups.delete(groupId);
    this.corrupted.set(groupId, {
      code: 'group-corrupted',
      message: `group ${groupId}: ${reason} in ${location.file} at byte ${location.offset}; stop this replica and rebuild it from its peers`,
      location,
      groupId,
    });
  }

  /** Where a group's missing records most likely were: the latest unreadable region, if any. */
  private lossLocation(fallback: CorruptionLocation): CorruptionLocation {
    return this.unattributed.at(-1) ?? fallback;
  }

  replaySegment(
    segment: SegmentInput,
    ordinal: number,
    last: boolean,
    info: SegmentInfo,
  ): number | undefined {
    this.beginSegment(ordinal);
    const checkpointsStart = { file: segment.path, offset: segmentHeaderBytes };
    for (const item of scanSegment(segment.bytes, last)) {
      const location = { file: segment.path, offset: item.offset };
      if (item.type === 'torn') return item.offset;
      if (item.type === 'corrupt') {
        if (item.header === undefined) {
          this.unattributed.push(location);
          this.clearedGroups.clear();
        } else this.corrupt(item.header.groupId, location, `corrupted record (${item.reason})`);
        continue;
      }
      if (item.header.kind !== RecordKind.checkpoint) this.verifyCheckpoints(checkpointsStart);
      this.replayRecord(item.header, item.body, location, info);
    }
    // Only the newest segment can end inside its checkpoints (a torn tail).
    if (!last) this.verifyCheckpoints(checkpointsStart);
    return undefined;
  }

  private beginSegment(ordinal: number): void {
    this.segmentOrdinal = ordinal;
    this.knownAtSegmentStart = new Set(this.groups.keys());
    this.checkpointed.clear();
    // Replay's first segment is where history starts: nothing before it to vouch for.
    this.checkpointsVerified = ordinal === 0;
  }

  /**
   * Once a segment's checkpoints are behind us, every group that was healthy when it began
   * must have had one: a missing checkpoint means the group's state cannot be vouched for.
   */
  private verifyCheckpoints(checkpointsStart: CorruptionLocation): void {
    if (this.checkpointsVerified) return;
    this.checkpointsVerified = true;
    for (const groupId of this.knownAtSegmentStart) {
      if (this.groups.has(groupId) && !this.checkpointed.has(groupId)) {
        this.corrupt(groupId, this.lossLocation(checkpointsStart), 'no checkpoint for the group');
      }
    }
  }

  private replayRecord(
    header: FrameHeader,
    body: Uint8Array,
    location: CorruptionLocation,
    info: SegmentInfo,
  ): void {
    const { groupId } = header;
    if (header.kind === RecordKind.removeGroup) {
      // The group left the node (or was corrupted and is being rebuilt): whatever it lost no
      // longer matters, and a later group with the same id starts again at sequence 1.
      this.corrupted.delete(groupId);
      this.clearedGroups.add(groupId);
      this.groups.delete(groupId);
      this.lastSeen.delete(groupId);
      return;
    }
    if (this.corrupted.has(groupId)) return;
    let group = this.groups.get(groupId);
    if (header.kind === RecordKind.checkpoint) {
      this.checkpointed.add(groupId);
      if (group === undefined && this.segmentOrdinal > 0) {
        this.corrupt(groupId, this.lossLocation(location), 'records lost before a checkpoint');
        return;
      }
      if (group !== undefined && group.sequence !== header.sequence) {
        this.corrupt(groupId, this.lossLocation(location), 'records lost before a checkpoint');
        return;
      }
    } else {
      const expected = (group?.sequence ?? 0) + 1;
      if (header.sequence !== expected) {
        this.corrupt(groupId, this.lossLocation(location), `record ${expected} missing`);
        return;
      }
    }
    group ??= new GroupLog(groupId);
    this.groups.set(groupId, group);
    group.sequence = header.sequence;
    this.lastSeen.set(groupId, [this.segmentOrdinal, location.offset]);
    let consistent: boolean;
    try {
      consistent = applyRecord(group, header.kind, body, info);
    } catch {
      consistent = false;
    }
    if (!consistent) this.corrupt(groupId, location, 'record inconsistent with the group log');
  }

  /** Marks every group not seen after `region` as corrupted (it may have lost records there). */
  suspectGroupsBefore(region: CorruptionLocation, ordinal: number): void {
    for (const groupId of [...this.groups.keys()]) {
      const [seenOrdinal, seenOffset] = this.lastSeen.get(groupId) ?? [-1, -1];
      if (seenOrdinal < ordinal || seenOffset < region.offset) {
        this.corrupt(groupId, region, 'records may be lost in an unreadable region');
      }
    }
  }
}

/** Applies one intact record; returns false when it contradicts the group's log. */
function applyRecord(group: GroupLog, kind: number, body: Uint8Array, info: SegmentInfo): boolean {
  switch (kind) {
    case RecordKind.entries: {
      const entries = decodeEntries(body);
      if (!group.checkUpdate({ entries }, true).ok) return false;
      group.applyEntries(entries);
      const last = entries.at(-1);
      if (last !== undefined)
        info.maxEntryIndex.set(
          group.groupId,
          Math.max(info.maxEntryIndex.get(group.groupId) ?? 0, last.index),
        );
      return true;
    }
    case RecordKind.hardState:
      group.hardState = body.slice();
      return true;
    case RecordKind.snapshotApplied:
      group.applySnapshot(decodeSnapshot(body));
      return true;
    case RecordKind.snapshotCreated: {
      const snapshot = decodeSnapshot(body);
      // Behind a replay gap the base's term is not known yet: there is nothing to compare.
      const termKnown = !(group.gapThrough > 0 && snapshot.index <= group.baseIndex);
      const term = group.term(snapshot.index);
      if (termKnown && term.ok && term.value !== snapshot.term) return false;
      group.applyCreatedSnapshot(snapshot);
      return true;
    }
    case RecordKind.compact: {
      const { baseIndex, baseTerm } = decodeCompact(body);
      group.applyCompact(baseIndex, baseTerm);
      return true;
    }
    case RecordKind.checkpoint: {
      const checkpoint = decodeCheckpoint(body);
      return group.applyCheckpoint(checkpoint);
    }
    default:
      return false;
  }
}

/**
 * Replays segments one at a time, oldest first, so that only one segment's bytes are held at
 * once. Call `segment` for each, then `finish`.
 */
export class LogReplay {
  private readonly replayer = new Replayer();
  private readonly infos: SegmentInfo[] = [];
  private truncateAt: number | undefined;
  private lastPath: string | undefined;

  /** Replays one segment; `last` marks the newest, the only one that may have a torn tail. */
  segment(segment: SegmentInput, last: boolean): void {
    const ordinal = this.infos.length;
    const info: SegmentInfo = {
      sequence: segment.sequence,
      path: segment.path,
      size: segment.bytes.length,
      maxEntryIndex: new Map(),
      validStart: true,
    };
    this.infos.push(info);
    const before = this.replayer.unattributed.length;
    const torn = this.replayer.replaySegment(segment, ordinal, last, info);
    if (torn !== undefined) {
      this.truncateAt = torn;
      info.size = torn;
      info.validStart = false;
    }
    if (this.replayer.unattributed.length > before) info.validStart = false;
    // In the newest segment no later checkpoint can vouch for groups that fell silent after an
    // unreadable region, so they are suspect.
    if (last) {
      this.lastPath = segment.path;
      if (this.replayer.unattributed.length > before) {
        this.replayer.suspectGroupsBefore(this.replayer.unattributed.at(-1)!, ordinal);
      }
    }
  }

  /** The recovered state. */
  finish(): ReplayResult {
    for (const group of [...this.replayer.groups.values()]) {
      if (group.gapThrough > 0) {
        const location = this.replayer.unattributed.at(-1) ?? {
          file: this.infos[0]!.path,
          offset: 0,
        };
        this.replayer.corrupt(
          group.groupId,
          location,
          `entries through ${group.gapThrough} missing`,
        );
      }
    }
    return {
      groups: this.replayer.groups,
      corrupted: this.replayer.corrupted,
      unattributed: this.replayer.unattributed,
      unknownGroupsSuspect: this.replayer.unattributed.some(
        (region) => region.file === this.lastPath,
      ),
      clearedGroups: this.replayer.clearedGroups,
      truncateAt: this.truncateAt,
      segments: this.infos,
    };
  }
}
