# fish completion for `git ml` and `gitml` (printed by `git ml completion fish`).
#
# Install: git ml completion fish > ~/.config/fish/conf.d/git-ml.fish
# (conf.d, not completions/: the file also teaches fish's `git` completion about `ml`).
#
# Every completion asks `git ml __complete -- WORD...`: the first line of the answer is
# what else to offer (files or dirs), the others are candidates, "value<TAB>description".

function __gitml_complete --description 'Complete the words after `git ml` or `gitml`'
    set -l tokens (commandline -opc)
    # Drop the program: `gitml`/`git-ml`, or `git` and everything up to `ml`.
    if test "$tokens[1]" = git
        set -l at (contains -i -- ml $tokens)
        set tokens $tokens[(math $at + 1)..-1]
    else
        set -e tokens[1]
    end
    set -l current (commandline -ct)
    set -l answer (git ml __complete -- $tokens "$current" 2>/dev/null)
    for line in $answer[2..-1]
        echo $line
    end
    switch "$answer[1]"
        case files
            __fish_complete_path "$current"
        case dirs
            __fish_complete_directories "$current"
    end
end

function __gitml_after_git_ml --description 'Whether the command line is `git [OPTIONS] ml ...`'
    set -l tokens (commandline -opc)
    test "$tokens[1]" = git; or return 1
    set -l i 2
    while test $i -le (count $tokens)
        switch $tokens[$i]
            case -C -c --git-dir --work-tree --namespace
                set i (math $i + 2) # an option and its value
            case '-*'
                set i (math $i + 1)
            case ml
                return 0
            case '*'
                return 1
        end
    end
    return 1
end

complete -c gitml -f -a '(__gitml_complete)'
complete -c git-ml -f -a '(__gitml_complete)'
complete -c git -f -n __gitml_after_git_ml -a '(__gitml_complete)'
