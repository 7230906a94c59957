import { z } from 'zod';

/** A coin daemon's JSON-RPC endpoint (coins[].daemons[], and a BTC conversion target's payout wallet). */
export const daemonSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  user: z.string().min(1),
  password: z.string().min(1),
  /** A wallet name for wallet RPC (payouts); GBT and submitblock do not need one. */
  wallet: z.string().optional(),
});
