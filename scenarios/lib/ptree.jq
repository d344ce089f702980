# ptree.jq — sc_ptree's lines "PID<TAB>PPID<TAB>STAT<TAB>START<TAB>COMM<TAB>ARGS" (jq -Rn
# --argjson root PID) to {root, text, processes}; text drawn as `pstree -pA` (children by name).
[inputs | split("\t") | {pid: (.[0] | tonumber), ppid: (.[1] | tonumber), stat: .[2],
	start: (.[3] | tonumber), comm: .[4], args: .[5]}]
| sort_by(if .pid == $root then -1 else .pid end) as $ps
| def spaces($n): [range(0; $n)] | map(" ") | add // "";
  def tree($p):
	(first($ps[] | select(.pid == $p))) as $me
	| "\($me.comm)(\($me.pid))" as $l
	| [$ps[] | select(.ppid == $p and .pid != $root)] | sort_by([.comm, .pid]) as $k
	| ($k | length) as $n
	| if $n == 0 then [$l]
	  else spaces($l | length) as $pad
	  | [$k | to_entries[] | .key as $i | ($i == $n - 1) as $last
		| tree(.value.pid) | to_entries[]
		| (if .key > 0 then $pad + (if $last then "   " else " | " end)
		   elif $i == 0 then $l + (if $n == 1 then "---" else "-+-" end)
		   else $pad + (if $last then " `-" else " |-" end) end) + .value]
	  end;
{root: $root, text: (if ($ps | length) > 0 then tree($root) | join("\n") else "" end), processes: $ps}
