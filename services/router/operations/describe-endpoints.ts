// DescribeEndpoints: answered by the router itself: this router is the one endpoint.

import { ok, type Result } from '../../../lib/dynamo/index.js';
import type { OperationContext, ResponseBody } from './shared.js';

/** How long clients may cache the endpoint list, as DynamoDB answers. */
export const endpointCachePeriodMinutes = 1440;

/** Runs DescribeEndpoints: this router is the one endpoint. */
export function describeEndpoints(
  _request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  return Promise.resolve(
    ok({
      Endpoints: [
        { Address: context.endpointAddress, CachePeriodInMinutes: endpointCachePeriodMinutes },
      ],
    }),
  );
}
