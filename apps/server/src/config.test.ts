import { describe, expect, it } from 'vitest'
import { ConfigError, gpuModelFromEnvName, loadConfig, parseGpuList } from './config.js'

describe('loadConfig', () => {
  it('runs on embedded defaults with nothing set', () => {
    const config = loadConfig({}, '/srv/np')
    expect(config).toMatchObject({
      port: 3000,
      publicUrl: 'http://localhost:3000',
      podDomain: 'localhost',
      dataDir: '/srv/np/data',
      databaseUrl: null,
      runtime: null,
      auth: { devLogin: false, adminEmail: 'admin@neuropod.local', sessionTtlHours: 168 },
      meter: { intervalSeconds: 60 },
    })
  })

  it('names every wrong variable at once', () => {
    try {
      loadConfig({
        PORT: 'abc',
        NEUROPOD_RUNTIME: 'vm',
        NEUROPOD_DEV_LOGIN: 'maybe',
        DATABASE_URL: 'mysql://x',
        POD_DOMAIN: 'bad domain',
        NEUROPOD_SECRET: 'short',
      })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      const text = (error as ConfigError).message
      for (const name of [
        'PORT',
        'NEUROPOD_RUNTIME',
        'NEUROPOD_DEV_LOGIN',
        'DATABASE_URL',
        'POD_DOMAIN',
        'NEUROPOD_SECRET',
      ])
        expect(text).toContain(name)
    }
  })

  it('wants a DNS name in NEUROPOD_INTERNAL_URL on Kubernetes, where pod hosts reach it by ExternalName', () => {
    const kube = { NEUROPOD_RUNTIME: 'kubernetes', POD_DOMAIN: 'pods.example.org' }
    expect(() => loadConfig({ ...kube, NEUROPOD_INTERNAL_URL: 'http://10.0.0.7:3000' })).toThrow(
      /NEUROPOD_INTERNAL_URL=.*must name the platform by a DNS name/,
    )
    expect(() => loadConfig({ ...kube, NEUROPOD_INTERNAL_URL: 'http://[fd00::7]:3000' })).toThrow(ConfigError)
    expect(
      loadConfig({ ...kube, NEUROPOD_INTERNAL_URL: 'http://neuropod.neuropod-system.svc:3000' }).kubernetes
        .internalUrl,
    ).toBe('http://neuropod.neuropod-system.svc:3000')
    // Other runtimes never build the Service, so an address is fine there.
    expect(loadConfig({ NEUROPOD_INTERNAL_URL: 'http://10.0.0.7:3000' }).kubernetes.internalUrl).toBe(
      'http://10.0.0.7:3000',
    )
  })

  it('accepts the original names and seed variables', () => {
    const config = loadConfig({
      DOMAIN_SUFFIX: 'pods.example.org',
      NAMESPACE: 'gpu',
      GPU_RTX4070_PRICE: '1.00',
      GPU_A100_PRICE: '3',
      VOLUME_DISK_PRICE: '0.2',
    })
    expect(config.podDomain).toBe('pods.example.org')
    expect(config.kubernetes.namespace).toBe('gpu')
    expect(config.pricingSeed.gpuPrices).toEqual({
      'rtx-4070': { name: 'RTX 4070', price: 1 },
      a100: { name: 'A100', price: 3 },
    })
    expect(config.pricingSeed.volumeDiskPrice).toBe(0.2)
    expect(() => loadConfig({ GPU_RTX4070_PRICE: 'cheap' })).toThrow(/GPU_RTX4070_PRICE/)
  })

  it('parses GPU inventories and e-mail lists', () => {
    expect(parseGpuList('0:rtx-4090, 1:rtx-4090')).toEqual([
      { deviceId: '0', gpuType: 'rtx-4090' },
      { deviceId: '1', gpuType: 'rtx-4090' },
    ])
    expect(parseGpuList('0:rtx-4090,0:rtx-4080')).toMatch(/twice/)
    expect(parseGpuList('gpu zero')).toMatch(/device-id/)
    expect(() => loadConfig({ NEUROPOD_GPUS: 'nope' })).toThrow(/NEUROPOD_GPUS/)
    expect(loadConfig({ ADMIN_EMAILS: ' Boss@X.org , @school.edu' }).auth.adminEmails).toEqual([
      'boss@x.org',
      '@school.edu',
    ])
    expect(() => loadConfig({ ALLOWED_EMAILS: 'not an email' })).toThrow(/ALLOWED_EMAILS/)
    expect(gpuModelFromEnvName('H100_80GB')).toEqual({ id: 'h100-80gb', name: 'H100 80GB' })
  })

  it('reads the CORS allow-list as browsers spell origins and refuses a wildcard', () => {
    expect(loadConfig({}).corsOrigins).toEqual([])
    expect(
      loadConfig({
        NEUROPOD_CORS_ORIGINS: 'https://App.Example.com:443/, http://localhost:5173,http://localhost:5173',
      }).corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173'])
    expect(() => loadConfig({ NEUROPOD_CORS_ORIGINS: '*' })).toThrow(/NEUROPOD_CORS_ORIGINS.*"\*" is refused/)
    for (const bad of ['https://app.example.com/path', 'app.example.com', 'ftp://x.org', 'null'])
      expect(() => loadConfig({ NEUROPOD_CORS_ORIGINS: bad })).toThrow(/NEUROPOD_CORS_ORIGINS.*not an origin/)
  })
})
