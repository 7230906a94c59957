export { addressToOutputScript, validateAddress } from './address.js';
export type { AddressNetworks, CoinDefinition, NetworkName, PowAlgorithm } from './registry.js';
export { COINS, getCoin, supportedCoins } from './registry.js';
