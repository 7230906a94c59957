import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { preferenceMessage } from '../../core/conversion/preference-message.js';
import { auxAddressMessage } from '../../core/ledger/aux-address-message.js';
import { accountLink, accountRoute } from './account/routes.js';
import { ago, coins, difficulty, esc, hashrate, minerCommand, refusedShare } from './format.js';
import { sendJson } from './http.js';

/** The dashboard: a hash-routed single page on the stats API (/api), refreshed every 30 s. */

// biome-ignore lint/suspicious/noExplicitAny: API payloads are rendered, not computed on
type Json = Record<string, any>;

const view = document.getElementById('view')!;
const coinSelect = document.getElementById('coin') as HTMLSelectElement;
const accountNav = document.getElementById('account-link') as HTMLAnchorElement;
let pools: Json[] = [];
let charts: uPlot[] = [];

async function api(path: string): Promise<Json> {
  const res = await fetch(`/api${path}`);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

const coin = () => coinSelect.value || pools[0]?.coin || 'LTC';

/** A coin's decimals (8 until /api/pools says otherwise). */
const decimalsOf = (symbol: string): number => pools.find((p) => p.coin === symbol)?.decimals ?? 8;
/** An amount of a coin (decimal string of base units) in coins, with the coin's decimals (ETC: 18). */
const amountOf = (units: string, symbol: string) => coins(units, decimalsOf(symbol));
/** An amount of the selected coin. */
const amount = (units: string) => amountOf(units, coin());

function card(label: string, value: string, testid: string): string {
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value" data-testid="${testid}">${esc(value)}</div></div>`;
}

const pendingCharts: Array<() => void> = [];

/** Queues a chart for the element with this id, drawn once the page that contains it is shown. */
function chartLater(id: string, history: { minute: number; hashrate: number }[]): void {
  pendingCharts.push(() => {
    const el = document.getElementById(id);
    // Overlapping renders of the same page may both queue a chart: draw one per element.
    if (el && el.childElementCount === 0) chart(el, history);
  });
}

function chart(el: HTMLElement, history: { minute: number; hashrate: number }[]): void {
  const width = Math.max(280, el.clientWidth || 600);
  const data: uPlot.AlignedData = [history.map((h) => h.minute * 60), history.map((h) => h.hashrate)];
  charts.push(
    new uPlot(
      {
        width,
        height: 200,
        series: [{}, { label: 'hashrate', stroke: '#58a6ff', value: (_u, v) => (v == null ? '' : hashrate(v)) }],
        // Wide enough for labels like "123.45 kH/s".
        axes: [{}, { size: 80, values: (_u, vs) => vs.map((v) => hashrate(v)) }],
      },
      data,
      el,
    ),
  );
}

function copyButton(text: string): string {
  return `<button type="button" class="copy" data-copy="${esc(text)}">Copy</button>`;
}

/** The selected coin's parent when it is merge-mined (from /api/pools), else undefined. */
const mergedWith = (): string | undefined => pools.find((p) => p.coin === coin())?.mergedWith ?? undefined;

function blocksTable(blocks: Json[]): string {
  const merged = mergedWith();
  const rows = blocks
    .map(
      (b) =>
        `<tr data-testid="block-row"><td>${esc(b.height)}</td><td>${esc(b.status)}</td><td>${esc(amount(b.reward))}</td><td>${esc(b.confirmations)}</td><td>${b.effort == null ? '' : `${esc(Math.round(b.effort * 100))}%`}</td><td>${esc(b.finder)}</td>${merged ? `<td data-testid="block-round">${b.round ? `${esc(b.round.coin)} ${esc(b.round.height)}` : ''}</td>` : ''}<td title="${esc(b.hash)}">${esc(String(b.hash).slice(0, 16))}…</td></tr>`,
    )
    .join('');
  // A merge-mined coin's blocks are found by its parent's shares: the parent round each came from.
  const roundHead = merged ? `<th title="the ${esc(merged)} share round that found it">${esc(merged)} round</th>` : '';
  return `<table><thead><tr><th>Height</th><th>Status</th><th>Reward</th><th>Confirmations</th><th>Effort</th><th>Finder</th>${roundHead}<th>Hash</th></tr></thead><tbody>${rows || `<tr><td colspan="${merged ? 8 : 7}">No blocks yet</td></tr>`}</tbody></table>`;
}

async function poolPage(): Promise<string> {
  const p = await api(`/pools/${coin()}`);
  const host = p.stratumHost ?? location.hostname;
  const connect = (p.ports as Json[])
    .map((port) => {
      const url = `${port.tls ? 'stratum+ssl' : 'stratum+tcp'}://${host}:${port.port}`;
      const command = minerCommand(p.algorithm, { host, port: port.port, tls: port.tls });
      return `<li><code data-testid="stratum-url">${esc(url)}</code> ${copyButton(url)} difficulty ${esc(port.difficulty.initial)}<br /><code data-testid="miner-command">${esc(command)}</code> ${copyButton(command)}</li>`;
    })
    .join('');
  const effort = p.effort['64'] == null ? '—' : `${Math.round(p.effort['64'] * 100)}%`;
  // 3 h comes with the pool page; 24 h and 7 days from /history (10-minute and hourly points).
  const history: { minute: number; hashrate: number }[] =
    historyHours === 3 ? p.hashrateHistory : (await api(`/pools/${coin()}/history?hours=${historyHours}`)).points;
  chartLater('pool-chart', history);
  const ranges = [3, 24, 168]
    .map(
      (h) =>
        `<button type="button" class="range" data-hours="${h}" aria-pressed="${h === historyHours}">${h === 168 ? '7 days' : `${h} h`}</button>`,
    )
    .join(' ');
  // Unknown (no stratum server reported recently) shows a dash, never a misleading 0.
  const online = p.online as Json | null;
  const chain = p.chain as Json | null;
  // Merged mining: a parent names the coins its shares also mine; an aux coin has no stratum of its own.
  const merging = p.mergedWith
    ? `<p data-testid="merged-with">Merge-mined with <b>${esc(p.mergedWith)}</b>: every ${esc(p.mergedWith)} share also mines ${esc(p.coin)}; its hashrate is the ${esc(p.mergedWith)} pool's.</p>`
    : p.merges.length > 0
      ? `<p data-testid="merges">Merges <b>${esc(p.merges.join(', '))}</b>: your ${esc(p.coin)} shares also mine ${p.merges.length > 1 ? 'them' : 'it'}, paid in ${p.merges.length > 1 ? 'each' : 'it'} (set your payout address on your miner page, or add <code>${esc(p.merges[0].toLowerCase())}=YOUR_${esc(p.merges[0])}_ADDRESS</code> to the password).</p>`
      : '';
  const howToConnect = p.mergedWith
    ? `<h2>How to connect</h2><p data-testid="connect-parent">Connect to the ${esc(p.mergedWith)} pool with your ${esc(p.mergedWith)} address; ${esc(p.coin)} is mined with it.</p>`
    : `<h2>How to connect</h2><ul>${connect}</ul>`;
  return `<h1>${esc(p.coin)} pool</h1>${merging}
    <div class="cards">${card('Hashrate (10 min)', hashrate(p.hashrate['10m']), 'pool-hashrate')}${card('Hashrate (3 h)', hashrate(p.hashrate['3h']), 'pool-hashrate-3h')}${card('Miners online', online ? String(online.miners) : '—', 'miners-online')}${card('Workers online', online ? String(online.workers) : '—', 'workers-online')}${card('Network height', chain ? String(chain.height) : '—', 'network-height')}${card('Network difficulty', chain ? difficulty(chain.difficulty) : '—', 'network-difficulty')}${card('Blocks found', String(p.blocksFound), 'blocks-found')}${card('Effort (64 blocks)', effort, 'effort')}${card('Scheme / fee', `${p.scheme ?? '—'} / ${p.feeBasisPoints == null ? '—' : `${p.feeBasisPoints / 100}%`}`, 'scheme')}</div>
    <p data-testid="history-range">Hashrate over ${ranges}</p>
    <div id="pool-chart" class="chart" data-points="${history.length}"></div>
    ${howToConnect}
    <h2>Recent blocks</h2>${blocksTable((await api(`/pools/${coin()}/blocks?limit=10`)).blocks)}`;
}

async function minerPage(address: string): Promise<string> {
  const m = await api(`/pools/${coin()}/miners/${encodeURIComponent(address)}`);
  const workers = (m.workers as Json[])
    .map((w) => {
      const refused = refusedShare({
        accepted: w.accepted,
        stale: w.stale,
        invalid: w.invalid,
        duplicate: w.duplicate,
      });
      const classes = [w.offline ? 'offline' : '', refused.high ? 'refusing' : ''].filter(Boolean).join(' ');
      return `<tr class="${classes}" data-testid="worker-row"><td>${esc(w.name)}</td><td>${esc(hashrate(w.hashrate))}</td><td data-testid="worker-accepted">${esc(w.accepted)}</td><td data-testid="worker-stale">${esc(w.stale)}</td><td data-testid="worker-invalid">${esc(w.invalid + w.duplicate)}</td><td class="refused" data-testid="worker-refused">${esc(refused.text)}</td><td>${esc(ago(w.lastShareAt))}</td><td>${w.offline ? 'offline' : 'online'}</td></tr>`;
    })
    .join('');
  const payments = (m.payments as Json[])
    .map(
      (p) =>
        `<tr data-testid="miner-payment-row"><td>${esc(new Date(p.time).toLocaleString())}</td><td>${esc(amount(p.amount))}</td><td>${esc(p.status)}</td><td>${esc(p.txid ?? '')}</td></tr>`,
    )
    .join('');
  const rewards = (m.rewards as Json[])
    .slice(0, 50)
    .map(
      (r) =>
        `<tr data-testid="reward-row"><td>${esc(new Date(r.time).toLocaleString())}</td><td data-testid="reward-kind">${esc(r.role === 'referral' ? `${r.kind} (referral)` : r.kind)}</td><td>${esc(amount(r.amount))}</td><td>${esc(String(r.ref).slice(0, 16))}</td></tr>`,
    )
    .join('');
  chartLater('miner-chart', m.hashrateHistory);
  const b = m.balance;
  const conversion = await api(`/pools/${coin()}/miners/${encodeURIComponent(address)}/conversion`).catch(() => null);
  return `<h1>Miner <code>${esc(address)}</code></h1>
    <div class="cards">${card('Hashrate (10 min)', hashrate(m.hashrate['10m']), 'miner-hashrate')}${card('Immature', amount(b.immature), 'immature')}${card('Confirmed', amount(b.confirmed), 'confirmed')}${card('Pending', amount(b.pending), 'pending')}${card('Paid', amount(b.paid), 'paid')}</div>
    <div id="miner-chart" class="chart"></div>
    ${conversion?.enabled ? payoutCurrency(address, conversion) : ''}
    ${await mergedMining(address, m.merged)}
    ${switchingBreakdown(m.switching ?? [])}
    ${referralEarnings(m.referrals)}
    <h2>Workers <small>(seen in the last 3 hours)</small></h2><table><thead><tr><th>Worker</th><th>Hashrate</th><th>Accepted</th><th>Stale</th><th title="invalid and duplicate shares">Invalid</th><th>Refused</th><th>Last share</th><th>State</th></tr></thead><tbody>${workers || '<tr><td colspan="8">No workers in the last 3 hours</td></tr>'}</tbody></table>
    <p><a data-testid="export-csv" href="/api/pools/${esc(coin())}/miners/${encodeURIComponent(address)}/export.csv">Export CSV</a> · <a data-testid="export-xlsx" href="/api/pools/${esc(coin())}/miners/${encodeURIComponent(address)}/export.xlsx">Export XLSX</a></p>
    <h2>Rewards</h2><table><thead><tr><th>Time</th><th>Kind</th><th>Amount</th><th>Block</th></tr></thead><tbody>${rewards || '<tr><td colspan="4">None yet</td></tr>'}</tbody></table>
    <h2>Payments</h2><table><thead><tr><th>Time</th><th>Amount</th><th>Status</th><th>Transaction</th></tr></thead><tbody>${payments || '<tr><td colspan="4">None yet</td></tr>'}</tbody></table>`;
}

/**
 * Accounts (issue 19): what the address earned as a referrer (its share of the pool fee on the rewards of the miners
 * it referred), matured and maturing; nothing for an address that referred no one.
 */
function referralEarnings(r: Json | undefined): string {
  if (!r || (BigInt(r.immature) === 0n && BigInt(r.confirmed) === 0n)) return '';
  return `<p data-testid="referral-earnings">Referral earnings: <b data-testid="referral-confirmed">${esc(amount(r.confirmed))} ${esc(coin())}</b> confirmed, <b data-testid="referral-immature">${esc(amount(r.immature))} ${esc(coin())}</b> maturing (a share of the pool fee on the rewards of the miners this address referred; included in the balance above).</p>`;
}

/**
 * The miner's payout currency: the current choice, what converting would bring now (rate after exchange,
 * withdrawal and pool fees), and the change form. A change must be signed with the key of the mining address:
 * the page prepares the exact message, the miner signs it in their wallet and pastes the signature.
 */
function payoutCurrency(address: string, c: Json): string {
  const current = c.preference && c.preference.currency !== coin() ? c.preference : null;
  const quotes = (c.quotes as Json[])
    .map(
      (q) =>
        `<tr data-testid="quote-row"><td>${esc(q.target)}</td>${
          q.stale
            ? `<td colspan="3">no current quote (the last is from ${esc(new Date(q.quotedAt).toLocaleString())})</td>`
            : q.refused
              ? `<td colspan="3">not now: ${esc(q.refused)}</td>`
              : `<td>${esc(q.rate)}</td><td>${esc(q.net)}</td><td>${esc(q.poolFee)}</td>`
        }</tr>`,
    )
    .join('');
  const options = [coin(), ...(c.targets as string[])]
    .map((t) => `<option${t === (current?.currency ?? coin()) ? ' selected' : ''}>${esc(t)}</option>`)
    .join('');
  return `<h2>Payout currency</h2>
    <p data-testid="payout-currency">${
      current
        ? `Paid in <b>${esc(current.currency)}</b> to <code>${esc(current.address)}</code>: confirmed balances are converted at the best rate across the pool's exchanges.`
        : `Paid in <b>${esc(coin())}</b> (no conversion).`
    }</p>
    <table><thead><tr><th>Target</th><th>Rate per ${esc(coin())}</th><th>Net for ${esc(amount(c.quoteAmount))} ${esc(coin())}</th><th>Pool fee</th></tr></thead><tbody>${quotes || '<tr><td colspan="4">No quotes right now</td></tr>'}</tbody></table>
    <p>Rates are after exchange, withdrawal and pool fees (the pool takes ${esc(c.feeShareBps / 100)}% of what splitting across exchanges gains over the best single one); balances of at least ${esc(amount(c.minimum))} ${esc(coin())} are converted.</p>
    <form id="conversion-form" data-address="${esc(address)}" data-pool="${esc(c.sign.pool)}">
      <label>Currency <select name="currency">${options}</select></label>
      <label>Your address in that currency <input name="to" size="50" placeholder="bc1q… or 0x…"></label>
      <button type="button" id="prepare-message">Prepare message</button>
      <div id="signing" hidden>
        <p>Sign this exact message with the key of <code>${esc(address)}</code> within ${esc(c.sign.windowSeconds / 60)} minutes:
        Litecoin Core / Bitcoin Core <code>signmessage ${esc(address)} "…"</code> (legacy addresses), Electrum "Sign/verify message", or any wallet
        that signs BIP137 or BIP322 (bech32). Nobody can change your payout currency without this signature.</p>
        <pre data-testid="sign-message" id="sign-message"></pre>
        <label>Signature <textarea name="signature" rows="3" cols="60"></textarea></label>
        <button type="submit">Change payout currency</button>
      </div>
      <p id="conversion-result" data-testid="conversion-result"></p>
    </form>`;
}

/**
 * Merged mining on a mining address's page: per aux coin its payout address (or that rewards accrue until one is
 * set), balances and payouts, and the form to set the address with a message signed by the mining address's key.
 * On an aux coin's own page, the same for that coin. The address is the miner's own text: escaped like all else.
 */
async function mergedMining(address: string, merged: Json[]): Promise<string> {
  const own = mergedWith();
  const sides = own ? [{ coin: coin(), address: null, balance: null, payments: [] }] : merged;
  if (sides.length === 0) return '';
  const parts = await Promise.all(
    sides.map(async (side) => {
      const view = await api(`/pools/${side.coin}/miners/${encodeURIComponent(address)}/payout-address`);
      return auxSide(address, side, view);
    }),
  );
  return `<h2>Merged mining</h2>${parts.join('')}`;
}

function auxSide(address: string, side: Json, view: Json): string {
  const aux = String(side.coin);
  const set = view.address as Json | null;
  const shown = set
    ? `Paid to <code data-testid="aux-address">${esc(set.address)}</code> (${set.source === 'signed' ? 'set by a signed message' : 'from the mining password'}).`
    : `<span data-testid="aux-address-unset">Not set: rewards accrue until you set one.</span>`;
  const b = side.balance as Json | null;
  const balances = b
    ? `<div class="cards">${card(`${aux} immature`, amountOf(b.immature, aux), `aux-immature-${aux}`)}${card(`${aux} confirmed`, amountOf(b.confirmed, aux), `aux-confirmed-${aux}`)}${card(`${aux} paid`, amountOf(b.paid, aux), `aux-paid-${aux}`)}</div>`
    : '';
  const payments = (side.payments as Json[])
    .map(
      (p) =>
        `<tr data-testid="aux-payment-row"><td>${esc(new Date(p.time).toLocaleString())}</td><td>${esc(amountOf(p.amount, aux))}</td><td>${esc(p.status)}</td><td>${esc(p.txid ?? '')}</td></tr>`,
    )
    .join('');
  const paymentsTable = b
    ? `<table><thead><tr><th>Time</th><th>Amount</th><th>Status</th><th>Transaction</th></tr></thead><tbody>${payments || `<tr><td colspan="4">No ${esc(aux)} payments yet</td></tr>`}</tbody></table>`
    : '';
  return `<section class="aux" data-testid="merged-${esc(aux)}"><h3>${esc(aux)} (merged with ${esc(view.mergedWith)})</h3>
    <p>${shown}</p>${balances}${paymentsTable}
    <form class="aux-form" data-coin="${esc(aux)}" data-address="${esc(address)}" data-pool="${esc(view.sign.pool)}">
      <label>Your ${esc(aux)} address <input name="to" size="40" placeholder="D…"></label>
      <button type="button" class="prepare-aux">Prepare message</button>
      <div class="aux-signing" hidden>
        <p>Sign this exact message with the key of <code>${esc(address)}</code> (your ${esc(view.mergedWith)} mining address) within ${esc(view.sign.windowSeconds / 60)} minutes: Litecoin Core <code>signmessage</code>, Electrum "Sign/verify message", or any wallet that signs BIP137 or BIP322. Nobody can change where your ${esc(aux)} goes without this signature.</p>
        <pre class="aux-message" data-testid="aux-sign-message"></pre>
        <label>Signature <textarea name="signature" rows="3" cols="60"></textarea></label>
        <button type="submit">Set ${esc(aux)} address</button>
      </div>
      <p class="aux-result" data-testid="aux-result">${esc(auxSaved.get(aux) ?? '')}</p>
    </form></section>`;
}

/** Set while a miner is signing an aux address message: the 30-second refresh must not wipe the form. */
let auxSigning: { coin: string; to: string; time: string } | undefined;
/** What the last change of each aux coin's address on this page saved, shown again after the page refreshes. */
const auxSaved = new Map<string, string>();

view.addEventListener('click', (e) => {
  const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button.prepare-aux');
  if (!button) return;
  const form = button.form!;
  const to = String(new FormData(form).get('to') ?? '').trim();
  auxSigning = { coin: form.dataset.coin!, to, time: new Date().toISOString() };
  const message = auxAddressMessage({
    pool: form.dataset.pool!,
    coin: auxSigning.coin,
    account: form.dataset.address!,
    address: to,
    time: auxSigning.time,
  });
  form.querySelector('.aux-message')!.textContent = message;
  form.querySelector<HTMLElement>('.aux-signing')!.hidden = false;
});

view.addEventListener('submit', async (e) => {
  const form = e.target as HTMLFormElement;
  if (!form.classList.contains('aux-form')) return;
  e.preventDefault();
  if (!auxSigning || auxSigning.coin !== form.dataset.coin) return;
  const request = JSON.stringify({
    address: auxSigning.to,
    signedAt: auxSigning.time,
    signature: String(new FormData(form).get('signature') ?? '').trim(),
  });
  const res = await sendJson(
    `/api/pools/${encodeURIComponent(auxSigning.coin)}/miners/${encodeURIComponent(form.dataset.address!)}/payout-address`,
    request,
  );
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    form.querySelector('.aux-result')!.textContent = `Refused: ${body.error}`;
    return;
  }
  auxSaved.set(auxSigning.coin, `Saved: ${auxSigning.coin} is paid to ${body.address.address}.`);
  auxSigning = undefined;
  void render();
});

/** The pool chart's range in hours (3, 24 or 168): the buttons above the chart switch it. */
let historyHours = 3;

view.addEventListener('click', (e) => {
  const hours = (e.target as HTMLElement).closest<HTMLElement>('button.range')?.dataset.hours;
  if (!hours) return;
  historyHours = Number(hours);
  void render();
});

/** Set while a miner is signing a prepared message: the 30-second refresh must not wipe the form. */
let signing: { currency: string; to: string; time: string } | undefined;

view.addEventListener('click', (e) => {
  if ((e.target as HTMLElement).id !== 'prepare-message') return;
  const form = document.getElementById('conversion-form') as HTMLFormElement;
  const data = new FormData(form);
  signing = {
    currency: String(data.get('currency')),
    to: String(data.get('to') ?? '').trim(),
    time: new Date().toISOString(),
  };
  const message = preferenceMessage({
    pool: form.dataset.pool!,
    coin: coin(),
    account: form.dataset.address!,
    currency: signing.currency,
    address: signing.to,
    time: signing.time,
  });
  document.getElementById('sign-message')!.textContent = message;
  document.getElementById('signing')!.hidden = false;
});

view.addEventListener('submit', async (e) => {
  const form = e.target as HTMLFormElement;
  if (form.id !== 'conversion-form' || !signing) return;
  e.preventDefault();
  const result = document.getElementById('conversion-result')!;
  const request = JSON.stringify({
    currency: signing.currency,
    address: signing.to,
    time: signing.time,
    signature: String(new FormData(form).get('signature') ?? '').trim(),
  });
  const res = await sendJson(
    `/api/pools/${coin()}/miners/${encodeURIComponent(form.dataset.address!)}/conversion`,
    request,
  );
  const body = await res.json().catch(() => ({}));
  result.textContent = res.ok
    ? `Saved: paid in ${body.preference.currency} from the next conversion.`
    : `Refused: ${body.error}`;
  if (res.ok) {
    signing = undefined;
    void render();
  }
});

/**
 * Auto-switching (issue 17): a switching miner's money on each coin of the port, credited where each share was mined;
 * the coins other than this page's are converted into it (so nothing there is paid out on its own chain).
 */
function switchingBreakdown(ports: Json[]): string {
  return ports
    .map((p) => {
      const rows = (p.coins as Json[])
        .map(
          (c) =>
            `<tr data-testid="switching-coin-row"><td>${esc(c.coin)}</td><td>${esc(amountOf(c.immature, c.coin))}</td><td>${esc(amountOf(c.confirmed, c.coin))}</td><td>${esc(amountOf(c.pending, c.coin))}</td><td data-testid="switching-converted">${esc(amountOf(c.converted, c.coin))}</td><td>${esc(amountOf(c.paid, c.coin))}</td></tr>`,
        )
        .join('');
      return `<h2>Auto-switching port <a href="#/switching/${encodeURIComponent(p.port)}">${esc(p.port)}</a></h2>
        <p>Each share is credited on the coin it was mined on; the other coins are converted into ${esc(coin())}.</p>
        <table data-testid="switching-breakdown"><thead><tr><th>Coin</th><th>Immature</th><th>Confirmed</th><th>Pending</th><th>Converted</th><th>Paid</th></tr></thead><tbody>${rows}</tbody></table>`;
    })
    .join('');
}

/** `#/switching` (every port) or `#/switching/<name>` (one): current coin, profitability table, coin over time. */
async function switchingPage(name?: string): Promise<string> {
  const ports = ((await api('/switching')).ports as Json[]).filter((p) => name === undefined || p.name === name);
  if (ports.length === 0) {
    return name === undefined
      ? '<h1>Auto-switching</h1><p data-testid="no-switching">This pool has no switching ports.</p>'
      : `<p class="error" data-testid="error">no switching port "${esc(name)}"</p>`;
  }
  const sections = await Promise.all(ports.map((p) => switchingSection(p)));
  return `<h1>Auto-switching</h1>${sections.join('')}`;
}

async function switchingSection(p: Json): Promise<string> {
  const history = await api(`/switching/${encodeURIComponent(p.name)}/history?hours=${historyHours}`);
  const id = `switch-chart-${p.name}`;
  switchChartLater(id, p.coins, history);
  const host = p.stratumHost ?? location.hostname;
  const connect = (p.ports as Json[])
    .map((port) => {
      const url = `${port.tls ? 'stratum+ssl' : 'stratum+tcp'}://${host}:${port.port}`;
      const command = minerCommand(p.algorithm, { host, port: port.port, tls: port.tls }).replace(
        'YOUR_ADDRESS',
        `YOUR_${p.payoutCurrency}_ADDRESS`,
      );
      return `<li><code data-testid="switching-url">${esc(url)}</code> ${copyButton(url)}<br /><code data-testid="switching-command">${esc(command)}</code> ${copyButton(command)}</li>`;
    })
    .join('');
  const rows = (p.table as Json[])
    .map(
      (r) =>
        `<tr data-testid="profitability-row" class="${r.coin === p.current ? 'current' : ''}"><td>${esc(r.coin)}${r.coin === p.current ? ' ◀' : ''}</td><td data-testid="earnings">${esc(r.earningsPerTerahash ?? '—')}</td><td>${r.reward == null ? '—' : esc(amountOf(r.reward, r.coin))}</td><td>${r.networkDifficulty == null ? '—' : esc(difficulty(r.networkDifficulty))}</td><td>${esc(r.price ?? '—')}</td><td>${r.priceAgeSeconds == null ? '—' : `${esc(r.priceAgeSeconds)} s`}</td><td>${r.healthy ? 'up' : 'down'}</td><td data-testid="eligible">${r.eligible ? 'yes' : `no: ${esc(r.ineligibleBecause ?? '')}`}</td></tr>`,
    )
    .join('');
  const switches = (history.switches as Json[])
    .map(
      (s) =>
        `<tr data-testid="switch-row"><td>${esc(new Date(s.at).toLocaleString())}</td><td>${esc(s.from)}</td><td>${esc(s.to)}</td><td>${esc(s.reason)}</td></tr>`,
    )
    .join('');
  const since = p.since == null ? '—' : ago(p.since);
  return `<section data-testid="switching-port" data-port="${esc(p.name)}"><h2>${esc(p.name)} <small>(${esc(p.algorithm)}: ${esc(p.coins.join(', '))})</small></h2>
    <div class="cards">${card('Mining now', p.current ?? '—', 'switching-current')}${card('Since', since, 'switching-since')}${card('Paid in', p.payoutCurrency ?? 'each coin', 'switching-payout')}${card('Next', p.leader ? `${p.leader.coin} leads` : '—', 'switching-leader')}</div>
    <p>Connect once with your <b>${esc(p.payoutCurrency)}</b> address: the port mines whichever coin pays most, shares are credited on the coin they were mined on and the others are converted into ${esc(p.payoutCurrency)}.</p>
    <ul>${connect}</ul>
    <h3>Profitability <small>(${esc(p.quote ?? '')} base units per TH)</small></h3>
    <table><thead><tr><th>Coin</th><th>Earnings / TH</th><th>Block reward</th><th>Difficulty</th><th>Price</th><th>Price age</th><th>Node</th><th>Eligible</th></tr></thead><tbody>${rows}</tbody></table>
    <h3>Coin over ${historyHours === 168 ? '7 days' : `${historyHours} h`}</h3>
    <div id="${esc(id)}" class="chart" data-switches="${history.switches.length}"></div>
    <table><thead><tr><th>Time</th><th>From</th><th>To</th><th>Why</th></tr></thead><tbody>${switches || '<tr><td colspan="4">No switch in this range</td></tr>'}</tbody></table></section>`;
}

/**
 * The port's coin over the range as a step chart (one level per coin): from the range start on the coin the oldest
 * switch left (or the current one), each switch a step, to now.
 */
function switchChartLater(id: string, coinsOfPort: string[], history: Json): void {
  const oldestFirst = [...(history.switches as Json[])].reverse();
  const level = (c: string) => coinsOfPort.indexOf(c);
  const first = oldestFirst[0]?.from ?? history.current;
  const xs = [history.from / 1000, ...oldestFirst.map((s) => s.at / 1000), Date.now() / 1000];
  const ys = [level(first), ...oldestFirst.map((s) => level(s.to)), level(history.current ?? first)];
  pendingCharts.push(() => {
    const el = document.getElementById(id);
    if (!el || el.childElementCount > 0) return;
    charts.push(
      new uPlot(
        {
          width: Math.max(280, el.clientWidth || 600),
          height: 160,
          series: [
            {},
            {
              label: 'coin',
              stroke: '#58a6ff',
              paths: uPlot.paths.stepped!({ align: 1 }),
              value: (_u, v) => (v == null ? '' : (coinsOfPort[v] ?? '')),
            },
          ],
          scales: { y: { range: [-0.5, coinsOfPort.length - 0.5] } },
          axes: [
            {},
            {
              size: 60,
              splits: () => coinsOfPort.map((_, i) => i),
              values: (_u, vs) => vs.map((v) => coinsOfPort[v] ?? ''),
            },
          ],
        },
        [xs, ys],
        el,
      ),
    );
  });
}

async function blocksPage(): Promise<string> {
  return `<h1>${esc(coin())} blocks</h1>${blocksTable((await api(`/pools/${coin()}/blocks?limit=200`)).blocks)}`;
}

async function paymentsPage(): Promise<string> {
  const rows = ((await api(`/pools/${coin()}/payments?limit=200`)).payments as Json[])
    .map(
      (p) =>
        `<tr data-testid="payment-row"><td>${esc(new Date(p.time).toLocaleString())}</td><td>${esc(amount(p.total))}</td><td>${esc(p.recipients)}</td><td>${esc(p.status)}</td><td>${esc(p.txid ?? '')}</td></tr>`,
    )
    .join('');
  return `<h1>${esc(coin())} payments</h1><table><thead><tr><th>Time</th><th>Total</th><th>Recipients</th><th>Status</th><th>Transaction</th></tr></thead><tbody>${rows || '<tr><td colspan="5">No payments yet</td></tr>'}</tbody></table>`;
}

let renderSeq = 0;

/** Renders the route; a slower earlier render (e.g. the pool page) never overwrites a newer one. */
async function render(navigated = false): Promise<void> {
  if (!navigated && (signing || auxSigning)) return; // keep the miner's half-signed change on screen
  if (navigated) {
    signing = undefined;
    auxSigning = undefined;
    auxSaved.clear();
  }
  const seq = ++renderSeq;
  // A new page says it is loading; the 30-second refresh keeps the current one until the new numbers are in.
  if (navigated) view.innerHTML = '<p class="loading" data-testid="loading">Loading…</p>';
  const route = location.hash.replace(/^#/, '') || '/';
  const link = accountLink();
  accountNav.href = link.href;
  accountNav.textContent = link.text;
  const accountPage = accountRoute(route, { decimals: decimalsOf }, () => void render(true));
  // The account pages hold forms and one-time secrets: the 30-second refresh leaves them alone.
  if (accountPage && !navigated) return;
  let html: string | Node;
  try {
    if (pools.length === 0) {
      pools = (await api('/pools')).coins;
      coinSelect.innerHTML = pools.map((p) => `<option>${esc(p.coin)}</option>`).join('');
    }
    const miner = /^\/miner\/(.+)$/.exec(route);
    const switching = /^\/switching(?:\/(.+))?$/.exec(route);
    if (accountPage) html = await accountPage();
    else if (miner) html = await minerPage(decodeURIComponent(miner[1]!));
    else if (switching)
      html = await switchingPage(switching[1] === undefined ? undefined : decodeURIComponent(switching[1]));
    else if (route === '/blocks') html = await blocksPage();
    else if (route === '/payments') html = await paymentsPage();
    else html = await poolPage();
  } catch (err) {
    html = `<p class="error" data-testid="error">${esc((err as Error).message)}</p>`;
  }
  if (seq !== renderSeq) return;
  for (const c of charts) c.destroy();
  charts = [];
  if (typeof html === 'string') {
    view.innerHTML = html;
    scrollTables(view);
  } else view.replaceChildren(html);
  for (const draw of pendingCharts.splice(0)) draw();
}

/** Every table of a stats page in its own scroll container: on a phone the table scrolls, never the page. */
function scrollTables(root: HTMLElement): void {
  for (const t of root.querySelectorAll('table')) {
    const box = document.createElement('div');
    box.className = 'scroll';
    t.replaceWith(box);
    box.append(t);
  }
}

document.getElementById('lookup')!.addEventListener('submit', (e) => {
  e.preventDefault();
  const address = new FormData(e.target as HTMLFormElement).get('address')?.toString().trim();
  if (address) location.hash = `#/miner/${encodeURIComponent(address)}`;
});
view.addEventListener('click', (e) => {
  const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button.copy');
  if (!button?.dataset.copy) return;
  navigator.clipboard.writeText(button.dataset.copy).then(
    () => {
      button.textContent = 'Copied';
    },
    () => {
      button.textContent = 'Select and copy';
    },
  );
});
coinSelect.addEventListener('change', () => void render(true));
window.addEventListener('hashchange', () => void render(true));
setInterval(() => void render(), 30_000);
void render(true);
