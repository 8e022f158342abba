/**
 * The seam the Node worker uses: `@azure/functions` (and durable-functions through it) call
 * `require('@azure/functions-core')` and register every function there. The worker provides that
 * module by answering `require` for it; so does the runner, which is how it discovers the app's
 * functions with no second list to keep in sync. Must be installed before `@azure/functions` is
 * first loaded (the library caches the lookup).
 */
import Module from 'node:module';

export interface BindingMetadata {
  type: string;
  direction: 'in' | 'out' | 'inout';
  name?: string;
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingMetadata>;
  retryOptions?: unknown;
}

export type FunctionHandler = (...args: unknown[]) => unknown;

export interface Registration {
  metadata: FunctionMetadata;
  handler: FunctionHandler;
}

export interface CoreModuleSeam {
  registrations: Map<string, Registration>;
  uninstall(): void;
}

let active: CoreModuleSeam | undefined;

export function installCoreModule(): CoreModuleSeam {
  if (active) return active;
  const registrations = new Map<string, Registration>();
  let programmingModel: unknown;
  class Disposable {
    constructor(private readonly callback: () => void) {}
    static from(...items: Array<{ dispose(): void }>): Disposable {
      return new Disposable(() => items.forEach((i) => i.dispose()));
    }
    dispose(): void {
      this.callback();
    }
  }
  const coreApi = {
    version: 'friday-local-runner',
    registerFunction(metadata: FunctionMetadata, handler: FunctionHandler) {
      if (registrations.has(metadata.name)) throw new Error(`A function named "${metadata.name}" is already registered.`);
      registrations.set(metadata.name, { metadata, handler });
      return new Disposable(() => registrations.delete(metadata.name));
    },
    registerHook: () => new Disposable(() => undefined),
    setProgrammingModel: (model: unknown) => {
      programmingModel = model;
    },
    getProgrammingModel: () => programmingModel,
    log: () => undefined,
    Disposable,
  };
  type RequireFn = (this: unknown, id: string) => unknown;
  const proto = Module.prototype as unknown as { require: RequireFn };
  const original = proto.require;
  proto.require = function (this: unknown, id: string): unknown {
    return id === '@azure/functions-core' ? coreApi : original.call(this, id);
  };
  active = {
    registrations,
    uninstall: () => {
      proto.require = original;
      active = undefined;
    },
  };
  return active;
}
