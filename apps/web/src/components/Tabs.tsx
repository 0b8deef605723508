import { type KeyboardEvent, type ReactNode, useId, useRef } from 'react'

export interface Tab {
  id: string
  label: string
  /** Rendered only while the tab is selected (a log stream or a terminal runs only while shown) */
  render: () => ReactNode
}

/**
 * WAI-ARIA tabs: one tab stop for the list (arrows, Home and End move between tabs), the panel
 * labelled by its tab. The selection is the caller's, so a page can keep it in its address.
 */
export function Tabs({
  label,
  tabs,
  selected,
  onSelect,
}: {
  label: string
  tabs: Tab[]
  selected: string
  onSelect: (id: string) => void
}) {
  const base = useId()
  const list = useRef<HTMLDivElement>(null)
  const current = tabs.find((tab) => tab.id === selected) ?? tabs[0]
  if (!current) return null
  const tabId = (id: string) => `${base}-tab-${id}`
  const panelId = `${base}-panel`
  const move = (event: KeyboardEvent) => {
    const index = tabs.indexOf(current)
    const next =
      event.key === 'ArrowRight'
        ? tabs[(index + 1) % tabs.length]
        : event.key === 'ArrowLeft'
          ? tabs[(index - 1 + tabs.length) % tabs.length]
          : event.key === 'Home'
            ? tabs[0]
            : event.key === 'End'
              ? tabs[tabs.length - 1]
              : undefined
    if (!next) return
    event.preventDefault()
    onSelect(next.id)
    list.current?.querySelector<HTMLElement>(`[id="${tabId(next.id)}"]`)?.focus()
  }
  return (
    <div className="tabs">
      <div ref={list} className="tab-list" role="tablist" aria-label={label} onKeyDown={move}>
        {tabs.map((tab) => {
          const active = tab.id === current.id
          return (
            <button
              key={tab.id}
              id={tabId(tab.id)}
              type="button"
              role="tab"
              className="tab"
              aria-selected={active}
              aria-controls={active ? panelId : undefined}
              tabIndex={active ? 0 : -1}
              onClick={() => onSelect(tab.id)}
            >
              {tab.label}
            </button>
          )
        })}
      </div>
      <div className="tab-panel" role="tabpanel" id={panelId} aria-labelledby={tabId(current.id)}>
        {current.render()}
      </div>
    </div>
  )
}
