// The key-value state machine the simulator replicates: the commands clients send,
// applying them deterministically, and snapshot images.

import type { KvInput, KvOutput } from '../../linearizability/index.js';

/** A client request as carried in a log entry. */
export interface KvCommand {
  clientId: number;
  requestId: number;
  input: KvInput;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a command as entry data. */
export function encodeCommand(command: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

/** Decodes entry data written by {@link encodeCommand}. */
export function decodeCommand(data: Uint8Array): KvCommand {
  return JSON.parse(decoder.decode(data)) as KvCommand;
}

/** A map of string keys to string values with read, write and compare-and-set. */
export class KvStateMachine {
  private readonly values = new Map<string, string>();

  /** Applies one command and returns what the client observes. */
  apply(input: KvInput): KvOutput {
    switch (input.kind) {
      case 'read':
        return { kind: 'read', value: this.values.get(input.key) ?? null };
      case 'write':
        this.values.set(input.key, input.value);
        return { kind: 'write' };
      case 'cas': {
        const current = this.values.get(input.key) ?? null;
        if (current !== input.expected) return { kind: 'cas', succeeded: false };
        this.values.set(input.key, input.value);
        return { kind: 'cas', succeeded: true };
      }
    }
  }

  read(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  /** A canonical image (sorted keys), so equal states give equal bytes. */
  serialize(): Uint8Array {
    const entries = [...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return encoder.encode(JSON.stringify(entries));
  }

  /** Replaces the state with a snapshot image. */
  restore(image: Uint8Array): void {
    this.values.clear();
    if (image.byteLength === 0) return;
    for (const [key, value] of JSON.parse(decoder.decode(image)) as [string, string][]) {
      this.values.set(key, value);
    }
  }
}
