import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmRelayLambda } from '../../../lambdas/alarm-relay/handler.js';
import { poolHandler } from '../../../lambdas/shared/pool-handler.js';
import { type FakeTelegram, startFakeTelegram } from '../../helpers/fake-telegram.js';

const context = { awsRequestId: 'req-1' } as Context;
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;
let telegram: FakeTelegram;
const secrets = mockClient(SecretsManagerClient);

beforeAll(async () => {
  telegram = await startFakeTelegram('987654:ABCdefGHIjklMNOpqrSTUvwx');
});
afterAll(async () => {
  secrets.restore();
  await telegram?.stop();
});

const snsEvent = (message: string, subject: string | null = null): SNSEvent =>
  ({ Records: [{ Sns: { Message: message, Subject: subject } }] }) as unknown as SNSEvent;

describe('alarm relay Lambda', () => {
  it('relays a CloudWatch alarm from SNS to the operators’ Telegram chat, with the token read from Secrets Manager', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `${telegram.token}\n` });
    const handler = poolHandler(alarmRelayLambda, {
      env: {
        TELEGRAM_BOT_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:bot',
        ALERTS_TELEGRAM_CHAT_ID: '-100123',
        TELEGRAM_API_ROOT: telegram.apiRoot,
      },
      log: silent,
      emit: () => {},
    });
    const alarm = {
      AlarmName: 'edgepool-ltc-queue-depth',
      NewStateValue: 'ALARM',
      NewStateReason: 'Threshold Crossed: 1 datapoint [5000.0] was greater than the threshold (1000.0).',
      StateChangeTime: '2026-05-01T12:00:00.000+0000',
    };
    const out = await handler(snsEvent(JSON.stringify(alarm), 'ALARM: "edgepool-ltc-queue-depth"'), context);
    expect(out).toEqual({ sent: 1, refused: [] });
    expect(telegram.sent).toEqual([
      {
        chatId: '-100123',
        text: expect.stringMatching(/^🔴 ALARM: edgepool-ltc-queue-depth\nThreshold Crossed/),
      },
    ]);
    // A plain SNS message goes as it is, with its subject.
    await handler(snsEvent('disk almost full', 'ops'), context);
    expect(telegram.sent.at(-1)!.text).toBe('ops\ndisk almost full');
  });

  it('fails the invocation (so SNS retries) when Telegram answers 5xx', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: telegram.token });
    const handler = poolHandler(alarmRelayLambda, {
      env: {
        TELEGRAM_BOT_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:bot',
        ALERTS_TELEGRAM_CHAT_ID: '42',
        TELEGRAM_API_ROOT: telegram.apiRoot,
      },
      log: silent,
      emit: () => {},
    });
    telegram.failSends(502);
    await expect(handler(snsEvent('x'), context)).rejects.toThrow(/telegram answered 502/);
  });

  it('refuses to start with an empty token secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '' });
    const handler = poolHandler(alarmRelayLambda, {
      env: {
        TELEGRAM_BOT_TOKEN_SECRET_ARN: 'arn:x',
        ALERTS_TELEGRAM_CHAT_ID: '42',
        TELEGRAM_API_ROOT: telegram.apiRoot,
      },
      log: silent,
      emit: () => {},
    });
    await expect(handler(snsEvent('x'), context)).rejects.toThrow(/Telegram bot token secret is empty/);
  });
});
