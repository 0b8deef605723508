export const HELP = `Usage: neuropod <command> [options]

  login --url <url> (--email <e> --password <p> | --api-key <key>)   sign in and remember the credential
  logout | whoami
  pods [list] [--all]                 your pods (admins: --all for every pod)
  pods create --name <n> (--template <name|id> | --image <ref>) --gpu <type|cpu>
              [--gpu-count n] [--disk GB] [--volume GB | --volume-id <id>] [--mount /path] [--port p]... [--tcp p]... [--env K=V]...
              [--jupyter] [--cmd <command>] [--idle-timeout min|never] [--max-runtime min]
              [--stop-at <ISO time>] [--wait]
  pods get|urls|events <id>
  volumes [list] [--user <email>]     your volumes: size, used, attached pod, cost per hour (admins: every volume)
  volumes create <name> --size GB [--mount /path] | volumes get <id>
  volumes rename <id> <new name> | volumes resize <id> --size GB (grow only) | volumes delete <id>
  pods start|stop|delete <id> [--wait]   (delete keeps the volume unless --delete-volume)
  pods extend <id>                    keep an idle pod running (its idle deadline moves by one timeout)
  pods logs <id> [--tail n] [--follow]
  pods open <id> [port] [--path /lab] [--browser]   a one-time link that opens the pod URL signed in
  templates | gpus | balance
  keys [list] | keys create <name> | keys revoke <id>
  ssh-keys [list] | ssh-keys add <file.pub> [--name n] | ssh-keys delete <id>
  ssh <pod id or name> [-i key] [-- command…]   open a shell in the pod (system ssh)

Options: --json for machine-readable output. Environment: NEUROPOD_URL, NEUROPOD_TOKEN.`
