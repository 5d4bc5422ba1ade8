// The simulated network: per-message delay (hence reordering), loss and duplication,
// and directed link cuts for symmetric and one-way partitions. Link cuts are checked at
// delivery time, so a partition also swallows messages already in flight.

import type { Xoshiro128 } from '../random.js';
import type { NodeId } from '../types.js';

/** How unreliable the network is, in simulator time units. */
export interface NetworkProfile {
  lossRate: number;
  duplicateRate: number;
  minDelay: number;
  maxDelay: number;
  /** Fraction of messages delayed far beyond `maxDelay` (stragglers). */
  longDelayRate: number;
  longDelayMax: number;
}

/** Decides the fate of every message. */
export class Network {
  private readonly cut = new Set<string>();
  private readonly random: Xoshiro128;
  profile: NetworkProfile;

  constructor(random: Xoshiro128, profile: NetworkProfile) {
    this.random = random;
    this.profile = profile;
  }

  /** The delivery delays of a message just sent: none if lost, two if duplicated. */
  delays(): number[] {
    const profile = this.profile;
    if (this.random.chance(profile.lossRate)) return [];
    const copies = this.random.chance(profile.duplicateRate) ? 2 : 1;
    const result: number[] = [];
    for (let i = 0; i < copies; i++) {
      result.push(
        this.random.chance(profile.longDelayRate)
          ? this.random.between(profile.maxDelay, profile.longDelayMax)
          : this.random.between(profile.minDelay, profile.maxDelay),
      );
    }
    return result;
  }

  canDeliver(from: NodeId, to: NodeId): boolean {
    return !this.cut.has(`${from}>${to}`);
  }

  /** Cuts the link from `from` to `to` (one way). */
  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  /** Cuts every link between the two sides, both ways. */
  partition(sideA: readonly NodeId[], sideB: readonly NodeId[]): void {
    for (const a of sideA) {
      for (const b of sideB) {
        this.cutLink(a, b);
        this.cutLink(b, a);
      }
    }
  }

  heal(): void {
    this.cut.clear();
  }

  describeCuts(): string {
    return [...this.cut].sort().join(' ');
  }
}
