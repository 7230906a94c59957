export * from './coinbase.js';
export * from './hash.js';
export * from './header.js';
export * from './merkle.js';
export * from './serialize.js';
export * from './target.js';
export * from './template.js';
export * from './work.js';
