import { isIPv4, isIPv6 } from 'node:net'

interface AddressedRequest {
  ip: string
  headers: Record<string, string | string[] | undefined>
}

/**
 * The address a request came from. Behind a trusted reverse proxy (NEUROPOD_TRUST_PROXY) that is
 * the last `X-Forwarded-For` entry — the one the proxy appended; earlier entries are whatever the
 * client sent and prove nothing. Without one the header is ignored, so it cannot be used to dodge
 * a per-address limit.
 */
export function clientAddress(request: AddressedRequest, trustProxy: boolean): string {
  if (trustProxy) {
    const header = request.headers['x-forwarded-for']
    const joined = Array.isArray(header) ? header.join(',') : (header ?? '')
    const last = joined
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .at(-1)
    if (last && (isIPv4(last) || isIPv6(last))) return last
  }
  return request.ip
}

/**
 * The unit one party is assumed to control: an IPv4 address, or an IPv6 /64 (one subscriber's
 * network — anyone holding one has 2^64 addresses to rotate through).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return mapped[1]!
  if (!isIPv6(address)) return address
  const [head = '', tail] = address.toLowerCase().split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}
