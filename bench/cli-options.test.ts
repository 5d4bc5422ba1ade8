import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBenchArguments } from './cli-options.js';

const parse = (argv: string[], environment: Record<string, string> = {}) =>
  parseBenchArguments(argv, environment, '/tmp');

test('defaults: workload a against dynalite, signed, bounded', () => {
  const parsed = parse([]);
  assert.equal(parsed.ok, true);
  if (parsed.ok !== true) return;
  const { options } = parsed;
  assert.equal(options.workload, 'a');
  assert.equal(options.target, 'dynalite');
  assert.equal(options.sign, true);
  assert.equal(options.durationMs, 30_000);
  assert.equal(options.operationLimit, 1_000_000);
  assert.equal(options.outDirectory, '/tmp/tessera-bench');
  assert.equal(options.tesseraCommand, 'npm start');
});

test('flags in both spellings, the endpoint implies the endpoint target', () => {
  const parsed = parse(
    [
      '--workload=e',
      '--endpoint',
      'http://127.0.0.1:8000',
      '--rate',
      '500',
      '--no-sign',
      '--concurrency=4',
    ],
    { AWS_REGION: 'eu-west-1' },
  );
  assert.equal(parsed.ok, true);
  if (parsed.ok !== true) return;
  assert.equal(parsed.options.workload, 'e');
  assert.equal(parsed.options.target, 'endpoint');
  assert.equal(parsed.options.endpoint, 'http://127.0.0.1:8000');
  assert.equal(parsed.options.ratePerSecond, 500);
  assert.equal(parsed.options.sign, false);
  assert.equal(parsed.options.concurrency, 4);
  assert.equal(parsed.options.region, 'eu-west-1');
});

test('side by side takes a target list', () => {
  const parsed = parse(['--side-by-side', '--targets', 'dynalite,dynalite', '--rounds', '2']);
  assert.equal(parsed.ok, true);
  if (parsed.ok !== true) return;
  assert.equal(parsed.options.sideBySide, true);
  assert.deepEqual(parsed.options.targets, ['dynalite', 'dynalite']);
  assert.equal(parsed.options.rounds, 2);
});

test('bad input is a message, not an exception', () => {
  for (const argv of [
    ['--workload', 'z'],
    ['--duration-seconds', '0'],
    ['--duration-seconds', '7200'],
    ['--records', 'many'],
    ['--target', 'endpoint'],
    ['--endpoint', 'not a url'],
    ['--frobnicate', '1'],
    ['--rate', '-1'],
    ['--targets', 'dynalite'],
    ['--workload'],
    ['stray'],
  ]) {
    const parsed = parse(argv);
    assert.equal(parsed.ok, false, argv.join(' '));
    assert.ok(parsed.ok === false && parsed.message.length > 0);
  }
  assert.equal(parse(['--help']).ok, 'help');
});
