// Why a server-side error happened, kept beside the DynamoError the client receives: clients get
// DynamoDB's bare "Internal server error", the router's log gets the reason (the storage call
// that failed, the routing condition that never resolved).
import type { DynamoError } from '../../lib/dynamo/index.js';

const details = new WeakMap<DynamoError, string>();

/** Attaches `detail` to `error` for the log; answers the error. */
export function withDetail(error: DynamoError, detail: string): DynamoError {
  details.set(error, detail.slice(0, 1_000));
  return error;
}

/** The detail attached to `error`, if any. */
export function detailOf(error: DynamoError): string | undefined {
  return details.get(error);
}
