export { addressToOutputScript, validateAddress } from './address.js';
export type { AddressNetworks, CoinDefinition, NetworkName, PowAlgorithm } from './registry.js';
export {
  COINS,
  coinNetworks,
  confirmationDepth,
  familyOf,
  getCoin,
  NETWORK_NAMES,
  payoutConfirmationDepth,
  supportedCoins,
} from './registry.js';
