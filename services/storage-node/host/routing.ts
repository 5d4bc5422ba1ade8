// Answers of the host to the service layer: a value, a DynamoDB error (as data), or a routing
// condition the router acts on (never a generic INTERNAL for a routing condition).
import type { DynamoError, Item } from '../../../lib/dynamo/index.js';

/** A routing condition: where the router should go instead, or that it must wait. */
export type RoutingCondition =
  | {
      readonly kind: 'not-leader';
      readonly leaderId: string;
      readonly leaderAddress: string;
      readonly term: number;
    }
  | {
      readonly kind: 'wrong-partition';
      readonly partitionId: string;
      /** The range this node holds for the partition; absent when it does not host it. */
      readonly hashStart: Uint8Array | undefined;
      readonly hashEnd: Uint8Array | undefined;
      readonly epoch: number;
    }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** The host's answer to one request. */
export type HostAnswer<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'error'; readonly error: DynamoError; readonly item?: Item }
  | { readonly kind: 'routing'; readonly routing: RoutingCondition };

/** Builds a routing answer. */
export function routed<T>(routing: RoutingCondition): HostAnswer<T> {
  return { kind: 'routing', routing };
}

/** Which partition a request addresses, and the epoch of the caller's map. */
export interface PartitionAddress {
  readonly tableId: string;
  readonly partitionId: string;
  readonly epoch: number;
}
