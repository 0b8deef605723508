import type { PodRow, VolumeRow } from '../../db/schema.js'
import type { PodSpec } from '../../runtime/pod-runtime.js'
import { volumeSpec } from '../../volumes/volumes.repository.js'
import { JUPYTER_PORT } from '../pod-validation.js'

/**
 * What the runtime is asked to run for a pod: its image, environment (with NeuroPod's own
 * variables and the Jupyter token), ports, disks and, when the platform places GPUs, the devices.
 */
export function podSpec(
  pod: PodRow,
  volume: VolumeRow,
  deviceIds: string[] | null,
  jupyterToken: string | null,
): PodSpec {
  const env: Record<string, string> = {
    ...pod.env,
    NEUROPOD_POD_ID: pod.id,
    NEUROPOD_WORKSPACE: pod.volume_path,
    NEUROPOD_GPU: pod.gpu,
  }
  if (jupyterToken) {
    env.JUPYTER_TOKEN = jupyterToken
    env.JUPYTER_PORT = String(JUPYTER_PORT)
  }
  return {
    podId: pod.id,
    slug: pod.slug,
    userId: pod.user_id,
    image: pod.docker_image,
    env,
    startCommand: pod.start_command,
    httpPorts: pod.http_services.map((s) => s.port),
    publicHttpPorts: pod.http_services.filter((s) => s.access === 'public').map((s) => s.port),
    tcpPorts: pod.tcp_services.map((s) => s.port),
    volumePath: pod.volume_path,
    volumeSizeGb: volume.size_gb,
    volume: volumeSpec(volume),
    containerDiskGb: pod.container_disk_size,
    gpu: usesGpus(pod) ? { type: pod.gpu, count: pod.gpu_count, deviceIds } : null,
    jupyter: jupyterToken ? { token: jupyterToken, port: JUPYTER_PORT } : null,
  }
}

export function usesGpus(pod: Pick<PodRow, 'gpu' | 'gpu_count'>): boolean {
  return pod.gpu !== 'cpu' && pod.gpu_count > 0
}
