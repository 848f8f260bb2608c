#compdef carrierctl
# zsh completion for carrierctl (carrierctl completion zsh)
_carrierctl() {
  local -a commands
  commands=(
    'update:change a participant (or, with --all, a whole conference) - mute, hold and its music, announcements, wait music, coaching'
    'get:show a participant'
    'list:list a conferences participants'
    'remove:take a participant out of its conference'
    'emulate:serve local fakes of every carriers API, each seeded with a demo conference'
    'events:receive conference callbacks, verify them and print the neutral events'
    'demo:walk one neutral update through every carrier on an in-process emulator'
    'conformance:certify an endpoint - run the live conformance checks and write a report'
    'completion:print a shell completion script - bash, zsh or fish'
    'help:show a command'\''s flags'
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
    update)
      _arguments \
        '--account[account id (default - the carriers environment variable, or the config files)]:value: ' \
        '--all[update every participant of the conference (instead of --call)]' \
        '--allow-missing-except[with --all, let an --except that matches no participant leave no one out instead of failing]' \
        '--announce-method[GET|POST for --announce-url]:value:(GET POST)' \
        '--announce-url[URL played to the participant once]:value: ' \
        '--attempt-timeout[give up on one HTTP attempt after this duration (default 15s)]:value: ' \
        '--base-url[API root URL, as carrierctl emulate prints it (e.g. http -//127.0.0.1 -8080/v2 for texml)]:value: ' \
        '--beep-on-exit[beep when the participant leaves (true|false)]:value:(true false)' \
        '--call[participants call id, or label where the carrier has labels]:value: ' \
        '--carrier[carrier name in the --config file (optional when the account or the ids identify it)]:value: ' \
        '--coach-call[call id of the participant being coached]:value: ' \
        '--coaching[make the participant a coach (true|false; true needs --coach-call)]:value:(true false)' \
        '--concurrency[with --all, N requests in flight at most]:value: ' \
        '--conference[conference id, in the carriers id shape]:value: ' \
        '--config[JSON config file naming carriers, instead of --provider]:file:_files' \
        '--end-conference-on-exit[end the conference when the participant leaves (true|false)]:value:(true false)' \
        '--except[with --all, leave out this call id or label (repeatable); one that matches no participant fails the]:value: ' \
        '--hold[put on hold or take off hold (true|false)]:value:(true false)' \
        '--hold-method[GET|POST for --hold-url]:value:(GET POST)' \
        '--hold-url[music or TwiML/TeXML URL played while on hold]:value: ' \
        '--max-retries[count of retries after the first attempt]:value: ' \
        '--muted[mute or unmute (true|false)]:value:(true false)' \
        '--no-progress[never draw progress (default - drawn only when stderr is a terminal)]' \
        '--output[output format - table, json (one document) or jsonl (one JSON object a line, as results come)]:value:(table json jsonl)' \
        '--progress[draw progress on stderr even when it is not a terminal]' \
        '--provider[carrier API name - bandwidth, plivo, signalwire, texml, twilio, vonage (or use --config)]:value:(bandwidth plivo signalwire texml twilio vonage)' \
        '--retry-wait[duration of the backoff between retries (default 100ms doubling to 2s)]:value: ' \
        '--timeout[give up after this duration (the whole call, retries included)]:value: ' \
        '-v[debug logs to stderr (never credentials)]' \
        '--wait-method[GET|POST for --wait-url]:value:(GET POST)' \
        '--wait-url[wait music URL before the conference starts; "" turns it off]:value: ' ;;
    get)
      _arguments \
        '--account[account id (default - the carriers environment variable, or the config files)]:value: ' \
        '--attempt-timeout[give up on one HTTP attempt after this duration (default 15s)]:value: ' \
        '--base-url[API root URL, as carrierctl emulate prints it (e.g. http -//127.0.0.1 -8080/v2 for texml)]:value: ' \
        '--call[participants call id, or label where the carrier has labels]:value: ' \
        '--carrier[carrier name in the --config file (optional when the account or the ids identify it)]:value: ' \
        '--conference[conference id, in the carriers id shape]:value: ' \
        '--config[JSON config file naming carriers, instead of --provider]:file:_files' \
        '--max-retries[count of retries after the first attempt]:value: ' \
        '--output[output format - table, json (one document) or jsonl (one JSON object a line, as results come)]:value:(table json jsonl)' \
        '--provider[carrier API name - bandwidth, plivo, signalwire, texml, twilio, vonage (or use --config)]:value:(bandwidth plivo signalwire texml twilio vonage)' \
        '--retry-wait[duration of the backoff between retries (default 100ms doubling to 2s)]:value: ' \
        '--timeout[give up after this duration (the whole call, retries included)]:value: ' \
        '-v[debug logs to stderr (never credentials)]' ;;
    list)
      _arguments \
        '--account[account id (default - the carriers environment variable, or the config files)]:value: ' \
        '--attempt-timeout[give up on one HTTP attempt after this duration (default 15s)]:value: ' \
        '--base-url[API root URL, as carrierctl emulate prints it (e.g. http -//127.0.0.1 -8080/v2 for texml)]:value: ' \
        '--carrier[carrier name in the --config file (optional when the account or the ids identify it)]:value: ' \
        '--coaching[only the coaches (true) or the others (false)]:value:(true false)' \
        '--conference[conference id, in the carriers id shape]:value: ' \
        '--config[JSON config file naming carriers, instead of --provider]:file:_files' \
        '--hold[only those on hold (true) or not (false)]:value:(true false)' \
        '--max-retries[count of retries after the first attempt]:value: ' \
        '--muted[only the muted (true) or the unmuted (false)]:value:(true false)' \
        '--output[output format - table, json (one document) or jsonl (one JSON object a line, as results come)]:value:(table json jsonl)' \
        '--page-size[participants a page, where the carrier takes it (N; the carriers maximum if smaller)]:value: ' \
        '--provider[carrier API name - bandwidth, plivo, signalwire, texml, twilio, vonage (or use --config)]:value:(bandwidth plivo signalwire texml twilio vonage)' \
        '--retry-wait[duration of the backoff between retries (default 100ms doubling to 2s)]:value: ' \
        '--timeout[give up after this duration (the whole call, retries included)]:value: ' \
        '-v[debug logs to stderr (never credentials)]' ;;
    remove)
      _arguments \
        '--account[account id (default - the carriers environment variable, or the config files)]:value: ' \
        '--attempt-timeout[give up on one HTTP attempt after this duration (default 15s)]:value: ' \
        '--base-url[API root URL, as carrierctl emulate prints it (e.g. http -//127.0.0.1 -8080/v2 for texml)]:value: ' \
        '--call[participants call id, or label where the carrier has labels]:value: ' \
        '--carrier[carrier name in the --config file (optional when the account or the ids identify it)]:value: ' \
        '--conference[conference id, in the carriers id shape]:value: ' \
        '--config[JSON config file naming carriers, instead of --provider]:file:_files' \
        '--max-retries[count of retries after the first attempt]:value: ' \
        '--output[output format - table, json (one document) or jsonl (one JSON object a line, as results come)]:value:(table json jsonl)' \
        '--provider[carrier API name - bandwidth, plivo, signalwire, texml, twilio, vonage (or use --config)]:value:(bandwidth plivo signalwire texml twilio vonage)' \
        '--retry-wait[duration of the backoff between retries (default 100ms doubling to 2s)]:value: ' \
        '--timeout[give up after this duration (the whole call, retries included)]:value: ' \
        '-v[debug logs to stderr (never credentials)]' ;;
    emulate)
      _arguments \
        '--callback[post a conferences status callbacks to a URL (repeatable) - PROVIDER( -CONFERENCE)=(GET -)URL,]:value: ' \
        '--endpoints[count of listeners (endpoints) serving the same state; with a fixed port, the next ports]:value: ' \
        '--fault[inject a fault (repeatable) - PROVIDER -STATUS|drop|reset|malformed|hang|truncate|trickle( -TIMES|always)(@ENDPOINT)]:value: ' \
        '--latency[add this duration to every answer, e.g. 20ms]:value: ' \
        '--listen[address to serve on (port 0 picks a free one)]:value: ' \
        '--max-concurrent[answer 429 (twilio 20429, texml 10011) past N requests in flight per account (0 - no limit)]:value: ' \
        '--output[output format - table, json (one document) or jsonl (one JSON object a line, as results come)]:value:(table json jsonl)' \
        '--participants[grow each demo conference to N participants (labels participant-3, …)]:value: ' \
        '-v[log each request to stderr (never credentials)]' ;;
    events)
      _arguments \
        '--count[stop after N events (0 - until interrupted)]:value: ' \
        '--emulator[the base URL of a carrierctl emulate to take the secrets from and subscribe to]:value: ' \
        '--listen[address to listen on (port 0 picks a free one)]:value: ' \
        '--output[output format - table, json (one document) or jsonl (one JSON object a line, as results come)]:value:(table json jsonl)' \
        '--public-url[the URL the carrier posts to, as signed (default - http -//the listen address)]:value: ' \
        '--trust-forwarded[take the signed URLs scheme and host from X-Forwarded-Proto/-Host (only behind your own proxy)]' ;;
    demo)
      _arguments \
        '--output[output format - table, json (one document) or jsonl (one JSON object a line, as results come)]:value:(table json jsonl)' \
        '-v[debug logs to stderr (never credentials)]' ;;
    conformance)
      _arguments \
        '--account[account id (default - the carriers environment variable, or the config files)]:value: ' \
        '--allow-remove[let the remove check take --call2 out of the conference (cannot be undone)]' \
        '--attempt-timeout[give up on one HTTP attempt after this duration (default 15s)]:value: ' \
        '--base-url[API root URL, as carrierctl emulate prints it (e.g. http -//127.0.0.1 -8080/v2 for texml)]:value: ' \
        '--call[participants call id, or label where the carrier has labels]:value: ' \
        '--call2[a second participants call id in the conference - coached by the Coaching check, removed with --allow-remove]:value: ' \
        '--carrier[carrier name in the --config file (optional when the account or the ids identify it)]:value: ' \
        '--conference[conference id, in the carriers id shape]:value: ' \
        '--config[JSON config file naming carriers, instead of --provider]:file:_files' \
        '--json[write JSON lines (manifest, one line per check, latencies) to file]:file:_files' \
        '--junit[write JUnit XML to file]:file:_files' \
        '--max-retries[count of retries after the first attempt]:value: ' \
        '--no-progress[never draw progress (default - drawn only when stderr is a terminal)]' \
        '--output[output format - table, json (one document) or jsonl (one JSON object a line, as results come)]:value:(table json jsonl)' \
        '--profile[checks to run - core (required for certification) or full (core plus optional checks)]:value:(core full)' \
        '--progress[draw progress on stderr even when it is not a terminal]' \
        '--provider[carrier API name - bandwidth, plivo, signalwire, texml, twilio, vonage (or use --config)]:value:(bandwidth plivo signalwire texml twilio vonage)' \
        '--retry-wait[duration of the backoff between retries (default 100ms doubling to 2s)]:value: ' \
        '--specs[dir holding the vendors OpenAPI specs, for a carrierctl built with -tags carrierkit_spec (default $CARRIERKIT_SPECS, else shared/specs beside carrierctls module)]:dir:_files -/' \
        '--timeout[give up after this duration (the whole call, retries included)]:value: ' \
        '--transcript[write every request and answer, credentials redacted, to dir (one file per check)]:dir:_files -/' \
        '-v[debug logs to stderr (never credentials)]' ;;
    completion)
      _arguments \
        '1:shell:(bash zsh fish)' ;;
    help)
      _values 'command' update get list remove emulate events demo conformance completion ;;
  esac
}
compdef _carrierctl carrierctl
