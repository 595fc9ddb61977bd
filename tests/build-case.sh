#!/bin/sh
# build-case.sh - build the two versions of a gen test case.
#
# Usage: tests/build-case.sh CASEDIR OUTDIR [CFLAGS...]
#
# CASEDIR holds v0/ and v1/ (sources of the running and of the fixed version)
# and case.sh, a shell fragment that sets:
#   EXE        what `katana gen` patches: the program, or the shared library
#   KIND       exec (default) | shared
#   CASE_LANG  c (default) | c++
#   SRCS       sources of the program RUN (paths relative to vN/, may contain
#              subdirectories); SRCS_v0 / SRCS_v1 override it per version
#   LIB_SRCS   KIND=shared: sources of the library EXE (built -fPIC -shared)
#   RUN        KIND=shared: the program linked against EXE (default prog)
#   CASE_CFLAGS default compile flags (default "-g -O2")
#   LDLIBS     extra libraries for the final link
#
# Objects go to OUTDIR/vN/<source path>.o, the program to OUTDIR/vN/$RUN and,
# for KIND=shared, the library to OUTDIR/vN/$EXE (the program finds it through
# an $ORIGIN rpath).  Extra CFLAGS are appended after CASE_CFLAGS and also
# passed to the link (so -pie / -no-pie work).  OUTDIR/case.env records what
# was built, for tests/lib.sh.  Sources are compiled from inside vN/ with
# relative paths, so DW_AT_name and __FILE__ are the same in both versions.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: build-case.sh CASEDIR OUTDIR [CFLAGS...]" >&2
	exit 2
fi
casedir=$(cd "$1" && pwd)
out=$2
shift 2
mkdir -p "$out"
out=$(cd "$out" && pwd)

EXE=prog
KIND=exec
CASE_LANG=c
SRCS=
SRCS_v0=
SRCS_v1=
LIB_SRCS=
RUN=
CASE_CFLAGS="-g -O2"
LDLIBS=
if [ ! -f "$casedir/case.sh" ]; then
	echo "build-case.sh: $casedir/case.sh: no case description" >&2
	exit 1
fi
. "$casedir/case.sh"

case $CASE_LANG in
c) cc=${CC:-gcc} ;;
c++) cc=${CXX:-g++} ;;
*) echo "build-case.sh: $casedir: unknown CASE_LANG '$CASE_LANG'" >&2; exit 1 ;;
esac
case $KIND in
exec) RUN=${RUN:-$EXE} ;;
shared) RUN=${RUN:-prog} ;;
*) echo "build-case.sh: $casedir: unknown KIND '$KIND'" >&2; exit 1 ;;
esac

common=$(dirname "$casedir")/common	# case-loop.h
# shellcheck disable=SC2086
compile() { # vdir src obj extra...
	_v=$1 _s=$2 _o=$3
	shift 3
	mkdir -p "$(dirname "$_o")"
	(cd "$casedir/$_v" && $cc $CASE_CFLAGS "$@" $EXTRA -I. -I"$common" \
		-frandom-seed="$_s" -c "$_s" -o "$_o")
}

EXTRA="$*"
for v in v0 v1; do
	if [ ! -d "$casedir/$v" ]; then
		echo "build-case.sh: $casedir/$v: no such directory" >&2
		exit 1
	fi
	rm -rf "${out:?}/$v"
	mkdir -p "$out/$v"
	eval "srcs=\${SRCS_$v:-\$SRCS}"
	objs=
	for s in $srcs; do
		compile "$v" "$s" "$out/$v/${s%.*}.o"
		objs="$objs $out/$v/${s%.*}.o"
	done
	if [ "$KIND" = shared ]; then
		lobjs=
		for s in $LIB_SRCS; do
			compile "$v" "$s" "$out/$v/${s%.*}.o" -fPIC
			lobjs="$lobjs $out/$v/${s%.*}.o"
		done
		# shellcheck disable=SC2086
		$cc $CASE_CFLAGS $EXTRA -fPIC -shared -Wl,-soname,"$EXE" $lobjs \
			-o "$out/$v/$EXE" $LDLIBS
		# shellcheck disable=SC2086
		$cc $CASE_CFLAGS $EXTRA $objs -o "$out/$v/$RUN" \
			-L"$out/$v" -l:"$EXE" -Wl,-rpath,'$ORIGIN' $LDLIBS
	else
		# shellcheck disable=SC2086
		$cc $CASE_CFLAGS $EXTRA $objs -o "$out/$v/$RUN" $LDLIBS
	fi
done

cat >"$out/case.env" <<EOF
CASE_NAME='$(basename "$casedir")'
CASE_DIR='$casedir'
EXE='$EXE'
KIND='$KIND'
RUN='$RUN'
CASE_FLAGS='$CASE_CFLAGS $EXTRA'
EOF
