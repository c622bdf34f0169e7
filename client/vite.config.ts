import react from '@vitejs/plugin-react'
import { defaultClientConditions, defineConfig } from 'vite'

// The API server; in production it serves this build itself on the same origin.
const server = 'http://127.0.0.1:3000'

const proxy = {
  '/api': { target: server },
  '/socket.io': { target: server, ws: true },
}

export default defineConfig({
  plugins: [react()],
  // Workspace packages (@dropline/contract) are read from their TypeScript source: no build step in between.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: { proxy },
  preview: { proxy },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
  },
})
