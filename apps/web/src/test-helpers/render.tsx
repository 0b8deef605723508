import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render } from '@testing-library/react'
import type { ReactElement } from 'react'
import { MemoryRouter } from 'react-router'
import { ToastProvider } from '../components/Toasts'
import { I18nProvider, type Lang } from '../i18n'

/** Renders a view with the app's providers (English unless asked), a router (at `path`) and a fresh cache. */
export function renderView(
  ui: ReactElement,
  options: { lang?: Lang; client?: QueryClient; path?: string } = {},
) {
  const client = options.client ?? new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return {
    client,
    ...render(
      <QueryClientProvider client={client}>
        <I18nProvider initial={options.lang ?? 'en'}>
          <ToastProvider>
            <MemoryRouter initialEntries={[options.path ?? '/']}>{ui}</MemoryRouter>
          </ToastProvider>
        </I18nProvider>
      </QueryClientProvider>,
    ),
  }
}
