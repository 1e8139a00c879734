// node-oidc-provider, configured as a deployer would for a first try: its own
// development login and consent pages (devInteractions), static clients, and the
// features later tests use. The kit did not write any of its OAuth logic.
//
//   node provider.mjs CONFIG.json
//
// CONFIG.json (written by tests/thirdparty/fixtures.py):
//   {"clients": [...client metadata...], "cookie_keys": ["..."],
//    "dpop_nonce_secret": "<32 bytes, base64url>"}   (optional: DPoP proofs need its nonces)
//
// It listens on a free port of 127.0.0.1 and prints one JSON line,
// {"issuer": "http://127.0.0.1:PORT"}, once it accepts connections. It needs no
// network: the signing keys are made at start-up.
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: config.clients,
    cookies: { keys: config.cookie_keys },
    // devInteractions signs anyone in under the login they type, whatever the password
    findAccount: async (ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, name: sub, email: `${sub}@example.com` }),
    }),
    claims: { profile: ['name'], email: ['email'] },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    // its default asks PKCE of public clients only; a confidential client too here,
    // as RFC 9700 2.1.1 advises and as the kit's server does
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      // RFC 9449 8: with a nonce secret, every DPoP proof must carry the server's nonce;
      // requests without DPoP are not affected
      dPoP: config.dpop_nonce_secret
        ? {
            enabled: true,
            nonceSecret: Buffer.from(config.dpop_nonce_secret, 'base64url'),
            requireNonce: () => true,
          }
        : { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      // RFC 8707: one API, https://photos.example/api; any other resource= is invalid_target
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: async (ctx, resourceIndicator) => {
          if (resourceIndicator !== 'https://photos.example/api') {
            throw new errors.InvalidTarget();
          }
          return { scope: 'photos:read', audience: resourceIndicator, accessTokenFormat: 'jwt' };
        },
      },
    },
  });
  // its start-up warnings (development keys, devInteractions) go to stderr
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
