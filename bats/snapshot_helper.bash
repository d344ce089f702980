# Helpers for bats/snapshot.bats: a private network namespace per test, and
# small perl peers (perl-base is on every Debian) that hold sockets in exactly
# the states a test wants, each announcing itself with one line on stdout.

TCPOBSERVE=${TCPOBSERVE:-$BIN/tcpobserve}

snap_setup() {
	NS=tcplab-snapshot-$$-$BATS_TEST_NUMBER
	ip netns add "$NS"
	ip -n "$NS" link set lo up
}

snap_teardown() {
	local pid
	for pid in $(ip netns pids "$NS" 2>/dev/null); do
		kill "$pid" 2>/dev/null
	done
	ip netns delete "$NS" 2>/dev/null || true
}

# snap_peer NAME ARGS...: starts a perl peer inside $NS in the background,
# its stdout in $BATS_TEST_TMPDIR/NAME.out; waits for its "ready" line.
snap_peer() {
	local name=$1
	shift
	ip netns exec "$NS" perl -e "$SNAP_PERL" "$@" \
		>"$BATS_TEST_TMPDIR/$name.out" 2>&1 3>&- &
	wait_for "$BATS_TEST_TMPDIR/$name.out" '^ready' || return 1
}

# snap_field NAME KEY: a value announced by a peer ("KEY value" line).
snap_field() {
	awk -v k="$2" '$1 == k { print $2; exit }' "$BATS_TEST_TMPDIR/$1.out"
}

snap_run() {	# the snapshot, inside the namespace
	ip netns exec "$NS" "$TCPOBSERVE" --snapshot "$@"
}

# Peers: listen ADDR [fork]  (listens, never accepts)
#        connect ADDR PORT N (N connections, held open)
#        closer ADDR         (a connection whose client closes first)
#        halfclosed ADDR     (the server closes, the client never does)
SNAP_PERL=$(cat <<'PERL'
use strict; use IO::Socket::IP; $| = 1;
my ($mode, @a) = @ARGV;
$SIG{TERM} = sub { exit 0 };
if ($mode eq "listen") {
	$0 = "snaplisten";
	my $l = IO::Socket::IP->new(Listen => 8, LocalHost => $a[0],
	    LocalPort => 0, ReuseAddr => 1) or die "listen: $@";
	print "port ", $l->sockport, "\npid $$\n";
	if (($a[1] // "") eq "fork") {
		my $c = fork // die "fork: $!";
		if ($c == 0) { sleep 1 while 1 }
		print "child $c\n";
	}
	print "ready\n";
	sleep 1 while 1;
} elsif ($mode eq "connect") {
	$0 = "snapclient";
	my @s;
	for (1 .. $a[2]) {
		my $s = IO::Socket::IP->new(PeerHost => $a[0], PeerPort => $a[1])
		    or die "connect: $@";
		print "cport$_ ", $s->sockport, "\n";
		push @s, $s;
	}
	print "pid $$\nready\n";
	sleep 1 while 1;
} elsif ($mode eq "closer") {
	$0 = "snapcloser";
	my $l = IO::Socket::IP->new(Listen => 8, LocalHost => $a[0],
	    LocalPort => 0, ReuseAddr => 1) or die "listen: $@";
	my $c = IO::Socket::IP->new(PeerHost => $a[0], PeerPort => $l->sockport)
	    or die "connect: $@";
	my $s = $l->accept or die "accept: $!";
	print "port ", $l->sockport, "\ncport ", $c->sockport, "\n";
	close $c;			# the client closes first: active closer
	my $buf; sysread($s, $buf, 1) == 0 or die "expected EOF";
	close $s; close $l;		# the server's FIN answers: LAST_ACK
	print "pid $$\nready\n";
	sleep 1 while 1;
} elsif ($mode eq "halfclosed") {
	$0 = "snaphalf";
	my $l = IO::Socket::IP->new(Listen => 8, LocalHost => $a[0],
	    LocalPort => 0, ReuseAddr => 1) or die "listen: $@";
	my $c = IO::Socket::IP->new(PeerHost => $a[0], PeerPort => $l->sockport)
	    or die "connect: $@";
	my $s = $l->accept or die "accept: $!";
	print "port ", $l->sockport, "\ncport ", $c->sockport, "\n";
	close $s;			# the server closes; the client never does
	my $buf; sysread($c, $buf, 1) == 0 or die "expected EOF";
	print "pid $$\nready\n";
	sleep 1 while 1;
}
PERL
)
