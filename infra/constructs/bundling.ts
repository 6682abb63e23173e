import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../paths.ts';

/**
 * How every clientela Lambda is bundled. infra/constructs/function.ts deploys exactly this and
 * bench/bundles.ts measures exactly this (baselines included), so the two cannot drift.
 * Why there are no source maps: see infra/constructs/function.ts.
 */

/** esbuild output is ESM; some CommonJS dependencies still call `require`. */
const REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Packages without import-time side effects whose package.json does not say so (`"sideEffects": false`, as
 * the AWS SDK clients do). Without this, esbuild keeps a module that imports them even when nothing imported
 * is used: an export record store pulled lib-storage and with it the whole S3 client into functions that
 * never touch S3, and any store pulled lib-dynamodb into the OpenAPI function. Only the package's entry
 * module is marked: what a function does use is bundled as before.
 */
const SIDE_EFFECT_FREE = ['@aws-sdk/lib-dynamodb', '@aws-sdk/lib-storage', 'csv-parse', 'csv-stringify', '@stdlib/*'];

/**
 * Our own schema modules (`*.schema.ts`) too: they only declare zod schemas, and building them is their one
 * effect at load. A function that imports such a module through one it does use, without using any of its
 * schemas (the insights routes reach the filter schema through the recompute's auto-tags), builds none of them.
 */
const SCHEMA_MODULE = /\.schema\.ts$/;

const sideEffectFree: Plugin = {
  name: 'clientela-side-effect-free',
  setup(b) {
    b.onResolve({ filter: SCHEMA_MODULE }, async ({ path: p, kind, importer, resolveDir, pluginData }) => {
      if ((pluginData as { again?: boolean } | undefined)?.again) return undefined;
      const resolved = await b.resolve(p, { kind, importer, resolveDir, pluginData: { again: true } });
      return resolved.errors.length ? { errors: resolved.errors } : { path: resolved.path, external: resolved.external, sideEffects: false };
    });
    // `@scope/*`: every package of the scope (the @stdlib math functions are one CommonJS package each).
    const filter = new RegExp(`^(${SIDE_EFFECT_FREE.map((p) => p.replace(/[/.-]/g, '\\$&').replace('*', '[^/]+')).join('|')})(/|$)`);
    b.onResolve({ filter }, async ({ path: p, kind, importer, resolveDir, pluginData }) => {
      if ((pluginData as { again?: boolean } | undefined)?.again) return undefined;
      const resolved = await b.resolve(p, { kind, importer, resolveDir, pluginData: { again: true } });
      return resolved.errors.length ? { errors: resolved.errors } : { path: resolved.path, external: resolved.external, sideEffects: false };
    });
  },
};

/**
 * The OpenAPI document is a pure function of the route table and the schemas, so the OpenAPI function
 * carries the document, computed while bundling, instead of zod, every schema, the generator and the phone
 * metadata (a few KiB against ~300). Locally and in tests shared/http/openapi.ts computes it as before; the
 * handler is the same code.
 */
const openApiAtBuildTime: Plugin = {
  name: 'clientela-openapi-at-build-time',
  setup(b) {
    b.onLoad({ filter: /[\\/]shared[\\/]http[\\/]openapi\.ts$/ }, async ({ path: file }) => {
      const tmp = mkdtempSync(path.join(tmpdir(), 'clientela-openapi-'));
      try {
        const outfile = path.join(tmp, 'openapi.mjs');
        await build({ ...FUNCTION_BUILD, plugins: [sideEffectFree], entryPoints: [file], outfile, minify: false });
        const { openApiDocument } = (await import(pathToFileURL(outfile).href)) as { openApiDocument: () => unknown };
        const json = JSON.stringify(openApiDocument());
        return { contents: `export const openApiDocument = () => JSON.parse(${JSON.stringify(json)});`, loader: 'js' };
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  },
};

/**
 * The local outbox (shared/mail/outbox-email-sender.ts: `.eml` files where MAIL_OUTBOX_DIR is set, which
 * only `npm start` and the tests set) writes whole MIME messages with nodemailer's MailComposer (137 KiB).
 * Deployed functions send through SES, which builds the MIME itself (ses-email-sender.ts), so in function
 * bundles the module keeps its export, a function that throws saying why.
 */
const outboxLeftOut: Plugin = {
  name: 'clientela-outbox-left-out',
  setup(b) {
    b.onLoad({ filter: /[\\/]shared[\\/]mail[\\/]outbox-email-sender\.ts$/ }, () => ({
      contents: `export function outboxEmailSender() { throw new Error(${JSON.stringify('the local .eml outbox is left out of Lambda bundles (infra/constructs/bundling.ts): set MAIL_FROM, not MAIL_OUTBOX_DIR')}); }`,
      loader: 'js',
    }));
  },
};

/** The esbuild options of every function (and of the bench's baselines). */
export const FUNCTION_BUILD = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The Lambda runtime (infra/constructs/function.ts); the SDK is bundled, pinned by package-lock.json.
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: { js: REQUIRE_BANNER },
  minify: true,
  // No kept names: `keepNames` wraps every function and class of the bundle (the SDK's too) in a `__name()`
  // call run at load, measured at ~7 ms of CPU per cold start (~10 % of loading CustomerList, IngestEvent,
  // CreateSegment) and ~6 % of the size. A logged minified stack is mapped back with `npm run stack`
  // (scripts/stack-trace.ts), which rebuilds the deployed bundle with a map beside it.
  keepNames: false,
  sourcemap: false,
  plugins: [sideEffectFree, openApiAtBuildTime, outboxLeftOut],
  absWorkingDir: REPO_ROOT,
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** NODE_OPTIONS of every function: none (no `--enable-source-maps`, see infra/constructs/function.ts). */
export const FUNCTION_NODE_OPTIONS: string = '';

/** The file a function's bundle is written to, relative to its directory: the handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

/**
 * Bundles many functions in one esbuild run (parsing the SDK once, on every core): `entries` maps an output
 * directory name to a handler module (relative to the repository root or absolute); each bundle is written to
 * `<outdir>/<name>/index.mjs`. Answers the metafile (which inputs each bundle holds).
 */
export async function bundleFunctions(entries: Record<string, string>, outdir: string): Promise<Metafile> {
  const result = await build({
    ...FUNCTION_BUILD,
    entryPoints: Object.entries(entries).map(([name, entry]) => ({ in: path.resolve(REPO_ROOT, entry), out: `${name}/index` })),
    outdir,
    outExtension: { '.js': '.mjs' },
    metafile: true,
  });
  return result.metafile;
}

/**
 * `tsx infra/constructs/bundling.ts <outdir> <entries-json>`: the same, as a command. CDK asks for bundles
 * synchronously (ILocalBundling.tryBundle), and esbuild plugins need its asynchronous API, so the function
 * construct runs this in a child process, as NodejsFunction runs the esbuild command.
 */
if (process.argv[1] && path.resolve(process.argv[1]) === path.join(REPO_ROOT, 'infra', 'constructs', 'bundling.ts')) {
  const [outdir, entries] = process.argv.slice(2);
  await bundleFunctions(JSON.parse(entries!) as Record<string, string>, outdir!);
}
