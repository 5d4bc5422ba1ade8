// One process per data directory: a second control-plane replica or storage node started on a
// directory a live process holds exits at once (code 1), naming the holder, and writes nothing;
// the holder keeps serving. After the holder is SIGKILLed, a new process takes the directory.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startTypeScriptProcess, stopProcess } from '../helpers/process.js';
import type { TestProcess } from '../helpers/process.js';
import { findLeader, freePorts, startReplica, temporaryDirectory } from './cluster.js';
import type { Replica } from './cluster.js';
import { startStorageNodes } from './storage-cluster.js';

describe('data-directory lock', () => {
  const directory = temporaryDirectory();
  const processes: TestProcess[] = [];
  const replicas: Replica[] = [];
  after(async () => {
    for (const replica of replicas) replica.close();
    await Promise.all(processes.map(async (process) => stopProcess(process)));
    rmSync(directory, { recursive: true, force: true });
  });

  /** Starts `entry` on a held directory and expects it to refuse and exit 1. */
  async function refused(entry: string, args: readonly string[], holder: number): Promise<void> {
    const second = startTypeScriptProcess(entry, [...args, '--admin-port=0']);
    processes.push(second);
    const exited = await second.exited;
    assert.equal(exited.code, 1);
    const said = [...second.stdout, ...second.stderr].join('\n');
    assert.match(said, new RegExp(`in use by process ${holder}`));
  }

  it('refuses a second process on a held directory, and a killed holder’s directory is free', async () => {
    const [port = 0, secondPort = 0] = await freePorts(2);
    const controlDirectory = join(directory, 'control');
    const control = await startReplica('control-1', controlDirectory, port, [], []);
    replicas.push(control);
    processes.push(control.process);
    await findLeader([control]);
    await refused(
      'services/control-plane/main.ts',
      [`--data-dir=${controlDirectory}`, `--grpc-port=${secondPort}`],
      control.process.pid,
    );
    // The holder still answers.
    assert.equal((await control.admin.getClusterStatus({})).controlPlaneLeader, true);

    const [node] = await startStorageNodes(directory, ['s1'], control.address, processes);
    assert.ok(node !== undefined);
    await refused(
      'services/storage-node/main.ts',
      ['--node-id=s1', `--data-dir=${join(directory, 's1')}`, '--grpc-port=0'],
      node.process.pid,
    );

    node.process.signal('SIGKILL');
    await node.process.exited;
    const [again] = await startStorageNodes(directory, ['s1'], control.address, processes);
    assert.ok(again !== undefined, 'the directory of a killed node is taken over');
  });
});
