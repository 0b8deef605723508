import { render } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { Markdown } from './markdown'

describe('Markdown', () => {
  it('renders headings, lists, emphasis, code and safe links', () => {
    const { container } = render(
      <Markdown source={'## Title\n\n- **bold** and *it*\n- `code`\n\n[docs](https://example.org)'} />,
    )
    expect(container.querySelector('h4')?.textContent).toBe('Title')
    expect(container.querySelectorAll('li')).toHaveLength(2)
    expect(container.querySelector('strong')?.textContent).toBe('bold')
    expect(container.querySelector('em')?.textContent).toBe('it')
    expect(container.querySelector('code')?.textContent).toBe('code')
    const link = container.querySelector('a')
    expect(link?.getAttribute('href')).toBe('https://example.org')
    expect(link?.getAttribute('rel')).toContain('noopener')
  })

  it('never turns a description into markup or script', () => {
    const { container } = render(
      <Markdown
        source={'<img src=x onerror="alert(1)"><script>alert(2)</script>\n\n[click](javascript:alert(3))'}
      />,
    )
    expect(container.querySelector('img')).toBeNull()
    expect(container.querySelector('script')).toBeNull()
    expect(container.querySelector('a')).toBeNull()
    expect(container.textContent).toContain('<script>alert(2)</script>')
  })
})
