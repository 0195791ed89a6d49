#!/bin/sh
# Installs this rules repository, staged in /ossec-ruletest/repo by the
# Dockerfile beside it, into the OSSEC installation in $1 (/var/ossec) of
# a published OSSEC server image, exactly as ossec-ruletest's tests load
# it: `ossec-ruletest deploy` puts each file where an installation has it
# (rules/X.xml replaces the image's rules/X.xml; etc/local_decoder.xml,
# decoders/, lists/), and etc/ossec.conf gets the repository's ossec.conf
# and the list of every rule, decoder and list file that loads (the
# repository's own <rules> list when it has one). The files it replaces
# are kept in etc/ruletest-upstream, from which the docker engine gets the
# image's own base back. Then live injection's settings and the
# ossec-ar-verify-file active response. It builds nothing.
#
# Both layouts: flat (etc, rules, logs are directories) and the official
# image's (they are links into the volume /var/ossec/data, empty at build
# time, which the entrypoint fills from etc-template, rules-template, ...
# when the container starts): there the links' targets are filled from the
# templates, the repository is deployed into them, and they are copied
# back into the templates.
#
# RULETEST_STAGE names the staging directory (default /ossec-ruletest:
# repo/, ossec-ruletest, live.conf, ossec-ar-verify.conf), for tests.
set -eu
dir=${1:-/var/ossec}
stage=${RULETEST_STAGE:-/ossec-ruletest}

test -x "$dir/bin/ossec-logtest" || { echo "install.sh: no $dir/bin/ossec-logtest in the base image" >&2; exit 1; }
test -x "$stage/ossec-ruletest" || { echo "install.sh: no $stage/ossec-ruletest (build it: CGO_ENABLED=0 go build -o containers/manager/ossec-ruletest ./cmd/ossec-ruletest)" >&2; exit 1; }

# linked D: /var/ossec/D is a link into the empty volume, with a template.
linked() {
  [ -L "$dir/$1" ] && [ ! -e "$dir/$1" ] && [ -d "$dir/$1-template" ]
}
target() {
  t=$(readlink "$dir/$1")
  case $t in /*) echo "$t" ;; *) echo "$dir/$t" ;; esac
}

# The volume is filled as the entrypoint fills it, so that the
# installation is whole for deploy and for the check below; it is emptied
# afterwards (a volume's content is not kept in the image anyway).
filled=
for d in etc rules logs stats queue; do
  if linked "$d"; then
    t=$(target "$d")
    mkdir -p "$t"
    cp -a "$dir/$d-template/." "$t/"
    filled="$filled $d"
  fi
done
conf=$dir/etc/ossec.conf
test -f "$conf" || { echo "install.sh: no $conf: is the base image an OSSEC server?" >&2; exit 1; }

"$stage/ossec-ruletest" deploy --repo "$stage/repo" "$dir"

# OSSEC reads every <ossec_config> block of ossec.conf: live injection's
# settings come last, over the image's and the repository's.
{
  echo
  echo "<!-- ossec-ruletest: live injection settings -->"
  cat "$stage/live.conf"
} >> "$conf"

if [ -f "$dir/active-response/bin/ossec-ar-verify-file" ]; then
  chmod 0750 "$dir/active-response/bin/ossec-ar-verify-file"
fi
# ossec-ar-verify-file reads its configuration only when root owns it and
# no one else may write it.
cp "$stage/ossec-ar-verify.conf" "$dir/etc/ossec-ar-verify.conf"
if [ "$(id -u)" = 0 ]; then
  chown root:root "$dir/etc/ossec-ar-verify.conf"
fi
chmod 0644 "$dir/etc/ossec-ar-verify.conf"
mkdir -p "$dir/logs"
touch "$dir/logs/ar-verify.log"
if grep -q '^ossec:' /etc/group; then
  chgrp ossec "$conf" "$dir/logs/ar-verify.log"
  chmod g+rw "$dir/logs/ar-verify.log"
  [ ! -f "$dir/active-response/bin/ossec-ar-verify-file" ] || chgrp ossec "$dir/active-response/bin/ossec-ar-verify-file"
  # The files deploy added (it keeps the owner of those it replaced).
  while IFS= read -r f; do
    chgrp ossec "$dir/$f"
  done < "$dir/etc/ruletest-upstream/added"
fi

# OSSEC reads lists compiled (.cdb).
if [ -x "$dir/bin/ossec-makelists" ] && grep -q '^ *<list>' "$conf"; then
  "$dir/bin/ossec-makelists" >/dev/null
fi

# The image keeps the templates: what was deployed into the volume goes
# back into them.
for d in etc rules logs; do
  case " $filled " in *" $d "*)
    rm -rf "$dir/$d-template"
    cp -a "$(target "$d")" "$dir/$d-template" ;;
  esac
done

# The configuration must load: ossec-logtest -t reads it and every rule and
# decoder file, and fails the build when one is wrong.
"$dir/bin/ossec-logtest" -t
for d in $filled; do rm -rf "$(target "$d")"; done
rm -rf "$stage"
echo "install.sh: ruleset installed and checked"
