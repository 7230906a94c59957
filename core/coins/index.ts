export { addressToOutputScript, validateAddress } from './address.js';
export type { AddressNetworks, CoinDefinition, NetworkName, PowAlgorithm } from './registry.js';
export { COINS, familyOf, getCoin, supportedCoins } from './registry.js';
