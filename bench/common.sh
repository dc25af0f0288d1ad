# Helpers the benchmark scripts share (sourced, not run).
# value_before WORD: the number printed just before WORD on each line ("12.5 steps/s" -> 12.5).
value_before() { awk -v w="$1" '{for (i = 1; i < NF; i++) if ($(i + 1) == w) print $i}'; }
steps_per_s() { value_before steps/s; }
# med: the median of the numbers on stdin, one per line.
med() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# ratio A B: A / B to two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
