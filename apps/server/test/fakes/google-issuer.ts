import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'

export const CLIENT_ID = 'neuropod-test-client'
export const ISSUER = 'https://issuer.test'

/** A local OpenID issuer: its JWKS is served over HTTP exactly as Google serves its own. */
export async function startIssuer() {
  const { publicKey, privateKey } = await generateKeyPair('RS256')
  const other = await generateKeyPair('RS256')
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`
  const sign = (
    claims: Record<string, unknown>,
    opts: {
      key?: Parameters<SignJWT['sign']>[0]
      audience?: string
      expiresIn?: string
      issuer?: string
    } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(opts.issuer ?? ISSUER)
      .setAudience(opts.audience ?? CLIENT_ID)
      .setIssuedAt()
      .setExpirationTime(opts.expiresIn ?? '10m')
      .sign(opts.key ?? privateKey)
  return {
    url,
    sign,
    otherKey: other.privateKey,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
