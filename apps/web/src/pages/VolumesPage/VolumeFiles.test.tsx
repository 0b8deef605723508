import { act, fireEvent, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Volume } from '../../api/types'
import { renderView } from '../../test-helpers/render'
import { VolumeFiles } from './VolumeFiles'

const volume = (overrides: Partial<Volume> = {}): Volume => ({
  volumeId: 'a1b2c3d4e5f60718',
  name: 'datasets',
  userId: '00000000-0000-4000-8000-0000000000aa',
  userEmail: 'ana@example.edu',
  sizeGb: 30,
  mountPath: '/workspace',
  status: 'ready',
  runtime: 'docker',
  usedBytes: 0,
  usageNote: null,
  resize: 'recorded',
  attachedPod: { podId: 'ffeeddccbbaa9988', podName: 'training', status: 'running' },
  costPerHour: 0.00411,
  metered: true,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
  ...overrides,
})

/** The browser's XMLHttpRequest, driven by the test. */
class FakeXhr {
  static sent: FakeXhr[] = []
  method = ''
  url = ''
  headers: Record<string, string> = {}
  body: unknown = null
  status = 0
  statusText = ''
  responseText = ''
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } =
    {
      onprogress: null,
    }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  open(method: string, url: string) {
    this.method = method
    this.url = url
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value
  }
  send(body: unknown) {
    this.body = body
    FakeXhr.sent.push(this)
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true })
  }
  respond(status: number, body: unknown) {
    this.status = status
    this.responseText = JSON.stringify(body)
    this.onload?.()
  }
}

beforeEach(() => {
  FakeXhr.sent = []
  vi.stubGlobal('XMLHttpRequest', FakeXhr)
})
afterEach(() => vi.unstubAllGlobals())

function pick(files: File[]) {
  fireEvent.change(screen.getByLabelText('Files'), { target: { files } })
}

describe('VolumeFiles', () => {
  it('uploads each file as octet-stream into the folder, with a progress bar that follows the upload', async () => {
    renderView(<VolumeFiles volume={volume()} />)
    pick([new File(['x'.repeat(200)], 'a.csv'), new File(['y'], 'b.txt')])
    fireEvent.change(screen.getByLabelText(/Target folder/), { target: { value: '/data/' } })
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }))
    await waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    const first = FakeXhr.sent[0]!
    expect(first.method).toBe('PUT')
    expect(first.url).toBe('/api/volumes/a1b2c3d4e5f60718/files?path=data%2Fa.csv')
    expect(first.headers['content-type']).toBe('application/octet-stream')
    act(() => first.progress(50, 200))
    const bar = screen.getByRole('progressbar', { name: 'Uploading a.csv' }) as HTMLProgressElement
    expect(bar.value).toBe(25)
    expect(screen.getByText(/25%/)).toBeTruthy()
    act(() => first.progress(150, 200))
    expect(bar.value).toBe(75)
    expect(screen.getByText(/75%/)).toBeTruthy()
    act(() => first.respond(200, { success: true, message: 'Uploaded' }))
    await waitFor(() => expect(FakeXhr.sent).toHaveLength(2))
    expect(FakeXhr.sent[1]!.url).toBe('/api/volumes/a1b2c3d4e5f60718/files?path=data%2Fb.txt')
    act(() => FakeXhr.sent[1]!.respond(200, { success: true, message: 'Uploaded' }))
    expect(await screen.findByText('Uploaded files: 2')).toBeTruthy()
    expect(screen.queryByRole('progressbar')).toBeNull()
  })

  it("shows the API's message when an upload is refused (413 size limit)", async () => {
    renderView(<VolumeFiles volume={volume()} />)
    pick([new File(['big'], 'big.bin')])
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }))
    await waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    const message = 'The transfer is larger than the limit of 1024 MB'
    act(() => FakeXhr.sent[0]!.respond(413, { success: false, code: 'PAYLOAD_TOO_LARGE', message }))
    expect((await screen.findByRole('alert')).textContent).toBe(message)
  })

  it('is disabled, saying why, while no running pod mounts the volume', () => {
    const { unmount } = renderView(
      <VolumeFiles
        volume={volume({
          attachedPod: { podId: 'ffeeddccbbaa9988', podName: 'training', status: 'stopped' },
        })}
      />,
    )
    expect(
      screen.getByText('Start pod "training" to transfer files: its container reaches the volume'),
    ).toBeTruthy()
    expect((screen.getByLabelText('Files') as HTMLInputElement).disabled).toBe(true)
    expect((screen.getByRole('button', { name: 'Upload' }) as HTMLButtonElement).disabled).toBe(true)
    expect((screen.getByRole('button', { name: 'Download as tar' }) as HTMLButtonElement).disabled).toBe(true)
    unmount()
    renderView(<VolumeFiles volume={volume({ attachedPod: null })} />, { lang: 'es' })
    expect(screen.getByText(/Conecta el volumen a un pod en marcha/)).toBeTruthy()
    expect((screen.getByRole('button', { name: 'Descargar como tar' }) as HTMLButtonElement).disabled).toBe(
      true,
    )
  })

  it('downloads a tar with progress from Content-Length and saves it under the Content-Disposition name', async () => {
    let pull: ((chunk: Uint8Array | null) => void) | null = null
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        pull = (chunk) => (chunk ? controller.enqueue(chunk) : controller.close())
      },
    })
    const fetchMock = vi.fn(
      async () =>
        new Response(body, {
          status: 200,
          headers: {
            'content-length': '400',
            'content-disposition': 'attachment; filename="datasets-data.tar"',
          },
        }),
    )
    vi.stubGlobal('fetch', fetchMock)
    const { createObjectURL, revokeObjectURL } = URL
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
    const clicked: string[] = []
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      clicked.push(this.download)
    })
    renderView(<VolumeFiles volume={volume()} />)
    fireEvent.change(screen.getByLabelText(/Path to download/), { target: { value: 'data' } })
    fireEvent.click(screen.getByRole('button', { name: 'Download as tar' }))
    await waitFor(() => expect(pull).not.toBeNull())
    expect(fetchMock).toHaveBeenCalledWith('/api/volumes/a1b2c3d4e5f60718/files?path=data', expect.anything())
    act(() => pull!(new Uint8Array(100)))
    await waitFor(() => expect(screen.getByText(/Downloading 25%/)).toBeTruthy())
    act(() => pull!(new Uint8Array(300)))
    await waitFor(() => expect(screen.getByText(/Downloading 100%/)).toBeTruthy())
    act(() => pull!(null))
    expect(await screen.findByText('Saved datasets-data.tar')).toBeTruthy()
    expect(clicked).toEqual(['datasets-data.tar'])
    click.mockRestore()
    URL.createObjectURL = createObjectURL
    URL.revokeObjectURL = revokeObjectURL
  })
})
