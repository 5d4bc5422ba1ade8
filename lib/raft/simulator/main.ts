// The simulator's command line: `npm run sim -- --seeds N` soaks N seeds;
// `npm run sim -- --seed S --trace` replays one seed with its event log. It reads no
// clock (lib/raft is pure); use `time npm run sim …` for wall-clock figures.

import type { UnsafeTestingKnobs } from '../config.js';
import type { SimulationOptions } from './simulation.js';
import { reproduceCommand, runSimulation } from './simulation.js';

interface Arguments {
  seeds: number;
  firstSeed: number;
  steps: number;
  faults: boolean;
  trace: boolean;
  knobs: UnsafeTestingKnobs;
}

function parseArguments(argv: readonly string[]): Arguments {
  const parsed: Arguments = {
    seeds: 100,
    firstSeed: 1,
    steps: 300,
    faults: true,
    trace: false,
    knobs: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`sim: ${flag} needs a value`);
      return next;
    };
    if (flag === '--seeds') parsed.seeds = Number(value());
    else if (flag === '--seed') {
      parsed.firstSeed = Number(value());
      parsed.seeds = 1;
    } else if (flag === '--first-seed') parsed.firstSeed = Number(value());
    else if (flag === '--steps') parsed.steps = Number(value());
    else if (flag === '--no-faults') parsed.faults = false;
    else if (flag === '--trace') parsed.trace = true;
    else if (flag === '--unsafe') parsed.knobs[value() as keyof UnsafeTestingKnobs] = true;
    else throw new Error(`sim: unknown flag ${flag}`);
  }
  if (!(parsed.seeds >= 1 && parsed.steps >= 50))
    throw new Error('sim: need --seeds ≥ 1 and --steps ≥ 50');
  return parsed;
}

function main(): number {
  const args = parseArguments(process.argv.slice(2));
  let failures = 0;
  let operations = 0;
  const totals: Record<string, number> = {};
  for (let seed = args.firstSeed; seed < args.firstSeed + args.seeds; seed++) {
    const options: SimulationOptions = {
      seed,
      steps: args.steps,
      faults: args.faults,
      knobs: args.knobs,
      trace: args.trace,
    };
    const result = runSimulation(options);
    operations += result.stats.operations;
    for (const [name, value] of Object.entries(result.stats)) {
      if (typeof value === 'number') totals[name] = (totals[name] ?? 0) + value;
    }
    if (result.stats.checkerVerdict === 'unknown')
      totals.checkerUnknown = (totals.checkerUnknown ?? 0) + 1;
    if (args.trace) for (const line of result.trace) console.log(line);
    if (args.seeds === 1) console.log(JSON.stringify(result.stats));
    if (!result.ok) {
      failures++;
      console.log(`FAIL seed ${seed}:\n  ${result.violations.join('\n  ')}`);
      console.log(`reproduce: ${reproduceCommand(options)}`);
      if (failures >= 5) break;
    }
  }
  if (args.seeds > 1) console.log(`totals: ${JSON.stringify(totals)}`);
  console.log(
    `${args.seeds} seeds × ${args.steps} ticks, faults ${args.faults ? 'on' : 'off'}: ` +
      `${failures} failing, ${operations} client operations checked`,
  );
  return failures === 0 ? 0 : 1;
}

process.exitCode = main();
