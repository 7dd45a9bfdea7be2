// Dashboard sign-in where JWT auth is configured: a token with the admin scope signs in (the gateway's one admin
// check), a token without it is refused with 403 and one that cannot be verified with 401. The real app (buildApp)
// on the test run's Redis; a local JWKS endpoint.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { createAuth, type Auth } from '../../gateway/auth/authenticate.ts';
import { buildApp, createRouter } from '../../gateway/app.ts';
import { parseConfig, runtimeEnv } from '../../lib/config.ts';

const url = process.env.HELIX_REDIS_URL;
const ISSUER = 'https://idp.test';

void describe('dashboard sign-in with a JWT', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  let jwks: Server;
  let signingKey: CryptoKey;
  let auth: Auth;
  let redis: Redis;
  let app: FastifyInstance;

  const token = (claims: JWTPayload, key?: CryptoKey) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience('helix').setIssuedAt().setExpirationTime('5m').sign(key ?? signingKey);
  const signIn = (key: string) => app.inject({ method: 'POST', url: '/ui/api/session', payload: { key } });

  before(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const jwt = { enabled: true, jwks_url: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`, issuer: ISSUER, audience: 'helix', algorithms: ['RS256'], admin_scope: 'helix:admin' };
    const prefix = `test-ui-jwt-${randomBytes(4).toString('hex')}:`;
    const models = [{ model_name: 'mock/echo', litellm_params: { model: 'mock/echo' } }];
    const config = { ...parseConfig({ model_list: models, helix_settings: { auth: { redis_prefix: prefix, jwt }, dashboard: { enabled: true } } }), env: runtimeEnv({ HELIX_MASTER_KEY: 'sk-ui-jwt-master' }) };
    auth = createAuth({ masterKey: 'sk-ui-jwt-master', settings: config.helix_settings.auth });
    redis = new Redis(url!);
    app = await buildApp({ config, events: { emit: () => undefined }, router: createRouter(config), health: { shuttingDown: () => false, components: async () => ({}) }, auth, redis });
  });

  after(async () => {
    await app?.close();
    await auth?.close();
    redis?.disconnect();
    await new Promise((r) => jwks?.close(r));
  });

  void it('lets an admin-scope token in, with a session cookie the dashboard recognizes', async () => {
    const res = await signIn(await token({ sub: 'ops', scope: 'helix:admin' }));
    assert.equal(res.statusCode, 200, res.body);
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    assert.match(cookie, /^helix_ui_session=/);
    const me = await app.inject({ method: 'GET', url: '/ui/api/session', headers: { cookie } });
    assert.equal((me.json() as { signed_in: boolean }).signed_in, true);
  });

  void it('refuses a token without the admin scope (403) and one it cannot verify (401)', async () => {
    assert.equal((await signIn(await token({ sub: 'dev', scope: 'read' }))).statusCode, 403);
    assert.equal((await signIn(await token({ sub: 'ops', scope: 'helix:admin' }, (await generateKeyPair('RS256')).privateKey))).statusCode, 401);
  });
});
