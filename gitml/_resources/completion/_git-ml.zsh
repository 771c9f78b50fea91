#compdef git-ml gitml
# zsh completion for `git ml` and `gitml` (printed by `git ml completion zsh`).
#
# Install: save it as _git-ml in a folder on $fpath before compinit runs, e.g.
#   mkdir -p ~/.zfunc && git ml completion zsh > ~/.zfunc/_git-ml
#   # in ~/.zshrc, before compinit: fpath=(~/.zfunc $fpath)
# or put `source <(git ml completion zsh)` in ~/.zshrc after compinit.
#
# zsh's git completion calls _git-ml for `git ml ...`. Both ask `git ml __complete --
# WORD...`: the first line of the answer is what else to offer (files or dirs), the
# others are candidates, "value<TAB>description".

_git-ml() {
	local -a answer described plain
	local fallback line value ret=1
	answer=("${(@f)$(git ml __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
	fallback=${answer[1]}
	for line in "${(@)answer[2,-1]}"; do
		[[ -n $line ]] || continue
		value=${line%%$'\t'*}
		if [[ $line == *$'\t'* ]]; then
			described+=("${value//:/\\:}:${line#*$'\t'}")
		else
			plain+=("$value")
		fi
	done
	(( ${#described} )) && _describe -t commands-and-options 'git ml' described && ret=0
	(( ${#plain} )) && compadd -Q -- "${plain[@]}" && ret=0
	case $fallback in
	files) _files && ret=0 ;;
	dirs) _files -/ && ret=0 ;;
	esac
	return ret
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
	_git-ml "$@"
else
	compdef _git-ml git-ml gitml
fi
