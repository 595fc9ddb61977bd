#!/bin/sh
test_description='gen: data transforms: the xtypes, programs, pointer sites and allocator in the PO of every xf-* case; the refusals (xf-refuse-*)'
. "$(dirname "$0")/lib.sh"
require_tool gcc readelf objdump dwarfdump perl

# What `katana show` prints of the transforms, exactly: from "data
# transforms" up to the unsafe list (so with the pointer sites and the
# allocator line when there are some).  Here rather than in the bodies
# because the lines quote with '.
want_xtypes() {
	case $1 in
	xf-insert) cat <<\EOF ;;
data transforms (1 type):
  type 0: struct config, 24 -> 24 bytes
    'backlog' added (int)
    forward:
      copy +0 -> +0, 4 bytes
      copy +8 -> +8, 8 bytes
      copy +16 -> +16, 4 bytes
    backward:
      copy +0 -> +0, 4 bytes
      copy +8 -> +8, 8 bytes
      copy +16 -> +16, 4 bytes
EOF
	xf-nested) cat <<\EOF ;;
data transforms (3 types):
  type 0: struct server, 32 -> 48 bytes
    'lim.max_body' added (int); 'cnt' moved +8 -> +16; 'cnt.bytes' added (long int); 'cnt.errors' moved +8 -> +16; 'name' moved +24 -> +40
    forward:
      sub +0 -> +0, type 1 (struct limits)
      sub +8 -> +16, type 2 (struct counters)
      copy +24 -> +40, 8 bytes
    backward:
      sub +0 -> +0, type 1 (struct limits)
      sub +16 -> +8, type 2 (struct counters)
      copy +40 -> +24, 8 bytes
  type 1: struct limits, 8 -> 12 bytes
    'max_body' added (int)
    forward:
      copy +0 -> +0, 4 bytes
      copy +4 -> +4, 4 bytes
    backward:
      copy +0 -> +0, 4 bytes
      copy +4 -> +4, 4 bytes
  type 2: struct counters, 16 -> 24 bytes
    'bytes' added (long int); 'errors' moved +8 -> +16
    forward:
      copy +0 -> +0, 8 bytes
      copy +8 -> +16, 8 bytes
    backward:
      copy +0 -> +0, 8 bytes
      copy +16 -> +8, 8 bytes
EOF
	xf-shared) cat <<\EOF ;;
data transforms (1 type):
  type 0: struct stats, 16 -> 32 bytes
    'version' added (int); 'calls' moved +0 -> +8; 'last' moved +8 -> +16; 'total' added (long int)
    forward:
      copy +0 -> +8, 8 bytes
      copy +8 -> +16, 4 bytes
    backward:
      copy +8 -> +0, 8 bytes
      copy +16 -> +8, 4 bytes
EOF
	xf-heap) cat <<\EOF ;;
data transforms (2 types):
  type 0: struct node *, 8 -> 8 bytes, in place
    pointers to changed data only
    forward:
      ptr +0 -> +0, to type 1 (struct node)
    backward:
      ptr +0 -> +0, to type 1 (struct node)
  type 1: struct node, 24 -> 32 bytes, found on the heap
    'weight' added (long int); 'next' moved +16 -> +24
    forward:
      copy +0 -> +0, 4 bytes
      copy +8 -> +8, 8 bytes
      ptr +16 -> +24, to type 1 (struct node)
    backward:
      copy +0 -> +0, 4 bytes
      copy +8 -> +8, 8 bytes
      ptr +24 -> +16, to type 1 (struct node)
heap objects allocated with malloc (old ones kept; the program frees new ones with free)
EOF
	xf-union-enum) cat <<\EOF ;;
data transforms (3 types):
  type 0: struct shape[3], 48 -> 72 bytes, cannot be undone
    '[].kind' enumerator SK_TRIANGLE added (= 1); '[].kind' enumerator SK_SQUARE 1 -> 2; '[].d' moved +4 -> +8; '[].d.tri' added (struct <anonymous>); '[].d.big' added (long int); '[].area_calls' moved +8 -> +16
    forward:
      array +0 -> +0, 3 x type 1 (struct shape), strides 16 -> 24
    no way back: struct shape[3]: struct shape: union shape_data: union member 'tri' was added (revert would lose it): katana cannot tell which member is active
  type 1: struct shape, 16 -> 24 bytes, cannot be undone
    'kind' enumerator SK_TRIANGLE added (= 1); 'kind' enumerator SK_SQUARE 1 -> 2; 'd' moved +4 -> +8; 'd.tri' added (struct <anonymous>); 'd.big' added (long int); 'area_calls' moved +8 -> +16
    forward:
      enum +0 (4 bytes, unsigned) -> +0 (4 bytes, unsigned): 0=>0, 1=>2
      sub +4 -> +8, type 2 (union shape_data)
      copy +8 -> +16, 8 bytes
    no way back: struct shape: union shape_data: union member 'tri' was added (revert would lose it): katana cannot tell which member is active
  type 2: union shape_data, 4 -> 8 bytes, cannot be undone
    'tri' added (struct <anonymous>); 'big' added (long int)
    forward:
      copy +0 -> +0, 4 bytes
    no way back: union shape_data: union member 'tri' was added (revert would lose it): katana cannot tell which member is active
EOF
	xf-widen) cat <<\EOF ;;
data transforms (1 type):
  type 0: struct acct, 8 -> 16 bytes
    'balance' moved +4 -> +8; 'balance' int -> long int
    forward:
      copy +0 -> +0, 4 bytes
      int +4 (4 bytes, signed) -> +8 (8 bytes, signed)
    backward:
      copy +0 -> +0, 4 bytes
      int +8 (8 bytes, signed) -> +4 (4 bytes, signed)
EOF
	xf-remove) cat <<\EOF ;;
data transforms (1 type):
  type 0: struct job, 16 -> 16 bytes
    'debug_level' removed
    forward:
      copy +0 -> +0, 4 bytes
      copy +8 -> +8, 8 bytes
    backward:
      copy +0 -> +0, 4 bytes
      copy +8 -> +8, 8 bytes
EOF
	xf-static) cat <<\EOF ;;
data transforms (1 type):
  type 0: struct counter, 16 -> 24 bytes
    'wraps' added (int); 'limit' added (long int)
    forward:
      copy +0 -> +0, 8 bytes
      copy +8 -> +8, 4 bytes
    backward:
      copy +0 -> +0, 8 bytes
      copy +8 -> +8, 4 bytes
EOF
	xf-bitfield) cat <<\EOF ;;
data transforms (1 type):
  type 0: struct flags, 4 -> 4 bytes
    'mode' added (unsigned int); 'level' bits 1:4 -> 3:4; 'count' bits 5:5 -> 7:9
    forward:
      bits 0:1 (unsigned) -> 0:1 (unsigned)
      bits 1:4 (signed) -> 3:4 (signed)
      bits 5:5 (unsigned) -> 7:9 (unsigned)
    backward:
      bits 0:1 (unsigned) -> 0:1 (unsigned)
      bits 3:4 (signed) -> 1:4 (signed)
      bits 7:9 (unsigned) -> 5:5 (unsigned)
EOF
	xf-refuse-ptrptr) cat <<\EOF ;;
data transforms (3 types):
  type 0: struct item **, 8 -> 8 bytes, in place
    pointers to changed data only
    forward:
      ptr +0 -> +0, to type 1 (struct item *)
    backward:
      ptr +0 -> +0, to type 1 (struct item *)
  type 1: struct item *, 8 -> 8 bytes, in place, found on the heap
    pointers to changed data only
    forward:
      ptr +0 -> +0, to type 2 (struct item)
    backward:
      ptr +0 -> +0, to type 2 (struct item)
  type 2: struct item, 16 -> 24 bytes, found on the heap
    'flags' added (int)
    forward:
      copy +0 -> +0, 4 bytes
      copy +8 -> +8, 8 bytes
    backward:
      copy +0 -> +0, 4 bytes
      copy +8 -> +8, 8 bytes
heap objects allocated with malloc (old ones kept; the program frees new ones with free)
EOF
	xf-refuse-embed) cat <<\EOF ;;
data transforms (4 types):
  type 0: struct node *, 8 -> 8 bytes, in place
    pointers to changed data only
    forward:
      ptr +0 -> +0, to type 2 (struct node)
    backward:
      ptr +0 -> +0, to type 2 (struct node)
  type 1: struct box *, 8 -> 8 bytes, in place
    pointers to changed data only
    forward:
      ptr +0 -> +0, to type 3 (struct box)
    backward:
      ptr +0 -> +0, to type 3 (struct box)
  type 2: struct node, 16 -> 24 bytes, found on the heap
    'weight' added (long int); 'next' moved +8 -> +16
    forward:
      copy +0 -> +0, 4 bytes
      ptr +8 -> +16, to type 2 (struct node)
    backward:
      copy +0 -> +0, 4 bytes
      ptr +16 -> +8, to type 2 (struct node)
  type 3: struct box, 24 -> 32 bytes, found on the heap
    'n.weight' added (long int); 'n.next' moved +8 -> +16
    forward:
      copy +0 -> +0, 4 bytes
      sub +8 -> +8, type 2 (struct node)
    backward:
      copy +0 -> +0, 4 bytes
      sub +8 -> +8, type 2 (struct node)
heap objects allocated with malloc (old ones kept; the program frees new ones with free)
EOF
	xf-ptrsite) cat <<\EOF ;;
data transforms (3 types):
  type 0: struct config *const [2], 16 -> 16 bytes, in place
    pointers to changed data only
    forward:
      array +0 -> +0, 2 x type 1 (struct config *), strides 8 -> 8
    backward:
      array +0 -> +0, 2 x type 1 (struct config *), strides 8 -> 8
  type 1: struct config *, 8 -> 8 bytes, in place
    pointers to changed data only
    forward:
      ptr +0 -> +0, to type 2 (struct config)
    backward:
      ptr +0 -> +0, to type 2 (struct config)
  type 2: struct config, 16 -> 24 bytes, found on the heap
    'backlog' added (long int); 'hits' moved +8 -> +16
    forward:
      copy +0 -> +0, 4 bytes
      copy +8 -> +16, 8 bytes
    backward:
      copy +0 -> +0, 4 bytes
      copy +16 -> +8, 8 bytes
pointers re-pointed (4):
  spare+0 -> cfg+8
  hitp+0 -> cfg+8
  cur+0 -> cfg+0
  pick+0 -> cfg+0
heap objects allocated with malloc (old ones kept; the program frees new ones with free)
EOF
	*) echo "want_xtypes: no expectation for $1" >&2; return 1 ;;
	esac
}

# check_xtypes DIR CASE: katana show DIR/fix.po prints want_xtypes CASE.
check_xtypes() {
	"$KATANA" show "$1/fix.po" >"$1/show.txt" &&
	awk '/^data transforms/ { p = 1 } /^unsafe functions/ { p = 0 } p' \
		"$1/show.txt" >"$1/xtypes.txt" &&
	want_xtypes "$2" >"$1/xtypes.want" &&
	test_cmp "$1/xtypes.want" "$1/xtypes.txt"
}

# The refusals gen prints (stderr, every line), per case.
want_err() {
	case $1 in
	xf-voidptr) cat <<\EOF ;;
gen: 'item.o': var 'slot' (void *): item_tick() keeps objects of 'struct item', whose layout changes, and also uses 'slot': objects stored there cannot be found and would keep the old layout; refused (if none are, pass --allow-opaque slot)
gen: 'item.o': var 'slots' (void *[4]): item_tick() keeps objects of 'struct item', whose layout changes, and also uses 'slots': objects stored there cannot be found and would keep the old layout; refused (if none are, pass --allow-opaque slots)
gen: refused: 2 changes to data cannot be made to the running program; no patch written
EOF
	xf-voidptr-slot) cat <<\EOF ;;
gen: 'item.o': var 'slot' (void *): objects of 'struct item' that item_tick() keeps may be stored there; katana cannot find them, they keep the old layout (accepted with --allow-opaque)
gen: 'item.o': var 'slots' (void *[4]): item_tick() keeps objects of 'struct item', whose layout changes, and also uses 'slots': objects stored there cannot be found and would keep the old layout; refused (if none are, pass --allow-opaque slots)
gen: refused: 1 change to data cannot be made to the running program; no patch written
EOF
	xf-refuse-ptrptr) cat <<\EOF ;;
gen: 'table.o': var 'table' (struct item **): cannot transform: struct item **: a pointer to 'struct item *': katana cannot tell how many it points at (an array?); if it is one object, pass --allow-opaque 'struct item **'
gen: refused: 1 change to data cannot be made to the running program; no patch written
EOF
	xf-refuse-union-ptr) cat <<\EOF ;;
gen: 'ref.o': var 'cur' (union ref): cannot transform: union ref: union member 'it' (struct item *) points to data that changes: katana cannot tell which member is active
gen: refused: 1 change to data cannot be made to the running program; no patch written
EOF
	xf-refuse-union-remove) cat <<\EOF ;;
gen: 'cell.o': var 'cell' (struct cell): cannot transform: union val: union member 'f' was removed: katana cannot tell which member is active
gen: refused: 1 change to data cannot be made to the running program; no patch written
EOF
	xf-refuse-tls) cat <<\EOF ;;
gen: 'counter.o': var 'tc' (struct counter): thread-local data whose layout changes cannot be transformed (one copy per thread)
gen: refused: 1 change to data cannot be made to the running program; no patch written
EOF
	xf-refuse-shrink) cat <<\EOF ;;
gen: 'recs.o': var 'recs' (struct rec[4] -> struct rec[3]): cannot transform: struct rec[4] -> struct rec[3]: array shrinks from 4 to 3 elements
gen: refused: 1 change to data cannot be made to the running program; no patch written
EOF
	xf-refuse-float) cat <<\EOF ;;
gen: 'gauge.o': var 'g' (struct gauge): cannot transform: struct gauge: member 'level': 'float' -> 'int' (floating point) cannot be converted
gen: refused: 1 change to data cannot be made to the running program; no patch written
EOF
	xf-refuse-embed) cat <<\EOF ;;
gen: objects of 'struct node' are reached through pointers, and 'struct box' objects on the heap embed it: a pointer into one would be taken for a separate object; refused (pass --allow-opaque node if pointers to 'struct node' never point inside 'struct box')
gen: refused: 1 change to data cannot be made to the running program; no patch written
EOF
	# one line per variable, each with its own reason (in symbol order:
	# compared sorted)
	xf-refuse-misc) cat <<\EOF ;;
gen: 'misc.o': var 'big' (struct big): cannot transform: struct big: member 'n': integers of 8 -> 16 bytes
gen: 'misc.o': var 'buf' (struct buf): cannot transform: struct buf: member 'items': array of unknown length (flexible array member) whose elements change
gen: 'misc.o': var 'knob' (struct knob): cannot transform: struct knob: member 'lvl': bit-field of 'unsigned int' -> 'float': only integers convert
gen: 'misc.o': var 'rec' (struct rec): cannot transform: struct rec: member 'v': 'long int' -> 'const char *' cannot be converted
gen: 'misc.o': var 'st' (struct state): cannot transform: struct state: member 'col': a bit-field of enum type whose values changed
gen: refused: 5 changes to data cannot be made to the running program; no patch written
EOF
	xf-widen-nodwarf) cat <<\EOF ;;
gen: 'acct.o': var 'acct': size changed 8 -> 16 and there is no DWARF to say how; build with -g
gen: refused: 1 change to data cannot be made to the running program; no patch written
EOF
	*) echo "want_err: no expectation for $1" >&2; return 1 ;;
	esac
}

# check_refused DIR KEY: gen (run by gen_case or gen_opts) exited 1 after
# printing exactly want_err KEY on stderr (sorted: one line per refused
# variable, then the summary), nothing on stdout, and wrote no fix.po.
check_refused() {
	test_path_is_missing "$1/fix.po" &&
	test_line_count = 0 "$1/gen.out" &&
	want_err "$2" | sort >"$1/err.want" &&
	sort "$1/gen.err" >"$1/err.got" &&
	test_cmp "$1/err.want" "$1/err.got"
}

# gen_opts NAME OPTIONS...: like gen_case, with gen OPTIONS (--allow-opaque).
gen_opts() {
	_d=$(case_dir "$1")
	shift
	rm -f "$_d/fix.po" "$_d/fix.json"
	"$KATANA" gen "$@" -o "$_d/fix.po" "$_d/v0" "$_d/v1" prog \
		>"$_d/gen.out" 2>"$_d/gen.err"
	_rc=$?
	if [ $_rc != 0 ]; then
		echo "gen_opts: katana gen $* exited $_rc:" >&2
		sed 's/^/| /' "$_d/gen.out" "$_d/gen.err" >&2
		return $_rc
	fi
	"$KATANA" show --json "$_d/fix.po" >"$_d/fix.json"
}

# refused_case NAME: build NAME (v0 and v1 run as expected), gen refuses
# with want_err NAME.
refused_case() {
	build_case "$1" &&
	expect_runs "$1" 4 &&
	test_expect_code 1 gen_case "$1" 2>/dev/null &&
	check_refused "$(case_dir "$1")" "$1"
}

# xf_case NAME: build NAME, v0 and v1 run as expected, gen succeeds, the PO
# passes check_po_basics and shows want_xtypes NAME.
xf_case() {
	build_case "$1" &&
	expect_runs "$1" 4 &&
	gen_case "$1" &&
	check_po_basics "$(case_dir "$1")" &&
	check_xtypes "$(case_dir "$1")" "$1"
}

# ------------------------------------------------------------ xf-* cases
d=$W/xf-insert
test_expect_success 'xf-insert: cfg transformed, a member in the padding: three copies each way' '
	xf_case xf-insert &&
	test_grep -E "^gen: 5 functions changed, 1 new, 1 variable, 1 transformed; wrote .*/fix\.po \([0-9]+ KiB\)\$" $d/gen.out &&
	json_check $d/fix.json <<-\EOF
	$j->{format_version} == 2
	names($j->{variables}) eq "cfg"
	var("cfg")->{action} eq "transform" && var("cfg")->{xtype} == 0
	var("cfg")->{type} eq "struct config" && !var("cfg")->{static}
	var("cfg")->{old_size} == 24 && var("cfg")->{new_size} == 24
	@{$j->{xtypes}} == 1
	!$j->{xtypes}[0]{inplace} && !$j->{xtypes}[0]{heap} && $j->{xtypes}[0]{back_why} eq ""
	@{$j->{ptrs}} == 0 && !defined $j->{allocator}
	names($j->{unsafe}) eq "config_hits config_port config_tick config_workers iter"
	!grep { !$_->{replaced} || $_->{data} || $_->{allocator} } @{$j->{unsafe}}
	@{$j->{warnings}} == 0
	# the new storage with the patch initial values (backlog = 16)
	$j->{sections}{".data.new"} == 24
	EOF
'

d=$W/xf-nested
test_expect_success 'xf-nested: nested structs are their own xtypes, reached by sub operations' '
	xf_case xf-nested &&
	test_grep -E "^gen: 5 functions changed, 2 new, 1 variable, 1 transformed; wrote " $d/gen.out &&
	json_check $d/fix.json <<-\EOF
	names($j->{variables}) eq "srv"
	var("srv")->{action} eq "transform" && var("srv")->{xtype} == 0
	var("srv")->{type} eq "struct server"
	var("srv")->{old_size} == 32 && var("srv")->{new_size} == 48
	join(",", map { $_->{name} } @{$j->{xtypes}}) eq "struct server,struct limits,struct counters"
	!grep { $_->{inplace} || $_->{heap} || $_->{back_why} ne "" } @{$j->{xtypes}}
	@{$j->{ptrs}} == 0 && !defined $j->{allocator}
	names($j->{unsafe}) eq "iter server_errors server_max_conn server_requests server_tick"
	!grep { !$_->{replaced} } @{$j->{unsafe}}
	EOF
'

d=$W/xf-shared
test_expect_success 'xf-shared: one xtype for the type both compilation units see' '
	xf_case xf-shared &&
	test_grep -E "^gen: 3 functions changed, 2 new, 1 variable, 1 transformed; wrote " $d/gen.out &&
	json_check $d/fix.json <<-\EOF
	names($j->{variables}) eq "st"
	var("st")->{action} eq "transform" && var("st")->{cu} eq "a.c" && var("st")->{xtype} == 0
	var("st")->{old_size} == 16 && var("st")->{new_size} == 32
	@{$j->{xtypes}} == 1 && $j->{xtypes}[0]{name} eq "struct stats"
	@{$j->{ptrs}} == 0 && !defined $j->{allocator}
	names($j->{functions}) eq "a_record b_report b_total b_version iter"
	names($j->{unsafe}) eq "a_record b_report iter"
	!grep { !$_->{replaced} } @{$j->{unsafe}}
	EOF
'

d=$W/xf-heap
test_expect_success 'xf-heap: the pointers are fixups, the nodes a heap xtype, the allocator recorded' '
	xf_case xf-heap &&
	test_grep -E "^gen: 6 functions changed, 1 new, 3 variables, 3 transformed; wrote " $d/gen.out &&
	json_check $d/fix.json <<-\EOF
	names($j->{variables}) eq "head ring tail"
	!grep { $_->{action} ne "fixup" || $_->{xtype} != 0 || $_->{type} ne "struct node *" || $_->{old_size} != 8 || $_->{new_size} != 8 } @{$j->{variables}}
	var("ring")->{static} && !var("head")->{static} && !var("tail")->{static}
	@{$j->{xtypes}} == 2
	EOF
	test "$(json_get $d/fix.json "\$j->{allocator}")" = malloc &&
	test "$(json_get $d/fix.json "scalar @{\$j->{ptrs}}")" = 0 &&
	test "$(json_get $d/fix.json "var(q(head))->{xtype}")" = 0 &&
	test "$(json_get $d/fix.json "\$j->{xtypes}[var(q(head))->{xtype}]{name}")" = "struct node *" &&
	json_get $d/fix.json "\$j->{xtypes}" >xt.json &&
	cat >xt.want <<-\EOF &&
	{"back_why":"","backward":["ptr +0 -> +0, to type 1 (struct node)"],"diff":"pointers to changed data only","forward":["ptr +0 -> +0, to type 1 (struct node)"],"heap":false,"inplace":true,"name":"struct node *","new_size":8,"old_size":8}
	{"back_why":"","backward":["copy +0 -> +0, 4 bytes","copy +8 -> +8, 8 bytes","ptr +24 -> +16, to type 1 (struct node)"],"diff":"QweightQ added (long int); QnextQ moved +16 -> +24","forward":["copy +0 -> +0, 4 bytes","copy +8 -> +8, 8 bytes","ptr +16 -> +24, to type 1 (struct node)"],"heap":true,"inplace":false,"name":"struct node","new_size":32,"old_size":24}
	EOF
	tr Q "\047" <xt.want >xt.exp &&
	test_cmp xt.exp xt.json &&
	# the allocator functions are unsafe (flag allocator), the others replaced
	json_get $d/fix.json "map { \$_->{name} } grep { \$_->{allocator} } @{\$j->{unsafe}}" >alloc.got &&
	printf "%s\n" malloc free calloc realloc reallocarray posix_memalign aligned_alloc memalign valloc pvalloc malloc_trim >alloc.want &&
	test_cmp alloc.want alloc.got &&
	json_get $d/fix.json "map { \$_->{name} } grep { \$_->{replaced} } @{\$j->{unsafe}}" >repl.got &&
	printf "%s\n" new_node list_init setup list_tick list_ring_sum iter >repl.want &&
	test_cmp repl.want repl.got &&
	test "$(json_get $d/fix.json "scalar grep { \$_->{data} || (\$_->{replaced} && \$_->{allocator}) } @{\$j->{unsafe}}")" = 0
'

d=$W/xf-union-enum
test_expect_success 'xf-union-enum: enumerators renumbered, the grown union copied, no way back (back_why)' '
	xf_case xf-union-enum &&
	test_grep -E "^gen: 5 functions changed, 0 new, 2 variables, 1 transformed; wrote " $d/gen.out &&
	json_check $d/fix.json <<-\EOF
	var("shapes")->{action} eq "transform" && var("shapes")->{xtype} == 0
	var("shapes")->{type} eq "struct shape[3]"
	var("shapes")->{old_size} == 48 && var("shapes")->{new_size} == 72
	# the other variable is the switch table of the new shape_letter()
	my @o = grep { $_->{name} ne "shapes" } @{$j->{variables}}; @o == 1 && $o[0]{name} =~ /^CSWTCH\./ && $o[0]{action} eq "new"
	@{$j->{xtypes}} == 3
	# no backward program at all (null), only the reason
	!grep { defined $_->{backward} } @{$j->{xtypes}}
	$j->{xtypes}[2]{back_why} =~ /^union shape_data: union member .tri. was added \(revert would lose it\): katana cannot tell which member is active$/
	$j->{xtypes}[1]{back_why} eq "struct shape: " . $j->{xtypes}[2]{back_why}
	$j->{xtypes}[0]{back_why} eq "struct shape[3]: " . $j->{xtypes}[1]{back_why}
	@{$j->{ptrs}} == 0 && !defined $j->{allocator}
	names($j->{unsafe}) eq "area shape_calls shape_code shape_letter shape_tick"
	!grep { !$_->{replaced} } @{$j->{unsafe}}
	EOF
'

d=$W/xf-widen
test_expect_success 'xf-widen: int widened to long (signed INT), narrowed back' '
	xf_case xf-widen &&
	test_grep -E "^gen: 5 functions changed, 0 new, 1 variable, 1 transformed; wrote " $d/gen.out &&
	json_check $d/fix.json <<-\EOF
	names($j->{variables}) eq "acct"
	var("acct")->{action} eq "transform" && var("acct")->{xtype} == 0
	var("acct")->{old_size} == 8 && var("acct")->{new_size} == 16
	$j->{xtypes}[0]{back_why} eq ""
	@{$j->{ptrs}} == 0 && !defined $j->{allocator}
	names($j->{unsafe}) eq "acct_balance acct_bytes acct_id acct_tick iter"
	EOF
'

d=$W/xf-remove
test_expect_success 'xf-remove: a member dropped; the removed function that read it is unsafe (data)' '
	xf_case xf-remove &&
	test_grep -E "^gen: 3 functions changed, 0 new, 1 variable, 1 transformed; wrote " $d/gen.out &&
	json_check $d/fix.json <<-\EOF
	names($j->{variables}) eq "job"
	var("job")->{action} eq "transform" && var("job")->{xtype} == 0
	var("job")->{old_size} == 16 && var("job")->{new_size} == 16
	$j->{xtypes}[0]{back_why} eq ""
	@{$j->{ptrs}} == 0 && !defined $j->{allocator}
	names($j->{unsafe}) eq "iter job_debug job_id job_tick"
	uns("job_debug")->{data} && !uns("job_debug")->{replaced} && !uns("job_debug")->{allocator}
	!grep { $_->{name} ne "job_debug" && (!$_->{replaced} || $_->{data}) } @{$j->{unsafe}}
	EOF
'

d=$W/xf-static
test_expect_success 'xf-static: only the changed static ctr is transformed' '
	xf_case xf-static &&
	test_grep -E "^gen: 2 functions changed, 2 new, 1 variable, 1 transformed; wrote " $d/gen.out &&
	json_check $d/fix.json <<-\EOF
	names($j->{variables}) eq "ctr"
	var("ctr")->{action} eq "transform" && var("ctr")->{cu} eq "counter.c" && var("ctr")->{static}
	var("ctr")->{xtype} == 0 && var("ctr")->{type} eq "struct counter"
	var("ctr")->{old_size} == 16 && var("ctr")->{new_size} == 24
	@{$j->{ptrs}} == 0 && !defined $j->{allocator}
	names($j->{unsafe}) eq "counter_next iter"
	EOF
'

# gen fails here: gen/dwarf_write.c writes DW_AT_data_bit_offset with
# dwarf_add_AT_unsigned_const_a, which this libdwarf (20210528) refuses
# ("dwarf: cannot add constant attribute: DW_DLE_INPUT_ATTR_BAD").
d=$W/xf-bitfield
test_expect_success 'xf-bitfield: build; v0 and v1 behave as expected' '
	build_case xf-bitfield &&
	expect_runs xf-bitfield 4
'
test_expect_success 'xf-bitfield: bit-fields moved and widened: BITS operations both ways' '
	gen_case xf-bitfield &&
	check_po_basics $d &&
	check_xtypes $d xf-bitfield &&
	test_grep -E "^gen: 5 functions changed, 1 new, 1 variable, 1 transformed; wrote " $d/gen.out &&
	json_check $d/fix.json <<-\EOF
	names($j->{variables}) eq "fl"
	var("fl")->{action} eq "transform" && var("fl")->{xtype} == 0
	var("fl")->{old_size} == 4 && var("fl")->{new_size} == 4
	# narrowing count back is checked when it runs, not refused
	$j->{xtypes}[0]{back_why} eq ""
	@{$j->{ptrs}} == 0 && !defined $j->{allocator}
	EOF
'

# write_main DIR DECLS EXPR: DIR/main.c of a case written by this script:
# DECLS, then one line "I: EXPR" per iteration.
write_main() {
	cat >"$1/main.c" <<-EOF
	#include "case-loop.h"

	$2

	__attribute__((noipa)) static void iter(long i)
	{
		printf("%ld: %ld\n", i, $3);
	}

	int main(int argc, char **argv)
	{
		return case_main(argc, argv, iter);
	}
	EOF
}

# scratch_case NAME WRITER: case NAME written by WRITER into $W/cases
# (beside the shared headers), built, both versions run as expected, then
# generated (gen_case).
scratch_case() {
	mkdir -p cases &&
	ln -sfn "$CASES/common" cases/common &&
	"$2" "cases/$1" &&
	CASES=$W/cases &&
	build_case "$1" &&
	expect_runs "$1" 2 &&
	gen_case "$1"
}

# ------------------------------------------------------------ pointer sites
# Pointers the link stored in data: a ptrs record each (an inline case: it
# is not a refusal).
write_ptrsite() {
	mkdir -p "$1/v0" "$1/v1" &&
	printf '%s\n' 'EXE=prog' 'SRCS="main.c cfg.c"' >"$1/case.sh" &&
	for _v in v0 v1; do
		if [ $_v = v0 ]; then _m= _i= _u= _s=; else
			_m='
	long backlog;' _i=' 16,' _u=' + cur->backlog' _s=' + 1'; fi
		cat >"$1/$_v/cfg.c" <<-EOF || return 1
		/* cfg.c - data holding pointers to cfg; v1 inserts backlog. */
		struct config {
			int port;$_m
			long hits;
		};

		struct config cfg = { 80,$_i 0 };
		struct config *cur = &cfg;
		static struct config *const pick[2] = { &cfg, 0 };
		long *hitp = &cfg.hits;
		long *spare = &cfg.hits$_s;

		__attribute__((noipa)) long cfg_tick(int k)
		{
			*hitp += 1;
			return pick[k]->hits + cur->port$_u;
		}
		EOF
		write_main "$1/$_v" "long cfg_tick(int k);" "cfg_tick(0)" || return 1
	done &&
	printf '1: 81\n2: 82\n' >"$1/expect.v0" &&
	printf '1: 97\n2: 98\n' >"$1/expect.v1"
}

d=$W/xf-ptrsite
test_expect_success 'pointer sites: static pointers to a transformed variable are ptrs records (with the addend)' '
	scratch_case xf-ptrsite write_ptrsite &&
	check_po_basics $d &&
	check_xtypes $d xf-ptrsite &&
	test_grep -E "^gen: 1 function changed, 0 new, 5 variables, 3 transformed, 1 warning; wrote " $d/gen.out &&
	json_check $d/fix.json <<-\EOF &&
	var("cfg")->{action} eq "transform" && var("cfg")->{xtype} == 2
	var("cur")->{action} eq "fixup" && var("cur")->{xtype} == 1
	var("pick")->{action} eq "fixup" && var("pick")->{xtype} == 0 && var("pick")->{static}
	# pointers into the variable may also point to the heap
	$j->{allocator} eq "malloc"
	EOF
	json_get $d/fix.json "map { join(q( ), \$_->{site}, \$_->{offset}, \$_->{var}, \$_->{addend}) } @{\$j->{ptrs}}" >ptrs.got &&
	printf "%s\n" "spare 0 cfg 8" "hitp 0 cfg 8" "cur 0 cfg 0" "pick 0 cfg 0" >ptrs.want &&
	test_cmp ptrs.want ptrs.got &&
	# hitp (&cfg.hits: +8 -> +16) follows cfg; spare moved to another
	# place in v1 (one past hits): only it is warned about
	json_check $d/fix.json <<-\EOF
	@{$j->{warnings}} == 1
	$j->{warnings}[0] =~ /var .spare.: initialiser changed; the running program keeps its current value/
	var("hitp")->{action} eq "init-changed" && var("spare")->{action} eq "init-changed"
	EOF
'

# write_manytypes DIR: a global struct of 300 members, each of its own
# array type, and a chain of 200 struct types, each pointing to the next,
# hanging from a global; v1 inserts a member at the start of the big struct
# and at the end of the chain's last type.  The gen type tables then grow
# while a type's signature is being built (a crash on lua5.4 once).
write_manytypes() {
	mkdir -p "$1/v0" "$1/v1" &&
	printf '%s\n' 'EXE=prog' 'SRCS="main.c big.c"' >"$1/case.sh" &&
	for _v in v0 v1; do
		{
			echo '/* big.c - many types; v1 adds big.first and t199.extra */'
			echo 'struct big {'
			[ $_v = v1 ] && echo '	int first;'
			_k=0
			while [ $_k -lt 300 ]; do
				echo "	char m$_k[$((_k + 1))];"
				_k=$((_k + 1))
			done
			echo '} big = { '"$([ $_v = v1 ] && echo '7, ')"'"a" };'
			_k=0
			while [ $_k -lt 200 ]; do
				echo "struct t$_k {"
				echo "	long v;"
				[ $_k -lt 199 ] && echo "	struct t$((_k + 1)) *next;"
				[ $_k = 199 ] && [ $_v = v1 ] && echo "	long extra;"
				echo "};"
				_k=$((_k + 1))
			done
			echo 'static struct t199 last = { 5 };'
			echo 'static struct t198 before = { 4, &last };'
			echo 'struct t0 *head;'
			echo '__attribute__((noipa)) long big_tick(long i)'
			echo '{'
			echo '	big.m299[0] = (char)i;'
			echo '	before.next->v += 1;'
			[ $_v = v0 ] && echo '	return big.m0[0] + big.m299[0] + before.next->v;' ||
				echo '	return big.m0[0] + big.m299[0] + before.next->v + big.first + last.extra;'
			echo '}'
		} >"$1/$_v/big.c" &&
		write_main "$1/$_v" "long big_tick(long i);" "big_tick(i)" || return 1
	done &&
	printf '1: 104\n2: 106\n' >"$1/expect.v0" &&
	printf '1: 111\n2: 113\n' >"$1/expect.v1"
}

d=$W/xf-manytypes
test_expect_success 'many types (300-member struct, 200-type pointer chain): gen transforms big and last, and only them' '
	scratch_case xf-manytypes write_manytypes &&
	check_po_basics $d &&
	json_check $d/fix.json <<-\EOF
	names($j->{variables}) eq "big last"
	var("big")->{action} eq "transform" && var("big")->{old_size} == 45150 && var("big")->{new_size} == 45156
	var("last")->{action} eq "transform" && var("last")->{old_size} == 8 && var("last")->{new_size} == 16
	EOF
'

# write_sametag DIR: a.c and b.c each define their own struct w (C allows
# one tag for two layouts in two compilation units), keep one on the heap
# in a local, and read cfg.ctx, a void *.  Neither struct w changes; v1
# changes only iter.  Pairing a.c's struct w with b.c's would see a layout
# change and refuse the patch (memcached's two struct window_data did).
write_sametag() {
	mkdir -p "$1/v0" "$1/v1" &&
	printf '%s\n' 'EXE=prog' 'SRCS="main.c a.c b.c"' >"$1/case.sh" &&
	for _v in v0 v1; do
		cat >"$1/$_v/a.c" <<-\EOF &&
		/* a.c - its own struct w */
		#include <stdlib.h>
		struct cfg { void *ctx; int n; };
		extern struct cfg cfg;
		struct w { long a; long b; };
		__attribute__((noipa)) long fa(long i)
		{
			struct w *volatile p = malloc(sizeof(*p));
			long r;

			p->a = i;
			p->b = 2;
			r = p->a + p->b + (cfg.ctx != 0) + cfg.n;
			free(p);
			return r;
		}
		EOF
		cat >"$1/$_v/b.c" <<-\EOF &&
		/* b.c - another struct w under the same tag */
		#include <stdlib.h>
		struct cfg { void *ctx; int n; };
		struct cfg cfg = { 0, 1 };
		struct w { int x; };
		__attribute__((noipa)) long fb(long i)
		{
			struct w *volatile q = malloc(sizeof(*q));
			long r;

			q->x = (int)i;
			r = q->x * 10 + (cfg.ctx != 0);
			free(q);
			return r;
		}
		EOF
		if [ $_v = v0 ]; then _e=; else _e=' + 1000'; fi &&
		write_main "$1/$_v" "long fa(long i), fb(long i);" "fa(i) + fb(i)$_e" || return 1
	done &&
	printf '1: 14\n2: 25\n' >"$1/expect.v0" &&
	printf '1: 1014\n2: 1025\n' >"$1/expect.v1"
}

d=$W/xf-sametag
test_expect_success 'one struct tag, two layouts in two CUs, neither changed: no transform, no refusal' '
	scratch_case xf-sametag write_sametag &&
	test_grep -E "^gen: 1 function changed, 0 new, 0 variables; wrote " $d/gen.out &&
	test_line_count = 0 $d/gen.err &&
	json_check $d/fix.json <<-\EOF
	@{$j->{variables}} == 0 && @{$j->{xtypes}} == 0
	names($j->{unsafe}) eq "iter"
	EOF
'

# ------------------------------------------------------------ refusals
d=$W/xf-voidptr
test_expect_success 'xf-voidptr: objects hidden behind void *: refused, one line per path, exit 1, no PO' '
	refused_case xf-voidptr
'

test_expect_success 'xf-voidptr: --allow-opaque for one path only: that one is a warning, the other still refused' '
	test_expect_code 1 gen_opts xf-voidptr --allow-opaque slot 2>/dev/null &&
	check_refused $d xf-voidptr-slot
'

test_expect_success 'xf-voidptr: --allow-opaque for both: the refusals are warnings of the PO; nothing to transform' '
	gen_opts xf-voidptr --allow-opaque slot --allow-opaque slots &&
	check_po_basics $d &&
	test_grep -E "^gen: 3 functions changed, 1 new, 0 variables, 2 warnings; wrote " $d/gen.out &&
	test_line_count = 2 $d/gen.err &&
	json_check $d/fix.json <<-\EOF
	$j->{format_version} == 1
	@{$j->{variables}} == 0 && @{$j->{xtypes}} == 0 && @{$j->{ptrs}} == 0 && !defined $j->{allocator}
	@{$j->{warnings}} == 2
	$j->{warnings}[0] =~ /^gen: .item\.o.: var .slot. \(void \*\): objects of .struct item. that item_tick\(\) keeps may be stored there; katana cannot find them, they keep the old layout \(accepted with --allow-opaque\)$/
	$j->{warnings}[1] =~ /^gen: .item\.o.: var .slots. \(void \*\[4\]\): objects of .struct item. that item_tick\(\) keeps/
	names($j->{unsafe}) eq "item_tick iter new_item"
	EOF
'

d=$W/xf-refuse-ptrptr
test_expect_success 'xf-refuse-ptrptr: a T ** variable: refused, naming the --allow-opaque path' '
	refused_case xf-refuse-ptrptr
'

test_expect_success 'xf-refuse-ptrptr: with --allow-opaque the T ** is taken as one pointer: fixup, heap xtypes, a PO warning' '
	gen_opts xf-refuse-ptrptr --allow-opaque "struct item **" &&
	check_po_basics $d &&
	check_xtypes $d xf-refuse-ptrptr &&
	test_grep -E "^gen: 3 functions changed, 1 new, 1 variable, 1 transformed, 1 warning; wrote " $d/gen.out &&
	json_check $d/fix.json <<-\EOF
	names($j->{variables}) eq "table"
	var("table")->{action} eq "fixup" && var("table")->{xtype} == 0
	$j->{allocator} eq "malloc"
	@{$j->{warnings}} == 1
	$j->{warnings}[0] eq "gen: \x27struct item **\x27: a pointer to \x27struct item *\x27 is taken to point at one object, not an array (accepted with --allow-opaque struct item **)"
	EOF
'

test_expect_success 'xf-refuse-union-ptr: a union holding a pointer to a changed type: refused' '
	refused_case xf-refuse-union-ptr
'

test_expect_success 'xf-refuse-union-remove: a union member removed: refused' '
	refused_case xf-refuse-union-remove
'

test_expect_success 'xf-refuse-tls: a thread-local variable of a changed type: refused (no crash)' '
	refused_case xf-refuse-tls
'

test_expect_success 'xf-refuse-shrink: an array of structs losing an element: refused' '
	refused_case xf-refuse-shrink
'

test_expect_success 'xf-refuse-float: a float member becoming an int: refused' '
	refused_case xf-refuse-float
'

test_expect_success 'xf-refuse-misc: five variables, each refused with its own reason' '
	refused_case xf-refuse-misc
'

d=$W/xf-refuse-embed
test_expect_success 'xf-refuse-embed: a heap type both pointed to and embedded in heap objects: refused' '
	refused_case xf-refuse-embed
'

test_expect_success 'xf-refuse-embed: with --allow-opaque node: both xtypes on the heap, a PO warning' '
	gen_opts xf-refuse-embed --allow-opaque node &&
	check_po_basics $d &&
	check_xtypes $d xf-refuse-embed &&
	test_grep -E "^gen: 3 functions changed, 1 new, 2 variables, 2 transformed, 1 warning; wrote " $d/gen.out &&
	json_check $d/fix.json <<-\EOF
	names($j->{variables}) eq "boxp head"
	var("head")->{action} eq "fixup" && var("head")->{xtype} == 0
	var("boxp")->{action} eq "fixup" && var("boxp")->{xtype} == 1
	$j->{allocator} eq "malloc"
	@{$j->{warnings}} == 1 && $j->{warnings}[0] =~ /\(accepted with --allow-opaque node\)$/
	EOF
'

test_expect_success 'a variable whose size changes without DWARF to say how: refused' '
	build_case xf-widen nodwarf -g0 &&
	test_expect_code 1 gen_case xf-widen nodwarf 2>/dev/null &&
	check_refused $(case_dir xf-widen nodwarf) xf-widen-nodwarf
'

test_done
