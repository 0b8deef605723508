import { describe, expect, it } from 'vitest'
import { deployExample } from './deploy-example'

describe('landing page example', () => {
  it('shows a command the CLI has and a pod URL on the origin being visited', () => {
    const local = deployExample('http://localhost:5173', 'rtx-4050')
    expect(local.command).toBe(
      '$ npx neuropod pods create --name demo --template "Jupyter Lab" --gpu rtx-4050 --wait',
    )
    expect(local.url).toBe('→ http://k3x9q2m7aa-8888.localhost:5173/')
    const hosted = deployExample('https://gpu.example.org', undefined)
    expect(hosted.command).not.toContain('--gpu')
    expect(hosted.url).toBe('→ https://k3x9q2m7aa-8888.gpu.example.org/')
  })
})
