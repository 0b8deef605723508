import { fireEvent, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { renderView } from '../test-helpers/render'
import { LoadState } from './Feedback'

const empty = { when: (list: string[]) => list.length === 0, title: 'Nothing here' }
const list = (items: string[]) => (
  <ul>
    {items.map((i) => (
      <li key={i}>{i}</li>
    ))}
  </ul>
)

describe('LoadState', () => {
  it('shows a spinner until the first answer', () => {
    renderView(
      <LoadState data={undefined} error={null} empty={empty}>
        {list}
      </LoadState>,
    )
    expect(screen.getByRole('status').textContent).toBe('Loading…')
    expect(screen.queryByText('Nothing here')).toBeNull()
  })

  it('shows the reason of a failure with a retry, and nothing made up', () => {
    const onRetry = vi.fn()
    renderView(
      <LoadState data={undefined} error="The server cannot be reached." onRetry={onRetry} empty={empty}>
        {list}
      </LoadState>,
    )
    expect(screen.getByRole('alert').textContent).toContain('The server cannot be reached.')
    expect(screen.queryByRole('status')).toBeNull()
    expect(screen.queryByText('Nothing here')).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }))
    expect(onRetry).toHaveBeenCalled()
  })

  it('keeps what was loaded below a failed refresh', () => {
    renderView(
      <LoadState data={['a']} error="Refresh failed">
        {list}
      </LoadState>,
    )
    expect(screen.getByRole('alert').textContent).toContain('Refresh failed')
    expect(screen.getByText('a')).toBeTruthy()
  })

  it('says when there is nothing, as a card or inline', () => {
    const { unmount } = renderView(
      <LoadState data={[]} error={null} empty={{ ...empty, children: <a href="/deploy">Deploy</a> }}>
        {list}
      </LoadState>,
    )
    expect(screen.getByRole('heading', { name: 'Nothing here' })).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Deploy' })).toBeTruthy()
    unmount()
    renderView(
      <LoadState compact data={[]} error={null} empty={empty}>
        {list}
      </LoadState>,
    )
    expect(screen.queryByRole('heading')).toBeNull()
    expect(screen.getByText('Nothing here').tagName).toBe('P')
  })

  it('renders the content once there is some', () => {
    renderView(
      <LoadState data={['a', 'b']} error={null} empty={empty}>
        {list}
      </LoadState>,
    )
    expect(screen.getAllByRole('listitem')).toHaveLength(2)
    expect(screen.queryByRole('status')).toBeNull()
  })
})
