# fish completion for carrierctl (carrierctl completion fish)
complete -c carrierctl -f
complete -c carrierctl -n __fish_use_subcommand -a update -d 'change a participant (or, with --all, a whole conference): mute, hold and its music, announcements, wait music, coaching'
complete -c carrierctl -n __fish_use_subcommand -a get -d 'show a participant'
complete -c carrierctl -n __fish_use_subcommand -a list -d 'list a conference\'s participants'
complete -c carrierctl -n __fish_use_subcommand -a remove -d 'take a participant out of its conference'
complete -c carrierctl -n __fish_use_subcommand -a emulate -d 'serve local fakes of every carrier\'s API, each seeded with a demo conference'
complete -c carrierctl -n __fish_use_subcommand -a events -d 'receive conference callbacks, verify them and print the neutral events'
complete -c carrierctl -n __fish_use_subcommand -a demo -d 'walk one neutral update through every carrier on an in-process emulator'
complete -c carrierctl -n __fish_use_subcommand -a conformance -d 'certify an endpoint: run the live conformance checks and write a report'
complete -c carrierctl -n __fish_use_subcommand -a completion -d 'print a shell completion script: bash, zsh or fish'
complete -c carrierctl -n '__fish_seen_subcommand_from help' -a 'update get list remove emulate events demo conformance completion'
complete -c carrierctl -n __fish_use_subcommand -l version -d 'print the version'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l account -d 'account id (default: the carrier\'s environment variable, or the config file\'s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l all -d 'update every participant of the conference (instead of --call)'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l allow-missing-except -d 'with --all, let an --except that matches no participant leave no one out instead of failing'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l announce-method -d 'GET|POST for --announce-url' -x -a 'GET POST'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l announce-url -d 'URL played to the participant once' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l attempt-timeout -d 'give up on one HTTP attempt after this duration (default 15s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l base-url -d 'API root URL, as carrierctl emulate prints it (e.g. http://127.0.0.1:PORT/v2 for texml)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l beep-on-exit -d 'beep when the participant leaves (true|false)' -x -a 'true false'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l call -d 'participant\'s call id, or label where the carrier has labels' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l carrier -d 'carrier name in the --config file (optional when the account or the ids identify it)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l coach-call -d 'call id of the participant being coached' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l coaching -d 'make the participant a coach (true|false; true needs --coach-call)' -x -a 'true false'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l concurrency -d 'with --all, N requests in flight at most' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l conference -d 'conference id, in the carrier\'s id shape' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l config -d 'JSON config file naming carriers, instead of --provider' -r -F
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l end-conference-on-exit -d 'end the conference when the participant leaves (true|false)' -x -a 'true false'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l except -d 'with --all, leave out this call id or label (repeatable); one that matches no participant fails the' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l hold -d 'put on hold or take off hold (true|false)' -x -a 'true false'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l hold-method -d 'GET|POST for --hold-url' -x -a 'GET POST'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l hold-url -d 'music or TwiML/TeXML URL played while on hold' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l max-retries -d 'count of retries after the first attempt' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l muted -d 'mute or unmute (true|false)' -x -a 'true false'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l no-progress -d 'never draw progress (default: drawn only when stderr is a terminal)'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l output -d 'output format: table, json (one document) or jsonl (one JSON object a line, as results come)' -x -a 'table json jsonl'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l progress -d 'draw progress on stderr even when it is not a terminal'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l provider -d 'carrier API name: bandwidth, plivo, signalwire, texml, twilio, vonage (or use --config)' -x -a 'bandwidth plivo signalwire texml twilio vonage'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l retry-wait -d 'duration of the backoff between retries (default 100ms doubling to 2s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l timeout -d 'give up after this duration (the whole call, retries included)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from update' -o v -d 'debug logs to stderr (never credentials)'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l wait-method -d 'GET|POST for --wait-url' -x -a 'GET POST'
complete -c carrierctl -n '__fish_seen_subcommand_from update' -l wait-url -d 'wait music URL before the conference starts; "" turns it off' -x
complete -c carrierctl -n '__fish_seen_subcommand_from get' -l account -d 'account id (default: the carrier\'s environment variable, or the config file\'s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from get' -l attempt-timeout -d 'give up on one HTTP attempt after this duration (default 15s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from get' -l base-url -d 'API root URL, as carrierctl emulate prints it (e.g. http://127.0.0.1:PORT/v2 for texml)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from get' -l call -d 'participant\'s call id, or label where the carrier has labels' -x
complete -c carrierctl -n '__fish_seen_subcommand_from get' -l carrier -d 'carrier name in the --config file (optional when the account or the ids identify it)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from get' -l conference -d 'conference id, in the carrier\'s id shape' -x
complete -c carrierctl -n '__fish_seen_subcommand_from get' -l config -d 'JSON config file naming carriers, instead of --provider' -r -F
complete -c carrierctl -n '__fish_seen_subcommand_from get' -l max-retries -d 'count of retries after the first attempt' -x
complete -c carrierctl -n '__fish_seen_subcommand_from get' -l output -d 'output format: table, json (one document) or jsonl (one JSON object a line, as results come)' -x -a 'table json jsonl'
complete -c carrierctl -n '__fish_seen_subcommand_from get' -l provider -d 'carrier API name: bandwidth, plivo, signalwire, texml, twilio, vonage (or use --config)' -x -a 'bandwidth plivo signalwire texml twilio vonage'
complete -c carrierctl -n '__fish_seen_subcommand_from get' -l retry-wait -d 'duration of the backoff between retries (default 100ms doubling to 2s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from get' -l timeout -d 'give up after this duration (the whole call, retries included)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from get' -o v -d 'debug logs to stderr (never credentials)'
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l account -d 'account id (default: the carrier\'s environment variable, or the config file\'s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l attempt-timeout -d 'give up on one HTTP attempt after this duration (default 15s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l base-url -d 'API root URL, as carrierctl emulate prints it (e.g. http://127.0.0.1:PORT/v2 for texml)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l carrier -d 'carrier name in the --config file (optional when the account or the ids identify it)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l coaching -d 'only the coaches (true) or the others (false)' -x -a 'true false'
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l conference -d 'conference id, in the carrier\'s id shape' -x
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l config -d 'JSON config file naming carriers, instead of --provider' -r -F
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l hold -d 'only those on hold (true) or not (false)' -x -a 'true false'
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l max-retries -d 'count of retries after the first attempt' -x
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l muted -d 'only the muted (true) or the unmuted (false)' -x -a 'true false'
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l output -d 'output format: table, json (one document) or jsonl (one JSON object a line, as results come)' -x -a 'table json jsonl'
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l page-size -d 'participants a page, where the carrier takes it (N; the carrier\'s maximum if smaller)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l provider -d 'carrier API name: bandwidth, plivo, signalwire, texml, twilio, vonage (or use --config)' -x -a 'bandwidth plivo signalwire texml twilio vonage'
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l retry-wait -d 'duration of the backoff between retries (default 100ms doubling to 2s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from list' -l timeout -d 'give up after this duration (the whole call, retries included)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from list' -o v -d 'debug logs to stderr (never credentials)'
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -l account -d 'account id (default: the carrier\'s environment variable, or the config file\'s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -l attempt-timeout -d 'give up on one HTTP attempt after this duration (default 15s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -l base-url -d 'API root URL, as carrierctl emulate prints it (e.g. http://127.0.0.1:PORT/v2 for texml)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -l call -d 'participant\'s call id, or label where the carrier has labels' -x
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -l carrier -d 'carrier name in the --config file (optional when the account or the ids identify it)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -l conference -d 'conference id, in the carrier\'s id shape' -x
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -l config -d 'JSON config file naming carriers, instead of --provider' -r -F
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -l max-retries -d 'count of retries after the first attempt' -x
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -l output -d 'output format: table, json (one document) or jsonl (one JSON object a line, as results come)' -x -a 'table json jsonl'
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -l provider -d 'carrier API name: bandwidth, plivo, signalwire, texml, twilio, vonage (or use --config)' -x -a 'bandwidth plivo signalwire texml twilio vonage'
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -l retry-wait -d 'duration of the backoff between retries (default 100ms doubling to 2s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -l timeout -d 'give up after this duration (the whole call, retries included)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from remove' -o v -d 'debug logs to stderr (never credentials)'
complete -c carrierctl -n '__fish_seen_subcommand_from emulate' -l callback -d 'post a conference\'s status callbacks to a URL (repeatable): PROVIDER[:CONFERENCE]=[GET:]URL,' -x
complete -c carrierctl -n '__fish_seen_subcommand_from emulate' -l endpoints -d 'count of listeners (endpoints) serving the same state; with a fixed port, the next ports' -x
complete -c carrierctl -n '__fish_seen_subcommand_from emulate' -l fault -d 'inject a fault (repeatable): PROVIDER:STATUS|drop|reset|malformed|hang|truncate|trickle[:TIMES|always][@ENDPOINT]' -x
complete -c carrierctl -n '__fish_seen_subcommand_from emulate' -l latency -d 'add this duration to every answer, e.g. 20ms' -x
complete -c carrierctl -n '__fish_seen_subcommand_from emulate' -l listen -d 'address to serve on (port 0 picks a free one)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from emulate' -l max-concurrent -d 'answer 429 (twilio 20429, texml 10011) past N requests in flight per account (0: no limit)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from emulate' -l output -d 'output format: table, json (one document) or jsonl (one JSON object a line, as results come)' -x -a 'table json jsonl'
complete -c carrierctl -n '__fish_seen_subcommand_from emulate' -l participants -d 'grow each demo conference to N participants (labels participant-3, …)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from emulate' -o v -d 'log each request to stderr (never credentials)'
complete -c carrierctl -n '__fish_seen_subcommand_from events' -l count -d 'stop after N events (0: until interrupted)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from events' -l emulator -d 'the base URL of a carrierctl emulate to take the secrets from and subscribe to' -x
complete -c carrierctl -n '__fish_seen_subcommand_from events' -l listen -d 'address to listen on (port 0 picks a free one)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from events' -l output -d 'output format: table, json (one document) or jsonl (one JSON object a line, as results come)' -x -a 'table json jsonl'
complete -c carrierctl -n '__fish_seen_subcommand_from events' -l public-url -d 'the URL the carrier posts to, as signed (default: http://the listen address)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from events' -l trust-forwarded -d 'take the signed URL\'s scheme and host from X-Forwarded-Proto/-Host (only behind your own proxy)'
complete -c carrierctl -n '__fish_seen_subcommand_from demo' -l output -d 'output format: table, json (one document) or jsonl (one JSON object a line, as results come)' -x -a 'table json jsonl'
complete -c carrierctl -n '__fish_seen_subcommand_from demo' -o v -d 'debug logs to stderr (never credentials)'
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l account -d 'account id (default: the carrier\'s environment variable, or the config file\'s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l allow-remove -d 'let the remove check take --call2 out of the conference (cannot be undone)'
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l attempt-timeout -d 'give up on one HTTP attempt after this duration (default 15s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l base-url -d 'API root URL, as carrierctl emulate prints it (e.g. http://127.0.0.1:PORT/v2 for texml)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l call -d 'participant\'s call id, or label where the carrier has labels' -x
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l call2 -d 'a second participant\'s call id in the conference: coached by the Coaching check, removed with --allow-remove' -x
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l carrier -d 'carrier name in the --config file (optional when the account or the ids identify it)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l conference -d 'conference id, in the carrier\'s id shape' -x
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l config -d 'JSON config file naming carriers, instead of --provider' -r -F
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l json -d 'write JSON lines (manifest, one line per check, latencies) to file' -r -F
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l junit -d 'write JUnit XML to file' -r -F
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l max-retries -d 'count of retries after the first attempt' -x
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l no-progress -d 'never draw progress (default: drawn only when stderr is a terminal)'
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l output -d 'output format: table, json (one document) or jsonl (one JSON object a line, as results come)' -x -a 'table json jsonl'
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l profile -d 'checks to run: core (required for certification) or full (core plus optional checks)' -x -a 'core full'
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l progress -d 'draw progress on stderr even when it is not a terminal'
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l provider -d 'carrier API name: bandwidth, plivo, signalwire, texml, twilio, vonage (or use --config)' -x -a 'bandwidth plivo signalwire texml twilio vonage'
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l retry-wait -d 'duration of the backoff between retries (default 100ms doubling to 2s)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l specs -d 'dir holding the vendors\' OpenAPI specs, for a carrierctl built with -tags carrierkit_spec (default $CARRIERKIT_SPECS, else shared/specs beside carrierctl\'s module)' -r -F
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l timeout -d 'give up after this duration (the whole call, retries included)' -x
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -l transcript -d 'write every request and answer, credentials redacted, to dir (one file per check)' -r -F
complete -c carrierctl -n '__fish_seen_subcommand_from conformance' -o v -d 'debug logs to stderr (never credentials)'
complete -c carrierctl -n '__fish_seen_subcommand_from completion' -x -a 'bash zsh fish'
