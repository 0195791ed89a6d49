#!/bin/sh
# Adds this rules repository's files, staged in /ossec-ruletest by the
# Dockerfile beside it, to the OSSEC installation in $1 (/var/ossec) of a
# published OSSEC server image. It only copies and appends configuration;
# it builds nothing.
#
# Both layouts: flat (etc, rules, logs are directories) and the official
# image's (they are links into the volume /var/ossec/data, empty at build
# time, which the entrypoint fills from etc-template, rules-template, ...
# when the container starts): there the files go into the templates.
set -eu
dir=${1:-/var/ossec}
stage=/ossec-ruletest

# where NAME: the directory that holds /var/ossec/NAME's files in the image.
where() {
  if [ -L "$dir/$1" ] && [ ! -e "$dir/$1" ] && [ -d "$dir/$1-template" ]; then
    echo "$dir/$1-template"
  else
    echo "$dir/$1"
  fi
}
etc=$(where etc)
rules=$(where rules)
logs=$(where logs)
conf=$etc/ossec.conf

test -f "$conf" || { echo "install.sh: no $conf: is the base image an OSSEC server?" >&2; exit 1; }
test -x "$dir/bin/ossec-logtest" || { echo "install.sh: no $dir/bin/ossec-logtest in the base image" >&2; exit 1; }

# The image's own configuration is kept as it was: ossec-ruletest's
# docker engine takes it, not ours, as the base under a repository's files.
cp "$conf" "$etc/ossec.conf.upstream"
if [ -f "$etc/local_decoder.xml" ]; then
  cp "$etc/local_decoder.xml" "$etc/local_decoder.xml.upstream"
else
  : > "$etc/local_decoder.xml.none"
fi

mkdir -p "$rules/ruletest"
for f in "$stage"/rules/*.xml; do
  [ -e "$f" ] || continue
  cp "$f" "$rules/ruletest/"
done

# Our rule files join the <include> list of the image's <rules> section (a
# second <rules> section would replace that list, not add to it; an
# <include> with a "/" is a path inside the installation, not in rules/).
n=$(grep -c "</rules>" "$conf" || true)
if [ "$n" != 1 ]; then
  echo "install.sh: $conf has $n </rules> lines, want exactly one" >&2
  exit 1
fi
if grep -q "<rules>" "$stage/ossec.conf"; then
  echo "install.sh: the repository's ossec.conf has a <rules> section; list rule files in rules/ instead" >&2
  exit 1
fi
tmp=$conf.ruletest
: > "$tmp"
while IFS= read -r line || [ -n "$line" ]; do
  case $line in
  *"</rules>"*)
    for f in "$rules"/ruletest/*.xml; do
      [ -e "$f" ] || continue
      printf '    <include>rules/ruletest/%s</include>\n' "$(basename "$f")" >> "$tmp"
    done ;;
  esac
  printf '%s\n' "$line" >> "$tmp"
done < "$conf"
# OSSEC reads every <ossec_config> block of ossec.conf: the repository's
# settings and live injection's are appended after the image's own, so
# that they layer on top of it.
{
  echo
  echo "<!-- ossec-ruletest: rules repository settings -->"
  cat "$stage/ossec.conf"
  echo
  echo "<!-- ossec-ruletest: live injection settings -->"
  cat "$stage/live.conf"
} >> "$tmp"
cat "$tmp" > "$conf"
rm -f "$tmp"

# Decoders go into local_decoder.xml, which OSSEC reads after decoder.xml
# when ossec.conf lists no <decoder> files (the stock configuration).
if grep -q "<decoder>" "$conf"; then
  echo "install.sh: $conf lists <decoder> files; add the repository's decoders to it by hand" >&2
  exit 1
fi
for f in "$stage"/decoders/*.xml; do
  [ -e "$f" ] || continue
  { echo; echo "<!-- ossec-ruletest: $(basename "$f") -->"; cat "$f"; } >> "$etc/local_decoder.xml"
done

chmod 0750 "$dir/active-response/bin/ossec-ar-verify-file"
# ossec-ar-verify-file reads its configuration only when root owns it and
# no one else may write it.
cp "$stage/ossec-ar-verify.conf" "$etc/ossec-ar-verify.conf"
chown root:root "$etc/ossec-ar-verify.conf"
chmod 0644 "$etc/ossec-ar-verify.conf"
mkdir -p "$logs"
touch "$logs/ar-verify.log"
if grep -q '^ossec:' /etc/group; then
  chgrp ossec "$conf" "$etc/local_decoder.xml" "$dir/active-response/bin/ossec-ar-verify-file" "$logs/ar-verify.log"
  chmod g+rw "$logs/ar-verify.log"
  chgrp -R ossec "$rules/ruletest"
fi

# The configuration must load: ossec-logtest -t reads it and every rule and
# decoder file, and fails the build when one is wrong. In the official
# layout the check runs on a copy of the templates in the volume, as the
# entrypoint makes it, removed afterwards (a volume's content is not kept
# in the image anyway).
filled=
for d in etc rules logs stats queue; do
  if [ -L "$dir/$d" ] && [ ! -e "$dir/$d" ] && [ -d "$dir/$d-template" ]; then
    t=$(readlink "$dir/$d")
    case $t in /*) ;; *) t=$dir/$t ;; esac
    mkdir -p "$t"
    cp -a "$dir/$d-template/." "$t/"
    filled="$filled $t"
  fi
done
"$dir/bin/ossec-logtest" -t
for t in $filled; do rm -rf "$t"; done
rm -rf "$stage"
echo "install.sh: ruleset installed and checked"
