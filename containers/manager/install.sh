#!/bin/sh
# Adds this rules repository's files to the OSSEC installation in $1
# (/var/ossec) of a published OSSEC server image. Run by the Dockerfile
# beside it; it only copies and appends configuration, it builds nothing.
set -eu
dir=${1:-/var/ossec}
conf=$dir/etc/ossec.conf

test -f "$conf" || { echo "install.sh: no $conf: is the base image an OSSEC server?" >&2; exit 1; }
test -x "$dir/bin/ossec-logtest" || { echo "install.sh: no $dir/bin/ossec-logtest in the base image" >&2; exit 1; }

# The image's own configuration is kept as it was: ossec-ruletest's
# docker engine takes it, not ours, as the base under a repository's files.
cp "$conf" "$dir/etc/ossec.conf.upstream"
if [ -f "$dir/etc/local_decoder.xml" ]; then
  cp "$dir/etc/local_decoder.xml" "$dir/etc/local_decoder.xml.upstream"
else
  : > "$dir/etc/local_decoder.xml.none"
fi

# Our rule files join the <include> list of the image's <rules> section (a
# second <rules> section would replace that list, not add to it; an
# <include> with a "/" is a path inside the installation, not in rules/).
n=$(grep -c "</rules>" "$conf" || true)
if [ "$n" != 1 ]; then
  echo "install.sh: $conf has $n </rules> lines, want exactly one" >&2
  exit 1
fi
if grep -q "<rules>" "$dir/etc/ruletest-ossec.conf"; then
  echo "install.sh: the repository's ossec.conf has a <rules> section; list rule files in rules/ instead" >&2
  exit 1
fi
tmp=$conf.ruletest
: > "$tmp"
while IFS= read -r line || [ -n "$line" ]; do
  case $line in
  *"</rules>"*)
    for f in "$dir"/rules/ruletest/*.xml; do
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
  cat "$dir/etc/ruletest-ossec.conf"
  echo
  echo "<!-- ossec-ruletest: live injection settings -->"
  cat "$dir/etc/ruletest-live.conf"
} >> "$tmp"
cat "$tmp" > "$conf"
rm -f "$tmp"

# Decoders go into local_decoder.xml, which OSSEC reads after decoder.xml
# when ossec.conf lists no <decoder> files (the stock configuration).
if grep -q "<decoder>" "$conf"; then
  echo "install.sh: $conf lists <decoder> files; add etc/ruletest-decoders/*.xml to it by hand" >&2
  exit 1
fi
for f in "$dir"/etc/ruletest-decoders/*.xml; do
  [ -e "$f" ] || continue
  { echo; echo "<!-- ossec-ruletest: $(basename "$f") -->"; cat "$f"; } >> "$dir/etc/local_decoder.xml"
done

chmod 0750 "$dir/active-response/bin/ossec-ar-verify-file"
# ossec-ar-verify-file reads its configuration only when root owns it and
# no one else may write it.
chown root:root "$dir/etc/ossec-ar-verify.conf"
chmod 0644 "$dir/etc/ossec-ar-verify.conf"
touch "$dir/logs/ar-verify.log"
if grep -q '^ossec:' /etc/group; then
  chgrp ossec "$conf" "$dir/etc/local_decoder.xml" "$dir/active-response/bin/ossec-ar-verify-file"
  chgrp -R ossec "$dir/rules/ruletest"
fi

# The configuration must load: ossec-logtest -t reads it and every rule and
# decoder file, and fails the build when one is wrong.
"$dir/bin/ossec-logtest" -t
echo "install.sh: ruleset installed and checked"
