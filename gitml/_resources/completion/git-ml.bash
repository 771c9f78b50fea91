# bash completion for `git ml` and `gitml` (printed by `git ml completion bash`).
#
# Install: git ml completion bash > ~/.local/share/bash-completion/completions/git-ml
# (bash-completion loads it the first time you complete `git ml`; for `gitml` too, also
# link it: ln -s git-ml ~/.local/share/bash-completion/completions/gitml), or put
# `eval "$(git ml completion bash)"` in ~/.bashrc.
#
# git's own completion calls _git_ml for `git ml ...`; `gitml ...` uses _gitml. Both ask
# `git ml __complete -- WORD...`: the first line of the answer is what else to offer
# (files or dirs), the others are candidates, "value<TAB>description".

__gitml_words() {
	# The words of the line up to the cursor, split on blanks (gitml's values have none):
	# unlike COMP_WORDS, NAME@STAGE and NAME:VERSION stay whole.
	local line=${COMP_LINE:0:COMP_POINT}
	read -ra __gitml_line <<<"$line"
	[[ -z $line || $line == *[[:blank:]] ]] && __gitml_line+=("")
}

__gitml_reply() {
	# $1: what to append to each candidate (git's completion is registered with -o
	# nospace and adds the space itself); the rest: the words after the program, the
	# last one being completed.
	local suffix=$1 answer fallback cut breaks
	shift
	local cur=${!#}
	# Read whole, then split: bash reads a pipe a byte at a time (30 ms for 10,000 run
	# names), a here-string of that size from a file in blocks.
	answer=$(__gitml_ask __complete -- "$@" 2>/dev/null)
	{
		IFS= read -r fallback
		mapfile -t COMPREPLY
	} <<<"$answer"
	# Whole-array expansions, not loops, and only when needed: 10,000 run names (which
	# carry no descriptions) cost bash milliseconds, each rewrite of the array ten more.
	[[ ${COMPREPLY[*]} == *$'\t'* ]] && COMPREPLY=("${COMPREPLY[@]%%$'\t'*}")
	# bash replaces only what follows the last word-break character (':', '='...), or
	# that character too for '@' and '$' (readline's special prefixes).
	breaks=${COMP_WORDBREAKS//[[:space:]]/}
	cut=${cur%[$breaks]*}
	if [[ $cut != "$cur" ]]; then
		[[ ${cur:${#cut}:1} == [@\$] ]] || cut+=${cur:${#cut}:1}
		COMPREPLY=("${COMPREPLY[@]#"$cut"}")
	fi
	[[ -n $suffix && ${#COMPREPLY[@]} -gt 0 ]] && COMPREPLY=("${COMPREPLY[@]/%/$suffix}")
	case $fallback in
	files)
		compopt -o filenames 2>/dev/null
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
		;;
	dirs)
		compopt -o filenames 2>/dev/null
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$cur")
		;;
	esac
}

__gitml_ask() {
	# Through git, so `git -C DIR ml ...` completes in DIR.
	git ${__git_C_args:+"${__git_C_args[@]}"} ml "$@"
}

_git_ml() {
	# Called by git's completion for `git [OPTIONS] ml ...`.
	local -a __gitml_line
	local i
	__gitml_words
	for i in "${!__gitml_line[@]}"; do
		if ((i > 0)) && [[ ${__gitml_line[i]} == ml ]]; then
			__gitml_reply " " "${__gitml_line[@]:i+1}"
			return
		fi
	done
}

_gitml() {
	local -a __gitml_line
	__gitml_words
	__gitml_reply "" "${__gitml_line[@]:1}"
}

complete -F _gitml gitml git-ml
