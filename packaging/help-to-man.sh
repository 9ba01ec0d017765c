#!/bin/sh
# help-to-man.sh PROGRAM NAME VERSION OUT_MAN OUT_TXT: the man page (section 1) and a plain-text
# copy of PROGRAM's --help and of every subcommand's --help (two levels deep), so that the
# installed manual is the program's own help and cannot drift from it.
set -eu
program=$1 name=$2 version=$3 out_man=$4 out_txt=$5
subcommands() {  # the names listed under "Subcommands:" in `$@ --help`
  "$@" --help | awk '/^Subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}'
}
{
  "$program" --help
  for sub in $(subcommands "$program"); do
    printf '\n%s %s\n\n' "$name" "$sub"
    "$program" "$sub" --help
    for subsub in $(subcommands "$program" "$sub"); do
      printf '\n%s %s %s\n\n' "$name" "$sub" "$subsub"
      "$program" "$sub" "$subsub" --help
    done
  done
} | sed "s|$program|$name|g" >"$out_txt"
summary=$(head -n 1 "$out_txt" | sed "s|^$name: ||")
{
  printf '.TH %s 1 "" "%s %s" "User Commands"\n' "$(echo "$name" | tr a-z A-Z)" "$name" "$version"
  printf '.SH NAME\n%s \\- %s\n' "$name" "$summary"
  printf '.SH DESCRIPTION\nThe output of \\fB%s \\-\\-help\\fR and of each subcommand'"'"'s \\fB\\-\\-help\\fR.\n' "$name"
  printf '.SH COMMANDS\n.nf\n'
  # roff: a leading dot or quote and backslashes must be escaped.
  sed -e 's/\\/\\e/g' -e "s/^\\./\\\\\\&./" -e "s/^'/\\\\\\&'/" "$out_txt"
  printf '.fi\n.SH SEE ALSO\nREADME.md of ssooidc, /usr/share/doc/ssooidc/\n'
} >"$out_man"
