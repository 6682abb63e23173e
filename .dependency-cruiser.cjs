/**
 * The layers, checked on every `npm test` (`npm run lint:layers`):
 *   functions/ (thin handlers)  →  feature use cases (shared/events, import, exports, privacy, segments,
 *   audit, insights, mail)  →  shared/domain (schemas, rules, ports)
 *   shared/store (the DynamoDB adapters) implement the ports: they depend on the domain and on the
 *   features' port types only; nothing but the composition roots (shared/http, local/, scripts/, bench/,
 *   test/) reaches into them.
 *   client/ (the typed client) stands alone on its generated types; cli/ uses the API through client/.
 * A cycle anywhere fails the check.
 */
const FEATURES = '^shared/(events|import|exports|privacy|segments|audit|insights|mail)/';
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'Modules must not depend on each other in a circle.', from: {}, to: { circular: true } },
    {
      name: 'domain-is-the-core',
      severity: 'error',
      comment: 'shared/domain knows no adapter, no feature, no HTTP and no AWS.',
      from: { path: '^shared/domain/' },
      to: { path: ['^shared/(store|http|events|import|exports|privacy|segments|audit|insights|mail)/', '^shared/clients\\.ts$', '^functions/', '@aws-sdk/'] },
    },
    {
      name: 'features-use-ports-not-adapters',
      severity: 'error',
      comment: 'Use cases receive their data access as arguments (ports); they never import the DynamoDB adapters or the HTTP layer.',
      from: { path: FEATURES },
      to: { path: ['^shared/store/', '^shared/http/', '^functions/'] },
    },
    {
      name: 'adapters-depend-on-the-domain',
      severity: 'error',
      comment: 'An adapter implements a port: it may use the domain and the features, never the HTTP layer or a handler.',
      from: { path: '^shared/store/' },
      to: { path: ['^shared/http/', '^functions/'] },
    },
    {
      name: 'shared-is-not-a-caller',
      severity: 'error',
      comment: 'shared/ is what functions, the local runtime and the CDK app use; it never reaches back into them.',
      from: { path: '^shared/' },
      to: { path: ['^functions/', '^local/', '^infra/', '^scripts/', '^bench/', '^test/'] },
    },
    {
      name: 'client-stands-alone',
      severity: 'error',
      comment:
        'client/ is the typed client the console bundles for browsers and the CLI uses: it knows the API only through its generated types (client/schema.d.ts), never our modules (not even their types: shared/ must stay out of the console bundle).',
      from: { path: '^client/' },
      to: { path: ['^(shared|functions|local|infra|scripts|bench|test|cli|web)/'] },
    },
    {
      name: 'client-runs-in-browsers',
      severity: 'error',
      comment: 'The console bundles client/index.ts with Vite: no Node built-in modules.',
      from: { path: '^client/index\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'cli-talks-to-the-api',
      severity: 'error',
      comment:
        'The CLI is a user of the API like any other: it goes through client/, not the handlers, the domain or the stores (local/runtime-file.ts only to find the local instance).',
      from: { path: '^cli/' },
      to: { path: ['^(shared|functions|infra|scripts|bench|test|web)/', '^local/(?!runtime-file\\.ts$)'] },
    },
    {
      name: 'handlers-stand-alone',
      severity: 'error',
      comment: 'A handler does not import another handler.',
      from: { path: '^functions/' },
      to: { path: '^functions/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    exclude: { path: '^(node_modules|cdk\\.out|coverage)' },
  },
};
