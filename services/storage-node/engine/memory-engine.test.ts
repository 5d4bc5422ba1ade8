// Runs the engine conformance suite against the in-memory engine.
import { registerEngineConformance } from './conformance.js';
import { createMemoryEngine } from './memory-engine.js';

registerEngineConformance('memory', () => {
  const engine = createMemoryEngine();
  return Promise.resolve({ engine, dispose: () => engine.close() });
});
