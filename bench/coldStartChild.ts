/**
 * One cold start, in a fresh process: provide `@azure/functions-core` the way the Node worker
 * does (so registrations really happen), then time and measure importing an entry point.
 * Prints one JSON line: { entry, importMs, rssBytes, heapUsedBytes, registrations }.
 */
import Module from 'node:module';
import path from 'node:path';

const entry = process.argv[2];
if (!entry) {
  console.error('usage: coldStartChild <entry module path>');
  process.exit(2);
}

let registrations = 0;
const coreApi = {
  registerFunction: () => {
    registrations += 1;
    return { dispose: () => undefined };
  },
  registerHook: () => ({ dispose: () => undefined }),
  setProgrammingModel: () => undefined,
  getProgrammingModel: () => undefined,
  log: () => undefined,
  Disposable: class {
    dispose(): void {}
  },
};
// Same seam as the worker: answer `require('@azure/functions-core')` before the app asks for it.
type RequireFn = (this: unknown, id: string) => unknown;
const moduleProto = Module.prototype as unknown as { require: RequireFn };
const originalRequire = moduleProto.require;
moduleProto.require = function (this: unknown, id: string): unknown {
  return id === '@azure/functions-core' ? coreApi : originalRequire.call(this, id);
};

const before = process.hrtime.bigint();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- measuring exactly what the host's require costs
require(path.resolve(entry));
const importMs = Number(process.hrtime.bigint() - before) / 1e6;
if (global.gc) global.gc();
const memory = process.memoryUsage();
console.log(JSON.stringify({ entry, importMs, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, registrations }));
