import { Fragment, type ReactNode } from 'react'

/*
 * A small Markdown renderer for template descriptions that builds React elements, never HTML
 * strings: whatever a description contains is text, so it cannot inject markup or scripts.
 * Supports headings, paragraphs, lists, fenced code, quotes, rules, **bold**, *italic*, `code`
 * and [links](https://…) (http, https and mailto only).
 */

const SAFE_URL = /^(https?:\/\/|mailto:)/i

export function renderInline(text: string, keyBase = 'i'): ReactNode[] {
  const out: ReactNode[] = []
  const pattern = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*|_[^_\s][^_]*_)|(\[[^\]]+\]\([^)\s]+\))/g
  let last = 0
  let n = 0
  for (const m of text.matchAll(pattern)) {
    const index = m.index ?? 0
    if (index > last) out.push(text.slice(last, index))
    const token = m[0]
    const key = `${keyBase}-${n++}`
    if (m[1]) out.push(<code key={key}>{token.slice(1, -1)}</code>)
    else if (m[2]) out.push(<strong key={key}>{renderInline(token.slice(2, -2), key)}</strong>)
    else if (m[3]) out.push(<em key={key}>{renderInline(token.slice(1, -1), key)}</em>)
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token)
      const label = link?.[1] ?? token
      const href = link?.[2] ?? ''
      out.push(
        SAFE_URL.test(href) ? (
          <a key={key} href={href} target="_blank" rel="noopener noreferrer">
            {label}
          </a>
        ) : (
          <Fragment key={key}>{label}</Fragment>
        ),
      )
    }
    last = index + token.length
  }
  if (last < text.length) out.push(text.slice(last))
  return out
}

export function Markdown({ source }: { source: string }) {
  const lines = source.replace(/\r\n?/g, '\n').split('\n')
  const blocks: ReactNode[] = []
  let i = 0
  let key = 0
  const next = () => `b${key++}`
  while (i < lines.length) {
    const line = lines[i]!
    if (!line.trim()) {
      i++
      continue
    }
    if (line.startsWith('```')) {
      const code: string[] = []
      i++
      while (i < lines.length && !lines[i]!.startsWith('```')) code.push(lines[i++]!)
      i++
      blocks.push(
        <pre key={next()}>
          <code>{code.join('\n')}</code>
        </pre>,
      )
      continue
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line)
    if (heading) {
      const level = Math.min(heading[1]!.length + 2, 6)
      const Tag = `h${level}` as 'h3'
      blocks.push(<Tag key={next()}>{renderInline(heading[2]!)}</Tag>)
      i++
      continue
    }
    if (/^(-{3,}|\*{3,})\s*$/.test(line)) {
      blocks.push(<hr key={next()} />)
      i++
      continue
    }
    if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
      const ordered = /^\s*\d+[.)]\s+/.test(line)
      const items: ReactNode[] = []
      while (i < lines.length && /^\s*([-*+]|\d+[.)])\s+/.test(lines[i]!)) {
        const text = lines[i]!.replace(/^\s*([-*+]|\d+[.)])\s+/, '')
        items.push(<li key={items.length}>{renderInline(text)}</li>)
        i++
      }
      blocks.push(ordered ? <ol key={next()}>{items}</ol> : <ul key={next()}>{items}</ul>)
      continue
    }
    if (line.startsWith('>')) {
      const quote: string[] = []
      while (i < lines.length && lines[i]!.startsWith('>')) quote.push(lines[i++]!.replace(/^>\s?/, ''))
      blocks.push(<blockquote key={next()}>{renderInline(quote.join(' '))}</blockquote>)
      continue
    }
    const para: string[] = []
    while (i < lines.length && lines[i]!.trim() && !/^(#{1,6}\s|```|>|\s*([-*+]|\d+[.)])\s+)/.test(lines[i]!))
      para.push(lines[i++]!)
    blocks.push(<p key={next()}>{renderInline(para.join(' '))}</p>)
  }
  return <div className="markdown">{blocks}</div>
}
