// tessera.control.v1.Membership: storage nodes register (a logged command) and heartbeat
// (leader-local soft state: liveness for the failure detector, partition reports for leaders
// and figures). Both answer only on the leader.
import type { HashHex } from '../core/hash-space.js';
import { SPLIT_SAMPLES_MAX } from '../core/splits.js';
import { bindService, GrpcError, GrpcStatus } from '../../../lib/grpc/index.js';
import type { ServiceBinding } from '../../../lib/grpc/index.js';
import { Membership } from '../../../lib/gen/tessera/control/v1/control_pb.js';
import { lookup } from '../core/state.js';
import type { ServerContext } from './context.js';
import { answerOf, requireLeader } from './context.js';
import { nodeStateToProto } from './convert.js';

/** Reports accepted in one heartbeat (a limit on one call's work). */
export const HEARTBEAT_REPORTS_MAX = 10_000;

/** The Membership service over a driver. */
export function membershipService(
  context: ServerContext,
  onHeartbeat: () => void = () => {},
): ServiceBinding {
  return bindService(Membership, {
    async registerNode(request) {
      requireLeader(context);
      const outcome = await context.driver.propose({
        type: 'register-node',
        nodeId: request.nodeId,
        address: request.address,
        zone: request.zone === '' ? null : request.zone,
        nowMs: context.clock(),
      });
      const answer = answerOf(context, outcome);
      if (!answer.ok) {
        throw new GrpcError(
          GrpcStatus.INVALID_ARGUMENT,
          `${answer.error.code}: ${answer.error.message}`,
        );
      }
      return {
        state: nodeStateToProto(answer.value.state),
        heartbeatIntervalMs: context.heartbeatIntervalMs,
      };
    },
    heartbeat(request) {
      requireLeader(context);
      const node = lookup(context.driver.state.nodes, request.nodeId);
      if (node === undefined) {
        return Promise.reject(
          new GrpcError(GrpcStatus.NOT_FOUND, `node ${request.nodeId} is not registered`),
        );
      }
      if (request.reports.length > HEARTBEAT_REPORTS_MAX) {
        return Promise.reject(
          new GrpcError(
            GrpcStatus.INVALID_ARGUMENT,
            `${request.reports.length} reports (limit ${HEARTBEAT_REPORTS_MAX})`,
          ),
        );
      }
      onHeartbeat();
      context.lastHeartbeatMs.set(request.nodeId, context.clock());
      context.work.heartbeat(
        request.nodeId,
        request.reports.map((report) => ({
          partitionId: report.partitionId,
          epoch: Number(report.epoch),
          leader: report.leader,
          term: Number(report.term),
          sizeBytes: Number(report.sizeBytes),
          itemCount: Number(report.itemCount),
          requestUnitsPerSecond: report.readsPerSecond + report.writesPerSecond,
          caughtUpNodeIds: report.caughtUpNodeIds.slice(0, 64),
          requestSamples: report.requestSamples
            .filter((sample) => sample.hash.length === 16)
            .slice(0, SPLIT_SAMPLES_MAX)
            .map((sample) => ({
              hash: Buffer.from(sample.hash).toString('hex') as HashHex,
              weight: Number(sample.weight),
            })),
          stopped: report.stopped,
          samples: report.keySamples
            .filter((sample) => sample.hash.length === 16)
            .slice(0, SPLIT_SAMPLES_MAX)
            .map((sample) => ({
              hash: Buffer.from(sample.hash).toString('hex') as HashHex,
              weight: Number(sample.weight),
            })),
        })),
      );
      return Promise.resolve({ state: nodeStateToProto(node.state) });
    },
  });
}
