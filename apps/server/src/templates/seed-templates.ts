import type { CreateTemplateBody } from '@neuropod/contracts'

/**
 * Seeded on first start. Each description promises only what the image and start command really
 * run, and the Jupyter Lab template works out of the box.
 */
export const SEED_TEMPLATES: CreateTemplateBody[] = [
  {
    name: 'Jupyter Lab',
    dockerImage: 'jupyter/minimal-notebook:latest',
    httpPorts: [{ port: 8888, serviceName: 'Jupyter Lab' }],
    tcpPorts: [],
    containerDiskSize: 10,
    volumeDiskSize: 20,
    volumePath: '/home/jovyan/work',
    enableJupyter: true,
    env: {},
    startCommand: null,
    description: `# Jupyter Lab

A ready-to-use **Jupyter Lab** (Project Jupyter's minimal notebook image: Python 3, conda, pip).

- **Jupyter Lab** on port 8888 opens straight from the *Connect* button: NeuroPod handles the token.
- Your notebooks live in \`/home/jovyan/work\`, the persistent volume: they survive stop and start.

Install what you need with \`pip install\` or \`conda install\` in a terminal or a notebook cell.`,
  },
  {
    name: 'Ubuntu Base',
    dockerImage: 'ubuntu:22.04',
    httpPorts: [{ port: 8080, serviceName: 'Web Server' }],
    tcpPorts: [],
    containerDiskSize: 10,
    volumeDiskSize: 20,
    volumePath: '/workspace',
    enableJupyter: false,
    env: {},
    startCommand: 'sleep infinity',
    description: `# Ubuntu Base

A plain **Ubuntu 22.04 LTS** container that stays up (\`sleep infinity\`) for general development.

- Port **8080** is published for a web server of your own: nothing listens there until you start one
  (for example \`python3 -m http.server 8080\` after \`apt-get install -y python3\`).
- Persistent volume at \`/workspace\`; everything else is reset when the pod stops.`,
  },
  {
    name: 'ComfyUI',
    dockerImage: 'yanwk/comfyui-boot:cu124-slim',
    httpPorts: [{ port: 8188, serviceName: 'ComfyUI Web Interface' }],
    tcpPorts: [],
    containerDiskSize: 20,
    volumeDiskSize: 50,
    volumePath: '/workspace',
    enableJupyter: false,
    env: { CLI_ARGS: '--listen 0.0.0.0 --port 8188' },
    startCommand: null,
    description: `# ComfyUI

**ComfyUI**, the node-based interface for Stable Diffusion, on port **8188**.

- Models are not included: download them into the persistent volume (\`/workspace\`) so they survive restarts.
- Recommended: a GPU with at least 8 GB of VRAM; the first start downloads a large image.`,
  },
  {
    name: 'Python Data Science',
    dockerImage: 'jupyter/datascience-notebook:latest',
    httpPorts: [{ port: 8888, serviceName: 'Jupyter Lab' }],
    tcpPorts: [],
    containerDiskSize: 15,
    volumeDiskSize: 30,
    volumePath: '/home/jovyan/work',
    enableJupyter: true,
    env: {},
    startCommand: null,
    description: `# Python Data Science

Jupyter Lab with **Python, R and Julia** kernels and the usual libraries: NumPy, pandas, Matplotlib,
seaborn, scikit-learn, and R's tidyverse.

- **Jupyter Lab** on port 8888 opens from *Connect*, no token to copy.
- Work in \`/home/jovyan/work\` (the persistent volume) to keep your files.`,
  },
]
