/**
 * The state of one reconcile pass, shared by the steps of the chain, and the step
 * result type. Each step is idempotent: running the whole chain again with nothing
 * changed writes nothing.
 */
import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import type { TesseraCluster } from '../api/types.js';
import type { BuildContext } from '../builders/common.js';
import type { AdminErrorCode, ClusterStatus, ControlPlaneAdminFactory } from '../control/admin.js';
import type { KubeClient } from '../kube/client.js';
import type { Progress } from './storage-plan.js';

/** What the reconciler needs from outside. */
export interface ReconcilerDeps {
  kube: KubeClient;
  adminFor: ControlPlaneAdminFactory;
  /** Wall clock in milliseconds, for condition transition times. */
  nowMs: () => number;
}

/** Everything one pass has read and decided so far. */
export interface Pass {
  cluster: TesseraCluster;
  context: BuildContext;
  storageSet?: V1StatefulSet;
  controlSet?: V1StatefulSet;
  routerDeployment?: V1Deployment;
  clusterStatus?: ClusterStatus;
  adminError?: string;
  /** Why the last failed admin call failed (a refusal is not an unreachable control plane). */
  adminErrorCode?: AdminErrorCode;
  /** Storage nodes handing off their replicas before a scale-down. */
  drainingNodes?: string[];
  progress?: Progress | { reason: string; message: string };
  degraded?: { reason: string; message: string };
}

/** How a reconcile pass ended, for the work queue. */
export type ReconcileResult =
  | { result: 'done' }
  | { result: 'requeue'; afterMs: number; reason: string }
  | { result: 'refused'; reason: string }
  | { result: 'deleted' }
  | { result: 'gone' };

/** A step either lets the chain continue or stops it with a result. */
export type StepResult = { kind: 'continue' } | { kind: 'stop'; outcome: ReconcileResult };

/** One link of the reconcile chain. */
export type Step = (pass: Pass, deps: ReconcilerDeps) => Promise<StepResult>;

/** Continue with the next step. */
export const next: StepResult = { kind: 'continue' };
