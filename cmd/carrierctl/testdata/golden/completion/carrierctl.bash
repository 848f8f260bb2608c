# bash completion for carrierctl (carrierctl completion bash)
_carrierctl() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="${COMP_WORDS[1]}" flags=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "update get list remove emulate events demo conformance completion help --help --version" -- "$cur") )
    return
  fi
  if [ "$cmd" = help ]; then
    COMPREPLY=( $(compgen -W "update get list remove emulate events demo conformance completion help" -- "$cur") )
    return
  fi
  case "$cmd" in
    update)
      flags="--account --all --allow-missing-except --announce-method --announce-url --attempt-timeout --base-url --beep-on-exit --call --carrier --coach-call --coaching --concurrency --conference --config --end-conference-on-exit --except --hold --hold-method --hold-url --max-retries --muted --no-progress --output --progress --provider --retry-wait --timeout -v --wait-method --wait-url"
      case "$prev" in
      --account) return ;;
      --announce-method) COMPREPLY=( $(compgen -W "GET POST" -- "$cur") ); return ;;
      --announce-url) return ;;
      --attempt-timeout) return ;;
      --base-url) return ;;
      --beep-on-exit) COMPREPLY=( $(compgen -W "true false" -- "$cur") ); return ;;
      --call) return ;;
      --carrier) return ;;
      --coach-call) return ;;
      --coaching) COMPREPLY=( $(compgen -W "true false" -- "$cur") ); return ;;
      --concurrency) return ;;
      --conference) return ;;
      --config) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
      --end-conference-on-exit) COMPREPLY=( $(compgen -W "true false" -- "$cur") ); return ;;
      --except) return ;;
      --hold) COMPREPLY=( $(compgen -W "true false" -- "$cur") ); return ;;
      --hold-method) COMPREPLY=( $(compgen -W "GET POST" -- "$cur") ); return ;;
      --hold-url) return ;;
      --max-retries) return ;;
      --muted) COMPREPLY=( $(compgen -W "true false" -- "$cur") ); return ;;
      --output) COMPREPLY=( $(compgen -W "table json jsonl" -- "$cur") ); return ;;
      --provider) COMPREPLY=( $(compgen -W "bandwidth plivo signalwire texml twilio vonage" -- "$cur") ); return ;;
      --retry-wait) return ;;
      --timeout) return ;;
      --wait-method) COMPREPLY=( $(compgen -W "GET POST" -- "$cur") ); return ;;
      --wait-url) return ;;
      esac ;;
    get)
      flags="--account --attempt-timeout --base-url --call --carrier --conference --config --max-retries --output --provider --retry-wait --timeout -v"
      case "$prev" in
      --account) return ;;
      --attempt-timeout) return ;;
      --base-url) return ;;
      --call) return ;;
      --carrier) return ;;
      --conference) return ;;
      --config) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
      --max-retries) return ;;
      --output) COMPREPLY=( $(compgen -W "table json jsonl" -- "$cur") ); return ;;
      --provider) COMPREPLY=( $(compgen -W "bandwidth plivo signalwire texml twilio vonage" -- "$cur") ); return ;;
      --retry-wait) return ;;
      --timeout) return ;;
      esac ;;
    list)
      flags="--account --attempt-timeout --base-url --carrier --coaching --conference --config --hold --max-retries --muted --output --page-size --provider --retry-wait --timeout -v"
      case "$prev" in
      --account) return ;;
      --attempt-timeout) return ;;
      --base-url) return ;;
      --carrier) return ;;
      --coaching) COMPREPLY=( $(compgen -W "true false" -- "$cur") ); return ;;
      --conference) return ;;
      --config) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
      --hold) COMPREPLY=( $(compgen -W "true false" -- "$cur") ); return ;;
      --max-retries) return ;;
      --muted) COMPREPLY=( $(compgen -W "true false" -- "$cur") ); return ;;
      --output) COMPREPLY=( $(compgen -W "table json jsonl" -- "$cur") ); return ;;
      --page-size) return ;;
      --provider) COMPREPLY=( $(compgen -W "bandwidth plivo signalwire texml twilio vonage" -- "$cur") ); return ;;
      --retry-wait) return ;;
      --timeout) return ;;
      esac ;;
    remove)
      flags="--account --attempt-timeout --base-url --call --carrier --conference --config --max-retries --output --provider --retry-wait --timeout -v"
      case "$prev" in
      --account) return ;;
      --attempt-timeout) return ;;
      --base-url) return ;;
      --call) return ;;
      --carrier) return ;;
      --conference) return ;;
      --config) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
      --max-retries) return ;;
      --output) COMPREPLY=( $(compgen -W "table json jsonl" -- "$cur") ); return ;;
      --provider) COMPREPLY=( $(compgen -W "bandwidth plivo signalwire texml twilio vonage" -- "$cur") ); return ;;
      --retry-wait) return ;;
      --timeout) return ;;
      esac ;;
    emulate)
      flags="--callback --endpoints --fault --latency --listen --max-concurrent --output --participants -v"
      case "$prev" in
      --callback) return ;;
      --endpoints) return ;;
      --fault) return ;;
      --latency) return ;;
      --listen) return ;;
      --max-concurrent) return ;;
      --output) COMPREPLY=( $(compgen -W "table json jsonl" -- "$cur") ); return ;;
      --participants) return ;;
      esac ;;
    events)
      flags="--count --emulator --listen --output --public-url --trust-forwarded"
      case "$prev" in
      --count) return ;;
      --emulator) return ;;
      --listen) return ;;
      --output) COMPREPLY=( $(compgen -W "table json jsonl" -- "$cur") ); return ;;
      --public-url) return ;;
      esac ;;
    demo)
      flags="--output -v"
      case "$prev" in
      --output) COMPREPLY=( $(compgen -W "table json jsonl" -- "$cur") ); return ;;
      esac ;;
    conformance)
      flags="--account --allow-remove --attempt-timeout --base-url --call --call2 --carrier --conference --config --json --junit --max-retries --no-progress --output --profile --progress --provider --retry-wait --specs --timeout --transcript -v"
      case "$prev" in
      --account) return ;;
      --attempt-timeout) return ;;
      --base-url) return ;;
      --call) return ;;
      --call2) return ;;
      --carrier) return ;;
      --conference) return ;;
      --config) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
      --json) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
      --junit) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
      --max-retries) return ;;
      --output) COMPREPLY=( $(compgen -W "table json jsonl" -- "$cur") ); return ;;
      --profile) COMPREPLY=( $(compgen -W "core full" -- "$cur") ); return ;;
      --provider) COMPREPLY=( $(compgen -W "bandwidth plivo signalwire texml twilio vonage" -- "$cur") ); return ;;
      --retry-wait) return ;;
      --specs) COMPREPLY=( $(compgen -d -- "$cur") ); return ;;
      --timeout) return ;;
      --transcript) COMPREPLY=( $(compgen -d -- "$cur") ); return ;;
      esac ;;
    completion)
      flags=""
      case "$prev" in
      *) COMPREPLY=( $(compgen -W "bash zsh fish" -- "$cur") ); return ;;
      esac ;;
  esac
  COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
}
complete -F _carrierctl carrierctl
