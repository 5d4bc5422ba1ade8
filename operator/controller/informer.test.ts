import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ListWatchSource, WatchEventType } from './informer.js';
import { Informer, namespacedKey } from './informer.js';
import { FakeTimers } from './timers.js';

/** A scripted source: the test sets what lists return and pushes watch events. */
class ScriptedSource implements ListWatchSource {
  items: KubernetesObject[] = [];
  lists = 0;
  watches: string[] = [];
  failNextList = false;
  private onEvent: ((type: WatchEventType, object: KubernetesObject) => void) | undefined;
  private onDone: ((error: unknown) => void) | undefined;

  list() {
    this.lists += 1;
    if (this.failNextList) {
      this.failNextList = false;
      return Promise.reject(new Error('list failed'));
    }
    return Promise.resolve({ items: this.items, resourceVersion: String(10 + this.lists) });
  }

  watch(
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: KubernetesObject) => void,
    onDone: (error: unknown) => void,
  ) {
    this.watches.push(resourceVersion);
    this.onEvent = onEvent;
    this.onDone = onDone;
    return Promise.resolve(() => undefined);
  }

  push(type: WatchEventType, object: KubernetesObject): void {
    this.onEvent?.(type, object);
  }

  end(error?: unknown): void {
    this.onDone?.(error ?? null);
  }
}

const object = (name: string, resourceVersion: string): KubernetesObject => ({
  metadata: { name, namespace: 'ns', resourceVersion },
});

async function settle(): Promise<void> {
  for (let index = 0; index < 5; index += 1) await Promise.resolve();
}

test('lists, watches from the list version, and reports changes and deletions', async () => {
  const source = new ScriptedSource();
  source.items = [object('a', '1')];
  const changes: string[] = [];
  const informer = new Informer(source, new FakeTimers(), {
    resyncMs: 1000,
    keyOf: namespacedKey,
    onChange: (key) => changes.push(key),
  });
  await informer.start();
  assert.ok(informer.hasSynced);
  assert.deepEqual(source.watches, ['11']);
  source.push('ADDED', object('b', '12'));
  source.push('MODIFIED', object('a', '13'));
  source.push('BOOKMARK', object('', '14'));
  source.push('DELETED', object('b', '15'));
  assert.deepEqual(changes, ['ns/a', 'ns/b', 'ns/a', 'ns/b']);
  assert.deepEqual(informer.keys(), ['ns/a']);
  informer.stop();
});

test('resync reports every cached key again on the fake clock', async () => {
  const source = new ScriptedSource();
  source.items = [object('a', '1'), object('b', '1')];
  const changes: string[] = [];
  const timers = new FakeTimers();
  const informer = new Informer(source, timers, {
    resyncMs: 30_000,
    keyOf: namespacedKey,
    onChange: (key) => changes.push(key),
  });
  await informer.start();
  changes.length = 0;
  timers.advance(29_999);
  assert.deepEqual(changes, []);
  timers.advance(1);
  assert.deepEqual(changes, ['ns/a', 'ns/b']);
  timers.advance(30_000);
  assert.equal(changes.length, 4);
  informer.stop();
  timers.advance(60_000);
  assert.equal(changes.length, 4, 'no resync after stop');
});

test('a watch that ends is restarted by a fresh list after backoff; objects gone meanwhile are reported', async () => {
  const source = new ScriptedSource();
  source.items = [object('a', '1'), object('b', '1')];
  const changes: string[] = [];
  const errors: unknown[] = [];
  const timers = new FakeTimers();
  const informer = new Informer(source, timers, {
    resyncMs: 3_600_000,
    keyOf: namespacedKey,
    onChange: (key) => changes.push(key),
    onError: (error) => errors.push(error),
    restartDelayMinMs: 100,
  });
  await informer.start();
  changes.length = 0;
  source.items = [object('a', '1')]; // b was deleted while the watch was down
  source.end(new Error('connection reset'));
  assert.equal(errors.length, 1);
  source.failNextList = true;
  timers.advance(100);
  await settle();
  assert.equal(source.lists, 2, 'relisted after 100 ms');
  assert.equal(errors.length, 2, 'the failed list is reported');
  timers.advance(199);
  await settle();
  assert.equal(source.lists, 2, 'backoff doubled to 200 ms');
  timers.advance(1);
  await settle();
  assert.equal(source.lists, 3);
  assert.deepEqual(
    changes,
    ['ns/b'],
    'the deletion is noticed, the unchanged object is not re-reported',
  );
  assert.equal(source.watches.length, 2);
  informer.stop();
});
