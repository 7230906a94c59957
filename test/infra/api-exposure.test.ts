import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STATS_QUERY_PARAMETERS } from '../../app/stats/api.js';
import { buildTestApp, coin, difficulty } from './helpers.js';

/** The stats API is public, but only CloudFront may reach its origin: every request then passes the cache. */
describe('the stats API behind CloudFront', () => {
  let app: App;
  let api: Template;
  beforeAll(() => {
    let stacks: ReturnType<typeof buildTestApp>['stacks'];
    ({ app, stacks } = buildTestApp({ coins: [coin('LTC', [{ port: 3333, difficulty }])] }));
    api = Template.fromStack(stacks.api!);
  });

  it('synthesizes with cdk-nag clean', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('has no endpoint of its own that bypasses CloudFront: an IAM-only function URL that the distribution signs', () => {
    api.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    api.resourceCountIs('AWS::Lambda::Url', 1);
    api.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    api.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 'lambda',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    });
    // Only this distribution may invoke it; nobody else is granted anything.
    const permissions = Object.values(api.findResources('AWS::Lambda::Permission')).map((p) => p.Properties);
    const url = permissions.filter((p) => p.Action === 'lambda:InvokeFunctionUrl');
    expect(url).toHaveLength(1);
    for (const p of url) {
      expect(p.Principal).toBe('cloudfront.amazonaws.com');
      expect(JSON.stringify(p.SourceArn)).toMatch(/:distribution\/.*Cdn/);
    }
    for (const p of permissions) expect(p.Principal).not.toBe('*');
  });

  it('serves the dashboard with headers that forbid framing it (its sign-in and payout forms) and sniffing types', () => {
    api.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: "frame-ancestors 'none'", Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
        }),
      }),
    });
    const [policy] = Object.keys(api.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    api.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ResponseHeadersPolicyId: { Ref: policy } }),
      }),
    });
  });

  it('keys the cache on the query parameters the API reads, and on nothing else', () => {
    expect([...STATS_QUERY_PARAMETERS].sort()).toEqual(['hours', 'limit']);
    api.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: [...STATS_QUERY_PARAMETERS] },
          HeadersConfig: { HeaderBehavior: 'none' },
          CookiesConfig: { CookieBehavior: 'none' },
        }),
      }),
    });
  });
});
