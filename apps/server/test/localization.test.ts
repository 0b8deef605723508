import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localizePayload, requestLanguage } from '../src/i18n/localize.js'
import { toSpanish } from '../src/i18n/spanish.js'
import { createTestServer, type Json, type TestServer } from './harness.js'

describe("the server's own texts follow Accept-Language", () => {
  let server: TestServer
  const es = { 'accept-language': 'es-ES,es;q=0.9,en;q=0.8' }
  beforeAll(async () => {
    server = await createTestServer()
  })
  afterAll(() => server.stop())

  it('picks the language from Accept-Language, English by default', () => {
    expect(requestLanguage(undefined)).toBe('en')
    expect(requestLanguage('es')).toBe('es')
    expect(requestLanguage('es-MX,en;q=0.5')).toBe('es')
    expect(requestLanguage('en-GB,es;q=0.9')).toBe('en')
    expect(requestLanguage('fr-FR,es;q=0.8,en;q=0.5')).toBe('es')
    expect(requestLanguage('de')).toBe('en')
  })

  it('translates GPU tiers, storage descriptions and seeded templates, not what people typed', async () => {
    const pricingEs = (await server.request('GET', '/api/pricing/public', { headers: es })).body.data
    expect(pricingEs.gpus['rtx-4050'].specs.performance).toBe('Nivel básico')
    expect(pricingEs.storage.volumeDisk.description).toMatch(/^Almacenamiento persistente/)
    const pricingEn = (await server.request('GET', '/api/pricing/public')).body.data
    expect(pricingEn.gpus['rtx-4050'].specs.performance).toBe('Entry Level')

    const created = await server.request('POST', '/api/templates', {
      token: server.adminToken,
      body: {
        name: 'Mine',
        dockerImage: 'busybox:latest',
        httpPorts: [{ port: 8080, serviceName: 'Web' }],
        description: 'My own notes',
      },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const list = (await server.request('GET', '/api/templates', { token: server.adminToken, headers: es }))
      .body as Json[]
    const jupyter = list.find((t) => t.name === 'Jupyter Lab')
    expect(jupyter.description).toContain('Tus cuadernos viven en `/home/jovyan/work`')
    expect(jupyter.httpPorts[0].serviceName).toBe('Jupyter Lab')
    // What people wrote stays as written.
    expect(list.find((t) => t.name === 'Mine').description).toBe('My own notes')
    const english = (await server.request('GET', '/api/templates', { token: server.adminToken }))
      .body as Json[]
    expect(english.find((t) => t.name === 'Jupyter Lab').description).toContain('Your notebooks live in')
  })

  it('answers error messages in Spanish', async () => {
    const login = await server.request('POST', '/api/auth/login', {
      headers: es,
      body: { email: 'nobody@test.local', password: 'wrong-password' },
    })
    expect(login.status).toBe(401)
    expect(login.body.message).toBe('Correo o contraseña incorrectos')
    const invalid = await server.request('POST', '/api/auth/login', {
      headers: es,
      body: { email: 'a\u0000b@test.local', password: 'x' },
    })
    expect(invalid.status).toBe(400)
    expect(invalid.body.message).toBe('La petición contiene caracteres de control')
    expect(invalid.body.errors[0].message).toBe('No debe contener caracteres de control')
    const anon = await server.request('GET', '/api/pods', { headers: es })
    expect(anon.status).toBe(401)
    expect(anon.body.message).toMatch(/^Inicia sesión/)
  })

  it('translates ledger reasons and the balance message', () => {
    expect(toSpanish('Pod usage')).toBe('Uso del pod')
    expect(toSpanish('Usage of 3 pods')).toBe('Uso de 3 pods')
    expect(toSpanish('Insufficient balance. Required: €2.50 (1 h of your pods), available: -€0.01')).toBe(
      'Saldo insuficiente. Necesario: €2.50 (1 h de tus pods), disponible: -€0.01',
    )
    const entries = [{ reason: 'Pod usage', name: 'Pod usage' }]
    expect(localizePayload({ data: entries })).toEqual({
      data: [{ reason: 'Uso del pod', name: 'Pod usage' }],
    })
    expect(entries[0]?.reason).toBe('Pod usage') // the original is not changed (it may be cached)
  })
})
