import ExcelJS from 'exceljs';
import { formatAmount } from '../../core/ledger/payouts.js';

export interface ExportRow {
  time: number;
  type: 'reward' | 'payment';
  /** Block hash, round or payout id. */
  reference: string;
  /** Base units, decimal string. */
  amount: string;
  status: string;
  txid: string;
}

const HEADERS = ['time (UTC)', 'type', 'reference', 'amount', 'status', 'transaction'];

function cells(r: ExportRow, coin: string): string[] {
  return [
    new Date(r.time).toISOString(),
    r.type,
    r.reference,
    `${formatAmount(BigInt(r.amount))} ${coin}`,
    r.status,
    r.txid,
  ];
}

/** RFC 4180 CSV: every field quoted, quotes doubled; amounts exact decimal strings. */
export function toCsv(rows: readonly ExportRow[], coin: string): string {
  const q = (v: string) => `"${v.replaceAll('"', '""')}"`;
  const lines = [HEADERS, ...rows.map((r) => cells(r, coin))].map((line) => line.map(q).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The same rows as an XLSX workbook; amounts are text so no spreadsheet rounds a litoshi away. */
export async function toXlsx(rows: readonly ExportRow[], coin: string, address: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'edgepool';
  const ws = wb.addWorksheet(`${coin} ${address.slice(0, 12)}`.slice(0, 31));
  ws.addRow(HEADERS).font = { bold: true };
  for (const r of rows) ws.addRow(cells(r, coin));
  ws.columns.forEach((c) => {
    c.width = 24;
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
