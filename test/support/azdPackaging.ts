/**
 * Packaging the app the way the tools that deploy it do, so a test can see the package Azure gets.
 *
 * - `GoGitIgnore` is a port of github.com/denormal/go-gitignore (commit ae8ad1d, the matcher azd's
 *   `createDeployableZip` uses: pkg/project/project_utils.go) with its fnmatch
 *   (github.com/danwakefield/fnmatch). Its quirks are kept on purpose, because they decide what is
 *   deployed: a pattern without an inner "/" matches the last path element at ANY depth; an
 *   anchored ("/name") pattern without an inner "/" is fnmatch'ed against the whole relative path
 *   WITHOUT FNM_PATHNAME, so a "*" in it crosses "/"; a pattern with an inner "/" is matched against
 *   the whole path (anchored or not — go-gitignore's "trailing elements" branch repeats the same
 *   call); `**` is matched element by element; the last matching pattern wins.
 * - `CoreToolsIgnore` is a port of azure-functions-core-tools' GitIgnoreParser.cs (itself from
 *   codemix/gitignore-parser): every pattern becomes an anchored prefix regex ending in `\b`.
 * - `azdZipEntries` walks a folder as azd's rzip.CreateFromDirectory does (sorted, symlinks resolved,
 *   an excluded directory is never entered) with createDeployableZip's exclusions for a function
 *   app: `.azure`, the ignore file itself, `local.settings.json`, then the ignore file's matches.
 * - `azdPackage` runs a Node service's package step in azd's order (pkg/project/service_manager.go
 *   Package, framework_service_node.go, pkg/tools/node/node.go): restore (`npm install` unless
 *   node_modules/.package-lock.json is newer than package-lock.json) → prepackage hook → `npm run
 *   build --if-present` → zip of the service folder + `dist` → postpackage hook; and resolves
 *   remote build as service_target_functionapp.go resolveFunctionAppRemoteBuild does.
 */
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';

const run = promisify(execFile);

// ---- fnmatch (danwakefield/fnmatch), the flags go-gitignore uses: 0 and FNM_PATHNAME ----

function rangeMatch(pattern: string[], test: string): { matched: boolean; rest: string[] } | undefined {
  let p = pattern;
  if (p.length === 0) return undefined;
  let negate = false;
  if (p[0] === '^' || p[0] === '!') {
    negate = true;
    p = p.slice(1);
  }
  let matched = false;
  while (!matched && p.length > 1 && p[0] !== ']') {
    let c = p[0] ?? '';
    p = p.slice(1);
    if (c === '\\') {
      if (p.length > 1) {
        c = p[0] ?? '';
        p = p.slice(1);
      } else return undefined;
    }
    if (p[0] === '-' && p.length > 1 && p[1] !== ']') {
      let c2 = p[1] ?? '';
      p = p.slice(2);
      if (c2 === '\\') {
        if (p.length > 0) {
          c2 = p[0] ?? '';
          p = p.slice(1);
        } else return undefined;
      }
      if (c <= test && test <= c2) matched = true;
    } else if (c === test) matched = true;
  }
  let ok = false;
  while (!ok && p.length > 0) {
    const c = p[0];
    p = p.slice(1);
    if (c === '\\' && p.length > 0) p = p.slice(1);
    else if (c === ']') ok = true;
  }
  return ok ? { matched: matched !== negate, rest: p } : undefined;
}

export function fnmatch(patternText: string, text: string, pathname: boolean): boolean {
  let pattern = [...patternText];
  let s = [...text];
  while (pattern.length > 0) {
    const c = pattern[0] ?? '';
    pattern = pattern.slice(1);
    switch (c) {
      case '?': {
        if (s.length === 0) return false;
        const sc = s[0];
        s = s.slice(1);
        if (pathname && sc === '/') return false;
        break;
      }
      case '*': {
        while (pattern[0] === '*') pattern = pattern.slice(1);
        if (pattern.length === 0) return pathname ? !s.includes('/') : true;
        if (pathname && pattern[0] === '/') {
          const offset = s.indexOf('/');
          if (offset === -1) return false;
          s = s.slice(offset + 1);
          pattern = pattern.slice(1);
          break;
        }
        for (let i = 0; i < s.length; i++) {
          if (fnmatch(pattern.join(''), s.slice(i).join(''), pathname)) return true;
          if (pathname && s[i] === '/') break;
        }
        return false;
      }
      case '[': {
        if (s.length === 0) return false;
        if (pathname && s[0] === '/') return false;
        const sc = s[0] ?? '';
        s = s.slice(1);
        const range = rangeMatch(pattern, sc);
        if (!range?.matched) return false;
        pattern = range.rest;
        break;
      }
      default: {
        let literal = c;
        if (c === '\\' && pattern.length > 0) {
          literal = pattern[0] ?? '';
          pattern = pattern.slice(1);
        }
        if (s.length === 0 || s[0] !== literal) return false;
        s = s.slice(1);
      }
    }
  }
  return s.length === 0;
}

// ---- go-gitignore ----

type TokenType = 'NEGATION' | 'SEPARATOR' | 'ANY' | 'PATTERN' | 'WHITESPACE';
interface Token {
  type: TokenType;
  text: string;
}

/** The lexer for one line (go-gitignore lexer.go): `#` and `!` are special only in column 1. */
function lex(line: string): Token[] | 'comment' {
  if (line.startsWith('#')) return 'comment';
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const r = line[i] ?? '';
    if (r === ' ' || r === '\t') {
      let j = i;
      while (line[j] === ' ' || line[j] === '\t') j++;
      tokens.push({ type: 'WHITESPACE', text: line.slice(i, j) });
      i = j;
    } else if (r === '/') {
      tokens.push({ type: 'SEPARATOR', text: '/' });
      i++;
    } else if (r === '*' && line[i + 1] === '*') {
      tokens.push({ type: 'ANY', text: '**' });
      i += 2;
    } else if (r === '!' && i === 0) {
      tokens.push({ type: 'NEGATION', text: '!' });
      i++;
    } else {
      let j = i;
      let text = '';
      while (j < line.length) {
        const c = line[j] ?? '';
        if (c === ' ' || c === '\t' || c === '/') break;
        if (c === '*' && line[j + 1] === '*') break;
        if (c === '\\') {
          text += line.slice(j, j + 2);
          j += 2;
          continue;
        }
        text += c;
        j++;
      }
      tokens.push({ type: 'PATTERN', text });
      i = j;
    }
  }
  // parser.path(): trailing whitespace is not part of the pattern.
  while (tokens.length > 0 && tokens[tokens.length - 1]?.type === 'WHITESPACE') tokens.pop();
  return tokens;
}

interface GoPattern {
  source: string;
  negated: boolean;
  match(rel: string, isDir: boolean): boolean;
}

function compile(line: string): GoPattern | undefined {
  const lexed = lex(line);
  if (lexed === 'comment' || lexed.length === 0) return undefined;
  let tokens = lexed;
  const negated = tokens[0]?.type === 'NEGATION';
  if (negated) tokens = tokens.slice(1);
  if (tokens.length === 0) return undefined;
  const anchored = tokens[0]?.type === 'SEPARATOR';
  if (anchored) tokens = tokens.slice(1);
  if (tokens.length === 0) return undefined;
  const directory = tokens[tokens.length - 1]?.type === 'SEPARATOR';
  if (directory) tokens = tokens.slice(0, -1);
  if (tokens.length === 0) return undefined;
  const glob = tokens.map((t) => t.text).join('');
  const source = line;
  if (tokens.some((t) => t.type === 'ANY')) {
    const parts = tokens.filter((t) => t.type !== 'SEPARATOR');
    const anyMatch = (path_: string[], rest: Token[]): boolean => {
      const [token, ...others] = rest;
      if (!token) return path_.length === 0;
      if (token.type === 'ANY') return path_.length === 0 ? anyMatch(path_, others) : anyMatch(path_, others) || anyMatch(path_.slice(1), rest);
      return path_.length > 0 && fnmatch(token.text, path_[0] ?? '', true) && anyMatch(path_.slice(1), others);
    };
    return { source, negated, match: (rel, isDir) => (!directory || isDir) && anyMatch(rel.split('/'), parts) };
  }
  if (tokens.some((t) => t.type === 'SEPARATOR')) {
    return { source, negated, match: (rel, isDir) => (!directory || isDir) && fnmatch(glob, rel, true) };
  }
  return {
    source,
    negated,
    match: (rel, isDir) => (!directory || isDir) && (anchored ? fnmatch(glob, rel, false) : fnmatch(glob, rel.split('/').pop() ?? '', false)),
  };
}

export class GoGitIgnore {
  private readonly patterns: GoPattern[];

  constructor(content: string) {
    // azd strips a UTF-8 BOM before parsing.
    this.patterns = content
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .map(compile)
      .filter((p): p is GoPattern => p !== undefined);
  }

  /** The last pattern matching `rel` (slash-separated, relative to the ignore file's folder), as go-gitignore's Relative(). */
  relative(rel: string, isDir: boolean): { ignore: boolean; pattern: string } | undefined {
    for (let i = this.patterns.length - 1; i >= 0; i--) {
      const p = this.patterns[i];
      if (p?.match(rel, isDir)) return { ignore: !p.negated, pattern: p.source };
    }
    return undefined;
  }
}

// ---- Core Tools' GitIgnoreParser ----

export class CoreToolsIgnore {
  private readonly positive: RegExp;
  private readonly negative: RegExp;

  constructor(content: string) {
    const lines = content
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => !l.startsWith('#') && l !== '');
    const positive: string[] = [];
    const negative: string[] = [];
    for (let line of lines) {
      const isNegative = line.startsWith('!');
      if (isNegative) line = line.slice(1);
      if (line.startsWith('/')) line = line.slice(1);
      (isNegative ? negative : positive).push(line);
    }
    const prepare = (p: string): string =>
      p
        .replace(/[-[\]/{}()+?.\\^$|]/g, '\\$&')
        .replace(/\*\*/g, '(.+)')
        .replace(/\*/g, '([^\\/]+)');
    const regex = (items: string[]): RegExp => (items.length > 0 ? new RegExp(`^((${[...items].sort().map(prepare).join(')|(')}))\\b`) : /$^/);
    this.positive = regex(positive);
    this.negative = regex(negative);
  }

  /** Denies(): the file is left out of `func azure functionapp publish`'s zip. */
  denies(rel: string): boolean {
    return !(this.negative.test(rel) || !this.positive.test(rel));
  }
}

// ---- azd's zip walk ----

/** Relative, slash-separated paths of the files azd's zip of `root` holds (symlinks resolved). */
export function azdZipEntries(root: string, options: { ignoreFile?: string; functionApp?: boolean } = {}): string[] {
  const ignoreFile = options.ignoreFile ?? '.funcignore';
  const ignorePath = path.join(root, ignoreFile);
  const ignorer = existsSync(ignorePath) ? new GoGitIgnore(readFileSync(ignorePath, 'utf8')) : undefined;
  const out: string[] = [];
  const walk = (dir: string, dest: string, depth: number): void => {
    if (depth > 40) return;
    const names = readdirSync(dir).sort();
    for (const name of names) {
      const src = path.join(dir, name);
      const info = lstatSync(src);
      const isLink = info.isSymbolicLink();
      const isDir = isLink ? statSync(src).isDirectory() : info.isDirectory();
      if (name === '.azure' && isDir) continue;
      if (name === ignoreFile && !isDir) continue;
      if (options.functionApp !== false && name === 'local.settings.json' && !isDir) continue;
      // ignorer.Absolute(): only paths under the ignore file's folder are matched (a symlinked
      // directory is walked at its target, where nothing matches).
      if (ignorer && src.startsWith(`${root}${path.sep}`)) {
        const match = ignorer.relative(src.slice(root.length + 1).split(path.sep).join('/'), isDir);
        if (match?.ignore) continue;
      }
      const target = isLink ? realpathSync(src) : src;
      const entry = dest ? `${dest}/${name}` : name;
      if (isDir) walk(target, entry, isLink ? depth + 1 : depth);
      else out.push(entry);
    }
  };
  walk(root, '', 0);
  return out;
}

// ---- azd's package step for a Node function app ----

interface HookConfig {
  shell?: string;
  run?: string;
  posix?: HookConfig;
  windows?: HookConfig;
}
interface AzureYaml {
  services: Record<string, { project: string; language: string; host: string; dist?: string; remoteBuild?: boolean; hooks?: Record<string, HookConfig> }>;
  hooks?: Record<string, HookConfig>;
}

export function readAzureYaml(projectRoot: string): AzureYaml {
  return parseYaml(readFileSync(path.join(projectRoot, 'azure.yaml'), 'utf8')) as AzureYaml;
}

/** resolveFunctionAppRemoteBuild for JavaScript/TypeScript: the .funcignore read from the service folder (not `dist`). */
export function azdRemoteBuild(serviceRoot: string, remoteBuild: boolean | undefined): boolean {
  const ignorePath = path.join(serviceRoot, '.funcignore');
  if (!existsSync(ignorePath)) return remoteBuild ?? true;
  const excluded = new GoGitIgnore(readFileSync(ignorePath, 'utf8')).relative('node_modules', true)?.ignore === true;
  if (remoteBuild === undefined) return excluded;
  if (remoteBuild && !excluded) throw new Error("azd: 'remoteBuild: true' requires '.funcignore' to exclude node_modules");
  if (!remoteBuild && excluded) throw new Error("azd: 'remoteBuild: false' cannot be used when '.funcignore' excludes node_modules");
  return remoteBuild;
}

export interface AzdPackageResult {
  /** Steps as run, in order (for the test's messages). */
  steps: string[];
  packageRoot: string;
  entries: string[];
  remoteBuild: boolean;
}

/** Runs `azd package api` on a copy of the project, as azd does on this OS (posix hooks). Asynchronous: the steps take minutes. */
export async function azdPackage(options: { projectRoot: string; service?: string; env: NodeJS.ProcessEnv; log?: (line: string) => void }): Promise<AzdPackageResult> {
  const config = readAzureYaml(options.projectRoot);
  const name = options.service ?? 'api';
  const service = config.services[name];
  if (!service) throw new Error(`azure.yaml has no service ${name}`);
  if (service.language !== 'ts' && service.language !== 'js') throw new Error(`service ${name} is not a Node service`);
  const serviceRoot = path.resolve(options.projectRoot, service.project);
  const steps: string[] = [];
  const step = async (name_: string, file: string, args: string[]): Promise<void> => {
    steps.push(name_);
    options.log?.(`azd package: ${name_}`);
    try {
      await run(file, args, { cwd: serviceRoot, env: options.env, maxBuffer: 64 * 1024 * 1024 });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`azd package failed at "${name_}": ${e.message}\n${(e.stdout ?? '').slice(-3000)}\n${(e.stderr ?? '').slice(-3000)}`);
    }
  };
  const hook = async (event: string): Promise<void> => {
    const configured = service.hooks?.[event];
    const chosen = configured?.posix ?? configured;
    if (!chosen?.run) return;
    if (chosen.shell && chosen.shell !== 'sh') throw new Error(`hook ${event}: shell ${chosen.shell} is not the posix shell azd uses here`);
    await step(`${event} hook: ${chosen.run}`, 'sh', ['-c', chosen.run]);
  };
  // Restore (RequireRestore): IsDependenciesUpToDate compares node_modules/.package-lock.json with package-lock.json.
  const lock = path.join(serviceRoot, 'package-lock.json');
  const marker = path.join(serviceRoot, 'node_modules', '.package-lock.json');
  const upToDate = existsSync(lock) && existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
  if (!upToDate) await step('restore: npm install --no-audit --no-fund --prefer-offline', 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline']);
  else steps.push('restore: dependencies up to date');
  await hook('prepackage');
  await step('npm run build --if-present', 'npm', ['run', 'build', '--if-present']);
  const packageRoot = service.dist ? path.join(serviceRoot, service.dist) : serviceRoot;
  if (!existsSync(packageRoot) || readdirSync(packageRoot).length === 0) throw new Error(`azd: package source '${packageRoot}' is empty or does not exist`);
  const entries = azdZipEntries(packageRoot);
  steps.push('zip');
  await hook('postpackage');
  return { steps, packageRoot, entries, remoteBuild: azdRemoteBuild(serviceRoot, service.remoteBuild) };
}
