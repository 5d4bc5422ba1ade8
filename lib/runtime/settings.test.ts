// Settings: flags over environment over defaults, and one clear line for anything invalid.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  booleanSetting,
  describeSettings,
  enumSetting,
  listSetting,
  parseSettings,
  portSetting,
  stringSetting,
} from './settings.js';

const spec = {
  port: portSetting({ flag: 'port', env: 'T_PORT', default: 8000, description: 'the port' }),
  name: stringSetting({
    flag: 'name',
    env: 'T_NAME',
    default: 'x',
    description: 'a name',
    pattern: /^[a-z]+$/,
  }),
  verbose: booleanSetting({
    flag: 'verbose',
    env: 'T_VERBOSE',
    default: false,
    description: 'chatty',
  }),
  mode: enumSetting({
    flag: 'mode',
    env: 'T_MODE',
    default: 'a',
    values: ['a', 'b'],
    description: 'mode',
  }),
  peers: listSetting({ flag: 'peers', env: 'T_PEERS', default: [], description: 'peers' }),
};

describe('parseSettings', () => {
  test('defaults apply when nothing is given', () => {
    const result = parseSettings(spec, [], {});
    assert.ok(result.ok);
    assert.deepEqual(result.value, { port: 8000, name: 'x', verbose: false, mode: 'a', peers: [] });
  });

  test('the environment overrides defaults and flags override the environment', () => {
    const result = parseSettings(spec, ['--port=9000', '--mode', 'b'], {
      T_PORT: '7000',
      T_NAME: 'envname',
    });
    assert.ok(result.ok);
    assert.equal(result.value.port, 9000);
    assert.equal(result.value.name, 'envname');
    assert.equal(result.value.mode, 'b');
  });

  test('a boolean flag alone means true, and takes explicit values', () => {
    const alone = parseSettings(spec, ['--verbose', '--port=1'], {});
    assert.ok(alone.ok);
    assert.equal(alone.value.verbose, true);
    const explicit = parseSettings(spec, ['--verbose=false'], { T_VERBOSE: 'true' });
    assert.ok(explicit.ok);
    assert.equal(explicit.value.verbose, false);
  });

  test('lists split on commas', () => {
    const result = parseSettings(spec, ['--peers=a:1, b:2'], {});
    assert.ok(result.ok);
    assert.deepEqual(result.value.peers, ['a:1', 'b:2']);
  });

  const invalid: Array<[string, string[], Record<string, string>, string]> = [
    [
      'a port that is not a number',
      ['--port=abc'],
      {},
      'invalid setting --port: "abc" is not an integer from 0 to 65535',
    ],
    [
      'a port out of range',
      ['--port', '70000'],
      {},
      'invalid setting --port: "70000" is not an integer from 0 to 65535',
    ],
    [
      'a bad environment value',
      [],
      { T_MODE: 'c' },
      'invalid setting T_MODE: "c" is not one of a, b',
    ],
    [
      'a string against its pattern',
      ['--name=A1'],
      {},
      'invalid setting --name: "A1" is not a string matching /^[a-z]+$/',
    ],
    [
      'a bad boolean',
      ['--verbose=maybe'],
      {},
      'invalid setting --verbose: "maybe" is not true or false',
    ],
    [
      'an empty list item',
      ['--peers=a,,b'],
      {},
      'invalid setting --peers: "a,,b" is not a comma-separated list',
    ],
    [
      'an unknown flag',
      ['--colour=red'],
      {},
      'unknown flag --colour; accepted flags: --port, --name, --verbose, --mode, --peers, --help',
    ],
    [
      'a flag with no value',
      ['--port'],
      {},
      'flag --port needs a value: an integer from 0 to 65535',
    ],
    [
      'a bare argument',
      ['serve'],
      {},
      'unexpected argument "serve": settings are given as --name=value',
    ],
  ];
  for (const [name, argv, env, error] of invalid) {
    test(`rejects ${name} with one line`, () => {
      const result = parseSettings(spec, argv, env);
      assert.ok(!result.ok);
      assert.equal(result.error, error);
      assert.ok(!result.error.includes('\n'));
    });
  }

  test('--help is reported, and the description names every setting', () => {
    const result = parseSettings(spec, ['--help'], {});
    assert.ok(result.ok && result.help);
    const text = describeSettings(spec);
    for (const setting of Object.values(spec)) {
      assert.ok(text.includes(`--${setting.flag}`) && text.includes(setting.env));
    }
  });

  test('an absurd number of arguments is refused', () => {
    const result = parseSettings(spec, new Array(1000).fill('--verbose'), {});
    assert.ok(!result.ok);
  });
});
