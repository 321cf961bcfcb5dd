# The long session a test and a benchmark share (sourced by
# tests/e2e/t_context.sh and bench/bench_context.sh): 40 documents of about
# 6k tokens each in docs/, one of which (17) holds the value VALUE-4242,
# and the fake server's script that reads them one by one and answers
# with the value when it can see it (else reads document 17 again).

# long_docs: writes docs/doc-1.md .. docs/doc-40.md in the current directory
long_docs() {
	mkdir -p docs
	i=1
	while [ "$i" -le 40 ]; do
		awk -v i="$i" 'BEGIN {
			for (l = 1; l <= 230; l++) {
				line = sprintf("doc %d line %d: the service keeps its orders in a table partitioned by month, and", i, l)
				if (i == 17 && l == 111) line = line " the retention key is VALUE-4242"
				while (length(line) < 100) line = line " pad"
				print line
			}
		}' > "docs/doc-$i.md"
		i=$((i + 1))
	done
}

# long_script WINDOW SERVER: the fake server's script
long_script() {
	printf '{"context":{"window":%d,"server":"%s"},"auto_usage":true,' "$1" "$2"
	printf '"summarize":{"marker":"<archie-compaction-request>","keep":"VALUE-[0-9]+"},"responses":['
	i=1
	while [ "$i" -le 40 ]; do
		printf '{"turn":{"text":"Reading document %d.","tool_calls":[{"id":"r%d","name":"Read","arguments":{"path":"docs/doc-%d.md"}}]}},' "$i" "$i" "$i"
		i=$((i + 1))
	done
	printf '{"when":{"body_contains":"VALUE-4242"},"repeat":true,"turn":{"text":"The retention key is VALUE-4242."}},'
	printf '{"repeat":true,"turn":{"text":"I need document 17 again.","tool_calls":[{"id":"again","name":"Read","arguments":{"path":"docs/doc-17.md"}}]}}'
	printf ']}'
}
