#!/usr/bin/env bash
# Installs the Debian packages exhunt's tests and benchmarks use, when they are missing.
# Idempotent and quiet when everything is present; needs root (or sudo) only when installing.
#   ripgrep:        reference tool for `npm run bench`
#   time:           /usr/bin/time, peak RSS of reference tools in `npm run bench`
#   rsyslog:        real syslog receiver (UDP, TCP) for the alert channel tests
#   rsyslog-gnutls: its TLS driver (RFC 5425 tests)
#   postfix:        smtp-sink, the SMTP receiver of the e-mail channel tests
#   openssl:        test certificate authorities for the TLS tests
#   yara:           fallback YARA engine where the YARA-X binding cannot load, and the reference
#                   of `npm run bench:yara`
#   libevtx-utils:  evtxexport, the reference reader of the EVTX exactness tests
#   python3-evtx:   python-evtx, the second reference reader (files libevtx cannot read)
#   librsvg2-bin:   rsvg-convert, PNG charts of `exhunt inventory trend --png`
set -euo pipefail
need=()
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
[ -x /usr/bin/time ] || need+=(time)
[ -x /usr/sbin/rsyslogd ] || need+=(rsyslog)
ls /usr/lib/*/rsyslog/lmnsd_gtls.so >/dev/null 2>&1 || need+=(rsyslog-gnutls)
[ -x /usr/sbin/smtp-sink ] || need+=(postfix)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v yara >/dev/null 2>&1 || need+=(yara)
command -v evtxexport >/dev/null 2>&1 || need+=(libevtx-utils)
/usr/bin/python3 -c 'import Evtx.Evtx' >/dev/null 2>&1 || need+=(python3-evtx)
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-system: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  # postfix asks how to deliver mail; the tests only use its smtp-sink, so: no configuration.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections 2>/dev/null || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
