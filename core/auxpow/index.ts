export * from './auxpow.js';
export * from './block.js';
export * from './commitment.js';
export * from './tree.js';
export * from './verify.js';
