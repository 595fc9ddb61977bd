# real.sh - shared by the real-program tests (tests/realworld/t9*.sh) and
# bench-real.sh: where the Debian trees are, and live memcached/lua targets
# (redis has its own in t9030).
# Source after tests/lib.sh.

REAL=${KATANA_REAL:-$KATANA_TOP/build/realworld}
MCLOAD=${MCLOAD:-$KATANA_TOP/build/tests/realworld/mcload}
RW=$KATANA_TOP/tests/realworld

# real_require: the trees build.sh makes, and the client.
real_require() {
	for _t in lua/fs/p3 lua/fs/p4 lua/fs/p5 lua/plain/p3 lua/plain/p4 lua/plain/p5 \
		memcached/fs/p5 memcached/fs/p6 memcached/fs/p7 \
		memcached/plain/p5 memcached/plain/p6 memcached/plain/p7 \
		memcached-deb/fs/p6 memcached-deb/fs/p7 redis/deb/p12 redis/deb/p13; do
		if [ ! -f "$REAL/$_t/.built" ]; then
			echo "Bail out! no tree '$REAL/$_t': run 'make check-real' (it builds them with tests/realworld/build.sh)"
			exit 1
		fi
	done
	if [ ! -x "$MCLOAD" ]; then
		echo "Bail out! no '$MCLOAD': run 'make check-real'"
		exit 1
	fi
}

# po_funcs PO: the names of the functions the PO replaces or adds, sorted,
# one line.
po_funcs() {
	"$KATANA" show --json "$1" >"$W/po_funcs.json" &&
	perl -MJSON::PP -e '
		local $/; open my $f, "<", $ARGV[0] or die; my $j = decode_json(<$f>);
		print join(" ", sort map { $_->{name} } @{$j->{functions}}), "\n";' "$W/po_funcs.json"
}

# ------------------------------------------------------------------ memcached
# SASL with memcached's own plaintext password database (--enable-sasl-pwdb):
# users are "name@HOST" where HOST is what gethostname() says.
mc_sasl_setup() {
	mkdir -p "$W/sasl" &&
	printf 'mech_list: plain\n' >"$W/sasl/memcached.conf" &&
	_h=$(uname -n) &&
	printf 'katana@%s:s3cret\ndup@%s:first\ndup@%s:second\n' "$_h" "$_h" "$_h" >"$W/pwdb"
}

# mc_start NAME TREE [-S]: memcached of TREE as target NAME with 4 worker
# threads on a free port of 127.0.0.1 (in NAME.port); waits until it serves.
mc_start() {
	_mn=$1
	_mt=$2
	shift 2
	_mp=$(free_port) || return 1
	echo "$_mp" >"$W/$_mn.port"
	SASL_CONF_PATH=$W/sasl MEMCACHED_SASL_PWDB=$W/pwdb \
		target_start "$_mn" "$_mt/memcached" -U 0 -l 127.0.0.1 -p "$_mp" -t 4 -m 256 -u root "$@" &&
	_mi=0
	while ! perl -MIO::Socket::INET -e 'IO::Socket::INET->new("127.0.0.1:$ARGV[0]") or exit 1' "$_mp" 2>/dev/null; do
		_mi=$((_mi + 1))
		if [ "$_mi" -gt 500 ] || ! target_alive "$_mn"; then
			echo "mc_start: memcached '$_mt' does not listen on $_mp:" >&2
			sed 's/^/| /' "$W/$_mn.out" >&2
			return 1
		fi
		sleep 0.02
	done
}

mc_port() {
	cat "$W/$1.port"
}

# mcload NAME ARGS...: the client against target NAME (authenticated as
# katana when NAME was started with -S: pass MC_AUTH=1).
mc() {
	_cn=$1
	shift
	if [ "${MC_AUTH:-0}" = 1 ]; then
		"$MCLOAD" -p "$(mc_port "$_cn")" -u katana -P s3cret "$@"
	else
		"$MCLOAD" -p "$(mc_port "$_cn")" "$@"
	fi
}

# mc_auth NAME USER PASS WANT: one SASL PLAIN exchange, WANT accepted|refused.
mc_auth() {
	_out=$("$MCLOAD" -p "$(mc_port "$1")" -u "$2" -P "$3" auth)
	[ "$_out" = "auth $2 $4" ] && return 0
	echo "mc_auth: $2/$3: got '$_out', want 'auth $2 $4'" >&2
	return 1
}

# mc_load_start NAME [ARGS]: 4 client threads under steady load against
# target NAME, as the background job NAME-load (output NAME-load.out);
# returns once every thread is connected and a first second was reported.
mc_load_start() {
	_ln=$1
	shift
	rm -f "$W/$_ln-load.stop" "$W/$_ln-load.out"
	if [ "${MC_AUTH:-0}" = 1 ]; then
		set -- -u katana -P s3cret "$@"
	fi
	{ "$MCLOAD" -p "$(mc_port "$_ln")" "$@" load "$W/$_ln-load.stop" >"$W/$_ln-load.out" 2>&1 & }
	echo $! >"$W/$_ln-load.pid"
	wait_for_line "$W/$_ln-load.out" '^second 1 ' 30
}

# mc_load_phase NAME: the next phase of the load's statistics.
mc_load_phase() {
	kill -USR1 "$(cat "$W/$1-load.pid")"
}

# mc_load_during NAME CMD...: CMD (an apply, a revert) as a phase of its
# own in the load's statistics.
mc_load_during() {
	_dn=$1
	shift
	mc_load_phase "$_dn" && "$@" && mc_load_phase "$_dn"
}

# mc_load_stop NAME: stop the load and wait for its phase lines.
mc_load_stop() {
	touch "$W/$1-load.stop"
	wait_for_line "$W/$1-load.out" '^phase 0 ' 30 &&
	_lp=$(cat "$W/$1-load.pid") &&
	while kill -0 "$_lp" 2>/dev/null; do sleep 0.02; done
}

# mc_load_clean NAME PHASES: the load saw PHASES phases, no failed and no
# wrong response in any, and every thread lived to the end.
mc_load_clean() {
	_lo=$W/$1-load.out
	test_grep -E "^phase $(($2 - 1)) ops=[1-9]" "$_lo" &&
	if grep -E '^phase [0-9]+ .*(fail=[1-9]|wrong=[1-9])' "$_lo" >&2 ||
	   grep -E '^second .* (bad=[1-9]|dead=[1-9])' "$_lo" >&2; then
		echo "mc_load_clean: failed or wrong responses (above); whole log:" >&2
		sed 's/^/| /' "$_lo" >&2
		return 1
	fi
}

# ------------------------------------------------------------------ lua
# lua_start NAME TREE [SCRIPT [ARGS]]: lua5.4 of TREE running the workload.
lua_start() {
	_ln=$1
	_lt=$2
	shift 2
	[ $# -gt 0 ] || set -- "$RW/lua-load.lua" 200
	target_start "$_ln" "$_lt/src/lua5.4" "$@" &&
	wait_for_line "$W/$_ln.out" '^(tick 2 |n 100$)' 30
}
