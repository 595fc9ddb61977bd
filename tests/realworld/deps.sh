#!/bin/sh
# deps.sh - as root: what tests/realworld/build.sh and the real-program
# tests need on Debian 12: deb-src lines for bookworm (apt-get source), the
# build dependencies of lua5.4, memcached and redis, and Cyrus SASL's
# PLAIN plugin.
set -eu
[ "$(id -u)" = 0 ] || { echo "deps.sh: run as root (it uses apt-get)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
if ! grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	cat >/etc/apt/sources.list.d/katana-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -q
apt-get install -y -q dpkg-dev patch autoconf automake libtool libreadline-dev \
	libevent-dev libsasl2-dev libsasl2-modules libssl-dev pkg-config \
	libjemalloc-dev liblzf-dev libsystemd-dev
