#!/bin/sh
# build.sh OUT - fetch Debian 12's lua5.4 and memcached source packages and
# build, with each package's own build system and Debian's compiler flags,
# the trees the real-program tests patch between:
#
#   OUT/lua/VARIANT/{p3,p4,p5}      lua5.4 with the first 3, 4, 5 patches
#                                   of debian/patches/series (0004 is
#                                   CVE-2022-28805, 0005 CVE-2022-33099)
#   OUT/memcached/VARIANT/{p5,p6,p7}  memcached with the first 5, 6, 7
#                                   (0007-uninitialized-variables is the
#                                   6th, 0008-CVE-2026-47783-... the 7th)
#   OUT/memcached-deb/fs/{p6,p7}    memcached configured exactly as Debian
#                                   (--enable-sasl --enable-tls, no pwdb)
#   OUT/redis/deb/{p12,p13}         redis 7.0 built as debian/rules does
#                                   (its flags, system jemalloc, TLS,
#                                   systemd; the bundled Lua) with the
#                                   first 12, 13 patches (the 13th is
#                                   CVE-2025-46817, in the bundled Lua)
#
# VARIANT is fs (-g -ffunction-sections -fdata-sections added to Debian's
# flags) or plain (-g only: one .text per object).  memcached is configured
# as Debian does plus --enable-sasl-pwdb: Debian's own configuration
# compiles the function 0008 fixes out (memcached-deb shows it: gen finds
# no difference).  A tree is rebuilt only when its stamp is missing.
#
# Needs: dpkg-dev, deb-src lines for bookworm (apt-get source), the
# packages' build dependencies (.ci/run installs them).
set -eu

OUT=${1:?usage: build.sh OUT}
mkdir -p "$OUT/src"
OUT=$(cd "$OUT" && pwd)
JOBS=${JOBS:-2}

LUA_VER=5.4.4-3+deb12u1
MC_VER=1.6.18-1+deb12u1
REDIS_VER=5:7.0.15-1~deb12u10

say() { printf 'build: %s\n' "$*" >&2; }
die() { printf 'build: %s\n' "$*" >&2; exit 1; }

# fetch PKG VERSION: OUT/src/PKG/pristine, the upstream tree plus debian/,
# no patch applied.
fetch() {
	_d=$OUT/src/$1
	[ -f "$_d/.fetched" ] && return 0
	rm -rf "$_d"
	mkdir -p "$_d"
	(cd "$_d" && apt-get source -q --download-only "$1=$2" >fetch.log 2>&1) ||
		die "cannot fetch the source package '$1=$2' (is a deb-src line for bookworm and bookworm-security configured? see $_d/fetch.log)"
	(cd "$_d" && dpkg-source -q --skip-patches -x ./*.dsc pristine >>fetch.log 2>&1) ||
		die "'$1': dpkg-source -x failed (see $_d/fetch.log)"
	touch "$_d/.fetched"
}

# tree PKG N DIR: a copy of PKG's pristine tree with the first N patches of
# its series applied.
tree() {
	rm -rf "$3"
	mkdir -p "$(dirname "$3")"
	cp -a "$OUT/src/$1/pristine" "$3"
	_i=0
	for _p in $(grep -v '^#' "$3/debian/patches/series"); do
		[ "$_i" -lt "$2" ] || break
		patch -d "$3" -p1 -s -N <"$3/debian/patches/$_p" || die "'$1': patch '$_p' does not apply"
		_i=$((_i + 1))
	done
}

# nth_patch PKG N: the name of the N-th patch (1-based) of PKG's series.
nth_patch() {
	grep -v '^#' "$OUT/src/$1/pristine/debian/patches/series" | sed -n "${2}p"
}

extra_flags() {
	case $1 in
	fs) echo "-g -ffunction-sections -fdata-sections" ;;
	plain) echo "-g" ;;
	esac
}

# lua VARIANT N: debian/rules' configure and build steps, by hand (no
# debhelper): libtool from debian/configure.ac, then
# 'make linux-readline' with that libtool; src/Makefile takes its flags
# from dpkg-buildflags, which adds DEB_CFLAGS_APPEND.
build_lua() {
	_t=$OUT/lua/$1/p$2
	[ -f "$_t/.built" ] && return 0
	say "lua5.4 $LUA_VER, first $2 patches, $1"
	tree lua5.4 "$2" "$_t"
	(
		cd "$_t"
		mkdir debian/libtool
		cp debian/configure.ac debian/libtool/
		(cd debian/libtool && LIBTOOLIZE='libtoolize -i' autoreconf -f -i && ./configure --prefix=/usr) >build.log 2>&1
		ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
		printf '#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH "%s"\n#endif\n' \
			"$ma" >src/lua5.4-deb-multiarch.h
		# one job: the libtool links of liblua5.4 and liblua5.4-c++ race
		# under -j (ranlib: .libs/liblua5.4.a vanished)
		DEB_CFLAGS_APPEND=$(extra_flags "$1") DEB_CXXFLAGS_APPEND=$(extra_flags "$1") \
			make -j1 linux-readline MYLIBS= LIBTOOL="$_t/debian/libtool/libtool" \
			CC='gcc -std=gnu99' CXX=g++ >>build.log 2>&1
	) || { tail -n 30 "$_t/build.log" >&2; die "lua5.4: build of $_t failed"; }
	# Debian links the interpreter with the library's PIC objects
	# (liblua5.4.a, -Wl,-E): the lua core lives in src/lua5.4 itself.
	[ -x "$_t/src/lua5.4" ] || die "lua5.4: $_t has no src/lua5.4"
	touch "$_t/.built"
}

# memcached KIND VARIANT N: ./configure as debian/rules (dh_auto_configure
# -- --enable-sasl --enable-tls; KIND pwdb adds --enable-sasl-pwdb) with
# dpkg-buildflags' flags, then make.
build_memcached() {
	_k=memcached
	_cf="--enable-sasl --enable-tls"
	if [ "$1" = pwdb ]; then
		_cf="$_cf --enable-sasl-pwdb"
	else
		_k=memcached-deb
	fi
	_t=$OUT/$_k/$2/p$3
	[ -f "$_t/.built" ] && return 0
	say "memcached $MC_VER, first $3 patches, $2${1:+, $1}"
	tree memcached "$3" "$_t"
	(
		cd "$_t"
		export DEB_CFLAGS_APPEND="$(extra_flags "$2")"
		# shellcheck disable=SC2086
		./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var $_cf \
			CFLAGS="$(dpkg-buildflags --get CFLAGS)" CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)" \
			LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" >build.log 2>&1
		make -j"$JOBS" memcached >>build.log 2>&1
	) || { tail -n 30 "$_t/build.log" >&2; die "memcached: build of $_t failed"; }
	[ -x "$_t/memcached" ] || die "memcached: $_t has no memcached"
	touch "$_t/.built"
}

# build_redis N: debian/rules' build (dh_auto_build -- USE_SYSTEM_JEMALLOC=yes
# USE_SYSTEMD=yes USE_JEMALLOC=yes, BUILD_TLS=yes, its maintainer flags).
# The Makefiles take CFLAGS/LDFLAGS from the environment as dpkg exports
# them; the bundled Lua (deps/lua) is built with the same flags.
build_redis() {
	_t=$OUT/redis/deb/p$1
	[ -f "$_t/.built" ] && return 0
	say "redis $REDIS_VER, first $1 patches, deb"
	tree redis "$1" "$_t"
	(
		cd "$_t"
		# as dpkg-buildpackage: the build id from the changelog's date
		# (src/mkreleasehdr.sh), and no git repository around the
		# tree (ours is not redis's)
		SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -STimestamp)
		export SOURCE_DATE_EPOCH GIT_DIR=/nonexistent
		export DEB_BUILD_MAINT_OPTIONS=hardening=+all
		export DEB_CFLAGS_MAINT_APPEND=-I/usr/include/liblzf
		export DEB_LDFLAGS_MAINT_APPEND="-Wl,-no-as-needed -ldl -latomic -llzf"
		CFLAGS=$(dpkg-buildflags --get CFLAGS) CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS) \
			LDFLAGS=$(dpkg-buildflags --get LDFLAGS) BUILD_TLS=yes \
			make -j"$JOBS" V=1 USE_SYSTEM_JEMALLOC=yes USE_SYSTEMD=yes USE_JEMALLOC=yes \
			>build.log 2>&1
	) || { tail -n 30 "$_t/build.log" >&2; die "redis: build of $_t failed"; }
	[ -x "$_t/src/redis-server" ] || die "redis: $_t has no src/redis-server"
	touch "$_t/.built"
}

what=${2:-all}
fetch lua5.4 "$LUA_VER"
fetch memcached "$MC_VER"
fetch redis "$REDIS_VER"
[ "$(nth_patch lua5.4 4)" = 0004-cve-2022-28805.patch ] &&
	[ "$(nth_patch lua5.4 5)" = 0005-cve-2022-33099.patch ] ||
	die "lua5.4: debian/patches/series is not the one this script knows"
[ "$(nth_patch memcached 6)" = 0007-uninitialized-variables.patch ] &&
	[ "$(nth_patch memcached 7)" = 0008-CVE-2026-47783-CVE-2026-47784.patch ] ||
	die "memcached: debian/patches/series is not the one this script knows"
[ "$(nth_patch redis 13)" = CVE-2025-46817.patch ] ||
	die "redis: debian/patches/series is not the one this script knows"

for v in fs plain; do
	case $what in all|lua)
		for n in 3 4 5; do build_lua "$v" "$n"; done ;;
	esac
	case $what in all|memcached)
		for n in 5 6 7; do build_memcached pwdb "$v" "$n"; done ;;
	esac
done
case $what in all|memcached)
	for n in 6 7; do build_memcached "" fs "$n"; done ;;
esac
case $what in all|redis)
	for n in 12 13; do build_redis "$n"; done ;;
esac
say "trees ready in $OUT"
