// Stands in for protobufjs/minimal.js in Lambda bundles that include ccxt (the conversion Lambda, esbuild alias in
// infra/constructs/pool-function.ts). ccxt's ESM build imports it statically from its dYdX client, which the pool
// never uses; protobufjs is not installed, and leaving the import external makes the bundle fail to load. Every
// use in ccxt is inside dYdX functions or guarded (`if (_m0 && …)`), so an undefined default is never touched.
export default undefined;
