function __opsh_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __opsh_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __opsh_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __opsh_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __opsh_parse_tokens -S
    set -l unparsed_tokens (__opsh_tokens -pc)
    switch $unparsed_tokens[1]
    case 'opsh'
        __opsh_parse_subcommand 1 'demo' 'c=' 'format=' 'profile=' 'api-url=' 'token=' 'keep-going' 'yes' 'no-cache' 'allow-insecure-http' 'cacert=' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'login'
            __opsh_parse_subcommand 0 'profile=' 'api-url=' 'no-check' 'allow-insecure-http' 'version' 'h/help'
        case 'help'
            __opsh_parse_subcommand -r 1 'version'
        end
    end
end

function __opsh_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __opsh_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __opsh_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __opsh_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__opsh_tokens -p)
    if test -z "$(__opsh_tokens -t)"
        set -l index (count (__opsh_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'opsh' -f
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" demo' -l 'demo' -d 'Start a built-in emulator of the API with demo data and use it (offline).'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" c' -s 'c' -d 'Run LINE and exit.' -rfka '(__opsh_custom_completion ---completion -- -c (count (__opsh_tokens -pc)) (__opsh_tokens -tC))'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_positional "opsh" -eq 1' -fka '(__opsh_custom_completion ---completion -- positional@0 (count (__opsh_tokens -pc)) (__opsh_tokens -tC))'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" format' -l 'format' -d 'Default output format when a line names none: table, json, jsonl, csv.' -rfka 'table json jsonl csv'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" profile' -l 'profile' -d 'The profile of the config file to use (overrides OPSH_PROFILE).' -rfka '(__opsh_custom_completion ---completion -- --profile (count (__opsh_tokens -pc)) (__opsh_tokens -tC))'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" api-url' -l 'api-url' -d 'The API base URL (overrides OPENPORT_API_URL).' -rfka ''
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" token' -l 'token' -d 'The API token (visible to other users in the process list: prefer OPENPORT_TOKEN).' -rfka ''
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" keep-going' -l 'keep-going' -d 'In a script, run every line even after one fails (exit 1 if any failed).'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" yes' -l 'yes' -d 'Answer yes to confirmations (needed for deletions in scripts).'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" no-cache' -l 'no-cache' -d 'Fetch every time; keep nothing between commands.'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" allow-insecure-http' -l 'allow-insecure-http' -d 'Allow sending the token over plain http:// to a non-loopback host.'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" cacert' -l 'cacert' -d 'Trust the certificate authorities in FILE (PEM) instead of the system\'s.' -rF
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" version' -l 'version' -d 'Show the version.'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_positional "opsh" -eq 2' -fa 'login' -d 'Check an API token and store it in the config file (typed without echo).'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_positional "opsh" -eq 2' -fa 'help' -d 'Show subcommand help information.'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh login" profile' -l 'profile' -d 'The profile to store the token in.' -rfka '(__opsh_custom_completion ---completion login -- --profile (count (__opsh_tokens -pc)) (__opsh_tokens -tC))'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh login" api-url' -l 'api-url' -d 'Also store this API base URL in the profile.' -rfka ''
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh login" no-check' -l 'no-check' -d 'Store the token without trying it on the API.'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh login" allow-insecure-http' -l 'allow-insecure-http' -d 'Allow a plain http:// API URL on another host (the token would cross the network in clear text).'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh login" version' -l 'version' -d 'Show the version.'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh login" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'opsh' -n '__opsh_should_offer_completions_for_flags_or_options "opsh help" version' -l 'version' -d 'Show the version.'
