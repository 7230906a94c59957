import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { toCsv, toXlsx } from '../../../app/stats/export.js';

const rows = [
  { time: 0, type: 'payment' as const, reference: 'p"1', amount: '123456789', status: 'confirmed', txid: 'ab' },
  { time: 60_000, type: 'reward' as const, reference: 'blk', amount: '1', status: 'immature', txid: '' },
];

describe('exports', () => {
  it('writes RFC 4180 CSV with quotes doubled and exact amounts', () => {
    expect(toCsv(rows, 'LTC').split('\r\n')).toEqual([
      '"time (UTC)","type","reference","amount","status","transaction"',
      '"1970-01-01T00:00:00.000Z","payment","p""1","1.23456789 LTC","confirmed","ab"',
      '"1970-01-01T00:01:00.000Z","reward","blk","0.00000001 LTC","immature",""',
      '',
    ]);
  });

  it('writes the same rows to an XLSX sheet as text cells', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await toXlsx(rows, 'LTC', 'ltc1qexample')) as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.rowCount).toBe(3);
    expect(sheet.getRow(2).getCell(4).value).toBe('1.23456789 LTC');
    expect(sheet.getRow(3).getCell(3).value).toBe('blk');
  });
});
