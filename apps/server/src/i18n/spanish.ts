import { DEFAULT_GPUS, defaultSettings } from '../pricing/catalog.js'
import { SEED_TEMPLATES } from '../templates/seed-templates.js'

/*
 * Spanish for the texts the server writes and the web app shows as they come: ledger reasons, the
 * default GPU tiers and storage descriptions, the seeded templates' descriptions, and the error
 * messages people meet most. Only the server's own defaults are translated: a text an admin has
 * changed no longer matches and is shown as written.
 */

const GPU_TIERS: Record<string, string> = {
  'Entry Level': 'Nivel básico',
  'Ultra Performance': 'Máximo rendimiento',
  Flagship: 'Gama alta',
}

const STORAGE: Record<string, string> = {
  container: 'Almacenamiento temporal del contenedor',
  volume: 'Almacenamiento persistente del volumen (se conserva mientras el pod está detenido)',
}

const TEMPLATE_DESCRIPTIONS: Record<string, string> = {
  'Jupyter Lab': `# Jupyter Lab

Un **Jupyter Lab** listo para usar (la imagen mínima de Project Jupyter: Python 3, conda, pip).

- **Jupyter Lab** en el puerto 8888 se abre directamente con el botón *Conectar*: NeuroPod se ocupa del token.
- Tus cuadernos viven en \`/home/jovyan/work\`, el volumen persistente: sobreviven a detener y arrancar.

Instala lo que necesites con \`pip install\` o \`conda install\` en una terminal o una celda.`,
  'Ubuntu Base': `# Ubuntu Base

Un contenedor **Ubuntu 22.04 LTS** sencillo que sigue en marcha (\`sleep infinity\`) para desarrollo general.

- El puerto **8080** se publica para un servidor web propio: nada escucha ahí hasta que arranques uno
  (por ejemplo \`python3 -m http.server 8080\` tras \`apt-get install -y python3\`).
- Volumen persistente en \`/workspace\`; todo lo demás se borra al detener el pod.`,
  ComfyUI: `# ComfyUI

**ComfyUI**, la interfaz de nodos para Stable Diffusion, en el puerto **8188**.

- No incluye modelos: descárgalos en el volumen persistente (\`/workspace\`) para que sobrevivan a los reinicios.
- Recomendado: una GPU con al menos 8 GB de VRAM; el primer arranque descarga una imagen grande.`,
  'Python Data Science': `# Python Data Science

Jupyter Lab con kernels de **Python, R y Julia** y las bibliotecas habituales: NumPy, pandas, Matplotlib,
seaborn, scikit-learn y el tidyverse de R.

- **Jupyter Lab** en el puerto 8888 se abre desde *Conectar*, sin token que copiar.
- Trabaja en \`/home/jovyan/work\` (el volumen persistente) para conservar tus archivos.`,
}

const MESSAGES: Record<string, string> = {
  'Pod usage': 'Uso del pod',
  'Wrong e-mail or password': 'Correo o contraseña incorrectos',
  'The request has invalid fields': 'La petición tiene campos no válidos',
  'The request contains control characters': 'La petición contiene caracteres de control',
  'Must not contain control characters': 'No debe contener caracteres de control',
  'The request body is not valid JSON': 'El cuerpo de la petición no es JSON válido',
  'The request body is too large': 'El cuerpo de la petición es demasiado grande',
  'Authentication required': 'Hay que iniciar sesión',
  'Sign in to use this endpoint (Authorization: Bearer <token>)':
    'Inicia sesión para usar este endpoint (Authorization: Bearer <token>)',
  'You are not allowed to do this': 'No tienes permiso para hacer esto',
  'Administrators only': 'Solo administradores',
  'User not found': 'Usuario no encontrado',
  'Pod not found': 'Pod no encontrado',
  'Volume not found': 'Volumen no encontrado',
  'Template not found': 'Plantilla no encontrada',
  'SSH key not found': 'Clave SSH no encontrada',
  'API key not found': 'Clave de API no encontrada',
  'You do not have access to this pod': 'No tienes acceso a este pod',
  'You do not have access to this volume': 'No tienes acceso a este volumen',
  'You may only see your own billing': 'Solo puedes ver tu propia facturación',
  'The pod request has problems': 'La petición del pod tiene problemas',
  'The volume request has problems': 'La petición del volumen tiene problemas',
  'The pod is being deleted': 'El pod se está eliminando',
  'The pod is stopping; start it again once it has stopped':
    'El pod se está deteniendo; arráncalo de nuevo cuando se haya detenido',
  'You cannot suspend yourself': 'No puedes suspenderte a ti mismo',
  'You cannot delete yourself': 'No puedes eliminarte a ti mismo',
  'You cannot change your own role': 'No puedes cambiar tu propio rol',
  'The amount must not be zero': 'El importe no puede ser cero',
}

function exactTexts(): Map<string, string> {
  const texts = new Map<string, string>(Object.entries(MESSAGES))
  for (const gpu of DEFAULT_GPUS) {
    const tier = GPU_TIERS[gpu.performance]
    if (tier) texts.set(gpu.performance, tier)
  }
  const settings = defaultSettings()
  texts.set(settings.container_disk_description, STORAGE.container!)
  texts.set(settings.volume_disk_description, STORAGE.volume!)
  for (const template of SEED_TEMPLATES) {
    const spanish = TEMPLATE_DESCRIPTIONS[template.name]
    if (spanish && template.description) texts.set(template.description, spanish)
  }
  return texts
}

const PATTERNS: [RegExp, string][] = [
  [/^Usage of (\d+) pods$/, 'Uso de $1 pods'],
  [
    /^Insufficient balance\. Required: (-?€[\d.]+) \(([\d.]+) h of your pods\), available: (-?€[\d.]+)$/,
    'Saldo insuficiente. Necesario: $1 ($2 h de tus pods), disponible: $3',
  ],
  [
    /^Insufficient balance\. Required: (-?€[\d.]+) \(([\d.]+) h of your pods and volumes\), available: (-?€[\d.]+)$/,
    'Saldo insuficiente. Necesario: $1 ($2 h de tus pods y volúmenes), disponible: $3',
  ],
]

const SPANISH = exactTexts()

/** The Spanish for one of the server's own texts, or the text unchanged. */
export function toSpanish(text: string): string {
  const exact = SPANISH.get(text)
  if (exact !== undefined) return exact
  for (const [pattern, replacement] of PATTERNS)
    if (pattern.test(text)) return text.replace(pattern, replacement)
  return text
}
