# bash completion for wsusctl (installed to /usr/share/bash-completion/completions/wsusctl)
_wsusctl() {
    local cur prev verb sub
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    verb=${COMP_WORDS[1]}
    sub=${COMP_WORDS[2]}
    local globals="--url --token-file --certificate --data-dir --json --csv --help"
    case $prev in
        --data-dir|--token-file|--certificate) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --approval) COMPREPLY=($(compgen -W "any approved unapproved declined" -- "$cur")); return ;;
        --action) COMPREPLY=($(compgen -W "install uninstall not-approved" -- "$cur")); return ;;
    esac
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "update group computer report audit server sync token rule cleanup maintenance health metrics backup content $globals" -- "$cur"))
        return
    fi
    if [ "$COMP_CWORD" -eq 2 ]; then
        case $verb in
            update) COMPREPLY=($(compgen -W "list show approve decline undecline" -- "$cur")) ;;
            group) COMPREPLY=($(compgen -W "list create rename move delete" -- "$cur")) ;;
            computer) COMPREPLY=($(compgen -W "list show move delete" -- "$cur")) ;;
            report) COMPREPLY=($(compgen -W "computers" -- "$cur")) ;;
            server) COMPREPLY=($(compgen -W "info downstream config" -- "$cur")) ;;
            rule) COMPREPLY=($(compgen -W "list create enable disable delete run" -- "$cur")) ;;
            content) COMPREPLY=($(compgen -W "status" -- "$cur")) ;;
            cleanup|maintenance) COMPREPLY=($(compgen -W "--dry-run $globals" -- "$cur")) ;;
            backup) COMPREPLY=($(compgen -W "--path $globals" -- "$cur")) ;;
            token) COMPREPLY=($(compgen -W "list" -- "$cur")) ;;
            sync) COMPREPLY=($(compgen -W "start history status" -- "$cur")) ;;
            audit) COMPREPLY=($(compgen -W "--limit $globals" -- "$cur")) ;;
        esac
        return
    fi
    local opts=""
    case "$verb $sub" in
        "update list") opts="--text --kb --classification --product --approval --after --limit" ;;
        "update approve") opts="--group --action --deadline --accept-eula" ;;
        "rule create") opts="--classification --product --group --deadline-days --disabled" ;;
        "content status") opts="--list-missing" ;;
        "server config")
            if [ "$COMP_CWORD" -eq 3 ]; then opts="get set unset"; fi ;;
        "group create"|"group move") opts="--parent" ;;
        "computer list") opts="--group --limit" ;;
        "computer move") opts="--group" ;;
        "report computers") opts="--stale-days --limit" ;;
    esac
    COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
}
complete -F _wsusctl wsusctl
