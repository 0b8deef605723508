import react from '@vitejs/plugin-react'
import { defineConfig } from 'vitest/config'

// Component and reducer tests: a DOM (happy-dom), no server.
export default defineConfig({
  plugins: [react()],
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'happy-dom',
    setupFiles: ['src/test-helpers/setup.ts'],
    pool: 'threads',
    maxWorkers: 2,
  },
})
