import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `npm run dev`: the UI on :5173 with hot reload; the API and realtime go to the server on :3000
// (NEUROPOD_API_URL overrides it). The Host header is kept so the server's same-origin checks
// for the session cookie and the socket accept the dev origin.
const api = process.env.NEUROPOD_API_URL ?? 'http://localhost:3000'

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      '/api': { target: api },
      '/socket.io': { target: api, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
})
