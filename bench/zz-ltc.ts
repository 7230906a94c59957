import { defaultThroughput, measureThroughput } from './throughput.js';
const coin = (process.env.COIN ?? 'LTC') as 'LTC' | 'BTC';
const r = await measureThroughput(coin, { ...defaultThroughput, coins: [coin], repeat: Number(process.env.REP ?? 5) });
for (const run of r.runs) console.log(`${(run.accepted / run.seconds).toFixed(0)} shares/s  ${(run.serverBusy * 1e6 / (run.accepted / run.seconds)).toFixed(2)} µs/share busy ${(run.serverBusy*100).toFixed(0)}% user ${(run.serverUserBusy * 1e6 / (run.accepted / run.seconds)).toFixed(2)}`);
