// DescribeLimits: answered by the router itself, no backend involved.

import { ok, type Result } from '../../../lib/dynamo/index.js';
import type { OperationContext, ResponseBody } from './shared.js';

/**
 * The account and per-table capacity limits DescribeLimits reports: DynamoDB's default
 * quotas. Tessera enforces no account quota; these numbers tell SDKs and tools what to expect.
 */
export const describedLimits = {
  AccountMaxReadCapacityUnits: 80000,
  AccountMaxWriteCapacityUnits: 80000,
  TableMaxReadCapacityUnits: 40000,
  TableMaxWriteCapacityUnits: 40000,
} as const;

/** Runs DescribeLimits. */
export function describeLimits(
  _request: unknown,
  _context: OperationContext,
): Promise<Result<ResponseBody>> {
  return Promise.resolve(ok({ ...describedLimits }));
}
