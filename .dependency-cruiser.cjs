/**
 * The layers, checked on every `npm test` (`npm run lint:layers`):
 *   functions/ (thin handlers)  →  feature use cases (shared/events, import, exports, privacy, segments,
 *   audit, insights, mail)  →  shared/domain (schemas, rules, ports)
 *   shared/store (the DynamoDB adapters) implement the ports: they depend on the domain and on the
 *   features' port types only; nothing but the composition roots (shared/http, local/, scripts/, bench/,
 *   test/) reaches into them.
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
