import { describe, expect, it } from 'vitest'
import { parseDcgm } from './pod-metrics-source.js'

/**
 * DCGM exporter output as dcgm-exporter prints it with its Kubernetes pod mapping (labels `pod`,
 * `namespace`, `container`); a pod with two GPUs is summed, other namespaces are ignored.
 */
const DCGM = `# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
# TYPE DCGM_FI_DEV_GPU_UTIL gauge
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-aaaa",device="nvidia0",modelName="NVIDIA A100-SXM4-40GB",Hostname="node-1",container="main",namespace="neuropod",pod="np-0123456789abcdef"} 80
DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-bbbb",device="nvidia1",modelName="NVIDIA A100-SXM4-40GB",Hostname="node-1",container="main",namespace="neuropod",pod="np-0123456789abcdef"} 40
DCGM_FI_DEV_GPU_UTIL{gpu="2",UUID="GPU-cccc",device="nvidia2",modelName="NVIDIA A100-SXM4-40GB",Hostname="node-1",container="x",namespace="other",pod="np-0123456789abcdef"} 99
# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).
# TYPE DCGM_FI_DEV_FB_USED gauge
DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-aaaa",container="main",namespace="neuropod",pod="np-0123456789abcdef"} 1000
DCGM_FI_DEV_FB_USED{gpu="1",UUID="GPU-bbbb",container="main",namespace="neuropod",pod="np-0123456789abcdef"} 3000
# TYPE DCGM_FI_DEV_FB_FREE gauge
DCGM_FI_DEV_FB_FREE{gpu="0",UUID="GPU-aaaa",container="main",namespace="neuropod",pod="np-0123456789abcdef"} 39000
DCGM_FI_DEV_FB_FREE{gpu="1",UUID="GPU-bbbb",container="main",namespace="neuropod",pod="np-0123456789abcdef"} 37000
# TYPE DCGM_FI_DEV_GPU_TEMP gauge
DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-aaaa",container="main",namespace="neuropod",pod="np-0123456789abcdef"} 61
DCGM_FI_DEV_GPU_TEMP{gpu="1",UUID="GPU-bbbb",container="main",namespace="neuropod",pod="np-0123456789abcdef"} 57
# TYPE DCGM_FI_DEV_POWER_USAGE gauge
DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-aaaa",container="main",namespace="neuropod",pod="np-0123456789abcdef"} 250.5
DCGM_FI_DEV_GPU_UTIL{gpu="3",UUID="GPU-dddd",container="",namespace="",pod=""} 0
`

describe('DCGM exporter parsing', () => {
  it('groups the series by pod and GPU, in the pods namespace only', () => {
    const byPod = parseDcgm(DCGM, 'neuropod')
    expect([...byPod.keys()]).toEqual(['np-0123456789abcdef'])
    const gpus = byPod.get('np-0123456789abcdef')!
    expect(gpus).toEqual([
      { util: 80, fbUsedMiB: 1000, fbFreeMiB: 39000, tempC: 61, powerW: 250.5 },
      { util: 40, fbUsedMiB: 3000, fbFreeMiB: 37000, tempC: 57, powerW: null },
    ])
  })
})
