/**
 * Leader election through a `coordination.k8s.io/v1` Lease, as client-go does it: the
 * holder renews the lease every retry period; another replica takes over only after
 * the lease has not been renewed for its whole duration. Concurrent takeovers are
 * settled by the API server's resourceVersion check (the loser gets 409).
 */
import type { V1Lease } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import { KubeApiError } from '../kube/client.js';
import type { Timers } from './timers.js';

/** What a replica should do about the lease, decided from what it read. */
export type LeaseDecision = 'create' | 'renew' | 'take-over' | 'follow';

/** Decides from the current lease (pure). */
export function decideLease(
  lease: V1Lease | undefined,
  identity: string,
  nowMs: number,
): LeaseDecision {
  if (!lease) return 'create';
  const holder = lease.spec?.holderIdentity ?? '';
  if (holder === identity) return 'renew';
  if (holder === '') return 'take-over';
  const renewedMs = timeMs(lease.spec?.renewTime ?? lease.spec?.acquireTime);
  const durationMs = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
  return renewedMs === undefined || nowMs >= renewedMs + durationMs ? 'take-over' : 'follow';
}

/** Settings of a {@link LeaderElector}. */
export interface LeaderElectionOptions {
  namespace: string;
  leaseName: string;
  /** This replica's identity: its pod name. */
  identity: string;
  leaseDurationMs?: number;
  /** A leader that cannot renew for this long steps down. */
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (error: unknown) => void;
}

/** Runs leader election until stopped. */
export class LeaderElector {
  private leading = false;
  private lastRenewMs = 0;
  private cancelTimer: (() => void) | undefined;
  private running = false;

  constructor(
    private readonly kube: KubeClient,
    private readonly timers: Timers,
    private readonly options: LeaderElectionOptions,
  ) {}

  /** Whether this replica holds the lease. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** Starts trying to acquire (then renew) the lease every retry period. */
  start(): void {
    this.running = true;
    this.schedule(0);
  }

  /** Stops; a leader releases the lease so a successor need not wait for it to expire. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.kube.get<V1Lease>(this.leaseRef());
      if (lease?.spec?.holderIdentity === this.options.identity) {
        await this.kube.replace<V1Lease>({ ...lease, spec: { ...lease.spec, holderIdentity: '' } });
      }
    } catch (error) {
      this.options.onError?.(error);
    }
    this.options.onStoppedLeading();
  }

  /** One attempt to acquire or renew; true when this replica leads afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const nowMs = this.timers.nowMs();
    const lease = await this.kube.get<V1Lease>(this.leaseRef());
    const decision = decideLease(lease, this.options.identity, nowMs);
    if (decision === 'follow') return false;
    const durationSeconds = Math.ceil((this.options.leaseDurationMs ?? 15_000) / 1000);
    const now = new Date(nowMs);
    const spec = {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: now,
      acquireTime: decision === 'renew' ? (lease?.spec?.acquireTime ?? now) : now,
      leaseTransitions: (lease?.spec?.leaseTransitions ?? 0) + (decision === 'take-over' ? 1 : 0),
    };
    try {
      if (decision === 'create') {
        await this.kube.create<V1Lease>({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.options.leaseName, namespace: this.options.namespace },
          spec,
        });
      } else {
        // The resourceVersion we read makes a concurrent takeover fail with 409.
        await this.kube.replace<V1Lease>({ ...(lease as V1Lease), spec });
      }
    } catch (error) {
      if (error instanceof KubeApiError && error.statusCode === 409) return false;
      throw error;
    }
    return true;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.cancelTimer = this.timers.after(delayMs, () => {
      this.round().catch((error: unknown) => this.options.onError?.(error));
    });
  }

  private async round(): Promise<void> {
    let acquired = false;
    try {
      acquired = await this.tryAcquireOrRenew();
    } catch (error) {
      this.options.onError?.(error);
    }
    if (!this.running) return;
    const nowMs = this.timers.nowMs();
    if (acquired) {
      this.lastRenewMs = nowMs;
      if (!this.leading) {
        this.leading = true;
        this.options.onStartedLeading();
      }
    } else if (
      this.leading &&
      nowMs - this.lastRenewMs >= (this.options.renewDeadlineMs ?? 10_000)
    ) {
      this.leading = false;
      this.options.onStoppedLeading();
    }
    this.schedule(this.options.retryPeriodMs ?? 2_000);
  }

  private leaseRef() {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: this.options.namespace,
      name: this.options.leaseName,
    };
  }
}

function timeMs(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}
