/**
 * Plain constants shared with browsers. This module imports nothing, so the web UI can use the
 * same rules as the server (`@neuropod/contracts/patterns`) without bundling the schema library.
 */

/** Docker image reference: [registry[:port]/]name[:tag][@sha256:digest] */
export const IMAGE_REF_PATTERN =
  '^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]{1,5})?/)?' +
  '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*' +
  '(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$'

export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,127}$'

export const GPU_ID_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$'

/** `cpu` asks for no GPU; it is never a catalog entry. */
export const CPU_GPU_ID = 'cpu'
